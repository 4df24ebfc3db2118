/**
 * The hosts file (/etc/hosts) as Go's resolver reads it before asking DNS: names to addresses
 * and addresses to names, case-insensitive, in file order (Go's hosts.go).
 */
import { CachedFile } from "./cachedfile.js";
import { parseIPv4, parseIPZone } from "./ipparse.js";
import { getFields, lowerASCII, uncommentedLines } from "./parse.js";

/** Hosts is one parsed hosts file. */
export interface Hosts {
  /** Addresses by lower-cased absolute name ("localhost", "host.example."). */
  byName: Map<string, string[]>;
  /** Names (as written, absolute when they hold a dot) by canonical address text. */
  byAddr: Map<string, string[]>;
}

/**
 * absDomainName adds the root dot to a name that has a dot inside and none at the end, and
 * leaves single-label names ("localhost") as they are (Go's absDomainName).
 */
export function absDomainName(s: string): string {
  return s.includes(".") && !s.endsWith(".") ? s + "." : s;
}

/**
 * literalIP gives the canonical text of an address ("::1", "fe80::1%eth0"), or "" when `s` is
 * not one (Go's parseLiteralIP: IPv4 first, then IPv6 with an optional zone).
 */
export function literalIP(s: string): string {
  const v4 = parseIPv4(s);
  if (v4 !== null) return v4.toString();
  if (s.includes(".") && !s.includes(":")) return "";
  const [ip, zone] = parseIPZone(s);
  if (ip === null) return "";
  return zone === "" ? ip.toString() : `${ip.toString()}%${zone}`;
}

/** parseHosts reads a hosts file's text; null (no file) is an empty table. */
export function parseHosts(text: string | null): Hosts {
  const hosts: Hosts = { byName: new Map(), byAddr: new Map() };
  for (const line of uncommentedLines(text ?? "")) {
    const f = getFields(line);
    if (f.length < 2) continue;
    const addr = literalIP(f[0]!);
    if (addr === "") continue;
    for (const name of f.slice(1)) {
      const key = absDomainName(lowerASCII(name));
      hosts.byName.set(key, [...(hosts.byName.get(key) ?? []), addr]);
      hosts.byAddr.set(addr, [...(hosts.byAddr.get(addr) ?? []), absDomainName(name)]);
    }
  }
  return hosts;
}

const files = new Map<string, CachedFile<Hosts>>();

/** hostsFile gives the cached table of the hosts file at `path`. */
export function hostsFile(path: string): CachedFile<Hosts> {
  let f = files.get(path);
  if (f === undefined) files.set(path, (f = new CachedFile(path, parseHosts)));
  return f;
}

/** lookupStaticHost gives the addresses the hosts file lists for `host` (none: an empty list). */
export async function lookupStaticHost(path: string, host: string): Promise<string[]> {
  const h = await hostsFile(path).get();
  return [...(h.byName.get(absDomainName(lowerASCII(host))) ?? [])];
}

/** lookupStaticAddr gives the names the hosts file lists for an address (none: an empty list). */
export async function lookupStaticAddr(path: string, addr: string): Promise<string[]> {
  const key = literalIP(addr);
  if (key === "") return [];
  const h = await hostsFile(path).get();
  return [...(h.byAddr.get(key) ?? [])];
}
