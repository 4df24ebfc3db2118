/**
 * The stub resolver's configuration from /etc/resolv.conf, read as Go's dnsReadConfig reads
 * it: up to three `nameserver` IPs (port 53), `search`/`domain` suffixes, and the `ndots`,
 * `timeout`, `attempts` and `rotate` options; with no file, Go's defaults (servers on
 * 127.0.0.1 and ::1, the search domain from the host name).
 */
import { hostname } from "node:os";
import { CachedFile } from "./cachedfile.js";
import { joinHostPort } from "./hostport.js";
import { parseIPv4, parseIPZone } from "./ipparse.js";
import { dtoi, getFields } from "./parse.js";

/** DNSConfig is a parsed resolv.conf. Durations are milliseconds. */
export interface DNSConfig {
  /** "host:port" of each name server, in order. */
  servers: string[];
  /** Rooted suffixes tried for names with fewer than `ndots` dots. */
  search: string[];
  ndots: number;
  /** How long one query to one server may take. */
  timeout: number;
  /** How many rounds over the servers a query makes. */
  attempts: number;
  /** Start each query at the next server, round-robin. */
  rotate: boolean;
}

/** ensureRooted adds the root dot to a name that lacks it. */
export function ensureRooted(s: string): string {
  return s.endsWith(".") ? s : s + ".";
}

/** defaultSearch is the host name's domain, when the host name has one (Go's dnsDefaultSearch). */
function defaultSearch(): string[] {
  const hn = hostname();
  const i = hn.indexOf(".");
  return i >= 0 && i < hn.length - 1 ? [ensureRooted(hn.slice(i + 1))] : [];
}

/** clamp reads an option's number, kept within [min, max]. */
function option(s: string, min: number, max: number): number {
  return Math.min(max, Math.max(min, dtoi(s)[0]));
}

/** parseResolvConf reads a resolv.conf text; null (no file) gives Go's defaults. */
export function parseResolvConf(text: string | null): DNSConfig {
  const conf: DNSConfig = { servers: [], search: [], ndots: 1, timeout: 5000, attempts: 2, rotate: false };
  let searchSet = false;
  for (const line of (text ?? "").split("\n")) {
    if (line.startsWith(";") || line.startsWith("#")) continue;
    const f = getFields(line);
    if (f.length === 0) continue;
    switch (f[0]) {
      case "nameserver":
        // Only IP addresses: a name would need DNS to find DNS.
        if (f.length > 1 && conf.servers.length < 3 && (parseIPv4(f[1]!) !== null || parseIPZone(f[1]!)[0] !== null)) {
          conf.servers.push(joinHostPort(f[1]!, "53"));
        }
        break;
      case "domain":
        if (f.length > 1) (conf.search = [ensureRooted(f[1]!)]), (searchSet = true);
        break;
      case "search":
        conf.search = f.slice(1).map(ensureRooted);
        searchSet = true;
        break;
      case "options":
        for (const s of f.slice(1)) {
          if (s.startsWith("ndots:")) conf.ndots = option(s.slice(6), 0, 15);
          else if (s.startsWith("timeout:")) conf.timeout = option(s.slice(8), 1, Infinity) * 1000;
          else if (s.startsWith("attempts:")) conf.attempts = option(s.slice(9), 1, Infinity);
          else if (s === "rotate") conf.rotate = true;
        }
        break;
    }
  }
  if (conf.servers.length === 0) conf.servers = ["127.0.0.1:53", "[::1]:53"];
  if (!searchSet) conf.search = defaultSearch();
  return conf;
}

/** The system's resolv.conf, re-read when it changes. */
export const resolvConf = new CachedFile("/etc/resolv.conf", parseResolvConf);

/**
 * nameList gives the fully qualified names a query for `name` tries, in order (Go's
 * `dnsConfig.nameList`): a rooted name only itself; otherwise the name as given first when it
 * has at least `ndots` dots, then with each search suffix, then as given if not tried yet.
 * Names under .onion are never sent to DNS (RFC 7686): the list is empty.
 */
export function nameList(conf: DNSConfig, name: string): string[] {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  if (name === "" || bare.toLowerCase().endsWith(".onion")) return [];
  const rooted = name.endsWith(".");
  if (name.length > 254 || (name.length === 254 && rooted)) return [];
  if (rooted) return [name];
  const hasNdots = name.split(".").length - 1 >= conf.ndots;
  const fqdn = name + ".";
  const names = hasNdots ? [fqdn] : [];
  for (const suffix of conf.search) if (fqdn.length + suffix.length <= 254) names.push(fqdn + suffix);
  if (!hasNdots) names.push(fqdn);
  return names;
}
