/**
 * FifoLock serialises one direction of an FD so that concurrent reads (or writes) run whole and
 * in call order (Go's fdMutex read and write locks).
 */
export class FifoLock {
  #held = false;
  /**
   * Callers waiting their turn, made on first contention. Entries are taken from `#head`, and
   * the array is dropped when it drains or compacted once its dead front outgrows its live
   * part, so acquire and release are O(1) amortised (Array.shift is O(n): 100,000 queued reads
   * took 14 s).
   */
  #queue: (() => void)[] | null = null;
  #head = 0;

  /**
   * acquire takes the lock: undefined when it was free (taken at once, no promise made), else a
   * promise that resolves when it is this caller's turn.
   */
  acquire(): Promise<void> | undefined {
    if (!this.#held) {
      this.#held = true;
      return undefined;
    }
    return new Promise<void>((resolve) => (this.#queue ??= []).push(resolve));
  }

  /** release hands the lock to the next caller in line, or frees it. */
  release(): void {
    const q = this.#queue;
    if (q === null || this.#head === q.length) {
      this.#held = false;
      return;
    }
    const next = q[this.#head++]!;
    if (this.#head === q.length) {
      this.#queue = null;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= q.length) {
      q.splice(0, this.#head);
      this.#head = 0;
    }
    next();
  }
}
