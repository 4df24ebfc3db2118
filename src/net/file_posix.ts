/**
 * Sockets from and to Files (Go's file_unix.go): `fileConn`, `fileListener` and
 * `filePacketConn` adopt a dup of a File's socket with the right conn class; `socketpair`
 * makes a connected pair of unix conns. Conns' and listeners' `file()` goes the other way.
 */
import { binding } from "../sys/binding.js";
import { E, Errno, SyscallError, syscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { invalidArg } from "../sys/args.js";
import type { File } from "../ipc/file.js";
import { OpError, UnknownNetworkError, type Addr } from "./errors.js";
import { NetFD } from "./fd_posix.js";
import { TCPConn, TCPListener } from "./tcpsock.js";
import { UDPConn } from "./udpsock.js";
import { IPConn } from "./iprawsock.js";
import { UnixConn, UnixListener } from "./unixsock.js";
import { unixSotype } from "./unixsock_posix.js";
import type { Conn } from "./conn.js";
import type { Listener } from "./listener.js";
import type { Datagram, PacketConn } from "./packetconn.js";
import { publishListen } from "../poll/diag.js";
import type { UnixAddr } from "./addr.js";

/** fileAddr is the address of a File in errors: its name (Go's fileAddr). */
class FileAddr implements Addr {
  constructor(private readonly name: string) {}
  network(): string {
    return "file+net";
  }
  toString(): string {
    return this.name;
  }
}

const intOut = new Int32Array(1);

/** The network of a socket, as its local address names it (Go: fd.net = laddr.Network()). */
function netOf(family: number, sotype: number): string | null {
  if (family === C.AF_UNIX) {
    if (sotype === C.SOCK_STREAM) return "unix";
    if (sotype === C.SOCK_DGRAM) return "unixgram";
    if (sotype === C.SOCK_SEQPACKET) return "unixpacket";
    return null;
  }
  if (family !== C.AF_INET && family !== C.AF_INET6) return null;
  if (sotype === C.SOCK_STREAM) return "tcp";
  if (sotype === C.SOCK_DGRAM) return "udp";
  if (sotype === C.SOCK_RAW) return "ip";
  return null;
}

/**
 * newFileFD dups the File's fd (close-on-exec, non-blocking) and reads what it is: family from
 * getsockname, type from SO_TYPE, addresses from getsockname and getpeername (Go's
 * newFileFD). Errors are bare, for the caller's "file file+net NAME" OpError.
 */
function newFileFD(f: File): NetFD {
  const s = binding.dup(f.fd());
  if (s < 0) throw syscallError("fcntl", s);
  let ok = false;
  try {
    const rc = binding.setNonblock(s, true);
    if (rc < 0) throw syscallError("setnonblock", rc);
    const trc = binding.getsockoptInt(s, C.SOL_SOCKET!, C.SO_TYPE!, intOut);
    if (trc < 0) throw syscallError("getsockopt", trc);
    const sotype = intOut[0]!;
    const lsa = binding.getsockname(s);
    const family = typeof lsa === "number" ? 0 : lsa[0];
    const net = netOf(family, sotype);
    if (net === null) throw new Errno(E.EPROTONOSUPPORT!);
    const fd = new NetFD(s, family, sotype, net);
    fd.laddr = fd.addrOf(lsa);
    fd.raddr = fd.addrOf(binding.getpeername(s));
    fd.isConnected = fd.raddr !== null;
    ok = true;
    return fd;
  } finally {
    if (!ok) binding.close(s);
  }
}

/** Runs `make` over a new NetFD from `f`; a wrong kind closes it with EINVAL, as Go does. */
function fromFile<T>(f: File, make: (fd: NetFD) => T | null): T {
  if (f === null || typeof f !== "object" || typeof f.fd !== "function") throw invalidArg("f", "a File", f);
  let fd: NetFD | null = null;
  try {
    fd = newFileFD(f);
    const v = make(fd);
    if (v === null) throw new Errno(E.EINVAL!);
    return v;
  } catch (err) {
    if (fd !== null && !fd.pfd.closed) fd.close();
    throw new OpError("file", "file+net", null, new FileAddr(f.name()), err as Error);
  }
}

/**
 * fileConn returns a conn for the socket open in `f`, Go's `net.FileConn`: a TCPConn, UDPConn,
 * IPConn or UnixConn by the socket's family and type (unixpacket stays unixpacket). It owns a
 * dup of the fd: closing `f` does not affect it, and `f` should be closed when done. An fd that
 * is no socket fails as in Go: "file file+net |0: getsockopt: socket operation on non-socket".
 *
 * @example
 * const conn = await fileConn(newFile(fds[0], "received"));
 */
export async function fileConn(f: File): Promise<Conn> {
  return fromFile<Conn>(f, (fd) => {
    switch (fd.net) {
      case "tcp":
        return new TCPConn(fd);
      case "udp":
        return new UDPConn(fd);
      case "ip":
        return new IPConn(fd);
      default:
        return new UnixConn(fd);
    }
  });
}

/**
 * fileListener returns a listener for the listening socket open in `f`, Go's
 * `net.FileListener`: a TCPListener (accepted conns get Go's 15 s keep-alive) or a
 * UnixListener (which never unlinks its path; for a unixgram socket, as in Go, one whose
 * accept fails); another kind fails with EINVAL.
 *
 * @example
 * const ln = await fileListener(newFile(3, "listener")); // a socket inherited as fd 3
 */
export async function fileListener(f: File): Promise<Listener> {
  const ln = await fromFile<Listener>(f, (fd) => {
    if (fd.net === "tcp") return new TCPListener(fd, undefined);
    // Go takes any unix socket here, unixgram included; its accept then fails (EOPNOTSUPP).
    if (fd.family === C.AF_UNIX) return new UnixListener(fd, "", false);
    return null;
  });
  return publishListen(ln.addr().network(), ln.addr().toString(), ln);
}

/**
 * filePacketConn returns a packet conn for the socket open in `f`, Go's
 * `net.FilePacketConn`: a UDPConn, IPConn or UnixConn; a TCP socket fails with EINVAL.
 *
 * @example
 * const pc = await filePacketConn(newFile(fd, "udp"));
 */
export async function filePacketConn(f: File): Promise<PacketConn> {
  const pc = await fromFile<PacketConn>(f, (fd) => {
    if (fd.net === "udp") return new UDPConn(fd);
    if (fd.net === "ip") return new IPConn(fd);
    if (fd.net === "unix" || fd.net === "unixgram" || fd.net === "unixpacket") return new UnixConn(fd) as PacketConn;
    return null;
  });
  const la = pc.localAddr();
  return publishListen(la?.network() ?? "", la?.toString() ?? "", pc);
}

/**
 * socketpair makes a connected pair of unix conns of the network "unix", "unixgram" or
 * "unixpacket" (socketpair(2)); neither end has a name. Go: `syscall.Socketpair` plus
 * `os.NewFile` and `net.FileConn` for each end.
 *
 * @example
 * const [a, b] = await socketpair("unixpacket");
 * await a.write(new Uint8Array([1, 2, 3])); // b reads one record of 3 bytes
 */
export async function socketpair(network: "unix" | "unixpacket"): Promise<[UnixConn, UnixConn]>;
export async function socketpair(
  network: "unixgram",
): Promise<[UnixConn<Datagram<UnixAddr>>, UnixConn<Datagram<UnixAddr>>]>;
export async function socketpair(network: string): Promise<[UnixConn, UnixConn]>;
export async function socketpair(network: string): Promise<[UnixConn<never>, UnixConn<never>]> {
  let sotype: number;
  try {
    sotype = unixSotype(network);
  } catch {
    throw new OpError("socketpair", network, null, null, new UnknownNetworkError(network));
  }
  const fds = new Int32Array(2);
  const rc = binding.socketpair(C.AF_UNIX!, sotype, 0, fds);
  if (rc < 0) throw new OpError("socketpair", network, null, null, new SyscallError("socketpair", new Errno(-rc)));
  const end = (s: number) => {
    const fd = new NetFD(s, C.AF_UNIX!, sotype, network);
    fd.setAddrs(null);
    fd.isConnected = true;
    return new UnixConn<never>(fd);
  };
  return [end(fds[0]!), end(fds[1]!)];
}
