/**
 * UnixConn and UnixListener (Go's unixsock.go) for the unix networks: "unix" (stream),
 * "unixgram" (datagrams) and "unixpacket" (records, SOCK_SEQPACKET).
 */
import { lstatSync, statSync, unlinkSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { E, Errno, syscallError } from "../sys/errors.js";
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { ErrWriteToConnected, type Addr } from "./errors.js";
import { INFO_ADDRLEN, INFO_FAMILY, type NetFD } from "./fd_posix.js";
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

/** A process's credentials, as SO_PEERCRED reports them (Go's `syscall.Ucred`). */
export interface Ucred {
  pid: number;
  uid: number;
  gid: number;
}

const credOut = new Int32Array(3);

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
    const it = this.nfd.sotype === C.SOCK_DGRAM ? this.packets() : this.chunks();
    return it as AsyncGenerator<T, void, undefined>;
  }

  /**
   * peerCredentials gives the process, user and group of the peer as the kernel recorded them
   * when it connected (SO_PEERCRED; Go: `syscall.GetsockoptUcred(fd, SOL_SOCKET,
   * SO_PEERCRED)` through `SyscallConn`): how a local daemon authenticates its clients. The
   * pid is -1 where the platform does not record it (macOS). A failure is an OpError of
   * "get" wrapping getsockopt's error.
   *
   * @example
   * const { pid, uid } = conn.peerCredentials(); // the client's
   */
  peerCredentials(): Ucred {
    let rc: number;
    try {
      rc = binding.peerCredentials(this.nfd.pfd.sysfd, credOut);
    } catch (err) {
      throw this.opError("get", err as Error);
    }
    if (rc < 0) throw this.opError("get", syscallError("getsockopt", rc));
    return { pid: credOut[0]!, uid: credOut[1]!, gid: credOut[2]! };
  }

  /**
   * setPassCredentials turns SO_PASSCRED on or off (Linux): while on, every message this conn
   * reads with `readMsg` carries its sender's SCM_CREDENTIALS (the kernel fills them in when
   * the sender sent none); read them with `parseUnixCredentials`.
   */
  setPassCredentials(on: boolean): void {
    this.setOption(C.SOL_SOCKET!, C.SO_PASSCRED ?? -1, on ? 1 : 0, true);
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
    const len = info[INFO_ADDRLEN]!;
    if (info[INFO_FAMILY] === 0 || len === 0) return null;
    const last = this.#lastPath;
    if (last === null || last.length !== len || !sameBytes(last, from)) {
      this.#lastPath = from.slice(0, len);
      this.#lastName = unixName(this.#lastPath);
    }
    return new UnixAddr({ name: this.#lastName, net: this.nfd.net });
  }

  /** @internal Go's unix writeTo and writeMsg checks. */
  protected destination(addr: Addr | null, forMsg: boolean): Uint8Array | null {
    if (!forMsg && !(addr instanceof UnixAddr)) throw this.wrongType();
    if (forMsg) {
      if (this.nfd.sotype === C.SOCK_DGRAM && this.nfd.isConnected) throw ErrWriteToConnected;
      if (addr === null) return null;
    } else {
      this.checkConnected(addr, false);
    }
    const a = addr as UnixAddr;
    if (a.net !== sotypeToNet(this.nfd.sotype)) throw new Errno(E.EAFNOSUPPORT!);
    return this.encode(forMsg, () => unixSockaddr(a.name));
  }

}

/** The socket file a listener made: its absolute path and the identity the kernel gave it. */
interface SocketFile {
  readonly path: string;
  readonly dev: bigint;
  readonly ino: bigint;
}

/**
 * socketFile records the socket file at `name`, resolved against the current directory now,
 * or null when there is none: an abstract or autobound name ("@..."), no name, or a path that
 * no longer names a socket.
 */
function socketFile(name: string): SocketFile | null {
  if (name === "" || name[0] === "@") return null;
  const abs = resolvePath(name);
  try {
    // A sync stat of a path just bound: one syscall, once per listener.
    const st = statSync(abs, { bigint: true });
    return st.isSocket() ? { path: abs, dev: st.dev, ino: st.ino } : null;
  } catch {
    return null;
  }
}

/**
 * UnixListener is a unix domain socket listener, Go's `net.UnixListener`. Listeners made by
 * `listen` remove their socket file when closed (never for "@" abstract names), but only if the
 * path still names the socket they bound: the same device and inode, looked up at the absolute
 * path the listener had when it was made.
 *
 * @example
 * const ln = await listen("unix", "/tmp/app.sock");
 * await ln.close(); // removes /tmp/app.sock, if it still is this listener's socket
 *
 * Go: Go's close unlinks whatever the path names at close time, resolved against the current
 * directory at close time: a file put there since, or one in another directory after a chdir.
 */
export class UnixListener extends SocketListener<UnixConn> {
  #unlink: boolean;
  readonly #file: SocketFile | null;

  /**
   * @internal `path` is where the socket file was bound; a relative path is resolved against
   * the current directory now, so pass an absolute one if the directory may have changed.
   */
  constructor(fd: NetFD, path: string, unlink: boolean) {
    super(fd);
    this.#unlink = unlink;
    this.#file = socketFile(path);
  }

  /**
   * setUnlinkOnClose chooses whether close removes the socket file (default true for
   * listeners made by `listen`). Either way, close never removes a file that is not the
   * socket this listener bound.
   */
  setUnlinkOnClose(unlink: boolean): void {
    this.#unlink = unlink;
  }

  /** addr returns the listener's address, a UnixAddr: the path or "@name" it listens on. */
  override addr(): UnixAddr {
    return super.addr() as UnixAddr;
  }

  /** @internal */
  protected newConn(fd: NetFD): UnixConn {
    return new UnixConn(fd);
  }

  /**
   * @internal Removes the socket file once, as Go's unlinkOnce does, if its path still names
   * the socket bound: another program may have removed it and put its own file there.
   */
  protected override onClose(): void {
    const f = this.#file;
    if (!this.#unlink || f === null) return;
    this.#unlink = false;
    try {
      const st = lstatSync(f.path, { bigint: true, throwIfNoEntry: false });
      // Between this check and the unlink another program could still swap the file; no
      // syscall unlinks "only if this inode" (unlinkat has no such flag).
      if (st !== undefined && st.isSocket() && st.dev === f.dev && st.ino === f.ino) unlinkSync(f.path);
    } catch {
      // Already gone or not ours to remove: Go ignores unlink errors too.
    }
  }
}
