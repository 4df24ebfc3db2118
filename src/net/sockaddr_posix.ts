/**
 * Conversions between sockit's address types and the native core's sockaddrs (Go's
 * ipsock_posix.go and unixsock_posix.go `sockaddr` methods, and `sockaddrToTCP`/`ToUnix`).
 */
import { binding } from "../sys/binding.js";
import { E, Errno } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { AddrError, type Addr } from "./errors.js";
import type { IP } from "./ip.js";
import { dtoi } from "./parse.js";
import { UnixAddr } from "./addr.js";

/** An internet address with an IP, a port (none for IPAddr) and a zone. */
export interface InetAddr extends Addr {
  readonly ip: IP | null;
  readonly port?: number;
  readonly zone: string;
}

function ipOrEmpty(a: { ip: IP | null } | null): IP | null {
  return a === null || a.ip === null || a.ip.length === 0 ? null : a.ip;
}

/** family gives the socket family an IP address needs (Go's `TCPAddr.family`). */
export function inetFamily(a: { ip: IP | null } | null): number {
  const ip = ipOrEmpty(a);
  if (ip === null || ip.length <= 4 || ip.to4() !== null) return C.AF_INET;
  return C.AF_INET6;
}

/** isWildcard reports whether an IP address is absent or unspecified. */
export function inetIsWildcard(a: { ip: IP | null } | null): boolean {
  const ip = ipOrEmpty(a);
  return ip === null || ip.isUnspecified();
}

const v4zero = new Uint8Array(4);
const v6zero = new Uint8Array(16);

/**
 * inetSockaddr encodes an IP address for a socket of `family` (Go's `ipToSockaddr`): IPv4
 * sockets need an IPv4 address; IPv6 sockets take any, and 0.0.0.0 becomes "::" so a listener
 * on it is dual-stack.
 */
export function inetSockaddr(family: number, a: InetAddr): Uint8Array {
  const ip = ipOrEmpty(a);
  if (family === C.AF_INET) {
    const ip4 = ip === null ? v4zero : ip.to4();
    if (ip4 === null) throw new AddrError("non-IPv4 address", ip!.toString());
    return portChecked(ip4, a.port ?? 0, 0);
  }
  if (family === C.AF_INET6) {
    const ip6 = ip === null || ip.isUnspecified() ? v6zero : ip.to16();
    if (ip6 === null) throw new AddrError("non-IPv6 address", ip!.toString());
    return portChecked(ip6, a.port ?? 0, zoneIndex(a.zone));
  }
  throw new AddrError("invalid address family", ip === null ? "<nil>" : ip.toString());
}

function portChecked(ip: Uint8Array, port: number, scope: number): Uint8Array {
  // The kernel's sockaddr holds 16 bits; Go's syscall package refuses other ports with EINVAL.
  if (!(port >= 0 && port <= 0xffff)) throw new Errno(E.EINVAL!);
  return binding.sockaddrInet(ip, port, scope);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * unixSockaddr encodes a unix socket name: "@name" is a Linux abstract name, bound with exactly
 * 2 + length bytes as Go does; "" asks the kernel to autobind. A name too long for the kernel
 * fails with a bare EINVAL, which the caller names after its syscall (bind, connect).
 */
export function unixSockaddr(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  if (bytes.length > 0 && bytes[0] === 0x40) bytes[0] = 0;
  const sa = binding.sockaddrUnix(bytes);
  if (typeof sa === "number") throw new Errno(-sa);
  return sa;
}

/**
 * unixName decodes the sun_path bytes the kernel gave as Go names them: a leading NUL shows as
 * "@", the name ends at the first NUL, and an unnamed socket reads as "@".
 */
export function unixName(path: Uint8Array): string {
  if (path.length === 0) return "@";
  let start = 0;
  let prefix = "";
  if (path[0] === 0) {
    prefix = "@";
    start = 1;
  }
  let end = path.indexOf(0, start);
  if (end < 0) end = path.length;
  return prefix + decoder.decode(path.subarray(start, end));
}

/** unixAddrFromBytes is the UnixAddr of the sun_path bytes the kernel gave (see unixName). */
export function unixAddrFromBytes(path: Uint8Array, net: string): UnixAddr {
  return new UnixAddr({ name: unixName(path), net });
}

/**
 * zoneIndex maps an IPv6 zone to an interface index (Go's `zoneCache.index`): an interface
 * name, else a leading decimal number, else 0 — unknown zones are ignored, as in Go.
 */
export function zoneIndex(zone: string): number {
  if (zone === "") return 0;
  const index = binding.ifNameToIndex(zone);
  if (index !== 0) return index;
  return dtoi(zone)[0];
}

/** zoneName maps an interface index to its name, else its decimal form (Go's `zoneCache.name`). */
export function zoneName(index: number): string {
  if (index === 0) return "";
  return binding.ifIndexToName(index) ?? String(index);
}
