/**
 * The "sockit/netip" entry point: Go's `net/netip` (`Addr`, `AddrPort`, `Prefix`, `parseAddr`,
 * `parseAddrPort`, `parsePrefix`, ...). The same API is the `netip` namespace of "sockit".
 *
 * @example
 * import { parseAddr } from "sockit/netip";
 * parseAddr("2001:db8::1").is6(); // true
 */
export * from "./net/netip/index.js";
