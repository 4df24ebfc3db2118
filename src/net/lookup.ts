/**
 * Name lookups: IP protocol names (Go's `lookupProtocol` with /etc/protocols), host names
 * through the system resolver (`LookupHost`, and the internal `lookupIPAddr` that dial and
 * listen use), and `lookupPort` (from port.ts). After Go's `net/lookup.go`, `lookup_unix.go`.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { readFileSync } from "node:fs";
import { AddrError, DNSError, abortError, errTimeout } from "./errors.js";
import { IPAddr } from "./addr.js";
import { parseIPZone } from "./ipparse.js";
import { dtoi, getFields, lowerASCII, uncommentedLines } from "./parse.js";

export { lookupPort } from "./port.js";

/** The longest protocol name Go looks up: len("RSVP-E2E-IGNORE") + 10. */
const maxProtoLength = 25;

/**
 * parseProtocols adds the entries of an /etc/protocols text ("tcp 6 TCP # comment") to
 * `table`, as Go's `readProtocols`: the first definition of a name or alias wins, and Go's
 * built-in names (icmp, igmp, tcp, udp, ipv6-icmp) win over the file.
 */
export function parseProtocols(text: string, table = builtinProtocols()): Map<string, number> {
  for (const line of uncommentedLines(text)) {
    const f = getFields(line);
    if (f.length < 2) continue;
    const [proto, , ok] = dtoi(f[1]!);
    if (!ok) continue;
    for (const name of [f[0]!, ...f.slice(2)]) if (!table.has(name)) table.set(name, proto);
  }
  return table;
}

function builtinProtocols(): Map<string, number> {
  return new Map([["icmp", 1], ["igmp", 2], ["tcp", 6], ["udp", 17], ["ipv6-icmp", 58]]);
}

let protocols: Map<string, number> | null = null;

/** protocolTable reads /etc/protocols once (a missing file leaves the built-in table). */
function protocolTable(): Map<string, number> {
  if (protocols === null) {
    let text = "";
    try {
      text = readFileSync("/etc/protocols", "utf8");
    } catch {
      // As Go: no file, only the built-in table.
    }
    protocols = parseProtocols(text);
  }
  return protocols;
}

/**
 * lookupProtocol gives the number of an IP protocol name ("icmp", "IPv6-ICMP"; ASCII case
 * does not matter) from /etc/protocols and Go's built-in table. It reads /etc/protocols once,
 * synchronously.
 *
 * @example
 * lookupProtocol("ICMP"); // 1
 * lookupProtocol("foo");  // throws AddrError "address foo: unknown IP protocol specified"
 * @throws {AddrError} "unknown IP protocol specified".
 */
export function lookupProtocol(name: string, table: Map<string, number> = protocolTable()): number {
  if (name.length <= maxProtoLength && Buffer.byteLength(name) <= maxProtoLength) {
    const proto = table.get(lowerASCII(name));
    if (proto !== undefined) return proto;
  }
  throw new AddrError("unknown IP protocol specified", name);
}

/**
 * isDomainName reports whether `s` is a syntactically valid domain name, as Go's
 * `isDomainName` (RFC 1035 labels of letters, digits, '-' and '_', at most 63 bytes each and
 * 253 in all, and not all-numeric). Go's resolver answers "no such host" for anything else.
 */
export function isDomainName(s: string): boolean {
  if (s === ".") return true;
  const l = s.length;
  if (l === 0 || l > 254 || (l === 254 && s[l - 1] !== ".")) return false;
  let last = ".";
  let nonNumeric = false;
  let partlen = 0;
  for (let i = 0; i < l; i++) {
    const c = s[i]!;
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_") {
      nonNumeric = true;
      partlen++;
    } else if (c >= "0" && c <= "9") {
      partlen++;
    } else if (c === "-") {
      if (last === ".") return false;
      partlen++;
      nonNumeric = true;
    } else if (c === ".") {
      if (last === "." || last === "-" || partlen > 63 || partlen === 0) return false;
      partlen = 0;
    } else {
      return false;
    }
    last = c;
  }
  return last !== "-" && partlen <= 63 && nonNumeric;
}

/**
 * isNumericHost reports whether the C library would read `s` as an IPv4 number (inet_aton:
 * up to four parts, each decimal, octal or 0x-hex, e.g. "0x7f.1"). Go never does, so such
 * names must not reach getaddrinfo.
 */
function isNumericHost(s: string): boolean {
  const parts = s.split(".");
  return parts.length <= 4 && parts.every((p) => /^(?:[0-9]+|0[xX][0-9a-fA-F]*)$/.test(p));
}

/** Texts for getaddrinfo failures that have no pure-Go equivalent: glibc's, as Go with cgo reports them. */
const gaiTexts: Record<string, string> = {
  EAI_BADFLAGS: "Bad value for ai_flags",
  EAI_FAMILY: "ai_family not supported",
  EAI_MEMORY: "Memory allocation failure",
  EAI_SERVICE: "Servname not supported for ai_socktype",
  EAI_SOCKTYPE: "ai_socktype not supported",
  EAI_SYSTEM: "System error",
  EAI_OVERFLOW: "Result too large for supplied buffer",
};

/**
 * dnsError maps a node:dns failure (getaddrinfo's EAI_* codes or c-ares's) to Go's DNSError,
 * naming the server when one was asked: a name that does not exist, or has no records of the
 * type, is "no such host" (isNotFound); SERVFAIL and getaddrinfo's EAI_AGAIN "server
 * misbehaving" (isTemporary); a timeout "i/o timeout" (isTimeout, isTemporary, as Go marks a
 * socket-level failure); REFUSED and other answer codes "server misbehaving"; an answer that
 * does not parse "cannot unmarshal DNS message".
 *
 * Go: Go's own resolver tells a DNS timeout ("i/o timeout") from SERVFAIL ("server
 * misbehaving"); getaddrinfo reports both as EAI_AGAIN, which reads "server misbehaving"
 * (temporary) here. A socket-level failure reads "i/o timeout" or "connection refused" where
 * Go prints its UDP conn's error ("read udp 127.0.0.1:40000->127.0.0.1:53: i/o timeout"),
 * whose local port c-ares does not report. Failures Go's resolver cannot have keep glibc's
 * text, as Go with cgo does.
 */
export function dnsError(err: unknown, name: string, server = ""): DNSError {
  const code = (err as { code?: unknown } | null)?.code;
  const c = typeof code === "string" ? code : "";
  const base = { name, server, cause: err };
  switch (c) {
    case "ENOTFOUND": case "EAI_NONAME": case "EAI_NODATA": case "ENODATA": case "NXDOMAIN":
      return new DNSError({ ...base, err: "no such host", isNotFound: true });
    case "EAI_AGAIN": case "ESERVFAIL":
      return new DNSError({ ...base, err: "server misbehaving", isTemporary: true });
    case "ETIMEOUT": case "ETIMEDOUT":
      return new DNSError({ ...base, err: "i/o timeout", isTimeout: true, isTemporary: true });
    case "ECONNREFUSED":
      return new DNSError({ ...base, err: "connection refused", isTemporary: true });
    case "EAI_FAIL": case "EREFUSED": case "ENOTIMP": case "EFORMERR":
      return new DNSError({ ...base, err: "server misbehaving" });
    case "EBADRESP":
      return new DNSError({ ...base, err: "cannot unmarshal DNS message" });
  }
  const text = gaiTexts[c] ?? (c !== "" ? c : err instanceof Error ? err.message : String(err));
  return new DNSError({ ...base, err: text });
}

type Family = 0 | 4 | 6;

/**
 * lookupHooks holds the system lookup behind lookupIPAddr, which tests may replace (as Go's
 * testHookLookupIP). Internal.
 */
export const lookupHooks = {
  /** system asks getaddrinfo (node:dns lookup) for all addresses of a family, in the resolver's order. */
  system(host: string, family: Family): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) => {
      dnsLookup(host, { all: true, verbatim: true, family }, (err, addrs) => (err ? reject(err) : resolve(addrs)));
    });
  },
};

const inflight = new Map<string, Promise<IPAddr[]>>();

/** pendingLookups gives the number of lookups in flight (for tests: it must drop back to 0). Internal. */
export function pendingLookups(): number {
  return inflight.size;
}

/** queryName asks the system resolver for a valid domain name. */
async function queryName(host: string, family: Family): Promise<IPAddr[]> {
  let addrs: LookupAddress[];
  try {
    addrs = await lookupHooks.system(host, family);
  } catch (e) {
    throw dnsError(e, host);
  }
  const out: IPAddr[] = [];
  for (const a of addrs) {
    const [ip, zone] = parseIPZone(a.address);
    if (ip !== null) out.push(new IPAddr({ ip, zone }));
  }
  if (out.length === 0) throw new DNSError({ err: "no such host", name: host, isNotFound: true });
  return out;
}

/**
 * resolveName resolves a host name, merging concurrent identical lookups as Go's singleflight
 * does. A name that is not a valid domain name (or that the C library would read as an IPv4
 * number, which Go never does) is "no such host" without a query, as Go's resolver answers.
 */
function resolveName(host: string, family: Family): Promise<IPAddr[]> {
  if (!isDomainName(host) || isNumericHost(host)) {
    return Promise.reject(new DNSError({ err: "no such host", name: host, isNotFound: true }));
  }
  const key = `${family}\0${host}`;
  let p = inflight.get(key);
  if (p === undefined) {
    // The entry goes once the lookup settles; finally runs as a microtask, after the set below.
    p = queryName(host, family).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

/** copyAddrs gives each caller its own IPAddr objects, so one cannot change another's. */
function copyAddrs(addrs: IPAddr[]): IPAddr[] {
  return addrs.map((a) => new IPAddr({ ip: a.ip === null ? null : a.ip.slice(), zone: a.zone }));
}

/**
 * canceledLookup is the error of a lookup stopped by its signal: Go's resolver reports the
 * context's error inside a DNSError naming the host ("lookup localhost: operation was
 * canceled", or "... i/o timeout" for a deadline), with the mapped error as its cause.
 */
export function canceledLookup(host: string, reason: unknown): DNSError {
  const err = abortError(reason);
  return new DNSError({ err: err.message, name: host, isTimeout: err === errTimeout, cause: err });
}

/** withSignal settles with `p`, or rejects at once with a canceled lookup when `signal` aborts first. */
export function withSignal<T>(p: Promise<T>, host: string, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(canceledLookup(host, signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

/**
 * lookupIPAddr gives the addresses of `host` as Go's internal `lookupIPAddr`: "" fails with
 * "lookup : no such host"; an IP literal (IPv6 zone included) is returned as is without any
 * lookup; anything else goes to the system resolver (getaddrinfo, which reads /etc/hosts
 * first) for `network` "ip", "ip4" or "ip6" (or any network, by its last character). Names
 * that are not valid domain names are "no such host" without a query, as in Go. A literal is
 * returned even when `signal` has aborted: there is nothing to wait for (Go does the same).
 *
 * @throws {DNSError} on failure, and once `signal` aborts (Go's text for a done context).
 *
 * Go: names go to the C library's getaddrinfo (so /etc/nsswitch.conf applies, and the order
 * is glibc's RFC 6724 sort) where Go's default resolver reads /etc/hosts and asks DNS itself.
 */
export async function lookupIPAddr(host: string, signal?: AbortSignal, network = "ip"): Promise<IPAddr[]> {
  if (host === "") throw new DNSError({ err: "no such host", name: host, isNotFound: true });
  const [ip, zone] = parseIPZone(host);
  if (ip !== null) return [new IPAddr({ ip, zone })];
  if (signal?.aborted) throw canceledLookup(host, signal.reason);
  const v = network.at(-1);
  const family: Family = v === "4" ? 4 : v === "6" ? 6 : 0;
  return copyAddrs(await withSignal(resolveName(host, family), host, signal));
}
