/**
 * Dialing and listening on UDP (Go's udpsock_posix.go), multicast listening included.
 */
import { C } from "../sys/constants.js";
import { UnknownNetworkError, errMissingAddress, OpError } from "./errors.js";
import type { UDPAddr } from "./addr.js";
import { internetSocket } from "./ipsock_posix.js";
import type { ControlFunc, ListenSockopts } from "./sock_posix.js";
import { publishListen } from "../poll/diag.js";
import { UDPConn, type MulticastInterface } from "./udpsock.js";

/** dialUDP makes a connected UDP socket: the kernel then only passes datagrams from `raddr`. */
export async function dialUDP(
  net: string,
  laddr: UDPAddr | null,
  raddr: UDPAddr,
  signal: AbortSignal | null,
  control: ControlFunc | null = null,
): Promise<UDPConn> {
  return new UDPConn(await internetSocket(net, laddr, raddr, C.SOCK_DGRAM!, 0, "dial", signal, { control }));
}

/** listenUDP binds a UDP socket to `laddr`; a multicast address binds the wildcard, as in Go. */
export async function listenUDP(net: string, laddr: UDPAddr, lopts: ListenSockopts = {}): Promise<UDPConn> {
  return new UDPConn(await internetSocket(net, laddr, null, C.SOCK_DGRAM!, 0, "listen", null, lopts));
}

/**
 * listenMulticastUDP listens for datagrams to the group address `gaddr` on the interface
 * `ifi` (null: the kernel picks), as Go's ListenMulticastUDP: the port is shared
 * (SO_REUSEADDR), the group joined, and the conn's own multicast sends do not loop back.
 *
 * @example
 * const pc = await listenMulticastUDP("udp4", null, new UDPAddr({ ip: parseIP("239.0.0.1"), port: 9999 }));
 */
export async function listenMulticastUDP(
  network: string,
  ifi: MulticastInterface | null,
  gaddr: UDPAddr | null,
): Promise<UDPConn> {
  if (network !== "udp" && network !== "udp4" && network !== "udp6") {
    throw new OpError("listen", network, null, gaddr, new UnknownNetworkError(network));
  }
  if (gaddr === null || gaddr.ip === null) throw new OpError("listen", network, null, gaddr, errMissingAddress);
  let c: UDPConn | null = null;
  try {
    c = await listenUDP(network, gaddr);
    c.setMulticastLoopback(false);
    c.joinGroup(ifi, gaddr.ip);
    return publishListen(network, gaddr.toString(), c);
  } catch (err) {
    await c?.[Symbol.asyncDispose]();
    const e = err instanceof OpError ? err.err : (err as Error);
    throw new OpError("listen", network, null, gaddr, e);
  }
}
