/**
 * RawConn, Go's `syscall.RawConn`: an owner's fd lent to the caller's own syscalls, under the
 * owner's lifecycle. `control` runs a function with the fd now; `read` and `write` run one
 * when the fd is ready, again after each readiness until it says it is done, as Go's do.
 */
import { E } from "../sys/errors.js";
import type { FD } from "./fd.js";

/**
 * RawConn gives raw access to an owner's fd (from `syscallConn()` on a conn, listener, File,
 * queue or segment). The owner still owns the fd: do not close it. Errors, a closed owner's
 * included, are the owner's ("raw-read tcp L->R: use of closed network connection").
 *
 * @example
 * conn.syscallConn().control((fd) => binding.setsockoptInt(fd, level, name, 1));
 * await conn.syscallConn().read((fd) => tryMyRead(fd)); // true when done, false to wait
 */
export class RawConn {
  /** @internal Use syscallConn(). */
  constructor(
    private readonly pfd: FD,
    private readonly wrap: (op: string, err: Error) => Error,
  ) {}

  /**
   * control calls `fn` with the fd, now, and returns what it returns; the fd is valid only
   * during the call. Go: `RawConn.Control`.
   */
  control<T>(fn: (fd: number) => T): T {
    let fd: number;
    try {
      fd = this.pfd.sysfd;
    } catch (err) {
      throw this.wrap("raw-control", err as Error);
    }
    return fn(fd);
  }

  /**
   * read calls `fn` with the fd until it returns true: a false means "would block", and read
   * then waits until the fd is readable (or its read deadline, its signal or close ends the
   * wait) and calls it again. Go: `RawConn.Read`.
   */
  async read(fn: (fd: number) => boolean, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.pfd.rawRead(
      (fd) => (fn(fd) ? 0 : -E.EAGAIN!),
      (err) => this.wrap("raw-read", err),
      opts.signal,
    );
  }

  /** write is {@link RawConn.read} for writability. Go: `RawConn.Write`. */
  async write(fn: (fd: number) => boolean, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.pfd.rawWrite(
      (fd) => (fn(fd) ? 0 : -E.EAGAIN!),
      (err) => this.wrap("raw-write", err),
      opts.signal,
    );
  }
}
