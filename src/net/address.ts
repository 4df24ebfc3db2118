/**
 * Everything public about addresses and names (Go's IP, IPMask, IPNet, HardwareAddr, the
 * address types, host:port, resolving and lookups), re-exported for the main index. The
 * netip types are the separate `netip` namespace.
 */
export {
  IP,
  IPMask,
  IPv4,
  IPv4len,
  IPv6len,
  ipv4Mask,
  IPv4bcast,
  IPv4allsys,
  IPv4allrouter,
  IPv4zero,
  IPv6zero,
  IPv6unspecified,
  IPv6loopback,
  IPv6interfacelocalallnodes,
  IPv6linklocalallnodes,
  IPv6linklocalallrouters,
} from "./ip.js";
export { parseIP } from "./ipparse.js";
export { IPNet, cidrMask, parseCIDR } from "./ipnet.js";
export { HardwareAddr, parseMAC } from "./mac.js";
export { splitHostPort, joinHostPort } from "./hostport.js";
export {
  TCPAddr,
  UDPAddr,
  IPAddr,
  UnixAddr,
  tcpAddrFromAddrPort,
  udpAddrFromAddrPort,
  type IPPortAddrInit,
  type IPAddrInit,
  type UnixAddrInit,
} from "./addr.js";
export { resolveTCPAddr, resolveUDPAddr, resolveIPAddr, resolveUnixAddr } from "./resolve.js";
export { lookupPort } from "./lookup.js";
export {
  Resolver, MalformedRecordsError, defaultResolver, lookupHost, lookupIP, lookupCNAME, lookupSRV, lookupMX, lookupNS,
  lookupTXT, lookupAddr, type ResolverOptions, type LookupOptions, type SRV, type MX, type NS,
} from "./resolver.js";
