/**
 * TCPConn and TCPListener (Go's tcpsock.go): the TCP-specific options on top of the shared
 * conn and listener behaviour.
 */
import { binding } from "../sys/binding.js";
import { syscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import type { NetFD } from "./fd_posix.js";
import { SocketConn } from "./conn.js";
import { SocketListener } from "./listener.js";
import type { TCPAddr } from "./addr.js";

/** Go's `defaultTCPKeepAlive`: the keep-alive period of dialed and accepted conns, in ms. */
export const defaultKeepAlive = 15_000;

/**
 * TCPConn is a TCP connection, Go's `net.TCPConn`. Dialed and accepted conns have TCP_NODELAY
 * on (Nagle off) and keep-alive on with a 15 s period, as in Go.
 */
export class TCPConn extends SocketConn {
  /** @internal */
  constructor(fd: NetFD) {
    super(fd);
    // Go's newTCPConn: no Nagle delay by default. Failure is ignored there too.
    binding.setsockoptInt(fd.pfd.sysfd, C.IPPROTO_TCP!, C.TCP_NODELAY!, 1);
  }

  /** localAddr returns the local address: a TCPAddr. */
  override localAddr(): TCPAddr | null {
    return super.localAddr() as TCPAddr | null;
  }

  /** remoteAddr returns the peer's address: a TCPAddr. */
  override remoteAddr(): TCPAddr | null {
    return super.remoteAddr() as TCPAddr | null;
  }

  /** Iterates the bytes that arrive, in chunks of up to 64 KiB, until end of stream. */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    return this.chunks();
  }

  /**
   * closeRead shuts down the reading side: later reads see end of stream.
   */
  async closeRead(): Promise<void> {
    await this.shutdown(C.SHUT_RD!);
  }

  /**
   * closeWrite shuts down the writing side after the writes already queued have gone out; the
   * peer then reads end of stream. Go: CloseWrite does not wait for concurrent writes.
   */
  async closeWrite(): Promise<void> {
    await this.shutdown(C.SHUT_WR!);
  }

  /** setNoDelay turns Nagle's algorithm off (true, the default) or on (false). */
  setNoDelay(noDelay: boolean): void {
    this.setOption(C.IPPROTO_TCP!, C.TCP_NODELAY!, noDelay ? 1 : 0, true);
  }

  /** setKeepAlive turns TCP keep-alive probes on or off. */
  setKeepAlive(keepAlive: boolean): void {
    this.setOption(C.SOL_SOCKET!, C.SO_KEEPALIVE!, keepAlive ? 1 : 0, true);
  }

  /**
   * setKeepAlivePeriod sets the idle time before the first probe and the time between probes,
   * in milliseconds, rounded up to whole seconds as the kernel counts them.
   */
  setKeepAlivePeriod(ms: number): void {
    const secs = Math.max(1, Math.ceil(ms / 1000));
    this.setOption(C.IPPROTO_TCP!, C.TCP_KEEPINTVL!, secs, true);
    this.setOption(C.IPPROTO_TCP!, C.TCP_KEEPIDLE!, secs, true);
  }

  /**
   * setLinger sets what close does with unsent data; its argument is in **seconds**, not
   * milliseconds (the one exception to sockit's "durations are milliseconds"): a negative value
   * (the default) sends the data in the background; 0 discards it and resets the connection
   * (RST); n > 0 lets close try for up to n seconds. `sec` is a whole number, as Go's int and
   * the kernel's `SO_LINGER` are.
   *
   * @example
   * conn.setLinger(5); // five seconds, not 5 ms
   * conn.setLinger(0); // close resets the connection at once
   *
   * Go: the same unit as Go's `SetLinger(sec int)`, which takes an int of seconds, not a
   * `time.Duration`; kept so that ported code means the same thing.
   */
  setLinger(sec: number): void {
    const rc = binding.setsockoptLinger(this.#sysfd(), sec >= 0 ? 1 : 0, sec >= 0 ? sec : 0);
    if (rc < 0) throw this.opError("set", syscallError("setsockopt", rc));
  }

  /** @internal Keep-alive as Go's dialer and listener set it: off for < 0, else on with a period. */
  applyKeepAlive(ms: number | undefined): void {
    const ka = ms ?? 0;
    if (ka < 0) return;
    // Go ignores failures here: keep-alive is best effort on a conn that works.
    try {
      this.setKeepAlive(true);
      this.setKeepAlivePeriod(ka === 0 ? defaultKeepAlive : ka);
    } catch {
      /* best effort, as in Go */
    }
  }

  #sysfd(): number {
    try {
      return this.nfd.pfd.sysfd;
    } catch (err) {
      throw this.opError("set", err as Error);
    }
  }

}

/** TCPListener is a TCP network listener, Go's `net.TCPListener`. Accepted conns are TCPConns. */
export class TCPListener extends SocketListener<TCPConn> {
  /** @internal */
  constructor(
    fd: NetFD,
    private readonly keepAlive: number | undefined,
  ) {
    super(fd);
  }

  /**
   * addr returns the listener's address, a TCPAddr, so `ln.addr().port` is the port the kernel
   * picked for port 0.
   */
  override addr(): TCPAddr {
    return super.addr() as TCPAddr;
  }

  /** @internal */
  protected newConn(fd: NetFD): TCPConn {
    const c = new TCPConn(fd);
    c.applyKeepAlive(this.keepAlive);
    return c;
  }
}
