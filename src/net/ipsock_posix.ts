/**
 * Internet sockets (Go's ipsock_posix.go): which family a socket gets, and the kernel's IP
 * stack capabilities that decide it.
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { NetFD } from "./fd_posix.js";
import { inetFamily, inetIsWildcard, inetSockaddr, type InetAddr } from "./sockaddr_posix.js";
import { socket, type ListenSockopts, type SockAddr } from "./sock_posix.js";

interface Capabilities {
  ipv4: boolean;
  ipv6: boolean;
  ipv4map: boolean;
}
let caps: Capabilities | null = null;

/** probe binds throwaway sockets to learn what the IP stack supports (Go's ipStackCapabilities). */
function probe(family: number, ip: number[], v6only: number): boolean {
  const s = binding.socket(family, C.SOCK_STREAM!, 0);
  if (s < 0) return false;
  try {
    if (family === C.AF_INET6 && binding.setsockoptInt(s, C.IPPROTO_IPV6!, C.IPV6_V6ONLY!, v6only) < 0) return false;
    return binding.bind(s, binding.sockaddrInet(Uint8Array.from(ip), 0, 0)) === 0;
  } finally {
    binding.close(s);
  }
}

/** capabilities probes the IP stack once and remembers the answer. */
export function capabilities(): Capabilities {
  if (caps !== null) return caps;
  const v6loop = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
  caps = {
    ipv4: probe(C.AF_INET!, [127, 0, 0, 1], 0),
    ipv6: probe(C.AF_INET6!, v6loop, 1),
    ipv4map: probe(C.AF_INET6!, mapped, 0),
  };
  return caps;
}

/**
 * favoriteAddrFamily picks the socket family for a network and its addresses (Go's rule):
 * "…4" is IPv4, "…6" IPv6-only; a listener on a wildcard is dual-stack IPv6 where the kernel
 * maps IPv4; otherwise IPv4 when every address given is IPv4.
 */
export function favoriteAddrFamily(
  network: string,
  laddr: InetAddr | null,
  raddr: InetAddr | null,
  mode: "dial" | "listen",
): [family: number, ipv6only: boolean] {
  const last = network[network.length - 1];
  if (last === "4") return [C.AF_INET!, false];
  if (last === "6") return [C.AF_INET6!, true];
  if (mode === "listen" && inetIsWildcard(laddr)) {
    const c = capabilities();
    if (c.ipv4map || !c.ipv4) return [C.AF_INET6!, false];
    return [laddr === null ? C.AF_INET! : inetFamily(laddr), false];
  }
  const v4 = (a: InetAddr | null) => a === null || inetFamily(a) === C.AF_INET;
  return v4(laddr) && v4(raddr) ? [C.AF_INET!, false] : [C.AF_INET6!, false];
}

function inetSockAddr(a: InetAddr | null, sotype: number, mode: "dial" | "listen"): SockAddr | null {
  if (a === null) return null;
  if (mode === "listen" && sotype === C.SOCK_DGRAM && a.ip !== null && a.ip.isMulticast()) {
    // Go's listenDatagram: bind the wildcard of the socket's family, keeping the port.
    const wild = { ip: null, port: a.port, zone: a.zone };
    return { addr: a, reuseAddr: true, sockaddr: (family) => inetSockaddr(family, wild as InetAddr) };
  }
  return { addr: a, sockaddr: (family) => inetSockaddr(family, a) };
}

/** internetSocket makes a listening or connected IP socket for `net` (Go's internetSocket). */
export function internetSocket(
  net: string,
  laddr: InetAddr | null,
  raddr: InetAddr | null,
  sotype: number,
  proto: number,
  mode: "dial" | "listen",
  signal: AbortSignal | null,
  lopts: ListenSockopts = {},
): Promise<NetFD> {
  const [family, ipv6only] = favoriteAddrFamily(net, laddr, raddr, mode);
  return socket(net, family, sotype, proto, ipv6only, inetSockAddr(laddr, sotype, mode), inetSockAddr(raddr, sotype, mode), signal, lopts);
}
