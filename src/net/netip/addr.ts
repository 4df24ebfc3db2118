/**
 * netip.Addr: an immutable IPv4 or IPv6 address with an optional IPv6 zone (Go's
 * `net/netip/netip.go`). Stored as Go stores it: 128 bits (here four 32-bit words) plus a kind,
 * IPv4 addresses as ::ffff:a.b.c.d with kind 4.
 */
import { NetipError } from "./errors.js";
// A load-time cycle with prefix.ts: neither module uses the other at load time, only in calls.
import { Prefix, prefixFrom } from "./prefix.js";
import { parseAddr } from "./parse.js";

/** The kind of an address: 0 for the zero value, 4 for IPv4, 6 for IPv6. */
type Kind = 0 | 4 | 6;

let make: (w0: number, w1: number, w2: number, w3: number, kind: Kind, zone: string) => Addr;
let words: (a: Addr) => [number, number, number, number];

/**
 * Addr is an IP address, Go's `netip.Addr`: immutable, comparable with `equal` and `compare`,
 * IPv6 with an optional zone. `new Addr()` is the zero value, which is not a valid address.
 *
 * @example
 * const a = parseAddr("fe80::1%eth0");
 * a.is6();        // true
 * a.zone();       // "eth0"
 * a.toString();   // "fe80::1%eth0"
 * parseAddr("::ffff:1.2.3.4").unmap().toString(); // "1.2.3.4"
 */
export class Addr {
  #w0 = 0;
  #w1 = 0;
  #w2 = 0;
  #w3 = 0;
  #kind: Kind = 0;
  #zone = "";

  static {
    make = (w0, w1, w2, w3, kind, zone) => {
      const a = new Addr();
      a.#w0 = w0 >>> 0;
      a.#w1 = w1 >>> 0;
      a.#w2 = w2 >>> 0;
      a.#w3 = w3 >>> 0;
      a.#kind = kind;
      a.#zone = kind === 6 ? zone : "";
      return a;
    };
    words = (a) => [a.#w0, a.#w1, a.#w2, a.#w3];
  }

  /** Creates the zero Addr, which is not valid (`isValid()` is false); use parseAddr or addrFrom4/16. */
  constructor() {
    Object.freeze(this);
  }

  /** isValid reports whether the address is not the zero Addr. */
  isValid(): boolean {
    return this.#kind !== 0;
  }

  /** bitLen gives 32 for IPv4, 128 for IPv6 (IPv4-mapped included), 0 for the zero Addr. */
  bitLen(): number {
    return this.#kind === 0 ? 0 : this.#kind === 4 ? 32 : 128;
  }

  /** zone gives the IPv6 zone ("" if none, and always "" for IPv4). */
  zone(): string {
    return this.#zone;
  }

  /**
   * compare orders addresses: by bit length (zero, IPv4, IPv6), then by value, then by zone;
   * returns -1, 0 or 1.
   */
  compare(o: Addr): number {
    const f1 = this.bitLen();
    const f2 = o.bitLen();
    if (f1 !== f2) return f1 < f2 ? -1 : 1;
    const a = words(this);
    const b = words(o);
    for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return this.is6() ? compareUTF8(this.#zone, o.#zone) : 0;
  }

  /** less reports whether this address sorts before `o` (`compare(o) === -1`). */
  less(o: Addr): boolean {
    return this.compare(o) === -1;
  }

  /** equal reports whether the two addresses are identical, zone included. Go: `==` on netip.Addr. */
  equal(o: Addr): boolean {
    return (
      this.#kind === o.#kind &&
      this.#w0 === o.#w0 &&
      this.#w1 === o.#w1 &&
      this.#w2 === o.#w2 &&
      this.#w3 === o.#w3 &&
      this.#zone === o.#zone
    );
  }

  /** is4 reports whether this is an IPv4 address (not an IPv4-mapped IPv6 one). */
  is4(): boolean {
    return this.#kind === 4;
  }

  /** is4In6 reports whether this is an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
  is4In6(): boolean {
    return this.#kind === 6 && this.#w0 === 0 && this.#w1 === 0 && this.#w2 === 0xffff;
  }

  /** is6 reports whether this is an IPv6 address, IPv4-mapped ones included. */
  is6(): boolean {
    return this.#kind === 6;
  }

  /** unmap gives the IPv4 address inside an IPv4-mapped IPv6 one (dropping its zone), else the address itself. */
  unmap(): Addr {
    return this.is4In6() ? make(0, 0, 0xffff, this.#w3, 4, "") : this;
  }

  /** withZone gives the address with `zone` ("" removes it); IPv4 and zero addresses are returned unchanged. */
  withZone(zone: string): Addr {
    if (!this.is6()) return this;
    return make(this.#w0, this.#w1, this.#w2, this.#w3, 6, zone);
  }

  /** v4 gives byte i (0..3) of the low 32 bits. */
  private v4(i: number): number {
    return (this.#w3 >>> ((3 - i) * 8)) & 0xff;
  }

  /** v6u16 gives 16-bit group i (0..7). */
  private v6u16(i: number): number {
    const w = words(this)[i >> 1]!;
    return i & 1 ? w & 0xffff : w >>> 16;
  }

  /** isLinkLocalUnicast reports whether the address is link-local unicast (169.254/16, fe80::/10). */
  isLinkLocalUnicast(): boolean {
    if (this.is4()) return this.v4(0) === 169 && this.v4(1) === 254;
    return this.is6() && (this.v6u16(0) & 0xffc0) === 0xfe80;
  }

  /** isLoopback reports whether the address is a loopback address (127/8, ::1). */
  isLoopback(): boolean {
    if (this.is4()) return this.v4(0) === 127;
    return this.is6() && this.#w0 === 0 && this.#w1 === 0 && this.#w2 === 0 && this.#w3 === 1;
  }

  /** isMulticast reports whether the address is multicast (224/4, ff00::/8). */
  isMulticast(): boolean {
    if (this.is4()) return (this.v4(0) & 0xf0) === 0xe0;
    return this.is6() && this.#w0 >>> 24 === 0xff;
  }

  /** isInterfaceLocalMulticast reports whether the address is IPv6 interface-local multicast (ffx1::/16). */
  isInterfaceLocalMulticast(): boolean {
    return this.is6() && (this.v6u16(0) & 0xff0f) === 0xff01;
  }

  /** isLinkLocalMulticast reports whether the address is link-local multicast (224.0.0/24, ffx2::/16). */
  isLinkLocalMulticast(): boolean {
    if (this.is4()) return this.v4(0) === 224 && this.v4(1) === 0 && this.v4(2) === 0;
    return this.is6() && (this.v6u16(0) & 0xff0f) === 0xff02;
  }

  /**
   * isGlobalUnicast reports whether the address is global unicast: valid, and not unspecified,
   * the IPv4 limited broadcast, loopback, multicast or link-local unicast. Private addresses
   * count as global, as in Go.
   */
  isGlobalUnicast(): boolean {
    if (this.#kind === 0) return false;
    if (this.is4() && (this.#w3 === 0 || this.#w3 === 0xffffffff)) return false;
    return !this.equal(ipv6Unspecified()) && !this.isLoopback() && !this.isMulticast() && !this.isLinkLocalUnicast();
  }

  /** isPrivate reports whether the address is private: RFC 1918 for IPv4, fc00::/7 (RFC 4193) for IPv6. */
  isPrivate(): boolean {
    if (this.is4()) {
      const [a, b] = [this.v4(0), this.v4(1)];
      return a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168);
    }
    return this.is6() && (this.#w0 >>> 24 & 0xfe) === 0xfc;
  }

  /** isUnspecified reports whether the address is 0.0.0.0 or :: (without a zone). */
  isUnspecified(): boolean {
    return this.equal(ipv4Unspecified()) || this.equal(ipv6Unspecified());
  }

  /**
   * prefix gives the prefix of length `b` holding this address, host bits cleared and zone
   * dropped; the zero Prefix for the zero Addr.
   *
   * @example
   * parseAddr("1.2.3.4").prefix(24).toString(); // "1.2.3.0/24"
   * @throws {NetipError} "negative Prefix bits", "prefix length 33 too large for IPv4".
   *
   * Go: a length that is not an integer (impossible in Go) throws "prefix length 1.5 is not
   * an integer".
   */
  prefix(b: number): Prefix {
    if (b < 0) throw new NetipError("negative Prefix bits");
    if (!Number.isInteger(b)) throw new NetipError(`prefix length ${b} is not an integer`);
    if (this.#kind === 0) return new Prefix();
    const max = this.bitLen();
    if (b > max) throw new NetipError(`prefix length ${b} too large for IPv${this.#kind}`);
    const m = mask6(this.#kind === 4 ? b + 96 : b);
    const w = words(this);
    const ip = make(w[0] & m[0]!, w[1] & m[1]!, w[2] & m[2]!, w[3] & m[3]!, this.#kind, this.#zone);
    return prefixFrom(ip, b);
  }

  /** as16 gives the address as 16 bytes (IPv4 in its ::ffff: form), zone dropped. */
  as16(): Uint8Array {
    const out = new Uint8Array(16);
    const dv = new DataView(out.buffer);
    words(this).forEach((w, i) => dv.setUint32(4 * i, w));
    return out;
  }

  /**
   * as4 gives an IPv4 or IPv4-mapped address as 4 bytes.
   * @throws {NetipError} for IPv6 and zero addresses. Go: panics there.
   */
  as4(): Uint8Array {
    if (this.#kind === 4 || this.is4In6()) return this.as16().subarray(12);
    throw new NetipError(this.#kind === 0 ? "As4 called on IP zero value" : "As4 called on IPv6 address");
  }

  /** asSlice gives 4 bytes for IPv4, 16 for IPv6, null for the zero Addr (Go's nil). */
  asSlice(): Uint8Array | null {
    if (this.#kind === 0) return null;
    return this.#kind === 4 ? this.as4() : this.as16();
  }

  /** next gives the following address (zone kept), or the zero Addr after the last one. */
  next(): Addr {
    const w = words(this);
    for (let i = 3; i >= 0; i--) {
      w[i] = (w[i]! + 1) >>> 0;
      if (w[i] !== 0) break;
    }
    if (this.is4() ? w[3] === 0 : w.every((x) => x === 0)) return new Addr();
    return make(w[0], w[1], w[2], w[3], this.#kind, this.#zone);
  }

  /** prev gives the preceding address (zone kept), or the zero Addr before the first one. */
  prev(): Addr {
    const w = words(this);
    if (this.is4() ? w[3] === 0 : w.every((x) => x === 0)) return new Addr();
    for (let i = 3; i >= 0; i--) {
      const was = w[i]!;
      w[i] = (was - 1) >>> 0;
      if (was !== 0) break;
    }
    return make(w[0], w[1], w[2], w[3], this.#kind, this.#zone);
  }

  /**
   * toString gives "invalid IP" for the zero Addr, dotted decimal for IPv4,
   * "::ffff:1.2.3.4[%zone]" for IPv4-mapped IPv6 (unlike net.IP), RFC 5952 otherwise.
   */
  toString(): string {
    if (this.#kind === 0) return "invalid IP";
    if (this.#kind === 4) return this.string4();
    const z = this.#zone !== "" ? "%" + this.#zone : "";
    if (this.is4In6()) return "::ffff:" + this.string4() + z;
    return formatGroups(this) + z;
  }

  /** marshalText is Go's `Addr.MarshalText`: toString's form, but "" for the zero Addr. */
  marshalText(): string {
    return this.#kind === 0 ? "" : this.toString();
  }

  /** toJSON makes JSON.stringify write marshalText's form, as Go's encoding/json does. */
  toJSON(): string {
    return this.marshalText();
  }

  /** unmarshalText is Go's `Addr.UnmarshalText`: "" gives the zero Addr, anything else parseAddr. */
  static unmarshalText(text: string): Addr {
    return text === "" ? new Addr() : parseAddr(text);
  }

  /** stringExpanded is toString, but IPv6 is written as eight groups of four hex digits. */
  stringExpanded(): string {
    if (this.#kind !== 6) return this.toString();
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(this.v6u16(i).toString(16).padStart(4, "0"));
    return groups.join(":") + (this.#zone !== "" ? "%" + this.#zone : "");
  }

  private string4(): string {
    return `${this.v4(0)}.${this.v4(1)}.${this.v4(2)}.${this.v4(3)}`;
  }
}

/** formatGroups writes the eight groups per RFC 5952: the first longest run of two or more zero groups becomes "::". */
function formatGroups(a: Addr): string {
  const g: number[] = [];
  for (const w of words(a)) g.push(w >>> 16, w & 0xffff);
  let start = -1;
  let len = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > len) [start, len] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  if (start < 0) return g.map((x) => x.toString(16)).join(":");
  const head = g.slice(0, start).map((x) => x.toString(16)).join(":");
  const tail = g.slice(start + len).map((x) => x.toString(16)).join(":");
  return head + "::" + tail;
}

/** compareUTF8 compares strings in UTF-8 byte order (code point order), as Go compares strings. */
export function compareUTF8(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i++) {
    const c = x[i]!.codePointAt(0)!;
    const d = y[i]!.codePointAt(0)!;
    if (c !== d) return c < d ? -1 : 1;
  }
  return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
}

/** mask6 gives the 128-bit mask of n leading ones as four words. */
export function mask6(n: number): number[] {
  const m: number[] = [];
  for (let k = 0; k < 4; k++) {
    const bits = Math.min(32, Math.max(0, n - 32 * k));
    m.push(bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0);
  }
  return m;
}

/** addrWords gives the four 32-bit words of an address (internal). */
export function addrWords(a: Addr): [number, number, number, number] {
  return words(a);
}

/** addrFromWords builds an address from its words, kind and zone (internal). */
export function addrFromWords(w0: number, w1: number, w2: number, w3: number, kind: Kind, zone = ""): Addr {
  return make(w0, w1, w2, w3, kind, zone);
}

/**
 * addrFrom4 gives the IPv4 address of 4 bytes.
 *
 * @example
 * addrFrom4([127, 0, 0, 1]).toString(); // "127.0.0.1"
 * @throws {TypeError} unless given exactly 4 bytes.
 *
 * Go: the `[4]byte` parameter type makes a wrong length impossible; here it is a TypeError.
 */
export function addrFrom4(b: ArrayLike<number>): Addr {
  if (b.length !== 4) throw new TypeError("addrFrom4 needs exactly 4 bytes");
  const v4 = ((b[0]! & 0xff) << 24) | ((b[1]! & 0xff) << 16) | ((b[2]! & 0xff) << 8) | (b[3]! & 0xff);
  return make(0, 0, 0xffff, v4, 4, "");
}

/**
 * addrFrom16 gives the IPv6 address of 16 bytes; an IPv4-mapped address stays IPv6 (use unmap).
 *
 * @example
 * addrFrom16(new Uint8Array(16)).toString(); // "::"
 * @throws {TypeError} unless given exactly 16 bytes.
 *
 * Go: the `[16]byte` parameter type makes a wrong length impossible; here it is a TypeError.
 */
export function addrFrom16(b: ArrayLike<number>): Addr {
  if (b.length !== 16) throw new TypeError("addrFrom16 needs exactly 16 bytes");
  const w = [0, 0, 0, 0];
  for (let i = 0; i < 16; i++) w[i >> 2] = ((w[i >> 2]! << 8) | (b[i]! & 0xff)) >>> 0;
  return make(w[0]!, w[1]!, w[2]!, w[3]!, 6, "");
}

/**
 * addrFromSlice gives the address of 4 or 16 bytes, or null for any other length (Go's `ok`
 * false).
 *
 * @example
 * addrFromSlice([10, 0, 0, 1])!.toString(); // "10.0.0.1"
 */
export function addrFromSlice(b: ArrayLike<number>): Addr | null {
  if (b.length === 4) return addrFrom4(b);
  if (b.length === 16) return addrFrom16(b);
  return null;
}

/** ipv6LinkLocalAllNodes gives ff02::1. */
export function ipv6LinkLocalAllNodes(): Addr {
  return make(0xff020000, 0, 0, 1, 6, "");
}

/** ipv6Unspecified gives ::. */
export function ipv6Unspecified(): Addr {
  return make(0, 0, 0, 0, 6, "");
}

/** ipv4Unspecified gives 0.0.0.0. */
export function ipv4Unspecified(): Addr {
  return make(0, 0, 0xffff, 0, 4, "");
}
