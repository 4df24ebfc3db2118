/**
 * The behaviour every stream listener shares (Go's TCPListener and UnixListener bodies):
 * accept, close, address, deadline, async iteration and disposal.
 */
import { debuglog } from "node:util";
import { FDOwner } from "../poll/owner.js";
import { OpError, type Addr } from "./errors.js";
import type { NetFD } from "./fd_posix.js";
import type { File } from "../ipc/file.js";
import { deadlineMs, type Conn, type DeadlineTime } from "./conn.js";

const debug = debuglog("sockit");

/** The first and longest waits before iteration retries a temporary accept error (Go's http.Server). */
const backoffMin = 5;
const backoffMax = 1000;

/** Listener is a generic network listener for stream protocols, Go's `net.Listener`. */
export interface Listener<C extends Conn = Conn> extends AsyncIterable<C>, AsyncDisposable {
  accept(): Promise<C>;
  close(): Promise<void>;
  addr(): Addr;
}

/** SocketListener is the implementation stream listeners share. Use TCPListener or UnixListener. */
export abstract class SocketListener<C extends Conn> extends FDOwner implements Listener<C> {
  /** @internal */
  protected readonly nfd: NetFD;

  /** @internal */
  constructor(fd: NetFD) {
    super(fd.pfd);
    this.nfd = fd;
  }

  /** @internal Wraps an accepted NetFD in this listener's conn type. */
  protected abstract newConn(fd: NetFD): C;

  /** @internal Runs once when the listener closes, after its fd is closed. */
  protected onClose(): void {}

  /** @internal Closes the socket, then runs the listener's own cleanup (unix: unlink). */
  protected teardown(): void {
    this.nfd.close();
    this.onClose();
  }

  /** @internal "close tcp 127.0.0.1:PORT: use of closed network connection". */
  protected closeError(err: Error): Error {
    return new OpError("close", this.nfd.net, null, this.nfd.laddr, err);
  }

  /**
   * accept waits for the next connection. A listener deadline applies; a close rejects a
   * pending accept with ErrClosed.
   *
   * @example
   * const conn = await ln.accept();
   */
  async accept(): Promise<C> {
    try {
      return this.newConn(await this.nfd.accept());
    } catch (err) {
      throw new OpError("accept", this.nfd.net, null, this.nfd.laddr, err as Error);
    }
  }

  /**
   * file returns a File owning a dup of the listening socket, Go's `File`, named as Go names
   * it ("tcp:127.0.0.1:5000->"); `fileListener` turns it back into a listener (in another
   * process, say, after passing its `fd()` on). Closing either leaves the other open.
   */
  file(): File {
    try {
      return this.nfd.dup();
    } catch (err) {
      throw new OpError("file", this.nfd.net, null, this.nfd.laddr, err as Error);
    }
  }

  /** addr returns the listener's network address. */
  addr(): Addr {
    return this.nfd.laddr!;
  }

  /**
   * setDeadline sets the deadline of accept: a point in time (a Date or epoch milliseconds, as
   * `Date.now() + 5000`), never a duration; null for none. `setDeadline(5000)` means 1970:
   * accept then fails at once with "i/o timeout".
   */
  setDeadline(t: DeadlineTime): void {
    const ms = deadlineMs(t);
    try {
      this.nfd.pfd.setDeadline("r", ms);
    } catch (err) {
      throw new OpError("set", this.nfd.net, null, this.nfd.laddr, err as Error);
    }
  }

  /**
   * Iterates accepted conns until the listener is closed. A temporary accept error (EMFILE,
   * ENFILE, ECONNRESET ...) does not end the iteration: it is reported through
   * `NODE_DEBUG=sockit` and retried after a pause, 5 ms doubling to 1 s, as Go's http.Server
   * does, so a server outlives a burst of fd exhaustion. A passed deadline and permanent errors
   * reject; `accept()` itself rejects on every error, as Go's Accept does.
   *
   * @example
   * for await (const conn of ln) void serve(conn);
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<C, void, undefined> {
    let pause = 0;
    for (;;) {
      let conn: C;
      try {
        conn = await this.accept();
      } catch (err) {
        if (this.pfd.closed) return;
        if (!(err instanceof OpError) || !err.temporary() || err.timeout()) throw err;
        pause = pause === 0 ? backoffMin : Math.min(pause * 2, backoffMax);
        debug("%s; retrying in %d ms", err.message, pause);
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      pause = 0;
      yield conn;
    }
  }
}
