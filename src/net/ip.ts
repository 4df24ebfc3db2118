/**
 * IP addresses and masks as byte arrays, Go's `net.IP` and `net.IPMask` (`net/ip.go`): parsing,
 * formatting, classification and masking. The parsers live in ipparse.ts, `IPNet`, `cidrMask`
 * and `parseCIDR` in ipnet.ts; both are re-exported here.
 */
import { hexString } from "./parse.js";
import { AddrError, ParseError } from "./errors.js";
import { parseIP as parseIPText } from "./ipparse.js";

/** IPv4len is the length in bytes of an IPv4 address (4). */
export const IPv4len = 4;
/** IPv6len is the length in bytes of an IPv6 address (16). */
export const IPv6len = 16;

const v4InV6Prefix = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** hasV4InV6Prefix reports whether b[0:12] is the IPv4-mapped prefix ::ffff:0:0/96. */
function hasV4InV6Prefix(b: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (b[i] !== v4InV6Prefix[i]) return false;
  return true;
}

/**
 * IP is an IP address as a byte array of 4 (IPv4) or 16 (IPv6) bytes, Go's `net.IP`. A 16-byte
 * IP can still be an IPv4 address (`::ffff:a.b.c.d`); the methods treat both forms alike.
 * Like Go's slice it is mutable and `to4()` shares its bytes.
 *
 * @example
 * const ip = parseIP("192.0.2.1")!; // 16 bytes, as in Go
 * ip.toString();      // "192.0.2.1"
 * ip.to4()!.length;   // 4
 * new IP([10, 0, 0, 1]).isPrivate(); // true
 */
export class IP extends Uint8Array {
  /**
   * toString gives Go's form: "<nil>" when empty, dotted decimal for IPv4 and IPv4-mapped
   * addresses, RFC 5952 for IPv6 ("2001:db8::1"), otherwise "?" and the bytes in hex.
   */
  override toString(): string {
    if (this.length === 0) return "<nil>";
    const p4 = this.to4();
    if (p4 !== null) return `${p4[0]}.${p4[1]}.${p4[2]}.${p4[3]}`;
    if (this.length !== IPv6len) return "?" + hexString(this);
    return formatIPv6(this);
  }

  /**
   * marshalText is Go's `IP.MarshalText`, what encoders use: toString's form, but "" for an
   * empty IP; an IP of neither 4 nor 16 bytes throws an AddrError ("address ?0102: invalid
   * IP address").
   */
  marshalText(): string {
    if (this.length === 0) return "";
    if (this.length !== IPv4len && this.length !== IPv6len) throw new AddrError("invalid IP address", hexString(this));
    return this.toString();
  }

  /** toJSON makes JSON.stringify write the text form, as Go's encoding/json does (see marshalText). */
  toJSON(): string {
    return this.marshalText();
  }

  /**
   * unmarshalText is Go's `IP.UnmarshalText`: "" gives null (Go's nil IP); anything parseIP
   * refuses throws a ParseError ("invalid IP address: 1.2.3").
   */
  static unmarshalText(text: string): IP | null {
    if (text === "") return null;
    const ip = parseIPText(text);
    if (ip === null) throw new ParseError("IP address", text);
    return ip;
  }

  /** to4 gives the 4-byte form of an IPv4 address (sharing its bytes), or null for IPv6. */
  to4(): IP | null {
    if (this.length === IPv4len) return this;
    if (this.length === IPv6len && hasV4InV6Prefix(this)) return this.subarray(12, 16) as IP;
    return null;
  }

  /** to16 gives the 16-byte form of the address, or null if its length is neither 4 nor 16. */
  to16(): IP | null {
    if (this.length === IPv4len) return IPv4(this[0]!, this[1]!, this[2]!, this[3]!);
    if (this.length === IPv6len) return this;
    return null;
  }

  /** equal reports whether `x` is the same address; the 4- and 16-byte forms of an IPv4 address are equal. */
  equal(x: Uint8Array | null): boolean {
    return ipEqual(this, x ?? empty);
  }

  /** isUnspecified reports whether the address is 0.0.0.0 or ::. */
  isUnspecified(): boolean {
    return this.equal(IPv4zero) || this.equal(IPv6unspecified);
  }

  /** isLoopback reports whether the address is a loopback address (127/8 or ::1). */
  isLoopback(): boolean {
    const ip4 = this.to4();
    if (ip4 !== null) return ip4[0] === 127;
    return this.equal(IPv6loopback);
  }

  /** isPrivate reports whether the address is private: RFC 1918 for IPv4, RFC 4193 (fc00::/7) for IPv6. */
  isPrivate(): boolean {
    const ip4 = this.to4();
    if (ip4 !== null) {
      const [a, b] = [ip4[0]!, ip4[1]!];
      return a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168);
    }
    return this.length === IPv6len && (this[0]! & 0xfe) === 0xfc;
  }

  /** isMulticast reports whether the address is a multicast address (224/4 or ff00::/8). */
  isMulticast(): boolean {
    const ip4 = this.to4();
    if (ip4 !== null) return (ip4[0]! & 0xf0) === 0xe0;
    return this.length === IPv6len && this[0] === 0xff;
  }

  /** isInterfaceLocalMulticast reports whether the address is an IPv6 interface-local multicast address. */
  isInterfaceLocalMulticast(): boolean {
    return this.length === IPv6len && this[0] === 0xff && (this[1]! & 0x0f) === 0x01;
  }

  /** isLinkLocalMulticast reports whether the address is a link-local multicast address (224.0.0/24 or ff02::/16). */
  isLinkLocalMulticast(): boolean {
    const ip4 = this.to4();
    if (ip4 !== null) return ip4[0] === 224 && ip4[1] === 0 && ip4[2] === 0;
    return this.length === IPv6len && this[0] === 0xff && (this[1]! & 0x0f) === 0x02;
  }

  /** isLinkLocalUnicast reports whether the address is a link-local unicast address (169.254/16 or fe80::/10). */
  isLinkLocalUnicast(): boolean {
    const ip4 = this.to4();
    if (ip4 !== null) return ip4[0] === 169 && ip4[1] === 254;
    return this.length === IPv6len && this[0] === 0xfe && (this[1]! & 0xc0) === 0x80;
  }

  /**
   * isGlobalUnicast reports whether the address is a global unicast address: any 4- or 16-byte
   * address that is not the IPv4 limited broadcast, unspecified, loopback, multicast or
   * link-local unicast (private addresses count as global, as in Go).
   */
  isGlobalUnicast(): boolean {
    return (
      (this.length === IPv4len || this.length === IPv6len) &&
      !this.equal(IPv4bcast) &&
      !this.isUnspecified() &&
      !this.isLoopback() &&
      !this.isMulticast() &&
      !this.isLinkLocalUnicast()
    );
  }

  /** defaultMask gives the classful mask of an IPv4 address (/8, /16 or /24), or null for IPv6. */
  defaultMask(): IPMask | null {
    const ip4 = this.to4();
    if (ip4 === null) return null;
    if (ip4[0]! < 0x80) return ipv4Mask(0xff, 0, 0, 0);
    if (ip4[0]! < 0xc0) return ipv4Mask(0xff, 0xff, 0, 0);
    return ipv4Mask(0xff, 0xff, 0xff, 0);
  }

  /**
   * mask gives the address masked with `m`, or null when their lengths do not fit together. A
   * 16-byte mask whose first 12 bytes are 0xff applies to a 4-byte address; a 4-byte mask
   * applies to an IPv4-mapped 16-byte address (giving 4 bytes).
   */
  mask(m: Uint8Array): IP | null {
    let mask: Uint8Array = m;
    let ip: Uint8Array = this;
    if (mask.length === IPv6len && ip.length === IPv4len && allFF(mask.subarray(0, 12))) mask = mask.subarray(12);
    if (mask.length === IPv4len && ip.length === IPv6len && hasV4InV6Prefix(ip)) ip = ip.subarray(12);
    if (ip.length !== mask.length) return null;
    const out = new IP(ip.length);
    for (let i = 0; i < ip.length; i++) out[i] = ip[i]! & mask[i]!;
    return out;
  }
}

const empty = new Uint8Array(0);

/** ipEqual compares two addresses as Go's `IP.Equal`. */
function ipEqual(ip: Uint8Array, x: Uint8Array): boolean {
  if (ip.length === x.length) {
    for (let i = 0; i < ip.length; i++) if (ip[i] !== x[i]) return false;
    return true;
  }
  if (ip.length === IPv4len && x.length === IPv6len) return ipEqual(x, IPv4(ip[0]!, ip[1]!, ip[2]!, ip[3]!));
  if (ip.length === IPv6len && x.length === IPv4len) return ipEqual(ip, IPv4(x[0]!, x[1]!, x[2]!, x[3]!));
  return false;
}

function allFF(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0xff) return false;
  return true;
}

/**
 * formatIPv6 writes 16 bytes per RFC 5952: the longest run of two or more zero groups (the
 * first on a tie) becomes "::".
 */
export function formatIPv6(p: Uint8Array): string {
  let bestStart = -1;
  let bestLen = 1; // A single zero group is never shortened.
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && p[2 * j] === 0 && p[2 * j + 1] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i !== bestStart + bestLen) s += ":";
    s += ((p[2 * i]! << 8) | p[2 * i + 1]!).toString(16);
  }
  return s;
}

/**
 * IPMask is an IP mask as a byte array (4 or 16 bytes), Go's `net.IPMask`.
 *
 * @example
 * cidrMask(24, 32)!.size();          // [24, 32]
 * ipv4Mask(255, 0, 128, 0).toString(); // "ff008000"
 */
export class IPMask extends Uint8Array {
  /**
   * size gives `[ones, bits]`: the number of leading one bits and the mask's length in bits, or
   * `[0, 0]` if the mask is not ones followed by zeros.
   */
  size(): [ones: number, bits: number] {
    const ones = simpleMaskLength(this);
    return ones === -1 ? [0, 0] : [ones, this.length * 8];
  }

  /** toString gives the mask in plain lower-case hex ("ffffff00"), or "<nil>" when empty. */
  override toString(): string {
    return this.length === 0 ? "<nil>" : hexString(this);
  }
}

/** simpleMaskLength counts the leading ones of a canonical mask, or gives -1 if it is not canonical. */
export function simpleMaskLength(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    let v = mask[i]!;
    if (v === 0xff) {
      n += 8;
      continue;
    }
    while (v & 0x80) {
      n++;
      v = (v << 1) & 0xff;
    }
    if (v !== 0) return -1;
    for (i++; i < mask.length; i++) if (mask[i] !== 0) return -1;
    break;
  }
  return n;
}

/**
 * IPv4 gives the 16-byte form of the IPv4 address a.b.c.d (each taken modulo 256).
 *
 * @example
 * IPv4(127, 0, 0, 1).toString(); // "127.0.0.1"
 * IPv4(127, 0, 0, 1).length;     // 16
 */
export function IPv4(a: number, b: number, c: number, d: number): IP {
  const p = new IP(IPv6len);
  p[10] = 0xff;
  p[11] = 0xff;
  p[12] = a;
  p[13] = b;
  p[14] = c;
  p[15] = d;
  return p;
}

/**
 * ipv4Mask gives the 4-byte IPv4 mask a.b.c.d.
 *
 * @example
 * ipv4Mask(255, 255, 255, 0).size(); // [24, 32]
 */
export function ipv4Mask(a: number, b: number, c: number, d: number): IPMask {
  return new IPMask([a, b, c, d]);
}

/** IPv4bcast is the IPv4 limited broadcast address 255.255.255.255 (16-byte form). */
export const IPv4bcast = IPv4(255, 255, 255, 255);
/** IPv4allsys is the all-systems multicast address 224.0.0.1 (16-byte form). */
export const IPv4allsys = IPv4(224, 0, 0, 1);
/** IPv4allrouter is the all-routers multicast address 224.0.0.2 (16-byte form). */
export const IPv4allrouter = IPv4(224, 0, 0, 2);
/** IPv4zero is the IPv4 unspecified address 0.0.0.0 (16-byte form). */
export const IPv4zero = IPv4(0, 0, 0, 0);
/** IPv6zero is the IPv6 unspecified address ::. */
export const IPv6zero = new IP(IPv6len);
/** IPv6unspecified is the IPv6 unspecified address ::. */
export const IPv6unspecified = new IP(IPv6len);
/** IPv6loopback is the IPv6 loopback address ::1. */
export const IPv6loopback = new IP([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
/** IPv6interfacelocalallnodes is ff01::1. */
export const IPv6interfacelocalallnodes = new IP([0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]);
/** IPv6linklocalallnodes is ff02::1. */
export const IPv6linklocalallnodes = new IP([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]);
/** IPv6linklocalallrouters is ff02::2. */
export const IPv6linklocalallrouters = new IP([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02]);

/** ipEmptyString is `ip.toString()`, except "" for a null or empty address. */
export function ipEmptyString(ip: IP | null): string {
  return ip === null || ip.length === 0 ? "" : ip.toString();
}

export { parseIP, parseIPZone, splitHostZone, parseIPv4, parseIPv6 } from "./ipparse.js";
export { IPNet, cidrMask, parseCIDR } from "./ipnet.js";
