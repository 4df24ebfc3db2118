/**
 * netip.AddrPort: an immutable IP address and port (Go's `net/netip/netip.go`).
 */
import { Addr } from "./addr.js";
import { NetipError } from "./errors.js";
import { parseAddr } from "./parse.js";
import { quote } from "./quote.js";

/**
 * AddrPort is an IP address and a port number, Go's `netip.AddrPort`: immutable, compared with
 * `equal`. `new AddrPort()` is the zero value (invalid address, port 0).
 *
 * @example
 * const ap = parseAddrPort("[::1]:80");
 * ap.addr().toString(); // "::1"
 * ap.port();            // 80
 * addrPortFrom(parseAddr("1.2.3.4"), 443).toString(); // "1.2.3.4:443"
 */
export class AddrPort {
  #ip: Addr;
  #port: number;

  /** Creates an AddrPort; with no arguments the zero value. Port is taken modulo 2^16 as Go's uint16. */
  constructor(ip: Addr = new Addr(), port = 0) {
    this.#ip = ip;
    this.#port = port & 0xffff;
    Object.freeze(this);
  }

  /** addr gives the address. */
  addr(): Addr {
    return this.#ip;
  }

  /** port gives the port number. */
  port(): number {
    return this.#port;
  }

  /** isValid reports whether the address is valid (the port may be anything). */
  isValid(): boolean {
    return this.#ip.isValid();
  }

  /** equal reports whether address (zone included) and port are identical. Go: `==` on netip.AddrPort. */
  equal(o: AddrPort): boolean {
    return this.#ip.equal(o.#ip) && this.#port === o.#port;
  }

  /** marshalText is Go's `AddrPort.MarshalText`: toString's form, but "" when the address is the zero Addr. */
  marshalText(): string {
    return this.#ip.isValid() ? this.toString() : "";
  }

  /** toJSON makes JSON.stringify write marshalText's form, as Go's encoding/json does. */
  toJSON(): string {
    return this.marshalText();
  }

  /** unmarshalText is Go's `AddrPort.UnmarshalText`: "" gives the zero AddrPort, anything else parseAddrPort. */
  static unmarshalText(text: string): AddrPort {
    return text === "" ? new AddrPort() : parseAddrPort(text);
  }

  /** toString gives "1.2.3.4:80", "[::1]:80", "[::ffff:1.2.3.4%eth0]:80", or "invalid AddrPort". */
  toString(): string {
    if (!this.#ip.isValid()) return "invalid AddrPort";
    if (this.#ip.is4()) return `${this.#ip.toString()}:${this.#port}`;
    return `[${this.#ip.toString()}]:${this.#port}`;
  }
}

/**
 * addrPortFrom gives the AddrPort of an address and a port (taken modulo 2^16, as Go's uint16
 * conversion).
 *
 * @example
 * addrPortFrom(ipv6Unspecified(), 8080).toString(); // "[::]:8080"
 */
export function addrPortFrom(ip: Addr, port: number): AddrPort {
  return new AddrPort(ip, port);
}

/** splitAddrPort splits at the last ':' and removes brackets, as Go's `splitAddrPort`. */
function splitAddrPort(s: string): [ip: string, port: string, v6: boolean] {
  const i = s.lastIndexOf(":");
  if (i === -1) throw new NetipError("not an ip:port");
  let ip = s.slice(0, i);
  const port = s.slice(i + 1);
  if (ip.length === 0) throw new NetipError("no IP");
  if (port.length === 0) throw new NetipError("no port");
  if (ip[0] !== "[") return [ip, port, false];
  if (ip.length < 2 || ip[ip.length - 1] !== "]") throw new NetipError("missing ]");
  ip = ip.slice(1, -1);
  return [ip, port, true];
}

/** parseUint16 is Go's `strconv.ParseUint(s, 10, 16)`: decimal digits only, at most 65535; -1 if not. */
function parseUint16(s: string): number {
  if (s.length === 0) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
    if (n > 0xffff) return -1;
  }
  return n;
}

/**
 * parseAddrPort parses "ip:port": an IPv4 address, or an IPv6 address in brackets with an
 * optional zone, then a decimal port (checked before the address).
 *
 * @example
 * parseAddrPort("[fe80::1%eth0]:22").toString(); // "[fe80::1%eth0]:22"
 * parseAddrPort("1.2.3.4:x"); // throws NetipError `invalid port "x" parsing "1.2.3.4:x"`
 * @throws {NetipError} or {ParseAddrError} with Go's message.
 */
export function parseAddrPort(s: string): AddrPort {
  const [ipStr, portStr, v6] = splitAddrPort(s);
  const port = parseUint16(portStr);
  if (port < 0) throw new NetipError(`invalid port ${quote(portStr)} parsing ${quote(s)}`);
  const ip = parseAddr(ipStr);
  if (v6 && ip.is4()) {
    throw new NetipError(`invalid ip:port ${quote(s)}, square brackets can only be used with IPv6 addresses`);
  }
  if (!v6 && ip.is6()) {
    throw new NetipError(`invalid ip:port ${quote(s)}, IPv6 addresses must be surrounded by square brackets`);
  }
  return new AddrPort(ip, port);
}

/**
 * mustParseAddrPort is parseAddrPort for constants known to be valid (Go's `MustParseAddrPort`).
 * @throws {NetipError} where Go panics.
 */
export function mustParseAddrPort(s: string): AddrPort {
  return parseAddrPort(s);
}
