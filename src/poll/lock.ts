/**
 * FifoLock serialises one direction of an FD so that concurrent reads (or writes) run whole and
 * in call order (Go's fdMutex read and write locks).
 */
export class FifoLock {
  #held = false;
  /** Callers waiting their turn; made on first contention. */
  #queue: (() => void)[] | null = null;

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
    const next = this.#queue?.shift();
    if (next !== undefined) next();
    else this.#held = false;
  }
}
