/**
 * The errors of files, pipes and FIFOs, as Go's os package words them: `PathError`
 * ("read |0: i/o timeout") and `ErrFileClosed` (os.ErrClosed, "file already closed").
 */
import { NetError, brand } from "../sys/errors.js";
import { ErrFileClosing, Sentinel, abortError, errTimeout } from "../poll/errors.js";

/**
 * PathError is the error of an operation on a named file, Go's `fs.PathError`:
 * "open /tmp/x: no such file or directory", "write |1: broken pipe". Its fields are Go's: `op`,
 * `path` and the wrapped `err` (also the standard `cause`).
 *
 * @example
 * try { await openFile("/nonexistent", "r"); }
 * catch (e) { (e as PathError).path; } // "/nonexistent"
 */
export class PathError extends NetError {
  override readonly name = "PathError";
  readonly code: string | undefined;
  /** For a failed write: how many bytes went out before the failure. */
  bytesWritten = 0;
  constructor(
    /** The operation: "open", "read", "write", "close", "mkfifo", ... */
    readonly op: string,
    /** The file's name: a path, or a pipe's "|0" and "|1". */
    readonly path: string,
    /** The error behind this one. */
    readonly err: Error,
  ) {
    super(`${op} ${path}: ${err.message}`, { cause: err });
    this.code = (err as { code?: string }).code;
  }
  override timeout(): boolean {
    return this.err instanceof NetError && this.err.timeout();
  }
  override temporary(): boolean {
    return this.err instanceof NetError && this.err.temporary();
  }
}
brand(PathError, "PathError");

/**
 * ErrFileClosed is the error of any call on a closed File, and of calls that were waiting when
 * it closed. Go: `os.ErrClosed`.
 */
// Frozen: programs match on this string (Go's fs.ErrClosed).
export const ErrFileClosed = new Sentinel("file already closed", "ERR_SOCKIT_FILE_CLOSED");

/** Go's os.wrapErr: the poll layer's "use of closed file" is os's ErrClosed in a PathError. */
export function pathError(op: string, name: string, err: Error): PathError {
  return new PathError(op, name, err === ErrFileClosing ? ErrFileClosed : err);
}

/**
 * ErrProcessDone is the error of signalling a process that has finished (after its wait, or
 * when the kernel says ESRCH). Go: `os.ErrProcessDone`.
 */
// Frozen: Go's text.
export const ErrProcessDone = new Sentinel("os: process already finished", "ERR_SOCKIT_PROCESS_DONE");

/** The error of signalling a released process. Go: the `os` package's unexported error. */
// Frozen: Go's text.
export const ErrProcessReleased = new Sentinel("os: process already released", "ERR_SOCKIT_PROCESS_RELEASED");

/** Go's `context.DeadlineExceeded`, for a command whose signal fired on a timeout. */
// Frozen: Go's text.
export const ErrContextDeadlineExceeded = new Sentinel("context deadline exceeded", "ERR_SOCKIT_DEADLINE_EXCEEDED", true, true);

/**
 * contextError is Go's `ctx.Err()` for an aborted AbortSignal: "context deadline exceeded"
 * when it fired on a timeout (AbortSignal.timeout), else a CanceledError worded as Go's
 * `context.Canceled` ("context canceled") whose cause is the signal's reason.
 */
export function contextError(reason: unknown): Error {
  const e = abortError(reason);
  if (e === errTimeout) return ErrContextDeadlineExceeded;
  e.message = "context canceled";
  return e;
}
