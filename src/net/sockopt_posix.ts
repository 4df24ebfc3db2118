/**
 * Option values that are structs (Go's sockopt_posix.go and sockoptip_*.go): multicast group
 * requests, built as the kernel lays them out.
 */

import { endianness } from "node:os";
import { C } from "../sys/constants.js";

/** Struct fields are in host byte order. */
const littleEndian = endianness() === "LE";

/**
 * ipMreq builds a `struct ip_mreqn` (Linux): group, local address (any), interface index, so
 * an interface is chosen by index as Go's Interface is.
 */
export function ipMreq(group4: Uint8Array, ifindex: number): Uint8Array {
  // The size and offsets come from the native core (SK_IP_MREQN_*); imr_address stays zero.
  const b = new Uint8Array(C.SK_IP_MREQN_SIZE!);
  b.set(group4, C.SK_IP_MREQN_MULTIADDR!);
  new DataView(b.buffer).setInt32(C.SK_IP_MREQN_IFINDEX!, ifindex, littleEndian);
  return b;
}

/** ipv6Mreq builds a `struct ipv6_mreq`: the 16-byte group and the interface index. */
export function ipv6Mreq(group: Uint8Array, ifindex: number): Uint8Array {
  const b = new Uint8Array(20);
  if (group.length === 16) b.set(group, 0);
  else b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...group], 0);
  new DataView(b.buffer).setUint32(16, ifindex, littleEndian);
  return b;
}
