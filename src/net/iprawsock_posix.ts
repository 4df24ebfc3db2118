/**
 * Dialing and listening on raw IP (Go's iprawsock_posix.go): "ip:proto", "ip4:proto",
 * "ip6:proto", with the protocol a number or a name from /etc/protocols.
 */
import { C } from "../sys/constants.js";
import { UnknownNetworkError } from "./errors.js";
import type { IPAddr } from "./addr.js";
import { parseNetwork } from "./ipsock.js";
import { internetSocket } from "./ipsock_posix.js";
import type { ControlFunc, ListenSockopts } from "./sock_posix.js";
import { IPConn } from "./iprawsock.js";

function rawNetwork(network: string): { afnet: string; proto: number } {
  const { afnet, proto } = parseNetwork(network, true);
  if (afnet !== "ip" && afnet !== "ip4" && afnet !== "ip6") throw new UnknownNetworkError(network);
  return { afnet, proto };
}

/** dialIP opens a raw socket for `network`'s protocol connected to `raddr`. */
export async function dialIP(
  network: string,
  laddr: IPAddr | null,
  raddr: IPAddr,
  signal: AbortSignal | null,
  control: ControlFunc | null = null,
): Promise<IPConn> {
  const { afnet, proto } = rawNetwork(network);
  // The socket's network is the family part alone ("ip4"), which is what a control hook sees.
  return new IPConn(await internetSocket(afnet, laddr, raddr, C.SOCK_RAW!, proto, "dial", signal, { control }));
}

/** listenIP opens a raw socket for `network`'s protocol bound to `laddr`. */
export async function listenIP(network: string, laddr: IPAddr, lopts: ListenSockopts = {}): Promise<IPConn> {
  const { afnet, proto } = rawNetwork(network);
  return new IPConn(await internetSocket(afnet, laddr, null, C.SOCK_RAW!, proto, "listen", null, lopts));
}

