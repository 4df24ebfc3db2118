/**
 * DNS records as Go's resolver gives them: the SRV, MX and NS types, their orders (RFC 2782's
 * weighted random choice, RFC 5321's preference), reverse names, the root dot on names, and
 * Go's filter of records whose names are invalid.
 */
import { DNSError } from "./errors.js";
import { parseIP } from "./ipparse.js";
import { isDomainName } from "./lookup.js";

/** SRV is a DNS SRV record (Go's `net.SRV`); `target` ends with the root dot. */
export interface SRV {
  target: string;
  port: number;
  priority: number;
  weight: number;
}

/** MX is a DNS MX record (Go's `net.MX`); `host` ends with the root dot. */
export interface MX {
  host: string;
  pref: number;
}

/** NS is a DNS NS record (Go's `net.NS`); `host` ends with the root dot. */
export interface NS {
  host: string;
}

/**
 * MalformedRecordsError is the DNSError of a lookup whose answer held names that are not
 * valid domain names: Go returns the valid records with the error, so this error carries
 * them in `records`.
 */
export class MalformedRecordsError<T> extends DNSError {
  constructor(
    name: string,
    /** The records whose names were valid. */
    readonly records: T[],
  ) {
    super({ err: "DNS response contained records which contain invalid names", name });
  }
}

/** shuffleByWeight orders records of one priority as RFC 2782 says: a weighted random draw, one at a time. */
function shuffleByWeight(srvs: SRV[]): void {
  let sum = srvs.reduce((s, r) => s + r.weight, 0);
  for (let start = 0; sum > 0 && srvs.length - start > 1; start++) {
    const n = Math.floor(Math.random() * sum);
    let s = 0;
    for (let i = start; i < srvs.length; i++) {
      s += srvs[i]!.weight;
      if (s > n) {
        [srvs[start], srvs[i]] = [srvs[i]!, srvs[start]!];
        break;
      }
    }
    sum -= srvs[start]!.weight;
  }
}

/** sortSRV orders SRV records by priority, and by weighted random choice within one (RFC 2782). */
export function sortSRV(srvs: SRV[]): SRV[] {
  srvs.sort((a, b) => a.priority - b.priority || a.weight - b.weight);
  let i = 0;
  for (let j = 1; j <= srvs.length; j++) {
    if (j === srvs.length || srvs[j]!.priority !== srvs[i]!.priority) {
      const group = srvs.slice(i, j);
      shuffleByWeight(group);
      srvs.splice(i, j - i, ...group);
      i = j;
    }
  }
  return srvs;
}

/** sortMX orders MX records by preference, in random order among equals (RFC 5321). */
export function sortMX(mxs: MX[]): MX[] {
  for (let i = mxs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [mxs[i], mxs[j]] = [mxs[j]!, mxs[i]!];
  }
  return mxs.sort((a, b) => a.pref - b.pref);
}

/** reverseAddr gives the in-addr.arpa or ip6.arpa name of an address (Go's reverseaddr). */
export function reverseAddr(addr: string): string {
  const ip = parseIP(addr);
  if (ip === null) throw new DNSError({ err: "unrecognized address", name: addr });
  const v4 = ip.to4();
  if (v4 !== null) return `${v4[3]}.${v4[2]}.${v4[1]}.${v4[0]}.in-addr.arpa.`;
  let s = "";
  for (let i = 15; i >= 0; i--) s += `${(ip[i]! & 0xf).toString(16)}.${(ip[i]! >> 4).toString(16)}.`;
  return s + "ip6.arpa.";
}

/** rooted gives a name c-ares returned (without the root dot) as Go prints it, with the dot. */
export function rooted(name: string): string {
  return name.endsWith(".") ? name : name + ".";
}

/** keepValid splits records by whether their names are valid, as Go's Lookup* filter them. */
export function keepValid<T>(records: T[], nameOf: (r: T) => string, lookupName: string): T[] {
  const valid = records.filter((r) => isDomainName(nameOf(r)));
  if (valid.length !== records.length) throw new MalformedRecordsError(lookupName, valid);
  return valid;
}
