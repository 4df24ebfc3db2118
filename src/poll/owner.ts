/**
 * FDOwner, the one lifecycle of everything that owns an FD (conns, listeners, files), written
 * once as undici's base class does: `close()` runs the subclass's teardown exactly once; a
 * second close rejects with the owner's closed error; `Symbol.asyncDispose` goes through the
 * same path and is idempotent. An owner dropped without close has its fd closed when it is
 * garbage collected, as Go's netFD and os.File finalizers do, with a debuglog line saying so.
 * Observability lives here once too: every owner has `stats()`, is listed by activeHandles()
 * under its class name, and publishes `sockit:close` when closed (diag.ts).
 */
import type { FD } from "./fd.js";
import { RawConn } from "./rawconn.js";
import { channels, debug, publishClose, type FDStats } from "./diag.js";

/**
 * Closes the FD of an owner that was collected while still open. The registry holds the FD,
 * never the owner; the FD holds no reference to its owner while idle (a parked operation's
 * error mapper does, which keeps an owner with a call in flight alive, as a blocked goroutine
 * keeps a Go conn).
 */
const leaks = new FinalizationRegistry<FD>((fd) => {
  if (fd.closed) return;
  debug("fd %d: its owner was garbage collected without close(); closing it", fd.sysfd);
  fd.close();
});

/** FDOwner is the lifecycle base of every sockit object that owns an fd; see the module. */
export abstract class FDOwner implements AsyncDisposable {
  /** @internal The poll-layer FD this object owns. */
  protected readonly pfd: FD;

  /** @internal */
  constructor(pfd: FD) {
    this.pfd = pfd;
    pfd.kind = new.target.name;
    // No unregister token: a closed FD makes the callback a no-op, and a token would cost
    // every owner an entry in the registry's token table.
    leaks.register(this, pfd);
  }

  /** @internal The FD, for ipc calls made beside the owner's own (a file lock's wait). */
  get pollFD(): FD {
    return this.pfd;
  }

  /**
   * @internal Releases what the owner holds, the fd first; runs exactly once, from the first
   * close. A throw becomes close's rejection, through `closeError`.
   */
  protected abstract teardown(): void;

  /** @internal The error of a failed close, in the owner's form ("close tcp L->R: ..."). */
  protected abstract closeError(err: Error): Error;

  /**
   * close releases the fd and what goes with it: calls waiting on it reject with the closed
   * error, and so does every later call, a second close included (Go's behaviour). Use
   * `Symbol.asyncDispose` (or `await using`, where the runtime has it) for an idempotent close.
   */
  async close(): Promise<void> {
    if (this.pfd.closed) throw this.closeError(this.pfd.closedError);
    try {
      this.teardown();
    } catch (err) {
      throw this.closeError(err as Error);
    } finally {
      if (channels.close.hasSubscribers) publishClose(this, this.pfd);
    }
  }

  /**
   * stats returns a snapshot of this object's counters: bytes and calls read and written, and
   * how often (and, with `setWaitTiming(true)`, how long) its calls waited for the kernel; see
   * {@link FDStats}. It still answers after close, with the final figures.
   *
   * @example
   * await conn.write(new TextEncoder().encode("hello"));
   * const { bytesWritten, writes } = conn.stats(); // 5, 1
   *
   * Go: none (Go's net keeps no per-conn counters).
   */
  stats(): FDStats {
    return this.pfd.stats();
  }

  /** Idempotent close, for `await using`: closes if open, else does nothing. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.pfd.closed) await this.close();
  }

  /**
   * syscallConn gives raw access to the fd for the caller's own syscalls (Go's `SyscallConn`);
   * see {@link RawConn}. The object stays the fd's owner.
   *
   * @example
   * const rc = conn.syscallConn();
   * rc.control((fd) => console.log("fd", fd));
   */
  syscallConn(): RawConn {
    return new RawConn(this.pfd, (op, err) => this.rawError(op, err));
  }

  /** @internal A raw call's error in the owner's form; the poll layer's error as it is by default. */
  protected rawError(_op: string, err: Error): Error {
    return err;
  }

  /**
   * fd returns the descriptor number, to pass on (to a child's extra files, or with
   * `unixRights`), or -1 once closed. This object still owns it and closes it on close. Go:
   * `File.Fd` also puts the fd in blocking mode; this leaves it as it is.
   *
   * @example
   * await conn.writeMsg(new Uint8Array([1]), unixRights(file.fd()), null);
   */
  fd(): number {
    return this.pfd.closed ? -1 : this.pfd.sysfd;
  }

  /**
   * ref makes a pending call keep the process alive (the default), like Node's `ref()`.
   *
   * @example
   * ln.unref(); // the process may exit while ln waits for connections
   */
  ref(): this {
    this.pfd.setRefable(true);
    return this;
  }

  /** unref lets the process exit while this object's calls wait, like Node's `unref()`. */
  unref(): this {
    this.pfd.setRefable(false);
    return this;
  }
}
