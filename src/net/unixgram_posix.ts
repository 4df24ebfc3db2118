/**
 * Unix datagram listening (Go's listenUnixgram), kept apart from the stream listener.
 */
import { C } from "../sys/constants.js";
import type { UnixAddr } from "./addr.js";
import { unixSockaddr } from "./sockaddr_posix.js";
import { socket, type ListenSockopts } from "./sock_posix.js";
import { unixSotype } from "./unixsock_posix.js";
import { UnixConn } from "./unixsock.js";
import type { Datagram } from "./packetconn.js";

/**
 * listenUnixgram binds a unix socket for listenPacket: "unixgram" gives a datagram socket
 * ("" autobinds); like Go, "unix" and "unixpacket" give a listening socket as a conn. The
 * socket file stays when it closes, as in Go.
 */
export async function listenUnixgram(net: string, laddr: UnixAddr, lopts: ListenSockopts = {}): Promise<UnixConn<Datagram<UnixAddr>>> {
  const sotype = unixSotype(net);
  const sa = { addr: laddr, sockaddr: () => unixSockaddr(laddr.name) };
  return new UnixConn(await socket(net, C.AF_UNIX!, sotype, 0, false, sa, null, null, lopts));
}
