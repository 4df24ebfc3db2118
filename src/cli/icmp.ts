/**
 * Just enough ICMP for the tour's raw IP stop: echo requests and replies (RFC 792 for IPv4,
 * RFC 4443 for IPv6), as Go's golang.org/x/net/icmp builds them.
 */

/** The echo message types of ICMPv4 and ICMPv6. */
const types = {
  4: { request: 8, reply: 0 },
  6: { request: 128, reply: 129 },
} as const;

/** An echo message's fields. */
export interface Echo {
  /** 4 for ICMPv4, 6 for ICMPv6. */
  version: 4 | 6;
  id: number;
  seq: number;
  data: Uint8Array;
}

/**
 * checksum is the Internet checksum (RFC 1071): the ones' complement of the ones' complement
 * sum of the 16-bit words, an odd last byte padded with zero.
 */
export function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2 === 1) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * echoRequest encodes an echo request. The ICMPv4 checksum is filled in here; an ICMPv6 one
 * covers a pseudo-header with the addresses, so it is left 0 for the kernel, which computes
 * it on raw ICMPv6 sockets (RFC 3542 section 3.1; Linux raw(7)).
 *
 * @example
 * await conn.write(echoRequest({ version: 4, id: 1, seq: 1, data: new TextEncoder().encode("hi") }));
 */
export function echoRequest(e: Echo): Uint8Array {
  const b = new Uint8Array(8 + e.data.length);
  const v = new DataView(b.buffer);
  b[0] = types[e.version].request;
  v.setUint16(4, e.id);
  v.setUint16(6, e.seq);
  b.set(e.data, 8);
  if (e.version === 4) v.setUint16(2, checksum(b));
  return b;
}

/**
 * parseEcho decodes an ICMP message as an echo request or reply of `version`: which it is
 * and its fields, or null for any other message.
 */
export function parseEcho(version: 4 | 6, b: Uint8Array): { kind: "request" | "reply"; echo: Echo } | null {
  if (b.length < 8 || b[1] !== 0) return null;
  const kind = b[0] === types[version].request ? "request" : b[0] === types[version].reply ? "reply" : null;
  if (kind === null) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { kind, echo: { version, id: v.getUint16(4), seq: v.getUint16(6), data: b.subarray(8) } };
}

/** sameEcho reports whether two echo messages carry the same identifier, sequence and data. */
export function sameEcho(a: Echo, b: Echo): boolean {
  return a.id === b.id && a.seq === b.seq && Buffer.compare(a.data, b.data) === 0;
}
