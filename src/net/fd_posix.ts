/**
 * NetFD adds to the poll layer's FD what a network socket knows: family, socket type, network
 * name and addresses (Go's `netFD`). Each layer adds one piece of error context: errno values
 * become SyscallErrors here, naming the syscall; conns add the OpError.
 */
import { binding } from "../sys/binding.js";
import { Errno, SyscallError, syscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { FD, WriteFailure } from "../poll/fd.js";
import type { Addr } from "./errors.js";
import { tcpAddrFromRaw, unixAddrFromRaw } from "./sockaddr_posix.js";

/** wrapSyscallError names the syscall behind a bare errno; other errors pass through. */
export function wrapSyscallError(name: string, err: unknown): Error {
  return err instanceof Errno ? new SyscallError(name, err) : (err as Error);
}

/** NetFD is a socket fd with its network facts and addresses. */
export class NetFD {
  readonly pfd: FD;
  laddr: Addr | null = null;
  raddr: Addr | null = null;
  /** Whether connect(2) succeeded on it (packet conns then refuse writeTo). */
  isConnected = false;

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
    });
  }

  /** addrOf decodes a kernel sockaddr for this socket's family. */
  addrOf(raw: ReturnType<typeof binding.getsockname>): Addr | null {
    if (this.family === C.AF_UNIX) return unixAddrFromRaw(raw, this.net);
    return tcpAddrFromRaw(raw);
  }

  /** setAddrs reads the local and (if connected) the remote address from the kernel. */
  setAddrs(fallbackRemote: Addr | null): void {
    const fd = this.pfd.sysfd;
    this.laddr = this.addrOf(binding.getsockname(fd));
    this.raddr = this.addrOf(binding.getpeername(fd)) ?? fallbackRemote;
  }

  read(p: Uint8Array, off: number, len: number): Promise<number | null> {
    return this.pfd.read(p, off, len);
  }

  write(p: Uint8Array, off: number, len: number): Promise<number> {
    return this.pfd.write(p, off, len);
  }

  /** accept returns the next connection as a NetFD with its addresses set. */
  async accept(): Promise<NetFD> {
    let s: number;
    try {
      s = await this.pfd.accept();
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

  close(): void {
    this.pfd.close();
  }
}

export { WriteFailure };
