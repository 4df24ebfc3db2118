/**
 * The errors of files, pipes and FIFOs, as Go's os package words them: `PathError`
 * ("read |0: i/o timeout") and `ErrFileClosed` (os.ErrClosed, "file already closed").
 */
import { NetError, brand } from "../sys/errors.js";
import { Sentinel } from "../poll/errors.js";

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
