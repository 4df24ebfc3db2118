/**
 * IP networks, Go's `net.IPNet`, with `cidrMask` and `parseCIDR` (`net/ip.go`).
 */
import { ParseError } from "./errors.js";
import { IP, IPMask, IPv4len, IPv6len, simpleMaskLength } from "./ip.js";
import { parseIPv4, parseIPv6 } from "./ipparse.js";
import { dtoi } from "./parse.js";

/**
 * IPNet is an IP network: a network number and a mask, Go's `net.IPNet`. Either may be null,
 * as Go's nil slices.
 *
 * @example
 * const n = new IPNet(IPv4(192, 168, 1, 0), cidrMask(24, 32));
 * n.toString();                      // "192.168.1.0/24"
 * n.contains(parseIP("192.168.1.7")); // true
 */
export class IPNet {
  constructor(
    /** The network number. */
    public ip: IP | null,
    /** The network mask. */
    public mask: IPMask | null,
  ) {}

  /**
   * contains reports whether the network includes `ip`. IPv4 addresses match in either form;
   * an IPv4-mapped network (`::ffff:a.b.c.d/n`, n ≥ 96) acts as the IPv4 network /(n-96).
   */
  contains(ip: Uint8Array | null): boolean {
    const [nn, m] = networkNumberAndMask(this);
    let x: Uint8Array = ip ?? new Uint8Array(0);
    const x4 = x instanceof IP ? x.to4() : new IP(x.buffer as ArrayBuffer, x.byteOffset, x.length).to4();
    if (x4 !== null) x = x4;
    const l = x.length;
    if (l !== (nn?.length ?? 0)) return false;
    for (let i = 0; i < l; i++) if ((nn![i]! & m![i]!) !== (x[i]! & m![i]!)) return false;
    return true;
  }

  /** network gives the address's network name, "ip+net". */
  network(): string {
    return "ip+net";
  }

  /**
   * toString gives CIDR notation ("192.0.2.0/24", "2001:db8::/48"), or the mask in hex for a
   * non-canonical mask ("198.51.100.0/c000ff00"), or "<nil>" if the IP and mask do not fit.
   */
  toString(): string {
    const [nn, m] = networkNumberAndMask(this);
    if (nn === null || m === null) return "<nil>";
    const l = simpleMaskLength(m);
    if (l === -1) return nn.toString() + "/" + m.toString();
    return nn.toString() + "/" + l;
  }
}

/**
 * networkNumberAndMask reduces a network to matching lengths, as Go's function of that name:
 * an IPv4 network number gets 4 bytes and a 16-byte mask its last 4; null, null when the two
 * cannot be matched.
 */
export function networkNumberAndMask(n: IPNet): [IP | null, IPMask | null] {
  let ip: IP | null = n.ip === null ? null : asIP(n.ip).to4();
  if (ip === null) {
    ip = n.ip === null ? null : asIP(n.ip);
    if (ip === null || ip.length !== IPv6len) return [null, null];
  }
  let m = n.mask === null ? null : asMask(n.mask);
  if (m === null) return [null, null];
  if (m.length === IPv4len) {
    if (ip.length !== IPv4len) return [null, null];
  } else if (m.length === IPv6len) {
    if (ip.length === IPv4len) m = m.subarray(12) as IPMask;
  } else {
    return [null, null];
  }
  return [ip, m];
}

function asIP(b: Uint8Array): IP {
  return b instanceof IP ? b : new IP(b.buffer as ArrayBuffer, b.byteOffset, b.length);
}

function asMask(b: Uint8Array): IPMask {
  return b instanceof IPMask ? b : new IPMask(b.buffer as ArrayBuffer, b.byteOffset, b.length);
}

/**
 * cidrMask gives a mask of `ones` one bits followed by zeros up to `bits` bits, or null unless
 * `bits` is 32 or 128 and 0 ≤ ones ≤ bits (both integers). For a canonical mask it is the
 * inverse of `IPMask.size()`.
 *
 * @example
 * cidrMask(12, 32)!.toString(); // "fff00000"
 * cidrMask(33, 32);             // null
 */
export function cidrMask(ones: number, bits: number): IPMask | null {
  if (bits !== 8 * IPv4len && bits !== 8 * IPv6len) return null;
  if (!Number.isInteger(ones) || ones < 0 || ones > bits) return null;
  const m = new IPMask(bits / 8);
  let n = ones;
  for (let i = 0; i < m.length && n > 0; i++) {
    if (n >= 8) {
      m[i] = 0xff;
      n -= 8;
    } else {
      m[i] = ~(0xff >> n);
      n = 0;
    }
  }
  return m;
}

/**
 * parseCIDR parses CIDR notation ("192.0.2.1/24", "2001:db8::/32") into the address (16
 * bytes) and its network (4-byte IP and mask for IPv4 input, 16 for IPv6). The text is split
 * at the first '/'; the prefix length is decimal, leading zeros allowed, no sign.
 *
 * @example
 * const [ip, net] = parseCIDR("192.0.2.1/24");
 * ip.toString();  // "192.0.2.1"
 * net.toString(); // "192.0.2.0/24"
 * parseCIDR("1.2.3.4/33"); // throws ParseError "invalid CIDR address: 1.2.3.4/33"
 * @throws {ParseError} on malformed input.
 */
export function parseCIDR(s: string): [IP, IPNet] {
  const i = s.indexOf("/");
  if (i < 0) throw new ParseError("CIDR address", s);
  const addr = s.slice(0, i);
  let iplen = IPv4len;
  let ip = parseIPv4(addr);
  if (ip === null) {
    iplen = IPv6len;
    ip = parseIPv6(addr);
  }
  const [n, used, ok] = dtoi(s, i + 1);
  if (ip === null || !ok || i + 1 + used !== s.length || n > 8 * iplen) {
    throw new ParseError("CIDR address", s);
  }
  const m = cidrMask(n, 8 * iplen)!;
  return [ip, new IPNet(ip.mask(m), m)];
}
