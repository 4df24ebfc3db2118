/**
 * Parsing IP literals, Go's `ParseIP` and its helpers (`net/ip.go`): dotted-quad IPv4, RFC 4291
 * IPv6 with an optional embedded IPv4 tail, and "addr%zone" for the resolver.
 */
import { IP, IPv4, IPv4len, IPv6len } from "./ip.js";
import { dtoi, xtoi } from "./parse.js";

/** parseIPv4 parses exactly four decimal fields, each at most 255 and without leading zeros; gives 16 bytes or null. */
export function parseIPv4(s: string): IP | null {
  const p = [0, 0, 0, 0];
  let pos = 0;
  for (let i = 0; i < IPv4len; i++) {
    if (pos >= s.length) return null;
    if (i > 0) {
      if (s[pos] !== ".") return null;
      pos++;
    }
    const [n, c, ok] = dtoi(s, pos);
    if (!ok || n > 0xff) return null;
    if (c > 1 && s[pos] === "0") return null;
    pos += c;
    p[i] = n;
  }
  if (pos !== s.length) return null;
  return IPv4(p[0]!, p[1]!, p[2]!, p[3]!);
}

/**
 * parseIPv6 parses an IPv6 literal (RFC 4291, no zone), with an optional embedded IPv4 tail;
 * gives 16 bytes or null.
 */
export function parseIPv6(s: string): IP | null {
  const ip = new IP(IPv6len);
  let ellipsis = -1;
  let pos = 0;
  if (s.length >= 2 && s[0] === ":" && s[1] === ":") {
    ellipsis = 0;
    pos = 2;
    if (pos === s.length) return ip;
  }
  let i = 0;
  while (i < IPv6len) {
    const [n, c, ok] = xtoi(s, pos);
    if (!ok || n > 0xffff) return null;
    if (pos + c < s.length && s[pos + c] === ".") {
      if ((ellipsis < 0 && i !== IPv6len - IPv4len) || i + IPv4len > IPv6len) return null;
      const ip4 = parseIPv4(s.slice(pos));
      if (ip4 === null) return null;
      ip.set(ip4.subarray(12), i);
      pos = s.length;
      i += IPv4len;
      break;
    }
    ip[i] = n >> 8;
    ip[i + 1] = n;
    i += 2;
    pos += c;
    if (pos === s.length) break;
    if (s[pos] !== ":" || pos + 1 === s.length) return null;
    pos++;
    if (s[pos] === ":") {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      if (++pos === s.length) break;
    }
  }
  if (pos !== s.length) return null;
  return expandEllipsis(ip, i, ellipsis);
}

/** expandEllipsis moves the groups after "::" to the end of the address; null if "::" stands for no group. */
function expandEllipsis(ip: IP, filled: number, ellipsis: number): IP | null {
  if (filled === IPv6len) return ellipsis >= 0 ? null : ip;
  if (ellipsis < 0) return null;
  const n = IPv6len - filled;
  ip.copyWithin(ellipsis + n, ellipsis, filled);
  ip.fill(0, ellipsis, ellipsis + n);
  return ip;
}

/**
 * parseIP parses an IPv4 ("192.0.2.1"), IPv6 ("2001:db8::68") or IPv4-mapped IPv6
 * ("::ffff:192.0.2.1") address, or gives null. The result always has 16 bytes. IPv4 fields
 * with leading zeros are rejected; IPv6 zones are not accepted.
 *
 * @example
 * parseIP("127.0.0.1")!.toString(); // "127.0.0.1"
 * parseIP("::1.2.3.4")!.toString(); // "::102:304"
 * parseIP("fe80::1%lo0");           // null
 * parseIP("127.001.0.1");           // null
 */
export function parseIP(s: string): IP | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ".") return parseIPv4(s);
    if (c === ":") return parseIPv6(s);
  }
  return null;
}

/** splitHostZone splits "host%zone" at the last '%' (a '%' at position 0 does not count). */
export function splitHostZone(s: string): [host: string, zone: string] {
  const i = s.lastIndexOf("%");
  return i > 0 ? [s.slice(0, i), s.slice(i + 1)] : [s, ""];
}

/** parseIPZone parses an IP literal that may carry an IPv6 zone ("fe80::1%eth0"); the zone is "" for IPv4. */
export function parseIPZone(s: string): [ip: IP | null, zone: string] {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ".") return [parseIPv4(s), ""];
    if (c === ":") {
      const [host, zone] = splitHostZone(s);
      return [parseIPv6(host), zone];
    }
  }
  return [null, ""];
}
