/**
 * Network names and address lists for dial and listen: Go's `parseNetwork` and
 * `resolveAddrList` (`net/dial.go`), `internetAddrList` and the address-list helpers
 * (`net/ipsock.go`). Internal to sockit, as they are to Go.
 */
import { AddrError, UnknownNetworkError, errMissingAddress, errNoSuitableAddress, type Addr } from "./errors.js";
import { IPAddr, TCPAddr, UDPAddr, UnixAddr } from "./addr.js";
import { splitHostPort } from "./hostport.js";
import { IP, IPv4zero, IPv6len, IPv6unspecified } from "./ip.js";
import { lookupPort } from "./lookup.js";
import { parseNetwork } from "./network.js";
import { defaultResolver, type Resolver } from "./resolver.js";

export { parseNetwork, type ParsedNetwork } from "./network.js";

/** isIPv4 reports whether addr is a TCPAddr, UDPAddr or IPAddr holding an IPv4 address (either form). */
export function isIPv4(addr: Addr): boolean {
  if (addr instanceof TCPAddr || addr instanceof UDPAddr || addr instanceof IPAddr) {
    return addr.ip !== null && addr.ip.to4() !== null;
  }
  return false;
}

/** isNotIPv4 reports whether addr does not hold an IPv4 address. */
export function isNotIPv4(addr: Addr): boolean {
  return !isIPv4(addr);
}

/**
 * first gives the first address that satisfies `strategy`, or else the first address; `addrs`
 * must not be empty (Go's `addrList.first`).
 *
 * @example
 * first(addrs, isIPv4); // what listen binds to when a name has several addresses
 */
export function first(addrs: readonly Addr[], strategy: (a: Addr) => boolean): Addr {
  return addrs.find(strategy) ?? addrs[0]!;
}

/**
 * partition splits an address list as Go's `addrList.partition`: the primaries are the first
 * address and every address with the same label; the rest, in order, are the fallbacks. Used
 * with isIPv4 for RFC 6555 Fast Fallback.
 *
 * @example
 * const [primaries, fallbacks] = partition(addrs, isIPv4);
 */
export function partition(
  addrs: readonly Addr[],
  strategy: (a: Addr) => boolean,
): [primaries: Addr[], fallbacks: Addr[]] {
  const primaries: Addr[] = [];
  const fallbacks: Addr[] = [];
  let primaryLabel = false;
  addrs.forEach((addr, i) => {
    const label = strategy(addr);
    if (i === 0 || label === primaryLabel) {
      primaryLabel = label;
      primaries.push(addr);
    } else {
      fallbacks.push(addr);
    }
  });
  return [primaries, fallbacks];
}

/**
 * forResolve picks the one address Resolve*Addr returns: IPv4 first, unless the address
 * string holds an IPv6 literal ('[' for tcp/udp, ':' for ip); else the first.
 */
export function forResolve(addrs: readonly Addr[], network: string, addr: string): Addr {
  let want6 = false;
  if (network === "ip") want6 = addr.includes(":");
  else if (network === "tcp" || network === "udp") want6 = addr.includes("[");
  return first(addrs, want6 ? isNotIPv4 : isIPv4);
}

/** isWildcard reports whether an address is the wildcard: a null IP, an unspecified IP, or an empty Unix name. */
export function isWildcard(addr: Addr): boolean {
  if (addr instanceof UnixAddr) return addr.name === "";
  if (addr instanceof TCPAddr || addr instanceof UDPAddr || addr instanceof IPAddr) {
    return addr.ip === null || addr.ip.isUnspecified();
  }
  return false;
}

/** inetAddr builds the address type of network `net` for one IP. */
function inetAddr(net: string, ip: IP | null, zone: string, port: number): Addr {
  if (net.startsWith("tcp")) return new TCPAddr({ ip, port, zone });
  if (net.startsWith("udp")) return new UDPAddr({ ip, port, zone });
  return new IPAddr({ ip, zone });
}

/**
 * internetAddrList resolves `addr` ("host:port" for tcp/udp networks, a host for ip ones) to
 * at least one address, as Go's `internetAddrList`: an empty host is the wildcard; a sole
 * "::" also yields 0.0.0.0; networks ending in 4 or 6 keep only that family.
 *
 * @throws {AddrError}, {UnknownNetworkError} or {DNSError}.
 */
export async function internetAddrList(
  net: string,
  addr: string,
  signal?: AbortSignal,
  resolver: Resolver = defaultResolver,
): Promise<Addr[]> {
  let host = "";
  let port = 0;
  switch (net) {
    case "tcp": case "tcp4": case "tcp6": case "udp": case "udp4": case "udp6":
      if (addr !== "") {
        let portStr: string;
        [host, portStr] = splitHostPort(addr);
        port = lookupPort(net, portStr);
      }
      break;
    case "ip": case "ip4": case "ip6":
      host = addr;
      break;
    default:
      throw new UnknownNetworkError(net);
  }
  if (host === "") return [inetAddr(net, null, "", port)];
  const ips = await resolver.ipAddrs(net, host, signal);
  // Go issue 18806: a host that can bind "::" may not connect to it; 0.0.0.0 is the fallback.
  if (ips.length === 1 && ips[0]!.ip !== null && ips[0]!.ip.equal(IPv6unspecified)) {
    ips.push(new IPAddr({ ip: IPv4zero }));
  }
  const v = net.at(-1);
  const keep = (ip: IP | null): boolean => {
    if (v === "4") return ip !== null && ip.to4() !== null;
    if (v === "6") return ip !== null && ip.length === IPv6len && ip.to4() === null;
    return true;
  };
  const out = ips.filter((a) => keep(a.ip)).map((a) => inetAddr(net, a.ip, a.zone, port));
  if (out.length === 0) throw new AddrError(errNoSuitableAddress.message, host);
  return out;
}

/** matchAddrFamily reports whether two IPs are both IPv4 or both IPv6 (Go's `IP.matchAddrFamily`). */
function matchAddrFamily(ip: IP | null, x: IP | null): boolean {
  const ip4 = ip !== null && ip.to4() !== null;
  const x4 = x !== null && x.to4() !== null;
  const ip6 = ip !== null && ip.to16() !== null && !ip4;
  const x6 = x !== null && x.to16() !== null && !x4;
  return (ip4 && x4) || (ip6 && x6);
}

/**
 * filterByHint keeps the addresses a dial with local address `hint` can use: the same address
 * type, and the same family unless either side is the wildcard (Go: `resolveAddrList`).
 */
function filterByHint(addrs: Addr[], hint: Addr): Addr[] {
  const mismatch = (): AddrError => new AddrError("mismatched local address type", hint.toString());
  const hintIP = hint instanceof TCPAddr || hint instanceof UDPAddr || hint instanceof IPAddr ? hint.ip : undefined;
  const out: Addr[] = [];
  for (const addr of addrs) {
    // A hint of another class with the same network() crashes Go (nil pointer); here it is a mismatch.
    if (addr.network() !== hint.network() || hintIP === undefined) throw mismatch();
    const ip = (addr as TCPAddr | UDPAddr | IPAddr).ip;
    if (isWildcard(hint) || isWildcard(addr) || matchAddrFamily(ip, hintIP)) out.push(addr);
  }
  if (out.length === 0) throw new AddrError(errNoSuitableAddress.message, hint.toString());
  return out;
}

/**
 * resolveAddrList resolves a network and address for dial or listen, following Go's
 * `resolveAddrList` exactly: parse the network (ip networks need ":proto"); "" is
 * `errMissingAddress` for dial; unix networks give one UnixAddr verbatim; tcp/udp/ip give
 * TCPAddr/UDPAddr/IPAddr lists (literals never touch DNS). For dial with a local address
 * `hint`, addresses of another type fail with "mismatched local address type" and addresses
 * of the other family are dropped ("no suitable address found" if none is left). For listen
 * the list holds one address: the first IPv4 one, else the first (Go's `addrs.first(isIPv4)`).
 *
 * @example
 * await resolveAddrList("dial", "tcp", "127.0.0.1:80", null); // [TCPAddr 127.0.0.1:80]
 * await resolveAddrList("dial", "tcp", "", null);             // throws errMissingAddress
 * await resolveAddrList("dial", "tcp4", "[::1]:80", null);
 * // throws AddrError "address ::1: no suitable address found"
 * @throws the bare Go error (UnknownNetworkError, AddrError, DNSError, errMissingAddress, or
 * abortError(signal.reason)); the caller wraps it in an OpError.
 *
 * Go: for listen Go returns the whole list and Listen then binds `first(isIPv4)`; here the
 * list is already that one address, so callers may use either. A hint whose network() matches
 * but which is not a TCPAddr/UDPAddr/IPAddr is a "mismatched local address type" (Go crashes).
 */
export async function resolveAddrList(
  op: "dial" | "listen",
  network: string,
  address: string,
  hint: Addr | null,
  signal?: AbortSignal,
  resolver: Resolver = defaultResolver,
): Promise<Addr[]> {
  const { afnet } = parseNetwork(network, true);
  if (op === "dial" && address === "") throw errMissingAddress;
  if (afnet === "unix" || afnet === "unixgram" || afnet === "unixpacket") {
    const addr = new UnixAddr({ name: address, net: afnet });
    if (op === "dial" && hint !== null && addr.network() !== hint.network()) {
      throw new AddrError("mismatched local address type", hint.toString());
    }
    return [addr];
  }
  const addrs = await internetAddrList(afnet, address, signal, resolver);
  if (op === "listen") return [first(addrs, isIPv4)];
  return hint === null ? addrs : filterByHint(addrs, hint);
}
