/**
 * LockQueue holds the callers waiting for one direction of an FD, so that concurrent reads (or
 * writes) run whole and in call order (Go's fdMutex read and write locks). Whether the lock is
 * held is a bit of the FD's state; a queue exists only once a second caller has had to wait,
 * since most fds never see contention and an object per direction per fd is memory every idle
 * conn would pay.
 */
export class LockQueue {
  /**
   * Waiters, taken from `#head`. The array is compacted once its dead front outgrows its live
   * part, so push and shift are O(1) amortised (Array.shift is O(n): 100,000 queued reads took
   * 14 s).
   */
  #items: (() => void)[] = [];
  #head = 0;

  /** The callers waiting in line (for activeHandles). */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** wait queues a caller; the promise resolves when it is handed the lock. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.#items.push(resolve));
  }

  /**
   * enqueue queues `turn`, called when it is handed the lock: the form of wait for a caller
   * that may leave the line before its turn (an aborted accept), which {@link LockQueue.remove}
   * finds by identity.
   */
  enqueue(turn: () => void): void {
    this.#items.push(turn);
  }

  /**
   * remove takes `turn` out of the line if it is still waiting, reporting whether it was. It
   * costs O(n), which only an abort pays; the callers behind it keep their order.
   */
  remove(turn: () => void): boolean {
    const q = this.#items;
    const i = q.indexOf(turn, this.#head);
    if (i < 0) return false;
    q.splice(i, 1);
    if (this.#head === q.length) {
      this.#items = [];
      this.#head = 0;
    }
    return true;
  }

  /** next takes the first waiter, or undefined when none is left. */
  next(): (() => void) | undefined {
    const q = this.#items;
    if (this.#head === q.length) return undefined;
    const fn = q[this.#head++]!;
    if (this.#head === q.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= q.length) {
      q.splice(0, this.#head);
      this.#head = 0;
    }
    return fn;
  }
}
