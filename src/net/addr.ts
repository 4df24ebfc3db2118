/**
 * The address types of the network end points, Go's `TCPAddr`, `UDPAddr`, `IPAddr` and
 * `UnixAddr` (`net/tcpsock.go`, `udpsock.go`, `iprawsock.go`, `unixsock.go`).
 */
import type { Addr } from "./errors.js";
import { invalidArg } from "../sys/args.js";
import { IP, ipEmptyString } from "./ip.js";
import { joinHostPort } from "./hostport.js";
import { AddrPort, addrPortFrom } from "./netip/addrport.js";
import { Addr as NetipAddr, addrFromSlice } from "./netip/addr.js";

/** toIP views any byte array as an IP (sharing its bytes); null stays null. */
function toIP(b: Uint8Array | null | undefined): IP | null {
  if (b === null || b === undefined) return null;
  return b instanceof IP ? b : new IP(b.buffer as ArrayBuffer, b.byteOffset, b.length);
}

/** IPPortAddrInit holds the fields of a {@link TCPAddr} or {@link UDPAddr}; all are optional. */
export interface IPPortAddrInit {
  /** The IP address; null (the default) is the wildcard, as Go's nil IP. */
  ip?: Uint8Array | null;
  /** The port; default 0. */
  port?: number;
  /** The IPv6 scoped addressing zone; default "". */
  zone?: string;
}

/** hostPortString is Go's TCPAddr/UDPAddr String: joinHostPort of the IP (and zone) and port. */
function hostPortString(ip: IP | null, zone: string, port: number): string {
  const host = ipEmptyString(ip);
  return joinHostPort(zone !== "" ? host + "%" + zone : host, String(port));
}

/**
 * toAddrPort is Go's AddrPort method: the IP as 4 or 16 bytes (else invalid), the zone, the
 * port truncated to 16 bits.
 */
function toAddrPort(ip: IP | null, zone: string, port: number): AddrPort {
  const a = (ip === null ? null : addrFromSlice(ip)) ?? new NetipAddr();
  return addrPortFrom(a.withZone(zone), port);
}

/**
 * IPPortAddr is what TCPAddr and UDPAddr share, their fields, formatting and netip view (Go
 * writes the two out twice); only `network()` sets them apart.
 */
export abstract class IPPortAddr implements Addr {
  /** The IP address, or null for the wildcard. */
  ip: IP | null;
  /** The port; printed as is even when out of range. */
  port: number;
  /** The IPv6 zone, or "". */
  zone: string;

  /** @throws TypeError (ERR_INVALID_ARG_TYPE) for a port that is not an integer. */
  constructor(init: IPPortAddrInit = {}) {
    const port = init.port ?? 0;
    // Go's Port is an int: a fraction (1.5, once sent to port 1) or NaN is no port at all.
    if (!Number.isInteger(port)) throw invalidArg("port", "an integer", port);
    this.ip = toIP(init.ip);
    this.port = port;
    this.zone = init.zone ?? "";
  }

  abstract network(): string;

  /** toString gives "host:port" as Go: "1.2.3.4:80", "[::1]:80", "[fe80::1%eth0]:80", ":80". */
  toString(): string {
    return hostPortString(this.ip, this.zone, this.port);
  }

  /**
   * addrPort gives the address as a netip.AddrPort; the port is truncated to 16 bits, a
   * 16-byte IPv4 address stays IPv4-mapped, an IP of another length gives an invalid address.
   */
  addrPort(): AddrPort {
    return toAddrPort(this.ip, this.zone, this.port);
  }
}

/**
 * TCPAddr is the address of a TCP end point, Go's `net.TCPAddr`.
 *
 * @example
 * new TCPAddr({ ip: parseIP("::1"), port: 80 }).toString(); // "[::1]:80"
 * new TCPAddr({ port: 80 }).toString();                      // ":80"
 * new TCPAddr({ ip: parseIP("fe80::1"), port: 80, zone: "eth0" }).toString(); // "[fe80::1%eth0]:80"
 */
export class TCPAddr extends IPPortAddr {
  /** network gives "tcp" (never "tcp4" or "tcp6", as in Go). */
  network(): string {
    return "tcp";
  }
}

/**
 * UDPAddr is the address of a UDP end point, Go's `net.UDPAddr`.
 *
 * @example
 * new UDPAddr({ ip: IPv4(127, 0, 0, 1), port: 53 }).toString(); // "127.0.0.1:53"
 */
export class UDPAddr extends IPPortAddr {
  /** network gives "udp" (never "udp4" or "udp6", as in Go). */
  network(): string {
    return "udp";
  }
}

/**
 * tcpAddrFromAddrPort gives the TCPAddr of a netip.AddrPort; an invalid address gives the
 * wildcard (null IP).
 *
 * @example
 * tcpAddrFromAddrPort(parseAddrPort("1.2.3.4:80")).toString(); // "1.2.3.4:80"
 */
export function tcpAddrFromAddrPort(ap: AddrPort): TCPAddr {
  return new TCPAddr({ ip: ap.addr().asSlice(), zone: ap.addr().zone(), port: ap.port() });
}

/**
 * udpAddrFromAddrPort gives the UDPAddr of a netip.AddrPort; an invalid address gives the
 * wildcard (null IP).
 *
 * @example
 * udpAddrFromAddrPort(parseAddrPort("[::1]:53")).toString(); // "[::1]:53"
 */
export function udpAddrFromAddrPort(ap: AddrPort): UDPAddr {
  return new UDPAddr({ ip: ap.addr().asSlice(), zone: ap.addr().zone(), port: ap.port() });
}

/** IPAddrInit holds the fields of an {@link IPAddr}; all are optional. */
export interface IPAddrInit {
  /** The IP address; null (the default) is the wildcard. */
  ip?: Uint8Array | null;
  /** The IPv6 zone; default "". */
  zone?: string;
}

/**
 * IPAddr is the address of an IP end point (raw IP), Go's `net.IPAddr`.
 *
 * @example
 * new IPAddr({ ip: parseIP("fe80::1"), zone: "eth0" }).toString(); // "fe80::1%eth0"
 * new IPAddr().toString();                                          // ""
 */
export class IPAddr implements Addr {
  /** The IP address, or null for the wildcard. */
  ip: IP | null;
  /** The IPv6 zone, or "". */
  zone: string;

  constructor(init: IPAddrInit = {}) {
    this.ip = toIP(init.ip);
    this.zone = init.zone ?? "";
  }

  /** network gives "ip". */
  network(): string {
    return "ip";
  }

  /** toString gives the IP, with "%zone" if there is a zone; "" for the wildcard. */
  toString(): string {
    const ip = ipEmptyString(this.ip);
    return this.zone !== "" ? ip + "%" + this.zone : ip;
  }
}

/** UnixAddrInit holds the fields of a {@link UnixAddr}; all are optional. */
export interface UnixAddrInit {
  /** The socket path, or "@name" for a Linux abstract socket; default "". */
  name?: string;
  /** The network: "unix", "unixgram" or "unixpacket"; default "" (as Go's zero value). */
  net?: string;
}

/**
 * UnixAddr is the address of a Unix domain socket end point, Go's `net.UnixAddr`.
 *
 * @example
 * const a = new UnixAddr({ name: "/tmp/s.sock", net: "unixgram" });
 * a.network();  // "unixgram"
 * a.toString(); // "/tmp/s.sock"
 */
export class UnixAddr implements Addr {
  /** The socket path or "@abstract" name. */
  name: string;
  /** The network: "unix", "unixgram" or "unixpacket". */
  net: string;

  constructor(init: UnixAddrInit = {}) {
    this.name = init.name ?? "";
    this.net = init.net ?? "";
  }

  /** network gives the `net` field. */
  network(): string {
    return this.net;
  }

  /** toString gives the name. */
  toString(): string {
    return this.name;
  }
}
