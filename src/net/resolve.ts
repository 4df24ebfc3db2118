/**
 * resolveTCPAddr, resolveUDPAddr, resolveIPAddr and resolveUnixAddr: one address for a
 * network and address string, as Go's Resolve*Addr (`tcpsock.go`, `udpsock.go`,
 * `iprawsock.go`, `unixsock.go`).
 */
import { UnknownNetworkError } from "./errors.js";
import { IPAddr, TCPAddr, UDPAddr, UnixAddr } from "./addr.js";
import { forResolve, internetAddrList, parseNetwork } from "./ipsock.js";

/**
 * resolveTCPAddr gives one TCP address for "host:port" on network "tcp", "tcp4" or "tcp6"
 * ("" means "tcp"). The host may be a literal (never looked up) or a name; of several
 * addresses an IPv4 one is preferred unless the host is a bracketed IPv6 literal. The port
 * may be a number or a service name.
 *
 * @example
 * (await resolveTCPAddr("tcp", "[::1%lo]:http")).toString(); // "[::1%lo]:80"
 * await resolveTCPAddr("tcp6", "127.0.0.1:80"); // rejects AddrError "address 127.0.0.1: no suitable address found"
 * @throws {UnknownNetworkError}, {AddrError} or {DNSError}, not wrapped in an OpError.
 */
export async function resolveTCPAddr(network: string, address: string): Promise<TCPAddr> {
  switch (network) {
    case "tcp": case "tcp4": case "tcp6":
      break;
    case "": // Go 1.0 compatibility: a hint wildcard.
      network = "tcp";
      break;
    default:
      throw new UnknownNetworkError(network);
  }
  const addrs = await internetAddrList(network, address);
  return forResolve(addrs, network, address) as TCPAddr;
}

/**
 * resolveUDPAddr gives one UDP address for "host:port" on network "udp", "udp4" or "udp6"
 * ("" means "udp"), with the rules of {@link resolveTCPAddr}.
 *
 * @example
 * (await resolveUDPAddr("udp", "127.0.0.1:domain")).toString(); // "127.0.0.1:53"
 * @throws {UnknownNetworkError}, {AddrError} or {DNSError}, not wrapped in an OpError.
 */
export async function resolveUDPAddr(network: string, address: string): Promise<UDPAddr> {
  switch (network) {
    case "udp": case "udp4": case "udp6":
      break;
    case "": // Go 1.0 compatibility: a hint wildcard.
      network = "udp";
      break;
    default:
      throw new UnknownNetworkError(network);
  }
  const addrs = await internetAddrList(network, address);
  return forResolve(addrs, network, address) as UDPAddr;
}

/**
 * resolveIPAddr gives one IP address for a host on network "ip", "ip4" or "ip6", optionally
 * with ":proto" ("ip4:icmp"; "" means "ip"). A literal may carry an IPv6 zone; an IPv6
 * address is preferred when the host string contains ':'.
 *
 * @example
 * (await resolveIPAddr("ip6:ipv6-icmp", "fe80::1%eth0")).toString(); // "fe80::1%eth0"
 * await resolveIPAddr("tcp", "1.2.3.4"); // rejects UnknownNetworkError "unknown network tcp"
 * @throws {UnknownNetworkError}, {AddrError} or {DNSError}, not wrapped in an OpError.
 */
export async function resolveIPAddr(network: string, address: string): Promise<IPAddr> {
  if (network === "") network = "ip"; // Go 1.0 compatibility: a hint wildcard.
  const { afnet } = parseNetwork(network, false);
  if (afnet !== "ip" && afnet !== "ip4" && afnet !== "ip6") throw new UnknownNetworkError(network);
  const addrs = await internetAddrList(afnet, address);
  return forResolve(addrs, network, address) as IPAddr;
}

/**
 * resolveUnixAddr gives the Unix address of a path (or "@name" for a Linux abstract socket)
 * on network "unix", "unixgram" or "unixpacket". The name is not checked.
 *
 * @example
 * (await resolveUnixAddr("unixgram", "/tmp/s")).network(); // "unixgram"
 * @throws {UnknownNetworkError} for any other network.
 *
 * Go: async for symmetry with the others; Go's never blocks.
 */
export async function resolveUnixAddr(network: string, address: string): Promise<UnixAddr> {
  switch (network) {
    case "unix": case "unixgram": case "unixpacket":
      return new UnixAddr({ name: address, net: network });
    default:
      throw new UnknownNetworkError(network);
  }
}
