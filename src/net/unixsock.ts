/**
 * UnixConn and UnixListener (Go's unixsock.go) for the unix networks: "unix" (stream),
 * "unixgram" (datagrams) and "unixpacket" (records, SOCK_SEQPACKET).
 */
import { unlinkSync } from "node:fs";
import { E, Errno } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { ErrWriteToConnected, type Addr } from "./errors.js";
import type { NetFD } from "./fd_posix.js";
import { UnixAddr } from "./addr.js";
import { unixName, unixSockaddr } from "./sockaddr_posix.js";
import { PacketSocketConn, type Datagram, type ReadFromResult } from "./packetconn.js";
import { SocketListener } from "./listener.js";

/** Whether `b` starts with the bytes of `a`. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The network name of a unix socket type (Go's sotypeToNet). */
function sotypeToNet(sotype: number): string {
  if (sotype === C.SOCK_STREAM) return "unix";
  if (sotype === C.SOCK_DGRAM) return "unixgram";
  return "unixpacket";
}

/**
 * UnixConn is a connection on a unix domain socket, Go's `net.UnixConn`: a byte stream on
 * "unix", one message per read and write on "unixgram" and "unixpacket". `T` is what async
 * iteration yields: chunks (`Uint8Array`) on "unix" and "unixpacket" (one record each), and
 * `{ data, addr }` datagrams on "unixgram", as every packet conn does; `dial` and
 * `listenPacket` return the right one for the network.
 */
export class UnixConn<T extends Uint8Array | Datagram<UnixAddr> = Uint8Array> extends PacketSocketConn<UnixAddr> {
  /** Iterates what arrives: datagrams on "unixgram", chunks (or records) otherwise. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const it = this.fd.sotype === C.SOCK_DGRAM ? this.packets() : this.chunks();
    return it as AsyncGenerator<T, void, undefined>;
  }

  /** closeRead shuts down the reading side: later reads see end of stream. */
  async closeRead(): Promise<void> {
    await this.shutdown(C.SHUT_RD!);
  }

  /**
   * closeWrite shuts down the writing side after the writes already queued have gone out; the
   * peer then reads end of stream. Go: CloseWrite does not wait for concurrent writes.
   */
  async closeWrite(): Promise<void> {
    await this.shutdown(C.SHUT_WR!);
  }

  /**
   * readFrom reads one message and its sender. A sender that is not bound to a name (nothing
   * to answer to) reads as null, as in Go.
   */
  override readFrom(p: Uint8Array): Promise<ReadFromResult<UnixAddr>> {
    return super.readFrom(p);
  }

  /** The last sender's raw name and its decoded form: most datagrams come from a few peers. */
  #lastPath: Uint8Array | null = null;
  #lastName = "";

  /**
   * @internal The sender of a message. An unbound sender has no name: null, as Go's
   * `sa.Name != ""` check gives. The name is decoded once per new sender (a one-entry cache),
   * which took about a tenth of a unixgram readFrom's time.
   */
  protected override sender(from: Uint8Array, info: Int32Array): UnixAddr | null {
    const len = info[1]!;
    if (info[0] === 0 || len === 0) return null;
    const last = this.#lastPath;
    if (last === null || last.length !== len || !sameBytes(last, from)) {
      this.#lastPath = from.slice(0, len);
      this.#lastName = unixName(this.#lastPath);
    }
    return new UnixAddr({ name: this.#lastName, net: this.fd.net });
  }

  /** @internal Go's unix writeTo and writeMsg checks. */
  protected destination(addr: Addr | null, forMsg: boolean): Uint8Array | null {
    if (!forMsg && !(addr instanceof UnixAddr)) throw this.wrongType();
    if (forMsg) {
      if (this.fd.sotype === C.SOCK_DGRAM && this.fd.isConnected) throw ErrWriteToConnected;
      if (addr === null) return null;
    } else {
      this.checkConnected(addr, false);
    }
    const a = addr as UnixAddr;
    if (a.net !== sotypeToNet(this.fd.sotype)) throw new Errno(E.EAFNOSUPPORT!);
    return this.encode(forMsg, () => unixSockaddr(a.name));
  }

}

/**
 * UnixListener is a unix domain socket listener, Go's `net.UnixListener`. Listeners made by
 * `listen` remove their socket file when closed (never for "@" abstract names).
 */
export class UnixListener extends SocketListener<UnixConn> {
  #unlink: boolean;

  /** @internal */
  constructor(
    fd: NetFD,
    private readonly path: string,
    unlink: boolean,
  ) {
    super(fd);
    this.#unlink = unlink;
  }

  /**
   * setUnlinkOnClose chooses whether close removes the socket file (default true for
   * listeners made by `listen`).
   */
  setUnlinkOnClose(unlink: boolean): void {
    this.#unlink = unlink;
  }

  /** @internal */
  protected newConn(fd: NetFD): UnixConn {
    return new UnixConn(fd);
  }

  /** @internal Removes the socket file once, as Go's unlinkOnce does. */
  protected override onClose(): void {
    if (!this.#unlink || this.path === "" || this.path[0] === "@") return;
    this.#unlink = false;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone or replaced: Go ignores this too.
    }
  }
}
