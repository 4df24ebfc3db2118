/**
 * SIGINT and SIGTERM for the commands that wait: `dial` and `listen` close the socket they
 * wait on, which ends the wait, and exit with the status the signal would have given; `exec`
 * passes them on to its child.
 */
import { constants as osConstants } from "node:os";
import { debuglog } from "node:util";

const debug = debuglog("sockit");

/**
 * SignalTrap closes `target` (a listener or a conn) on SIGINT or SIGTERM, which makes its
 * pending calls reject, and remembers the exit status the signal would have given. Call
 * `remove()` once the wait is over, so the signals have their usual effect again.
 *
 * @example
 * const trap = new SignalTrap(ln);
 * try { conn = await ln.accept(); } catch (err) { if (trap.status !== 0) return trap.status; throw err; }
 * finally { trap.remove(); }
 */
export class SignalTrap {
  /** 128 + the signal's number once one was caught, else 0. */
  status = 0;
  readonly #handler = (sig: NodeJS.Signals): void => {
    debug("caught %s; closing the socket", sig);
    this.status = 128 + (osConstants.signals[sig] ?? 0);
    Promise.resolve(this.target[Symbol.asyncDispose]()).catch((err: unknown) => debug("close after %s: %o", sig, err));
  };

  constructor(private readonly target: AsyncDisposable) {
    process.on("SIGINT", this.#handler);
    process.on("SIGTERM", this.#handler);
  }

  /** remove stops trapping the signals. */
  remove(): void {
    process.off("SIGINT", this.#handler);
    process.off("SIGTERM", this.#handler);
  }
}

/** The process a {@link SignalRelay} passes signals to: sockit's Process. */
export interface SignalTarget {
  readonly pid: number;
  signal(sig: NodeJS.Signals): void;
}

/**
 * SignalRelay catches SIGINT and SIGTERM for `exec`. Until `relayTo` names the child, a signal
 * aborts `signal` (ending a dial in progress) and sets `status` to what the signal would have
 * given, for the command to stop with before it starts the child; a signal that comes while
 * the child is being started is held and passed on once it has. From then on each signal is
 * passed on, and sockit itself stays, to report how the child ended. `log` hears of each.
 *
 * @example
 * const relay = new SignalRelay(log);
 * try { await cmd.start(); relay.relayTo(cmd.process!); await cmd.wait(); } finally { relay.remove(); }
 */
export class SignalRelay {
  /** 128 + the number of the latest signal caught before the child was known, else 0. */
  status = 0;
  readonly #abort = new AbortController();
  #held: NodeJS.Signals | null = null;
  #child: SignalTarget | null = null;
  readonly #handler = (sig: NodeJS.Signals): void => {
    if (this.#child !== null) {
      this.#pass(sig);
      return;
    }
    debug("caught %s before the child started", sig);
    this.status = 128 + (osConstants.signals[sig] ?? 0);
    this.#held = sig;
    this.#abort.abort(new Error(`caught ${sig}`));
  };

  constructor(private readonly log: (line: string) => void) {
    process.on("SIGINT", this.#handler);
    process.on("SIGTERM", this.#handler);
  }

  /** An AbortSignal that aborts at the first signal caught before the child is known. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** relayTo passes every later signal on to `child`, and the one held since its start if any. */
  relayTo(child: SignalTarget): void {
    this.#child = child;
    if (this.#held !== null) this.#pass(this.#held);
    this.#held = null;
  }

  /** remove stops catching the signals. */
  remove(): void {
    process.off("SIGINT", this.#handler);
    process.off("SIGTERM", this.#handler);
  }

  #pass(sig: NodeJS.Signals): void {
    const child = this.#child!;
    try {
      child.signal(sig);
      this.log(`passed ${sig} on to pid ${child.pid}`);
    } catch (err) {
      // The child has exited and is being reaped: the wait reports how it ended.
      debug("passing %s on to pid %d: %o", sig, child.pid, err);
    }
  }
}
