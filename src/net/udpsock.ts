/**
 * UDPConn (Go's udpsock.go): datagrams over UDP, connected (dial) or not (listenPacket), with
 * the socket options a UDP program needs: buffers, broadcast, TTL and multicast.
 */
import { C } from "../sys/constants.js";
import type { Addr } from "./errors.js";
import { UDPAddr } from "./addr.js";
import { PacketSocketConn, type Datagram, type ReadFromResult } from "./packetconn.js";
import { ipMreq, ipv6Mreq } from "./sockopt_posix.js";

/** A network interface for multicast: its index and name (Go's `*net.Interface`). */
export interface MulticastInterface {
  index: number;
  name: string;
}

/**
 * UDPConn is a UDP socket, Go's `net.UDPConn`. A dialed conn is connected: `read` and `write`
 * talk to its one peer, and the kernel drops datagrams from anyone else. A listening conn
 * uses `readFrom` and `writeTo`. Iterating it yields `{ data, addr }` per datagram.
 */
export class UDPConn extends PacketSocketConn<UDPAddr> {
  /** Iterates the datagrams that arrive, `{ data, addr }` each. */
  [Symbol.asyncIterator](): AsyncGenerator<Datagram<UDPAddr>, void, undefined> {
    return this.packets();
  }

  /** readFrom reads one datagram and its sender; see {@link PacketSocketConn.readFrom}. */
  override readFrom(p: Uint8Array): Promise<ReadFromResult<UDPAddr>> {
    return super.readFrom(p);
  }

  /** @internal Go's UDP writeTo and writeMsg checks. */
  protected destination(addr: Addr | null, forMsg: boolean): Uint8Array | null {
    return this.inetDestination(addr, forMsg, UDPAddr);
  }

  /** setBroadcast allows or forbids sending to broadcast addresses (SO_BROADCAST; Go: on). */
  setBroadcast(on: boolean): void {
    this.setOption(C.SOL_SOCKET!, C.SO_BROADCAST!, on ? 1 : 0, true);
  }

  /** setTTL sets the time to live (IPv6: hop limit) of unicast datagrams sent. */
  setTTL(ttl: number): void {
    if (this.nfd.family === C.AF_INET6) this.setOption(C.IPPROTO_IPV6!, C.IPV6_UNICAST_HOPS!, ttl, true);
    else this.setOption(C.IPPROTO_IP!, C.IP_TTL!, ttl, true);
  }

  /** setMulticastTTL sets the time to live (IPv6: hop limit) of multicast datagrams sent. */
  setMulticastTTL(ttl: number): void {
    if (this.nfd.family === C.AF_INET6) this.setOption(C.IPPROTO_IPV6!, C.IPV6_MULTICAST_HOPS!, ttl, true);
    else this.setOption(C.IPPROTO_IP!, C.IP_MULTICAST_TTL!, ttl, true);
  }

  /** setMulticastLoopback chooses whether multicast datagrams sent come back to this host. */
  setMulticastLoopback(on: boolean): void {
    if (this.nfd.family === C.AF_INET6) this.setOption(C.IPPROTO_IPV6!, C.IPV6_MULTICAST_LOOP!, on ? 1 : 0, true);
    else this.setOption(C.IPPROTO_IP!, C.IP_MULTICAST_LOOP!, on ? 1 : 0, true);
  }

  /**
   * joinGroup joins a multicast group, on `ifi` or on the interface the kernel picks (null).
   *
   * @example
   * pc.joinGroup(null, parseIP("239.1.2.3")!);
   */
  joinGroup(ifi: MulticastInterface | null, group: Uint8Array): void {
    this.#membership(true, ifi, group);
  }

  /** leaveGroup leaves a multicast group joined with {@link UDPConn.joinGroup}. */
  leaveGroup(ifi: MulticastInterface | null, group: Uint8Array): void {
    this.#membership(false, ifi, group);
  }

  #membership(join: boolean, ifi: MulticastInterface | null, group: Uint8Array): void {
    const index = ifi?.index ?? 0;
    const v4 = group.length === 4 || isV4Mapped(group);
    try {
      if (v4 && this.nfd.family === C.AF_INET) {
        const name = join ? C.IP_ADD_MEMBERSHIP! : C.IP_DROP_MEMBERSHIP!;
        this.nfd.setsockoptBytes(C.IPPROTO_IP!, name, ipMreq(group.subarray(group.length - 4), index));
      } else {
        const name = join ? C.IPV6_JOIN_GROUP! : C.IPV6_LEAVE_GROUP!;
        this.nfd.setsockoptBytes(C.IPPROTO_IPV6!, name, ipv6Mreq(group, index));
      }
    } catch (err) {
      throw this.opError("set", err as Error);
    }
  }
}

function isV4Mapped(ip: Uint8Array): boolean {
  if (ip.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}
