/**
 * parseAddr and its IPv4 and IPv6 parsers, with Go's error texts (`net/netip/netip.go`).
 */
import { Addr, addrFromWords } from "./addr.js";
import { ParseAddrError } from "./errors.js";
import { hexVal } from "../parse.js";

/**
 * parseAddr parses an IPv4 ("192.0.2.1"), IPv6 ("2001:db8::68") or IPv6-with-zone
 * ("fe80::1%eth0") address. The first '.', ':' or '%' decides the form. IPv4 fields with
 * leading zeros are rejected; an IPv4-mapped address stays IPv6. The zone is everything after
 * the first '%' and must not be empty.
 *
 * @example
 * parseAddr("::ffff:1.2.3.4").toString(); // "::ffff:1.2.3.4"
 * parseAddr("1.2.3");  // throws ParseAddrError `ParseAddr("1.2.3"): IPv4 address too short`
 * @throws {ParseAddrError} with Go's message.
 */
export function parseAddr(s: string): Addr {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ".") return parseIPv4(s);
    if (c === ":") return parseIPv6(s);
    if (c === "%") throw new ParseAddrError(s, "missing IPv6 address");
  }
  throw new ParseAddrError(s, "unable to parse IP");
}

/**
 * mustParseAddr is parseAddr for constants known to be valid (Go's `MustParseAddr`).
 * @throws {ParseAddrError} where Go panics.
 */
export function mustParseAddr(s: string): Addr {
  return parseAddr(s);
}

/** parseIPv4 parses a dotted-quad address; gives the 32-bit value or throws. */
function parseIPv4Value(s: string): number {
  const fields = [0, 0, 0, 0];
  let val = 0;
  let pos = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && val === 0) throw new ParseAddrError(s, "IPv4 field has octet with leading zero");
      val = val * 10 + (c - 0x30);
      digits++;
      if (val > 255) throw new ParseAddrError(s, "IPv4 field has value >255");
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === ".") {
        throw new ParseAddrError(s, "IPv4 field must have at least one digit", s.slice(i));
      }
      if (pos === 3) throw new ParseAddrError(s, "IPv4 address too long");
      fields[pos++] = val;
      val = 0;
      digits = 0;
    } else {
      throw new ParseAddrError(s, "unexpected character", s.slice(i));
    }
  }
  if (pos < 3) throw new ParseAddrError(s, "IPv4 address too short");
  fields[3] = val;
  return ((fields[0]! << 24) | (fields[1]! << 16) | (fields[2]! << 8) | fields[3]!) >>> 0;
}

function parseIPv4(s: string): Addr {
  return addrFromWords(0, 0, 0xffff, parseIPv4Value(s), 4);
}

/** readHexField reads one colon-separated hex field at s[pos:], as Go: at most 0xffff, at least one digit. */
function readHexField(input: string, s: string, pos: number): [value: number, end: number] {
  let acc = 0;
  let off = pos;
  for (; off < s.length; off++) {
    const v = hexVal(s.charCodeAt(off));
    if (v < 0) break;
    acc = acc * 16 + v;
    if (acc > 0xffff) throw new ParseAddrError(input, "IPv6 field has value >=2^16", s.slice(pos));
  }
  if (off === pos) {
    throw new ParseAddrError(input, "each colon-separated field must have at least one digit", s.slice(pos));
  }
  return [acc, off];
}

/** embeddedIPv4 parses the dotted tail of an IPv6 address at s[pos:] into bytes ip[i..i+3]. */
function embeddedIPv4(input: string, s: string, pos: number, ip: Uint8Array, i: number, ellipsis: number): void {
  const rest = s.slice(pos);
  if (ellipsis < 0 && i !== 12) {
    throw new ParseAddrError(input, "embedded IPv4 address must replace the final 2 fields of the address", rest);
  }
  if (i + 4 > 16) {
    throw new ParseAddrError(input, "too many hex fields to fit an embedded IPv4 at the end of the address", rest);
  }
  let v: number;
  try {
    v = parseIPv4Value(rest);
  } catch (e) {
    throw new ParseAddrError(input, (e as Error).message, rest);
  }
  ip[i] = v >>> 24;
  ip[i + 1] = v >>> 16;
  ip[i + 2] = v >>> 8;
  ip[i + 3] = v;
}

/** splitZone splits "addr%zone" at the first '%'; the zone may not be empty. */
function splitZone(input: string): [addr: string, zone: string] {
  const pct = input.indexOf("%");
  if (pct === -1) return [input, ""];
  const zone = input.slice(pct + 1);
  if (zone === "") throw new ParseAddrError(input, "zone must be a non-empty string");
  return [input.slice(0, pct), zone];
}

/** parseIPv6 parses an IPv6 address with an optional zone after the first '%'. */
function parseIPv6(input: string): Addr {
  const [s, zone] = splitZone(input);
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  let pos = 0;
  if (s.length >= 2 && s[0] === ":" && s[1] === ":") {
    ellipsis = 0;
    pos = 2;
    if (pos === s.length) return fromBytes(ip, zone);
  }
  let i = 0;
  while (i < 16) {
    const [acc, off] = readHexField(input, s, pos);
    if (off < s.length && s[off] === ".") {
      embeddedIPv4(input, s, pos, ip, i, ellipsis);
      pos = s.length;
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc;
    i += 2;
    pos = off;
    if (pos === s.length) break;
    if (s[pos] !== ":") throw new ParseAddrError(input, "unexpected character, want colon", s.slice(pos));
    if (pos + 1 === s.length) {
      throw new ParseAddrError(input, "colon must be followed by more characters", s.slice(pos));
    }
    pos++;
    if (s[pos] === ":") {
      if (ellipsis >= 0) throw new ParseAddrError(input, "multiple :: in address", s.slice(pos));
      ellipsis = i;
      if (++pos === s.length) break;
    }
  }
  if (pos !== s.length) throw new ParseAddrError(input, "trailing garbage after address", s.slice(pos));
  expand(input, ip, i, ellipsis);
  return fromBytes(ip, zone);
}

/** expand moves the groups after "::" to the end, or throws if the count of groups is wrong. */
function expand(input: string, ip: Uint8Array, filled: number, ellipsis: number): void {
  if (filled < 16) {
    if (ellipsis < 0) throw new ParseAddrError(input, "address string too short");
    const n = 16 - filled;
    ip.copyWithin(ellipsis + n, ellipsis, filled);
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw new ParseAddrError(input, "the :: must expand to at least one field of zeros");
  }
}

function fromBytes(ip: Uint8Array, zone: string): Addr {
  const dv = new DataView(ip.buffer);
  return addrFromWords(dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12), 6, zone);
}
