/**
 * RawConn, Go's `syscall.RawConn`: an owner's fd lent to the caller's own syscalls, under the
 * owner's lifecycle. `control` runs a function with the fd now; `read` and `write` run one
 * when the fd is ready, again after each readiness until it says it is done, as Go's do.
 */
import { binding } from "../sys/binding.js";
import { E, syscallError } from "../sys/errors.js";
import { checkInt, invalidArg, isBytes } from "../sys/args.js";
import type { FD } from "./fd.js";

/** The most bytes getsockoptBytes reads: far above any option's value (TCP_INFO is ~250). */
const maxOptLen = 64 * 1024;

/** getsockoptInt's result slot; calls are synchronous, so one serves all. */
const intOut = new Int32Array(1);

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

  /**
   * getsockoptInt reads an int-valued socket option sockit has no wrapper for (getsockopt(2)).
   * A failure is the owner's raw-control error around a "getsockopt" SyscallError
   * ("raw-control tcp 127.0.0.1:5000: getsockopt: protocol not available"). Beyond Go, whose
   * callers run `syscall.GetsockoptInt` inside `Control`.
   *
   * @example
   * const type = conn.syscallConn().getsockoptInt(syscall.SOL_SOCKET, syscall.SO_TYPE);
   */
  getsockoptInt(level: number, name: number): number {
    return this.control((fd) => {
      const rc = binding.getsockoptInt(fd, level, name, intOut);
      if (rc < 0) throw this.wrap("raw-control", syscallError("getsockopt", rc));
      return intOut[0]!;
    });
  }

  /**
   * setsockoptInt sets an int-valued socket option (setsockopt(2)); errors as for
   * {@link RawConn.getsockoptInt}, naming "setsockopt".
   *
   * @example
   * conn.syscallConn().setsockoptInt(syscall.SOL_SOCKET, syscall.SO_PRIORITY, 6);
   */
  setsockoptInt(level: number, name: number, value: number): void {
    this.control((fd) => {
      const rc = binding.setsockoptInt(fd, level, name, value);
      if (rc < 0) throw this.wrap("raw-control", syscallError("setsockopt", rc));
    });
  }

  /**
   * getsockoptBytes reads a struct- or string-valued socket option: the first bytes of its value
   * up to `maxLen` (at most 65536), as the kernel wrote them (getsockopt(2)). Errors as for
   * {@link RawConn.getsockoptInt}.
   *
   * @example
   * const dev = conn.syscallConn().getsockoptBytes(syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, 16);
   */
  getsockoptBytes(level: number, name: number, maxLen: number): Uint8Array {
    if (checkInt("maxLen", maxLen, 0) > maxOptLen) throw invalidArg("maxLen", `at most ${maxOptLen}`, maxLen);
    const out = new Uint8Array(maxLen);
    return this.control((fd) => {
      const n = binding.getsockoptBytes(fd, level, name, out);
      if (n < 0) throw this.wrap("raw-control", syscallError("getsockopt", n));
      return out.subarray(0, n);
    });
  }

  /**
   * setsockoptBytes sets a socket option from raw bytes (a struct the caller laid out, a device
   * name); errors as for {@link RawConn.getsockoptInt}, naming "setsockopt".
   *
   * @example
   * conn.syscallConn().setsockoptBytes(syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, new TextEncoder().encode("lo"));
   */
  setsockoptBytes(level: number, name: number, value: Uint8Array): void {
    if (!isBytes(value)) throw invalidArg("value", "a Uint8Array", value);
    this.control((fd) => {
      const rc = binding.setsockoptBytes(fd, level, name, value);
      if (rc < 0) throw this.wrap("raw-control", syscallError("setsockopt", rc));
    });
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
