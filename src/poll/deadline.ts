/**
 * Deadline is one direction's deadline of an FD: a point in time after which waiting calls fail
 * and later ones fail at once, until it is moved (Go's runtime poller deadlines). LongTimer is
 * the one timer under every deadline in sockit, the FD's and the dialer's alike.
 */

/**
 * setTimeout's largest delay (2^31 − 1 ms, about 24.8 days). Node turns a longer one into 1 ms
 * and warns (TimeoutOverflowWarning), so longer waits are chained in steps of at most this.
 */
const maxTimer = 2 ** 31 - 1;

/**
 * LongTimer calls a function once at a point in time (epoch milliseconds), however far away:
 * where Node's `setTimeout` overflows past 2^31 − 1 ms and fires at once, LongTimer waits in
 * steps and checks the clock at each. `start` arms it (replacing any pending time), `stop`
 * disarms it; like a Node timer it keeps the process alive until `unref()`.
 *
 * @example
 * const t = new LongTimer(() => ac.abort(errTimeout)).start(Date.now() + 40 * 86_400_000);
 * t.stop(); // the dial finished first
 *
 * Go: the runtime's timers take any Duration; this is what Node needs to do the same.
 */
export class LongTimer {
  #at = 0;
  #timer: NodeJS.Timeout | null = null;
  #ref = true;

  /** @param fn called once each time an armed timer's time comes. */
  constructor(private readonly fn: () => void) {}

  /**
   * start arms the timer for `at` (epoch milliseconds), replacing any time already armed. A time
   * already past fires from the next timer turn, never synchronously.
   */
  start(at: number): this {
    this.stop();
    this.#at = at;
    this.#arm(at - Date.now());
    return this;
  }

  /** stop disarms the timer; `fn` will not run unless it is started again. Idempotent. */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Whether the timer is armed: started and neither fired nor stopped since. */
  get armed(): boolean {
    return this.#timer !== null;
  }

  /** unref lets the process exit while only this timer is pending, as Node's `timeout.unref()`. */
  unref(): this {
    this.#ref = false;
    this.#timer?.unref();
    return this;
  }

  /** ref makes the pending timer keep the process alive again (the default). */
  ref(): this {
    this.#ref = true;
    this.#timer?.ref();
    return this;
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.min(Math.max(delay, 0), maxTimer));
    if (!this.#ref) this.#timer.unref();
  }

  #fire(): void {
    this.#timer = null;
    const left = this.#at - Date.now();
    if (left > 0) return this.#arm(left);
    this.fn();
  }
}

/**
 * Deadline is one direction's deadline: `set(at)` moves it (0 clears), `expired` says whether it
 * has passed, and `onExpire` runs when a future deadline passes.
 */
export class Deadline {
  // A deadline alone never keeps the process alive; a pending call does.
  readonly #timer = new LongTimer(() => this.#fire()).unref();
  /** Whether the deadline has passed. It stays passed until set again. */
  expired = false;

  /** @param onExpire called once when a future deadline passes. */
  constructor(private readonly onExpire: () => void) {}

  /** set moves the deadline to `at` (epoch milliseconds); 0 clears it. */
  set(at: number): void {
    this.clear();
    if (at === 0) return;
    if (at <= Date.now()) return this.#fire();
    this.#timer.start(at);
  }

  /** clear removes the deadline and its timer. */
  clear(): void {
    this.#timer.stop();
    this.expired = false;
  }

  #fire(): void {
    this.expired = true;
    this.onExpire();
  }
}
