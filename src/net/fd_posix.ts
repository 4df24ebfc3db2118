/**
 * NetFD adds to the poll layer's FD what a network socket knows: family, socket type, network
 * name and addresses (Go's `netFD`). Each layer adds one piece of error context: errno values
 * become SyscallErrors here, naming the syscall; conns add the OpError.
 */
import { binding } from "../sys/binding.js";
import { Errno, SyscallError, syscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { FD, type BatchReader, type MsgReader, type ReadErrorMapper, type WriteErrorMapper } from "../poll/fd.js";
import type { RawSockaddr } from "../sys/binding.js";
import type { Addr } from "./errors.js";
import { IP } from "./ip.js";
import { TCPAddr, UDPAddr, IPAddr } from "./addr.js";
import { unixAddrFromBytes, zoneName } from "./sockaddr_posix.js";
import { fileFromFd, type File } from "../ipc/file.js";

/** The slots of recvmsg's `info`, as the binding lays them out. */
export const INFO_FAMILY: number = C.SK_RECVMSG_INFO_FAMILY ?? 0;
export const INFO_ADDRLEN: number = C.SK_RECVMSG_INFO_ADDRLEN ?? 1;
export const INFO_PORT: number = C.SK_RECVMSG_INFO_PORT ?? 2;
export const INFO_SCOPE: number = C.SK_RECVMSG_INFO_SCOPE ?? 3;
export const INFO_FLAGS: number = C.SK_RECVMSG_INFO_FLAGS ?? 4;
export const INFO_OOBN: number = C.SK_RECVMSG_INFO_OOBN ?? 5;
export const INFO_N: number = C.SK_RECVMSG_INFO_N ?? 6;
export const INFO_COUNT: number = C.SK_RECVMSG_INFO_COUNT ?? 7;

/** wrapSyscallError names the syscall behind a bare errno; other errors pass through. */
export function wrapSyscallError(name: string, err: unknown): Error {
  return err instanceof Errno ? new SyscallError(name, err) : (err as Error);
}

/** NetFD is a socket fd with its network facts and addresses. */
export class NetFD {
  readonly pfd: FD;
  /** The local address, read from the kernel on first use (undefined until then). */
  #laddr: Addr | null | undefined = undefined;
  raddr: Addr | null = null;
  /** Whether connect(2) succeeded on it (packet conns then refuse writeTo). */
  isConnected = false;
  /** Scratch for recvmsg's decoded sender, made on first use. */
  #msg: { from: Uint8Array; info: Int32Array } | null = null;

  constructor(
    sysfd: number,
    readonly family: number,
    readonly sotype: number,
    /** The network name the user gave, e.g. "tcp4" or "unix". */
    readonly net: string,
  ) {
    this.pfd = new FD(sysfd, {
      zeroReadIsEOF: sotype !== C.SOCK_DGRAM && sotype !== C.SOCK_RAW,
      isStream: sotype === C.SOCK_STREAM,
      isSocket: true,
    });
  }

  /** addrOf decodes a kernel sockaddr as this socket's address type (Go's addrFunc). */
  addrOf(raw: RawSockaddr | number): Addr | null {
    if (typeof raw === "number") return null;
    return this.decodeAddr(raw[0], raw[1], raw[2], raw[3]);
  }

  /**
   * decodeAddr builds this socket type's address from decoded sockaddr parts: TCPAddr,
   * UDPAddr or IPAddr by socket type, UnixAddr with Go's unix name rules; null for none.
   */
  decodeAddr(family: number, bytes: Uint8Array, port: number, scope: number): Addr | null {
    if (family === C.AF_UNIX) return unixAddrFromBytes(bytes, this.net);
    if (family !== C.AF_INET && family !== C.AF_INET6) return null;
    const ip = IP.from(bytes) as IP;
    const zone = family === C.AF_INET6 ? zoneName(scope) : "";
    if (this.sotype === C.SOCK_STREAM) return new TCPAddr({ ip, port, zone });
    if (this.sotype === C.SOCK_DGRAM) return new UDPAddr({ ip, port, zone });
    return new IPAddr({ ip, zone });
  }

  /** The scratch recvmsg decodes a sender into, made on first use (one per socket). */
  msgScratch(): { from: Uint8Array; info: Int32Array } {
    return (this.#msg ??= { from: new Uint8Array(C.SK_RECVMSG_FROM_SIZE!), info: new Int32Array(C.SK_RECVMSG_INFO_COUNT!) });
  }

  /** readMsg receives one message as `reader` says; see the poll layer's MsgReader. */
  readMsg<T>(p: Uint8Array, reader: MsgReader<T>): Promise<T> {
    return this.pfd.readMsg(p, 0, p.length, reader);
  }

  /** readBatch receives a batch of messages as `reader` says; see the poll layer's FD.readBatch. */
  readBatch(bufs: Uint8Array[], reader: BatchReader): Promise<number> {
    return this.pfd.readBatch(bufs, reader);
  }

  /** writeBatch sends each of `bufs` as one message to `sas[i]`; see FD.writeBatch. */
  writeBatch(bufs: Uint8Array[], sas: (Uint8Array | null)[]): Promise<number> {
    return this.pfd.writeBatch(bufs, sas);
  }

  /** writeMsg sends one message to `sa` (null when connected). */
  writeMsg(p: Uint8Array, oob: Uint8Array | null, sa: Uint8Array | null, syscall: string): Promise<number> {
    return this.pfd.writeMsg(p, 0, p.length, oob, sa).catch((err) => {
      throw wrapSyscallError(syscall, err);
    });
  }

  /**
   * The local address. It is read lazily, since most conns never ask and an address object
   * costs about half a kilobyte; close() takes it first, so errors after close still name it.
   */
  get laddr(): Addr | null {
    if (this.#laddr === undefined) this.#laddr = this.pfd.closed ? null : this.addrOf(binding.getsockname(this.pfd.sysfd));
    return this.#laddr;
  }

  set laddr(a: Addr | null) {
    this.#laddr = a;
  }

  /**
   * setAddrs reads the remote address now, while the peer is surely there (after a reset the
   * kernel no longer knows it, while Go still reports it); the local one comes on demand.
   */
  setAddrs(fallbackRemote: Addr | null): void {
    this.raddr = this.addrOf(binding.getpeername(this.pfd.sysfd)) ?? fallbackRemote;
  }

  read(p: Uint8Array, off: number, len: number, mapper?: ReadErrorMapper): Promise<number | null> {
    return this.pfd.read(p, off, len, mapper);
  }

  write(p: Uint8Array, off: number, len: number, mapper: WriteErrorMapper): Promise<number> {
    return this.pfd.write(p, off, len, mapper);
  }

  /** accept returns the next connection as a NetFD with its addresses set. */
  async accept(signal?: AbortSignal): Promise<NetFD> {
    let s: number;
    try {
      s = await this.pfd.accept(signal);
    } catch (err) {
      throw wrapSyscallError("accept4", err);
    }
    const nfd = new NetFD(s, this.family, this.sotype, this.net);
    nfd.setAddrs(null);
    return nfd;
  }

  /** shutdown shuts down one or both directions (closeRead, closeWrite). */
  shutdown(how: number): void {
    const rc = binding.shutdown(this.pfd.sysfd, how);
    if (rc < 0) throw syscallError("shutdown", rc);
  }

  /** setsockoptInt sets an int socket option, failing with a "setsockopt" SyscallError. */
  setsockoptInt(level: number, name: number, value: number): void {
    const rc = binding.setsockoptInt(this.pfd.sysfd, level, name, value);
    if (rc < 0) throw syscallError("setsockopt", rc);
  }

  /** setsockoptBytes sets a struct-valued socket option, failing with a "setsockopt" SyscallError. */
  setsockoptBytes(level: number, name: number, value: Uint8Array): void {
    const rc = binding.setsockoptBytes(this.pfd.sysfd, level, name, value);
    if (rc < 0) throw syscallError("setsockopt", rc);
  }

  /**
   * dup returns a File owning a dup of the fd, named as Go names it:
   * "tcp:127.0.0.1:5000->127.0.0.1:41000" (Go's netFD.dup). Errors are bare.
   */
  dup(): File {
    const s = binding.dup(this.pfd.sysfd);
    if (s < 0) throw syscallError("fcntl", s);
    return fileFromFd(s, `${this.net}:${this.laddr?.toString() ?? ""}->${this.raddr?.toString() ?? ""}`);
  }

  close(): void {
    if (!this.pfd.closed) void this.laddr;
    this.pfd.close();
  }
}

