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
