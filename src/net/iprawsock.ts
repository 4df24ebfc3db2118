/**
 * IPConn (Go's iprawsock.go): raw IP sockets for "ip:proto", "ip4:proto" and "ip6:proto",
 * such as "ip4:icmp". They need CAP_NET_RAW (root, on Linux).
 */
import type { Addr } from "./errors.js";
import { IPAddr } from "./addr.js";
import { INFO_ADDRLEN } from "./fd_posix.js";
import { PacketSocketConn, type Datagram, type ReadFromResult } from "./packetconn.js";

/**
 * stripIPv4Header moves the payload of an IPv4 packet to the front of `b` and returns its
 * length; anything that is not a plausible IPv4 header is left alone (Go's stripIPv4Header).
 */
export function stripIPv4Header(n: number, b: Uint8Array): number {
  if (b.length < 20) return n;
  const l = (b[0]! & 0x0f) << 2;
  if (l < 20 || l > b.length) return n;
  if (b[0]! >> 4 !== 4) return n;
  b.copyWithin(0, l);
  return n - l;
}

/**
 * IPConn is a raw IP socket, Go's `net.IPConn`. On IPv4, `readFrom` returns the payload
 * without the IP header, as Go's does; `read` and `readMsg` return the whole packet.
 */
export class IPConn extends PacketSocketConn<IPAddr> {
  /** Iterates the packets that arrive, `{ data, addr }` each (IPv4 headers stripped). */
  [Symbol.asyncIterator](): AsyncGenerator<Datagram<IPAddr>, void, undefined> {
    return this.packets();
  }

  /** readFrom reads one packet (IPv4: its payload) and its sender. */
  override readFrom(p: Uint8Array): Promise<ReadFromResult<IPAddr>> {
    return super.readFrom(p);
  }

  /** @internal IPv4 packets arrive with their header, which readFrom strips (Go does). */
  protected override received(p: Uint8Array, n: number, from: Uint8Array, info: Int32Array): ReadFromResult<IPAddr> {
    const addr = this.sender(from, info);
    if (info[INFO_ADDRLEN] === 4) n = stripIPv4Header(n, p);
    return { n, addr };
  }

  /** @internal Go's raw IP writeTo and writeMsg checks. */
  protected destination(addr: Addr | null, forMsg: boolean): Uint8Array | null {
    return this.inetDestination(addr, forMsg, IPAddr);
  }
}
