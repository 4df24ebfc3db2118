/**
 * The generic conn and listener behaviour every socket type shares (Go's `conn` in net.go):
 * reads, writes, close, addresses, deadlines and buffer sizes, each failure wrapped in one
 * OpError that names the operation, the network and the addresses.
 */
import { C } from "../sys/constants.js";
import { FDStream, type DeadlineTime } from "../poll/stream.js";
import { OpError, type Addr } from "./errors.js";
import { type NetFD, wrapSyscallError } from "./fd_posix.js";
import type { File } from "../ipc/file.js";

export { deadlineMs, type DeadlineTime, type HalfCloser, canHalfClose } from "../poll/stream.js";

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

/**
 * SocketConn is the implementation all socket conns share (Go's unexported `conn`): the
 * stream half (reads, writes, deadlines, chunks, close) comes from the poll layer's FDStream,
 * and this adds addresses, socket options and Go's OpError. Use the concrete classes,
 * `TCPConn`, `UnixConn`, `UDPConn` and `IPConn`.
 */
export abstract class SocketConn extends FDStream implements Conn {
  /** @internal */
  protected readonly nfd: NetFD;

  /** @internal */
  constructor(fd: NetFD) {
    super(fd.pfd);
    this.nfd = fd;
    // activeHandles() and sockit:close read the network and addresses from the NetFD, which,
    // unlike the conn, the registry may hold (diag.ts).
    fd.pfd.facts = fd;
  }

  /** @internal Closes the socket (its local address is kept for later errors). */
  protected teardown(): void {
    this.nfd.close();
  }

  /** @internal "close tcp L->R: use of closed network connection". */
  protected closeError(err: Error): Error {
    return this.opError("close", err);
  }

  /**
   * @internal As Go's rawConn wraps: "raw-read tcp L->R: ...", and for control the local
   * address alone ("raw-control tcp L: ...").
   */
  protected override rawError(op: string, err: Error): Error {
    if (op === "raw-control") return new OpError(op, this.nfd.net, null, this.nfd.laddr, err);
    return this.opError(op, err);
  }

  /** localAddr returns the local network address. */
  localAddr(): Addr | null {
    return this.nfd.laddr;
  }

  /** remoteAddr returns the remote network address. */
  remoteAddr(): Addr | null {
    return this.nfd.raddr;
  }

  /**
   * file returns a File owning a dup of the conn's socket, Go's `File`: closing either leaves
   * the other open. It is named "tcp:L->R" as in Go; pass its `fd()` on (to a child, or with
   * `unixRights`). A failure: "file tcp L->R: fcntl: too many open files".
   *
   * @example
   * const f = conn.file(); await conn.close(); // f still holds the socket
   */
  file(): File {
    try {
      return this.nfd.dup();
    } catch (err) {
      throw this.opError("file", err as Error);
    }
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
   * @internal The body of closeRead and closeWrite (on TCPConn and UnixConn, as in Go): shut
   * down one direction, Go's "close" OpError on failure. The write side waits for the writes
   * already queued, so a shutdown cannot cut one short.
   */
  protected async shutdown(how: number): Promise<void> {
    const shut = () => {
      try {
        this.nfd.shutdown(how);
      } catch (err) {
        throw this.opError("close", err as Error);
      }
    };
    if (how === C.SHUT_RD) shut();
    else await this.nfd.pfd.afterWrites(shut);
  }

  /** @internal Sets an int option; `withPeer` picks Go's error form for the option. */
  protected setOption(level: number, name: number, value: number, withPeer: boolean): void {
    try {
      this.nfd.setsockoptInt(level, name, value);
    } catch (err) {
      throw withPeer ? this.opError("set", err as Error) : this.setError(err as Error);
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
    return new OpError(op, this.nfd.net, this.nfd.laddr, this.nfd.raddr, err);
  }

  /** @internal The error form of deadline and buffer setters: "set tcp L: ...". */
  protected setError(err: Error): OpError {
    return new OpError("set", this.nfd.net, null, this.nfd.laddr, err);
  }
}
