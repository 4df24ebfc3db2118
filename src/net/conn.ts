/**
 * The generic conn and listener behaviour every socket type shares (Go's `conn` in net.go):
 * reads, writes, close, addresses, deadlines and buffer sizes, each failure wrapped in one
 * OpError that names the operation, the network and the addresses.
 */
import { C } from "../sys/constants.js";
import type { ReadErrorMapper, WriteErrorMapper } from "../poll/fd.js";
import { OpError, type Addr } from "./errors.js";
import { type NetFD, wrapSyscallError } from "./fd_posix.js";

/** A point in time for a deadline: a Date, epoch milliseconds, or null for none. */
export type DeadlineTime = Date | number | null;

/**
 * deadlineMs turns a deadline into the poll layer's epoch milliseconds: 0 for none, and any
 * time at or before the epoch becomes 1 so that it still counts as passed.
 */
export function deadlineMs(t: DeadlineTime): number {
  if (t === null) return 0;
  const ms = typeof t === "number" ? t : t.getTime();
  if (Number.isNaN(ms)) throw new TypeError("sockit: deadline is not a valid time");
  return ms <= 0 ? 1 : ms;
}

/**
 * Conn is a generic stream-oriented network connection, Go's `net.Conn`: every conn sockit
 * returns implements it.
 */
export interface Conn extends AsyncDisposable {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): Promise<void>;
  localAddr(): Addr | null;
  remoteAddr(): Addr | null;
  setDeadline(t: DeadlineTime): void;
  setReadDeadline(t: DeadlineTime): void;
  setWriteDeadline(t: DeadlineTime): void;
}

/** Size of the chunks async iteration reads. */
const chunkSize = 64 * 1024;

/**
 * SocketConn is the implementation all socket conns share (Go's unexported `conn`). Use the
 * concrete classes, `TCPConn` and `UnixConn`.
 */
export abstract class SocketConn implements Conn, ReadErrorMapper, WriteErrorMapper {
  /** @internal */
  protected readonly fd: NetFD;

  /** @internal */
  constructor(fd: NetFD) {
    this.fd = fd;
  }

  /**
   * read reads up to `p.length` bytes into `p`: the count, or null at end of stream (Go's
   * `io.EOF`). Concurrent reads are served whole, in call order.
   *
   * @example
   * const n = await conn.read(buf); if (n === null) return; // peer closed
   */
  read(p: Uint8Array): Promise<number | null> {
    return this.fd.read(p, 0, p.length, this);
  }

  /**
   * write writes all of `p` and resolves with `p.length` once the kernel holds every byte.
   * Concurrent writes never interleave. A failure rejects with an OpError whose
   * `bytesWritten` says how much went out first.
   */
  write(p: Uint8Array): Promise<number> {
    return this.fd.write(p, 0, p.length, this);
  }

  /**
   * close closes the connection: pending reads and writes reject with ErrClosed, and so does
   * every later call, a second close included (Go's behaviour). Use `await using` or
   * `Symbol.asyncDispose` for an idempotent close.
   */
  async close(): Promise<void> {
    try {
      this.fd.close();
    } catch (err) {
      throw this.opError("close", err as Error);
    }
  }

  /** Idempotent close, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.fd.pfd.closed) this.fd.close();
  }

  /** localAddr returns the local network address. */
  localAddr(): Addr | null {
    return this.fd.laddr;
  }

  /** remoteAddr returns the remote network address. */
  remoteAddr(): Addr | null {
    return this.fd.raddr;
  }

  /**
   * setDeadline sets both the read and write deadlines: a Date, epoch milliseconds, or null
   * for none. A deadline applies to calls already waiting and to later ones; once passed,
   * they reject with ErrDeadlineExceeded ("i/o timeout") until it is moved.
   *
   * @example
   * conn.setDeadline(Date.now() + 5000);
   */
  setDeadline(t: DeadlineTime): void {
    this.#setDeadline("rw", t);
  }

  /** setReadDeadline sets the deadline of reads; see {@link SocketConn.setDeadline}. */
  setReadDeadline(t: DeadlineTime): void {
    this.#setDeadline("r", t);
  }

  /** setWriteDeadline sets the deadline of writes; see {@link SocketConn.setDeadline}. */
  setWriteDeadline(t: DeadlineTime): void {
    this.#setDeadline("w", t);
  }

  /** setReadBuffer sets the kernel's receive buffer size (SO_RCVBUF; Linux doubles it). */
  setReadBuffer(bytes: number): void {
    this.setOption(C.SOL_SOCKET!, C.SO_RCVBUF!, bytes, false);
  }

  /** setWriteBuffer sets the kernel's send buffer size (SO_SNDBUF; Linux doubles it). */
  setWriteBuffer(bytes: number): void {
    this.setOption(C.SOL_SOCKET!, C.SO_SNDBUF!, bytes, false);
  }

  /**
   * chunks iterates the bytes that arrive, in chunks of up to 64 KiB, until end of stream
   * (one message per chunk on message sockets). Breaking out of the loop leaves the conn open.
   */
  async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const buf = new Uint8Array(chunkSize);
      const n = await this.read(buf);
      if (n === null) return;
      yield buf.subarray(0, n);
    }
  }

  /**
   * @internal The body of closeRead and closeWrite (on TCPConn and UnixConn, as in Go): shut
   * down one direction, Go's "close" OpError on failure. The write side waits for the writes
   * already queued, so a shutdown cannot cut one short.
   */
  protected async shutdown(how: number): Promise<void> {
    const shut = () => {
      try {
        this.fd.shutdown(how);
      } catch (err) {
        throw this.opError("close", err as Error);
      }
    };
    if (how === C.SHUT_RD) shut();
    else await this.fd.pfd.afterWrites(shut);
  }

  /** @internal Sets an int option; `withPeer` picks Go's error form for the option. */
  protected setOption(level: number, name: number, value: number, withPeer: boolean): void {
    try {
      this.fd.setsockoptInt(level, name, value);
    } catch (err) {
      throw withPeer ? this.opError("set", err as Error) : this.setError(err as Error);
    }
  }

  #setDeadline(which: "r" | "w" | "rw", t: DeadlineTime): void {
    const ms = deadlineMs(t);
    try {
      this.fd.pfd.setDeadline(which, ms);
    } catch (err) {
      throw this.setError(err as Error);
    }
  }

  /** @internal How a failed read is reported: "read tcp L->R: read: connection reset by peer". */
  mapReadError(err: Error): Error {
    return this.opError("read", wrapSyscallError("read", err));
  }

  /** @internal How a failed write is reported, with the bytes that went out first. */
  mapWriteError(err: Error, written: number): Error {
    const e = this.opError("write", wrapSyscallError("write", err));
    e.bytesWritten = written;
    return e;
  }

  /** @internal An OpError naming this conn's local and remote addresses. */
  protected opError(op: string, err: Error): OpError {
    return new OpError(op, this.fd.net, this.fd.laddr, this.fd.raddr, err);
  }

  /** @internal The error form of deadline and buffer setters: "set tcp L: ...". */
  protected setError(err: Error): OpError {
    return new OpError("set", this.fd.net, null, this.fd.laddr, err);
  }
}
