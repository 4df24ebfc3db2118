/**
 * The poll layer's two sentinel errors, Go's `poll.ErrNetClosing` (exported by net as
 * `ErrClosed`) and `os.ErrDeadlineExceeded`. Both are single values: compare with `errorIs`.
 */
import { NetError, brand } from "../sys/errors.js";

/**
 * Sentinel is an error that is one fixed value, like Go's `errors.New` variables.
 * `errorIs(err, ErrClosed)` finds it anywhere in a cause chain.
 */
export class Sentinel extends NetError {
  override readonly name: string = "Sentinel";
  constructor(
    message: string,
    readonly code: string,
    private readonly isTimeout = false,
    private readonly isTemporary = false,
  ) {
    super(message);
  }
  override timeout(): boolean {
    return this.isTimeout;
  }
  override temporary(): boolean {
    return this.isTemporary;
  }
}
brand(Sentinel, "Sentinel");

/**
 * ErrClosed is the error of any call on a closed conn, listener or fd, and of calls that were
 * waiting when it closed. Go: `net.ErrClosed`.
 */
// Frozen: programs match on this string.
export const ErrClosed = new Sentinel("use of closed network connection", "ERR_SOCKIT_CLOSED");

/**
 * ErrDeadlineExceeded is the error of a read, write or accept whose deadline passed; its
 * `timeout()` is true. Go: `os.ErrDeadlineExceeded`.
 */
// Frozen: Go keeps "i/o timeout" because programs match on it.
export const ErrDeadlineExceeded = new Sentinel("i/o timeout", "ERR_SOCKIT_DEADLINE_EXCEEDED", true, true);

/**
 * ErrNoDeadline is the error of setting a deadline on an fd the kernel cannot poll (a regular
 * file), whose calls never wait. Go: `os.ErrNoDeadline`.
 */
// Frozen: Go's text.
export const ErrNoDeadline = new Sentinel("file type does not support deadline", "ERR_SOCKIT_NO_DEADLINE");

/**
 * ErrFileClosing is the poll layer's error for a call on a closed file (Go's
 * `poll.ErrFileClosing`). File reports it as ErrFileClosed ("file already closed") wherever Go's
 * os package does, and as it is from the deadline setters, as Go's do.
 */
// Frozen: Go's text.
export const ErrFileClosing = new Sentinel("use of closed file", "ERR_SOCKIT_FILE_CLOSING");

/**
 * CanceledError is the error of a dial stopped by its AbortSignal, Go's `errCanceled`
 * ("operation was canceled", code "ABORT_ERR"). The signal's reason is its `cause`, so
 * `errorIs(err, signal.reason)` holds, while the text stays Go's. Every CanceledError matches
 * every other under `errorIs` (Go's `errCanceled` is one value), and nothing else.
 *
 * @example
 * const ac = new AbortController();
 * ac.abort();
 * try { await dial("tcp", "127.0.0.1:8080", { signal: ac.signal }); }
 * catch (e) { (e as OpError).message; errorIs(e, ac.signal.reason); } // "dial tcp 127.0.0.1:8080: operation was canceled", true
 *
 * Go: a new value per dial, so that the signal's reason can ride along as its `cause`.
 */
export class CanceledError extends Sentinel {
  override readonly name = "CanceledError";
  constructor(reason: unknown) {
    super("operation was canceled", "ABORT_ERR");
    Object.defineProperty(this, "cause", { value: reason, enumerable: false, writable: true, configurable: true });
  }
  /** Matches any other CanceledError, as Go compares against the one `errCanceled`. */
  is(target: unknown): boolean {
    return target instanceof CanceledError;
  }
}
brand(CanceledError, "CanceledError");

/**
 * errTimeout: a dial whose timeout or deadline passed; "i/o timeout" like ErrDeadlineExceeded
 * but a different value, as in Go.
 */
export const errTimeout = new Sentinel("i/o timeout", "ERR_SOCKIT_TIMEOUT", true, true);

/**
 * abortError maps an AbortSignal's reason to the error Go would give for a done context: a
 * timeout (`errTimeout`, or a DOMException named TimeoutError as from `AbortSignal.timeout`)
 * reads "i/o timeout", anything else "operation was canceled" with the reason as its cause.
 */
export function abortError(reason: unknown): Error {
  if (reason === errTimeout) return errTimeout;
  if (reason instanceof Error && reason.name === "TimeoutError") return errTimeout;
  return new CanceledError(reason);
}
