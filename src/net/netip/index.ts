/**
 * Package netip: small, immutable IP address types (Go's `net/netip`): `Addr`, `AddrPort`,
 * `Prefix` and their constructors and parsers. Exported as the `netip` namespace of "sockit"
 * and as the subpath "sockit/netip".
 */
export {
  Addr,
  addrFrom4,
  addrFrom16,
  addrFromSlice,
  ipv4Unspecified,
  ipv6Unspecified,
  ipv6LinkLocalAllNodes,
} from "./addr.js";
export { parseAddr, mustParseAddr } from "./parse.js";
export { AddrPort, addrPortFrom, parseAddrPort, mustParseAddrPort } from "./addrport.js";
export { Prefix, prefixFrom, parsePrefix, mustParsePrefix } from "./prefix.js";
export { NetipError, ParseAddrError } from "./errors.js";
