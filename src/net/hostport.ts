/**
 * Splitting and joining "host:port", Go's `SplitHostPort` and `JoinHostPort` (`net/ipsock.go`).
 */
import { AddrError } from "./errors.js";

// Frozen: Go's texts, which programs match on.
const missingPort = "missing port in address";
const tooManyColons = "too many colons in address";

/**
 * splitHostPort splits "host:port", "host%zone:port", "[host]:port" or "[host%zone]:port" into
 * `[host, port]`, at the last colon. A host containing colons (an IPv6 literal) must be in
 * brackets; a bracketed host may hold anything but brackets (`[localhost%lo0]:80` is fine).
 * Host and port may be empty; the port is not checked.
 *
 * @example
 * splitHostPort("[::1%lo0]:80");  // ["::1%lo0", "80"]
 * splitHostPort(":http");         // ["", "http"]
 * splitHostPort("1.2.3.4");       // throws AddrError "address 1.2.3.4: missing port in address"
 * splitHostPort("1:2:3");         // throws AddrError "address 1:2:3: too many colons in address"
 * @throws {AddrError} with Go's reason and the whole input as its address.
 */
export function splitHostPort(hostport: string): [host: string, port: string] {
  const i = hostport.lastIndexOf(":");
  if (i < 0) throw new AddrError(missingPort, hostport);
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === "[") {
    const end = hostport.indexOf("]");
    if (end < 0) throw new AddrError("missing ']' in address", hostport);
    if (end + 1 === hostport.length) throw new AddrError(missingPort, hostport);
    if (end + 1 !== i) {
      // Either ']' is not followed by a colon, or the colon after it is not the last one.
      throw new AddrError(hostport[end + 1] === ":" ? tooManyColons : missingPort, hostport);
    }
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(":")) throw new AddrError(tooManyColons, hostport);
  }
  if (hostport.indexOf("[", j) >= 0) throw new AddrError("unexpected '[' in address", hostport);
  if (hostport.indexOf("]", k) >= 0) throw new AddrError("unexpected ']' in address", hostport);
  return [host, hostport.slice(i + 1)];
}

/**
 * joinHostPort combines host and port into "host:port", or "[host]:port" when the host
 * contains a colon (an IPv6 literal). Nothing is validated.
 *
 * @example
 * joinHostPort("::1", "80");       // "[::1]:80"
 * joinHostPort("example.com", ""); // "example.com:"
 */
export function joinHostPort(host: string, port: string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
