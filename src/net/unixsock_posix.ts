/**
 * Dialing and listening on unix domain sockets (Go's unixsock_posix.go).
 */
import { resolve as resolvePath } from "node:path";
import { C } from "../sys/constants.js";
import { UnknownNetworkError, errMissingAddress } from "./errors.js";
import { UnixAddr } from "./addr.js";
import { unixSockaddr } from "./sockaddr_posix.js";
import { socket, type ControlFunc, type ListenSockopts, type SockAddr } from "./sock_posix.js";
import { UnixConn, UnixListener } from "./unixsock.js";

/** unixSotype maps a unix network name to its socket type. */
export function unixSotype(net: string): number {
  switch (net) {
    case "unix":
      return C.SOCK_STREAM!;
    case "unixgram":
      return C.SOCK_DGRAM!;
    case "unixpacket":
      return C.SOCK_SEQPACKET!;
  }
  throw new UnknownNetworkError(net);
}

function unixSockAddr(a: UnixAddr | null): SockAddr | null {
  return a === null ? null : { addr: a, sockaddr: () => unixSockaddr(a.name) };
}

/** An empty name is no address at all when dialing (Go's UnixAddr.isWildcard). */
function named(a: UnixAddr | null): UnixAddr | null {
  return a === null || a.name === "" ? null : a;
}

/** dialUnix connects to `raddr`; a datagram socket with a local address needs no remote one. */
export async function dialUnix(
  net: string,
  laddr: UnixAddr | null,
  raddr: UnixAddr | null,
  signal: AbortSignal | null,
  control: ControlFunc | null = null,
): Promise<UnixConn> {
  const sotype = unixSotype(net);
  laddr = named(laddr);
  raddr = named(raddr);
  if (raddr === null && (sotype !== C.SOCK_DGRAM || laddr === null)) throw errMissingAddress;
  // A datagram client with no name cannot be answered; on Linux it autobinds to a kernel-chosen
  // abstract name so the peer can reply. Go: DialUnix leaves it unbound (LocalAddr "@").
  if (laddr === null && sotype === C.SOCK_DGRAM && process.platform === "linux") laddr = new UnixAddr({ name: "", net });
  const lsa = laddr === null ? null : { addr: laddr, sockaddr: () => unixSockaddr(laddr!.name) };
  const fd = await socket(net, C.AF_UNIX!, sotype, 0, false, lsa, unixSockAddr(raddr), signal, { control });
  return new UnixConn(fd);
}

/**
 * listenUnix listens on `laddr`; "" autobinds to a kernel-chosen abstract name. The listener
 * removes its socket file on close if the path still names it.
 */
export async function listenUnix(net: string, laddr: UnixAddr, lopts: ListenSockopts = {}): Promise<UnixListener> {
  const sotype = unixSotype(net);
  // The path bind resolves, taken before any await: the current directory may change later.
  const abs = laddr.name !== "" && laddr.name[0] !== "@" ? resolvePath(laddr.name) : null;
  const fd = await socket(net, C.AF_UNIX!, sotype, 0, false, unixSockAddr(laddr), null, null, lopts);
  return new UnixListener(fd, abs ?? fd.laddr?.toString() ?? laddr.name, true);
}
