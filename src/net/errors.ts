/**
 * Package net's error types, with Go's `Error()` texts byte for byte: `OpError`, `AddrError`,
 * `UnknownNetworkError`, `InvalidAddrError`, `ParseError`, `DNSError`, and net's sentinels.
 */
import { NetError, SyscallError, Errno, brand, E } from "../sys/errors.js";
import { Sentinel } from "../poll/errors.js";

/** Addr is a network end point address, Go's `net.Addr`. */
export interface Addr {
  /** network names the network, e.g. "tcp", "unix". */
  network(): string;
  /** toString gives the address in Go's form, e.g. "127.0.0.1:80". */
  toString(): string;
}

/**
 * OpError is the error of an operation on a network: "dial tcp 127.0.0.1:1: connect: connection
 * refused". Its fields are Go's: `op`, `net`, `source`, `addr` and the wrapped `err` (also the
 * standard `cause`).
 */
export class OpError extends NetError {
  override readonly name = "OpError";
  readonly code: string | undefined;
  /** For a failed write: how many bytes the kernel took before the failure. */
  bytesWritten = 0;
  constructor(
    /** The operation: "dial", "listen", "accept", "read", "write", "close", "set", ... */
    readonly op: string,
    /** The network, e.g. "tcp" or "unix"; "" for none. */
    readonly net: string,
    /** The local address for operations on conns, else null. */
    readonly source: Addr | null,
    /** The remote address, or the listener's local address, or null. */
    readonly addr: Addr | null,
    /** The error behind this one. */
    readonly err: Error,
  ) {
    // A plain-JavaScript caller may pass undefined where null means "no address" (writeTo).
    source ??= null;
    addr ??= null;
    let s = op;
    if (net !== "") s += " " + net;
    if (source !== null) s += " " + source.toString();
    if (addr !== null) s += (source !== null ? "->" : " ") + addr.toString();
    super(`${s}: ${err.message}`, { cause: err });
    this.code = (err as { code?: string }).code;
  }
  override timeout(): boolean {
    const e = this.err instanceof SyscallError ? this.err.err : this.err;
    return e instanceof NetError && e.timeout();
  }
  override temporary(): boolean {
    // Go treats a bare ECONNRESET or ECONNABORTED from accept as temporary (Go issue 6163).
    if (this.op === "accept" && this.err instanceof Errno) {
      const n = this.err.errno;
      if (n === E.ECONNRESET || n === E.ECONNABORTED) return true;
    }
    const e = this.err instanceof SyscallError ? this.err.err : this.err;
    return e instanceof NetError && e.temporary();
  }
}
brand(OpError, "OpError");

/** AddrError is an error about an address: "address 1.2.3.4: missing port in address". */
export class AddrError extends NetError {
  override readonly name = "AddrError";
  readonly code = "ERR_SOCKIT_ADDR";
  constructor(
    /** What is wrong, e.g. "missing port in address". */
    readonly err: string,
    /** The address in question; "" for none. */
    readonly addr: string,
  ) {
    super(addr !== "" ? `address ${addr}: ${err}` : err);
  }
}
brand(AddrError, "AddrError");

/** UnknownNetworkError names a network Go does not know: "unknown network foo". */
export class UnknownNetworkError extends NetError {
  override readonly name = "UnknownNetworkError";
  readonly code = "ERR_SOCKIT_UNKNOWN_NETWORK";
  constructor(readonly networkName: string) {
    super(`unknown network ${networkName}`);
  }
}
brand(UnknownNetworkError, "UnknownNetworkError");

/** InvalidAddrError is Go's `InvalidAddrError`: its message is the text given. */
export class InvalidAddrError extends NetError {
  override readonly name = "InvalidAddrError";
  readonly code = "ERR_SOCKIT_INVALID_ADDR";
  constructor(text: string) {
    super(text);
  }
}
brand(InvalidAddrError, "InvalidAddrError");

/** ParseError is the error of a literal address parser: "invalid CIDR address: 1.2.3.4/33". */
export class ParseError extends NetError {
  override readonly name = "ParseError";
  readonly code = "ERR_SOCKIT_PARSE";
  constructor(
    /** What was expected, e.g. "IP address" or "CIDR address". */
    readonly type: string,
    /** The malformed text. */
    readonly text: string,
  ) {
    super(`invalid ${type}: ${text}`);
  }
}
brand(ParseError, "ParseError");

/** Fields of a {@link DNSError}. */
export interface DNSErrorInit {
  err: string;
  name: string;
  server?: string;
  isTimeout?: boolean;
  isTemporary?: boolean;
  isNotFound?: boolean;
  cause?: unknown;
}

/** DNSError is a name lookup failure: "lookup nosuch.invalid: no such host". */
export class DNSError extends NetError {
  override readonly name = "DNSError";
  readonly code: string;
  readonly err: string;
  /** The name looked up. */
  readonly dnsName: string;
  readonly server: string;
  readonly isTimeout: boolean;
  readonly isTemporary: boolean;
  readonly isNotFound: boolean;
  constructor(init: DNSErrorInit) {
    const server = init.server ?? "";
    super(`lookup ${init.name}${server !== "" ? " on " + server : ""}: ${init.err}`, { cause: init.cause });
    this.err = init.err;
    this.dnsName = init.name;
    this.server = server;
    this.isTimeout = init.isTimeout ?? false;
    this.isTemporary = init.isTemporary ?? false;
    this.isNotFound = init.isNotFound ?? false;
    this.code = this.isNotFound ? "ENOTFOUND" : this.isTimeout ? "ETIMEOUT" : "ERR_SOCKIT_DNS";
  }
  override timeout(): boolean {
    return this.isTimeout;
  }
  override temporary(): boolean {
    return this.isTimeout || this.isTemporary;
  }
}
brand(DNSError, "DNSError");

/** ErrWriteToConnected: a writeTo on a connected packet conn. Go: `net.ErrWriteToConnected`. */
export const ErrWriteToConnected = new Sentinel(
  "use of WriteTo with pre-connected connection",
  "ERR_SOCKIT_WRITE_TO_CONNECTED",
);
/** errMissingAddress: dial without an address. */
export const errMissingAddress = new Sentinel("missing address", "ERR_SOCKIT_MISSING_ADDRESS");
/** errNoSuitableAddress: no address of the wanted family. */
export const errNoSuitableAddress = new Sentinel("no suitable address found", "ERR_SOCKIT_NO_SUITABLE_ADDRESS");
// The errors of a done AbortSignal (Go's context errors) live in the poll layer, which net and
// ipc share.
export { CanceledError, errTimeout, abortError } from "../poll/errors.js";
