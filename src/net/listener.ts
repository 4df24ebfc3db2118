/**
 * The behaviour every stream listener shares (Go's TCPListener and UnixListener bodies):
 * accept, close, address, deadline, async iteration and disposal.
 */
import { errorIs } from "../sys/errors.js";
import { ErrClosed } from "../poll/errors.js";
import { OpError, type Addr } from "./errors.js";
import type { NetFD } from "./fd_posix.js";
import { deadlineMs, type Conn, type DeadlineTime } from "./conn.js";

/** Listener is a generic network listener for stream protocols, Go's `net.Listener`. */
export interface Listener<C extends Conn = Conn> extends AsyncIterable<C>, AsyncDisposable {
  accept(): Promise<C>;
  close(): Promise<void>;
  addr(): Addr;
}

/** SocketListener is the implementation stream listeners share. Use TCPListener or UnixListener. */
export abstract class SocketListener<C extends Conn> implements Listener<C> {
  /** @internal */
  protected readonly fd: NetFD;

  /** @internal */
  constructor(fd: NetFD) {
    this.fd = fd;
  }

  /** @internal Wraps an accepted NetFD in this listener's conn type. */
  protected abstract newConn(fd: NetFD): C;

  /** @internal Runs once when the listener closes, after its fd is closed. */
  protected onClose(): void {}

  /**
   * accept waits for the next connection. A listener deadline applies; a close rejects a
   * pending accept with ErrClosed.
   *
   * @example
   * const conn = await ln.accept();
   */
  async accept(): Promise<C> {
    try {
      return this.newConn(await this.fd.accept());
    } catch (err) {
      throw new OpError("accept", this.fd.net, null, this.fd.laddr, err as Error);
    }
  }

  /**
   * close stops listening; accepted conns stay open. A second close rejects with ErrClosed,
   * as in Go; `await using` closes idempotently.
   */
  async close(): Promise<void> {
    try {
      this.fd.close();
    } catch (err) {
      throw new OpError("close", this.fd.net, null, this.fd.laddr, err as Error);
    }
    this.onClose();
  }

  /** Idempotent close, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.fd.pfd.closed) await this.close();
  }

  /** addr returns the listener's network address. */
  addr(): Addr {
    return this.fd.laddr!;
  }

  /** setDeadline sets the deadline of accept: a Date, epoch milliseconds, or null for none. */
  setDeadline(t: DeadlineTime): void {
    const ms = deadlineMs(t);
    try {
      this.fd.pfd.setDeadline("r", ms);
    } catch (err) {
      throw new OpError("set", this.fd.net, null, this.fd.laddr, err as Error);
    }
  }

  /**
   * ref makes a pending accept keep the process alive (the default); unref lets the process
   * exit while this listener waits, like Node's `server.unref()`.
   */
  ref(): this {
    this.fd.pfd.setRefable(true);
    return this;
  }

  /** unref lets the process exit while this listener waits for connections. */
  unref(): this {
    this.fd.pfd.setRefable(false);
    return this;
  }

  /** Iterates accepted conns until the listener is closed; other accept errors reject. */
  async *[Symbol.asyncIterator](): AsyncGenerator<C, void, undefined> {
    for (;;) {
      let conn: C;
      try {
        conn = await this.accept();
      } catch (err) {
        if (errorIs(err, ErrClosed)) return;
        throw err;
      }
      yield conn;
    }
  }
}
