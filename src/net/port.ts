/**
 * Service names and port numbers, Go's `LookupPort` with its pure-Go service table
 * (`net/port.go`, `net/port_unix.go`, `net/lookup.go`).
 */
import { readFileSync } from "node:fs";
import { AddrError } from "./errors.js";
import { dtoi, getFields, lowerASCII, uncommentedLines } from "./parse.js";

/** The longest service name Go looks up: len("mobility-header") + 10. */
const maxPortBufSize = 25;

/**
 * parsePort reads a port number as Go's `parsePort`: "" is 0; an optional '+' or '-' then
 * decimal digits (values beyond 2^30 are clamped so that they still fail the range check).
 * Gives `[port, needsLookup]`; needsLookup is true for anything that is not a number.
 */
export function parsePort(service: string): [port: number, needsLookup: boolean] {
  if (service === "") return [0, false];
  const cutoff = 1 << 30;
  const max = 0xffffffff;
  let neg = false;
  let i = 0;
  if (service[0] === "+") i = 1;
  else if (service[0] === "-") [neg, i] = [true, 1];
  let n = 0;
  for (; i < service.length; i++) {
    const c = service.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return [0, true];
    // As Go: once the value is this big, the rest of the string is not looked at.
    if (n >= cutoff) {
      n = max;
      break;
    }
    n = n * 10 + (c - 0x30);
    if (n > max) {
      n = max;
      break;
    }
  }
  let port: number;
  if (!neg && n >= cutoff) port = cutoff - 1;
  else if (neg && n > cutoff) port = cutoff;
  else port = n;
  return [neg && port !== 0 ? -port : port, false];
}

/** ServiceTable maps a network ("tcp", "udp", ...) to service names to ports. */
export type ServiceTable = Map<string, Map<string, number>>;

/** builtinServices is Go's own minimal table, used as the base for /etc/services. */
function builtinServices(): ServiceTable {
  return new Map([
    ["udp", new Map([["domain", 53]])],
    [
      "tcp",
      new Map([
        ["ftp", 21], ["ftps", 990], ["gopher", 70], ["http", 80], ["https", 443], ["imap2", 143], ["imap3", 220],
        ["imaps", 993], ["pop3", 110], ["pop3s", 995], ["smtp", 25], ["ssh", 22], ["telnet", 23],
      ]),
    ],
  ]);
}

/**
 * parseServices adds the entries of an /etc/services text ("http 80/tcp www # comment") to
 * `table`, as Go's `readServices`: later entries override earlier ones and the built-in table.
 */
export function parseServices(text: string, table: ServiceTable = builtinServices()): ServiceTable {
  for (const line of uncommentedLines(text)) {
    const f = getFields(line);
    if (f.length < 2) continue;
    const portnet = f[1]!;
    const [port, j, ok] = dtoi(portnet);
    if (!ok || port <= 0 || j >= portnet.length || portnet[j] !== "/") continue;
    const netw = portnet.slice(j + 1);
    let m = table.get(netw);
    if (m === undefined) table.set(netw, (m = new Map()));
    for (let i = 0; i < f.length; i++) if (i !== 1) m.set(f[i]!, port);
  }
  return table;
}

let services: ServiceTable | null = null;

/** serviceTable reads /etc/services once (a missing file leaves the built-in table). */
function serviceTable(): ServiceTable {
  if (services === null) {
    let text = "";
    try {
      text = readFileSync("/etc/services", "utf8");
    } catch {
      // As Go: no file, only the built-in table.
    }
    services = parseServices(text);
  }
  return services;
}

/** lookupPortMap finds a service name (ASCII case-insensitive) for a network, as Go's `lookupPortMap`. */
export function lookupPortMap(network: string, service: string, table: ServiceTable = serviceTable()): number {
  if (network === "tcp4" || network === "tcp6") network = "tcp";
  else if (network === "udp4" || network === "udp6") network = "udp";
  const m = table.get(network);
  if (m !== undefined && service.length <= maxPortBufSize && Buffer.byteLength(service) <= maxPortBufSize) {
    const port = m.get(lowerASCII(service));
    if (port !== undefined) return port;
  }
  throw new AddrError("unknown port", network + "/" + service);
}

/**
 * lookupPort gives the port of a service for a network: a decimal port ("80", "+80", "" is 0)
 * or a service name from /etc/services and Go's built-in table ("http", "HTTPS"), for the
 * tcp and udp networks ("" means "ip"). The result must be in 0..65535. It reads
 * /etc/services once, synchronously.
 *
 * @example
 * lookupPort("tcp", "https");  // 443
 * lookupPort("tcp", "65536");  // throws AddrError "address 65536: invalid port"
 * lookupPort("tcp", "☺");      // throws AddrError "address tcp/☺: unknown port"
 * lookupPort("sctp", "http");  // throws AddrError "address sctp: unknown network"
 * @throws {AddrError} with Go's text.
 *
 * Go: synchronous, as Go's pure resolver never blocks here (no getservbyname).
 */
export function lookupPort(network: string, service: string): number {
  let [port, needsLookup] = parsePort(service);
  if (needsLookup) {
    switch (network) {
      case "tcp": case "tcp4": case "tcp6": case "udp": case "udp4": case "udp6":
        break;
      case "":
        network = "ip";
        break;
      default:
        throw new AddrError("unknown network", network);
    }
    port = lookupPortMap(network, service);
  }
  if (port < 0 || port > 65535) throw new AddrError("invalid port", service);
  return port;
}
