/**
 * netip.Prefix: an immutable IP network, address plus prefix length (Go's `net/netip/netip.go`).
 */
// A load-time cycle with addr.ts: neither module uses the other at load time, only in calls.
import { Addr, addrWords, mask6 } from "./addr.js";
import { NetipError } from "./errors.js";
import { parseAddr } from "./parse.js";
import { quote } from "./quote.js";

let makePrefix: (ip: Addr, bits: number) => Prefix;

/**
 * Prefix is an IP prefix (CIDR network), Go's `netip.Prefix`: an address without zone and a
 * length in bits. Host bits are kept as given (see `masked`). `new Prefix()` is the zero value.
 *
 * @example
 * const p = parsePrefix("10.1.2.3/8");
 * p.toString();                          // "10.1.2.3/8"
 * p.masked().toString();                 // "10.0.0.0/8"
 * p.contains(parseAddr("10.200.0.1"));   // true
 */
export class Prefix {
  #ip: Addr;
  #bits: number;

  /** Creates the zero Prefix; use prefixFrom or parsePrefix for others. */
  constructor() {
    this.#ip = new Addr();
    this.#bits = 0;
    Object.freeze(this);
  }

  static #of(ip: Addr, bits: number): Prefix {
    const p = new Prefix();
    p.#ip = ip;
    p.#bits = bits;
    return p;
  }

  static {
    makePrefix = (ip, bits) => Prefix.#of(ip, bits);
  }

  /** addr gives the address (zone-less). */
  addr(): Addr {
    return this.#ip;
  }

  /** bits gives the prefix length, or -1 if it was out of range for the address. */
  bits(): number {
    return this.#bits;
  }

  /** isValid reports whether the address is valid and 0 ≤ bits ≤ its bit length. */
  isValid(): boolean {
    return this.#ip.isValid() && this.#bits >= 0 && this.#bits <= this.#ip.bitLen();
  }

  /** isSingleIP reports whether the prefix holds exactly one address (/32 for IPv4, /128 for IPv6). */
  isSingleIP(): boolean {
    return this.#bits !== 0 && this.#bits === this.#ip.bitLen();
  }

  /** equal reports whether address and length are identical. Go: `==` on netip.Prefix. */
  equal(o: Prefix): boolean {
    return this.#ip.equal(o.#ip) && this.#bits === o.#bits;
  }

  /** masked gives the prefix with its host bits cleared, or the zero Prefix if it is invalid. */
  masked(): Prefix {
    try {
      return this.#ip.prefix(this.#bits);
    } catch {
      return new Prefix();
    }
  }

  /**
   * contains reports whether the network includes `ip`. Addresses of the other family, with a
   * zone, or invalid never match; an IPv4-mapped IPv6 address does not match an IPv4 prefix.
   */
  contains(ip: Addr): boolean {
    if (!this.isValid() || ip.zone() !== "") return false;
    const f1 = this.#ip.bitLen();
    const f2 = ip.bitLen();
    if (f1 === 0 || f2 === 0 || f1 !== f2) return false;
    const a = addrWords(ip);
    const b = addrWords(this.#ip);
    const m = mask6(ip.is4() ? this.#bits + 96 : this.#bits);
    for (let i = 0; i < 4; i++) if (((a[i]! ^ b[i]!) & m[i]!) !== 0) return false;
    return true;
  }

  /** overlaps reports whether the two prefixes share any address. */
  overlaps(o: Prefix): boolean {
    if (!this.isValid() || !o.isValid()) return false;
    if (this.equal(o)) return true;
    if (this.#ip.is4() !== o.#ip.is4()) return false;
    const minBits = Math.min(this.#bits, o.#bits);
    if (minBits === 0) return true;
    try {
      return this.#ip.prefix(minBits).#ip.equal(o.#ip.prefix(minBits).#ip);
    } catch {
      return false;
    }
  }

  /**
   * marshalText is Go's `Prefix.MarshalText`: toString's form, but "" for the zero Prefix
   * (and "invalid Prefix" for another invalid one, as toString).
   */
  marshalText(): string {
    return !this.#ip.isValid() && this.#bits === 0 ? "" : this.toString();
  }

  /** toJSON makes JSON.stringify write marshalText's form, as Go's encoding/json does. */
  toJSON(): string {
    return this.marshalText();
  }

  /** unmarshalText is Go's `Prefix.UnmarshalText`: "" gives the zero Prefix, anything else parsePrefix. */
  static unmarshalText(text: string): Prefix {
    return text === "" ? new Prefix() : parsePrefix(text);
  }

  /** toString gives "addr/bits" ("10.0.0.0/8", "::ffff:1.2.3.0/120"), or "invalid Prefix". */
  toString(): string {
    if (!this.isValid()) return "invalid Prefix";
    return `${this.#ip.toString()}/${this.#bits}`;
  }
}

/**
 * prefixFrom gives the prefix of `ip` (zone dropped, host bits kept) and `bits`. A length
 * outside 0..ip.bitLen() (or not an integer) gives an invalid prefix whose bits() is -1.
 *
 * @example
 * prefixFrom(parseAddr("1.2.3.4"), 24).toString(); // "1.2.3.4/24"
 * prefixFrom(parseAddr("1.2.3.4"), 33).isValid();  // false
 */
export function prefixFrom(ip: Addr, bits: number): Prefix {
  const b = Number.isInteger(bits) && bits >= 0 && bits <= ip.bitLen() ? bits : -1;
  return makePrefix(ip.withZone(""), b);
}

/**
 * atoiBits is Go's `strconv.Atoi` for the length: an optional sign and decimal digits; null if
 * malformed or beyond int64.
 */
function atoiBits(s: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const neg = s[0] === "-";
  const digits = s.replace(/^[+-]?0*/, "");
  const limit = neg ? "9223372036854775808" : "9223372036854775807";
  if (digits.length > 19 || (digits.length === 19 && digits > limit)) return null;
  const n = digits.length > 4 ? 9999 : Number(digits || "0");
  return neg && n !== 0 ? -n : n;
}

/**
 * parsePrefix parses "addr/bits" ("192.168.1.0/24", "2001:db8::/32"), split at the last '/'.
 * Zones are rejected; host bits are kept (see `masked`); the length is Go's Atoi (so "+24" and
 * "024" are accepted).
 *
 * @example
 * parsePrefix("::ffff:1.2.3.4/120").masked().toString(); // "::ffff:1.2.3.0/120"
 * parsePrefix("1.2.3.4"); // throws NetipError `netip.ParsePrefix("1.2.3.4"): no '/'`
 * @throws {NetipError} with Go's message.
 */
export function parsePrefix(s: string): Prefix {
  const fail = (why: string): NetipError => new NetipError(`netip.ParsePrefix(${quote(s)}): ${why}`);
  const i = s.lastIndexOf("/");
  if (i < 0) throw fail("no '/'");
  let ip: Addr;
  try {
    ip = parseAddr(s.slice(0, i));
  } catch (e) {
    throw fail((e as Error).message);
  }
  if (ip.zone() !== "") throw fail("IPv6 zones cannot be present in a prefix");
  const bitsStr = s.slice(i + 1);
  const bits = atoiBits(bitsStr);
  if (bits === null) throw fail(`bad bits after slash: ${quote(bitsStr)}`);
  if (bits < 0 || bits > (ip.is6() ? 128 : 32)) throw fail("prefix length out of range");
  return prefixFrom(ip, bits);
}

/**
 * mustParsePrefix is parsePrefix for constants known to be valid (Go's `MustParsePrefix`).
 * @throws {NetipError} where Go panics.
 */
export function mustParsePrefix(s: string): Prefix {
  return parsePrefix(s);
}
