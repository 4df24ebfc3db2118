/**
 * Network names: Go's `parseNetwork` (`net/dial.go`), shared by dial, listen and the resolver.
 * Internal to sockit, as it is to Go.
 */
import { UnknownNetworkError } from "./errors.js";
import { lookupProtocol } from "./lookup.js";
import { dtoi } from "./parse.js";

/**
 * ParsedNetwork is a parsed network name: the address family network ("tcp", "ip4", "unix",
 * ...) and the IP protocol number (0 if none).
 */
export interface ParsedNetwork {
  afnet: string;
  proto: number;
}

/**
 * parseNetwork splits a network name as Go's `parseNetwork`: one of tcp, tcp4, tcp6, udp,
 * udp4, udp6, ip, ip4, ip6, unix, unixgram, unixpacket (case-sensitive), or
 * "ip[46]:proto" with a decimal protocol number or a name from /etc/protocols. Bare
 * ip/ip4/ip6 are refused when `needsProto` (dial, listen, listenPacket).
 *
 * @example
 * parseNetwork("ip4:icmp", true); // { afnet: "ip4", proto: 1 }
 * parseNetwork("tcp", true);      // { afnet: "tcp", proto: 0 }
 * parseNetwork("ip", true);       // throws UnknownNetworkError "unknown network ip"
 * parseNetwork("ip:foo", true);   // throws AddrError "address foo: unknown IP protocol specified"
 * @throws {UnknownNetworkError} or {AddrError} with Go's text.
 */
export function parseNetwork(network: string, needsProto: boolean): ParsedNetwork {
  const i = network.lastIndexOf(":");
  if (i < 0) {
    switch (network) {
      case "tcp": case "tcp4": case "tcp6": case "udp": case "udp4": case "udp6":
      case "unix": case "unixgram": case "unixpacket":
        return { afnet: network, proto: 0 };
      case "ip": case "ip4": case "ip6":
        if (needsProto) throw new UnknownNetworkError(network);
        return { afnet: network, proto: 0 };
      default:
        throw new UnknownNetworkError(network);
    }
  }
  const afnet = network.slice(0, i);
  if (afnet !== "ip" && afnet !== "ip4" && afnet !== "ip6") throw new UnknownNetworkError(network);
  const protostr = network.slice(i + 1);
  const [n, used, ok] = dtoi(protostr);
  const proto = ok && used === protostr.length ? n : lookupProtocol(protostr);
  return { afnet, proto };
}
