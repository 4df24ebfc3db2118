/**
 * RFC 6724 destination address selection: the order in which a DNS answer's addresses are
 * tried, as Go's resolver sorts them (`sortByRFC6724`). Each destination is paired with the
 * source address the kernel would use for it (learned by connecting a UDP socket, which sends
 * nothing), then the RFC's rules 1, 2, 5, 6, 8 and 9 decide; rules 3, 4 and 7 need
 * information no socket reports, and are skipped, as Go skips them.
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { IP, IPv6len } from "./ip.js";
import { parseCIDR } from "./ipnet.js";
import type { IPNet } from "./ipnet.js";
import { UDPAddr, type IPAddr } from "./addr.js";
import { inetFamily, inetSockaddr } from "./sockaddr_posix.js";

/** The RFC's default policy table (section 2.1): prefix, precedence, label; longest prefix first. */
const policyTable: { net: IPNet; precedence: number; label: number }[] = (
  [
    ["::1/128", 50, 0],
    ["::ffff:0:0/96", 35, 4],
    ["::/96", 1, 3],
    ["2001::/32", 5, 5],
    ["2002::/16", 30, 2],
    ["3ffe::/16", 1, 12],
    ["fec0::/10", 1, 11],
    ["fc00::/7", 3, 13],
    ["::/0", 40, 1],
  ] as const
).map(([cidr, precedence, label]) => ({ net: parseCIDR(cidr)[1], precedence, label }));

/** Scopes of RFC 4007 and RFC 6724 section 3.1, by their multicast scope values. */
const scopeLinkLocal = 0x2;
const scopeSiteLocal = 0x5;
const scopeGlobal = 0xe;

interface Attr {
  scope: number;
  precedence: number;
  label: number;
}

/** classifyScope gives an address's scope: loopback and link-local are link scope, as RFC 6724 3.1 says. */
function classifyScope(ip: IP): number {
  if (ip.isLoopback() || ip.isLinkLocalUnicast()) return scopeLinkLocal;
  const v6 = ip.length === IPv6len && ip.to4() === null;
  if (v6 && ip.isMulticast()) return ip[1]! & 0xf;
  if (v6 && ip[0] === 0xfe && (ip[1]! & 0xc0) === 0xc0) return scopeSiteLocal;
  return scopeGlobal;
}

function attrOf(ip: IP | null): Attr {
  if (ip === null) return { scope: 0, precedence: 0, label: 0 };
  const ent = policyTable.find((e) => e.net.contains(ip));
  return { scope: classifyScope(ip), precedence: ent?.precedence ?? 0, label: ent?.label ?? 0 };
}

/**
 * commonPrefixLen counts the leading bits two addresses of one family share, looking at no
 * more than the first 64 bits (the RFC's rule 9 compares up to the prefix length of the
 * source, which is 64 for the usual IPv6 subnet).
 */
export function commonPrefixLen(a: IP, b: IP): number {
  const x = a.to4() ?? a;
  const y = b.to4() ?? b;
  if (x.length !== y.length) return 0;
  const n = Math.min(x.length, 8);
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const diff = x[i]! ^ y[i]!;
    if (diff !== 0) return bits + Math.clz32(diff) - 24;
    bits += 8;
  }
  return bits;
}

interface Entry {
  addr: IPAddr;
  src: IP | null;
  dst: Attr;
  srcAttr: Attr;
}

/** compare orders two destinations: negative when `a` goes first, 0 when the rules cannot tell. */
function compare(a: Entry, b: Entry): number {
  // Rule 1: avoid unusable destinations (no route, so no source).
  if (a.src === null || b.src === null) return a.src === b.src ? 0 : a.src === null ? 1 : -1;
  // Rule 2: prefer matching scope.
  const aScope = a.dst.scope === a.srcAttr.scope;
  const bScope = b.dst.scope === b.srcAttr.scope;
  if (aScope !== bScope) return aScope ? -1 : 1;
  // Rule 5: prefer matching label.
  const aLabel = a.dst.label === a.srcAttr.label;
  const bLabel = b.dst.label === b.srcAttr.label;
  if (aLabel !== bLabel) return aLabel ? -1 : 1;
  // Rule 6: prefer higher precedence.
  if (a.dst.precedence !== b.dst.precedence) return b.dst.precedence - a.dst.precedence;
  // Rule 8: prefer smaller scope.
  if (a.dst.scope !== b.dst.scope) return a.dst.scope - b.dst.scope;
  // Rule 9: use the longest matching prefix (IPv6 only, as Go and glibc apply it).
  const aip = a.addr.ip!;
  const bip = b.addr.ip!;
  if (aip.to4() === null && bip.to4() === null) {
    return commonPrefixLen(b.src, bip) - commonPrefixLen(a.src, aip);
  }
  // Rule 10: otherwise, leave the order unchanged (the sort is stable).
  return 0;
}

/**
 * sortByRFC6724WithSrcs orders `addrs` in place by RFC 6724, given the source address for
 * each (null for an unreachable destination). The sort is stable.
 */
export function sortByRFC6724WithSrcs(addrs: IPAddr[], srcs: (IP | null)[]): void {
  if (addrs.length !== srcs.length) throw new RangeError("one source per destination");
  const entries = addrs.map((addr, i) => ({ addr, src: srcs[i]!, dst: attrOf(addr.ip), srcAttr: attrOf(srcs[i]!) }));
  entries.sort(compare);
  entries.forEach((e, i) => (addrs[i] = e.addr));
}

/**
 * sourceAddr gives the address the kernel would send from to `dst`, by connecting a UDP
 * socket (no packet leaves: a UDP connect only picks a route), or null when there is no route.
 */
function sourceAddr(dst: IPAddr): IP | null {
  if (dst.ip === null) return null;
  const family = inetFamily(dst);
  const fd = binding.socket(family, C.SOCK_DGRAM!, 0);
  if (fd < 0) return null;
  try {
    if (binding.connect(fd, inetSockaddr(family, new UDPAddr({ ip: dst.ip, port: 9, zone: dst.zone }))) < 0) return null;
    const sa = binding.getsockname(fd);
    return typeof sa === "number" ? null : new IP(sa[1]).to16();
  } catch {
    return null;
  } finally {
    binding.close(fd);
  }
}

/** sortByRFC6724 orders a lookup's addresses in place as Go's resolver does. */
export function sortByRFC6724(addrs: IPAddr[]): void {
  if (addrs.length < 2) return;
  sortByRFC6724WithSrcs(addrs, addrs.map(sourceAddr));
}
