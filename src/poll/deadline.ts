/**
 * Deadline is one direction's deadline of an FD: a point in time after which waiting calls fail
 * and later ones fail at once, until it is moved (Go's runtime poller deadlines).
 */

/** setTimeout's largest delay; longer ones are chained, since Node would clamp them to 1 ms. */
const maxTimer = 2 ** 31 - 1;

/**
 * Deadline is one direction's deadline: `set(at)` moves it (0 clears), `expired` says whether it
 * has passed, and `onExpire` runs when a future deadline passes.
 */
export class Deadline {
  #at = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Whether the deadline has passed. It stays passed until set again. */
  expired = false;

  /** @param onExpire called once when a future deadline passes. */
  constructor(private readonly onExpire: () => void) {}

  /** set moves the deadline to `at` (epoch milliseconds); 0 clears it. */
  set(at: number): void {
    this.clear();
    this.#at = at;
    if (at === 0) return;
    const delay = at - Date.now();
    if (delay <= 0) {
      this.expired = true;
      this.onExpire();
      return;
    }
    this.#arm(delay);
  }

  /** clear removes the deadline and its timer. */
  clear(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#at = 0;
    this.expired = false;
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.min(delay, maxTimer));
    // A deadline alone never keeps the process alive; a pending call does.
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = null;
    const left = this.#at - Date.now();
    if (left > 0) return this.#arm(left);
    this.expired = true;
    this.onExpire();
  }
}
