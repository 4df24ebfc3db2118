/**
 * SIGINT and SIGTERM for the commands that wait on a socket: close it, which ends the wait,
 * and exit with the status the signal would have given.
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
