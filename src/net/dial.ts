/**
 * Dialer, dial, ListenConfig and listen (Go's dial.go): resolve the address, then try each
 * resolved address in turn within the time left. Each user-level dial publishes
 * `sockit:dial:start` and then `sockit:dial:end` or `sockit:dial:error`, each listen
 * `sockit:listen`; a Happy Eyeballs fallback starting and a failover to the next address are
 * logged under NODE_DEBUG=sockit (poll/diag.ts).
 */
import { OpError, AddrError, abortError, errTimeout, errMissingAddress, type Addr } from "./errors.js";
import { TCPAddr, UDPAddr, IPAddr, UnixAddr } from "./addr.js";
import { resolveAddrList, isIPv4 } from "./ipsock.js";
import { splitHostPort } from "./hostport.js";
import { parseIPZone } from "./ipparse.js";
import { invalidArg } from "../sys/args.js";
import { LongTimer } from "../poll/deadline.js";
import type { Conn } from "./conn.js";
import type { Listener, SocketListener } from "./listener.js";
import type { TCPConn, TCPListener } from "./tcpsock.js";
import type { UnixConn, UnixListener } from "./unixsock.js";
import { dialTCP, listenTCP } from "./tcpsock_posix.js";
import { dialUnix, listenUnix } from "./unixsock_posix.js";
import { dialUDP, listenUDP } from "./udpsock_posix.js";
import { dialIP, listenIP } from "./iprawsock_posix.js";
import { listenUnixgram } from "./unixgram_posix.js";
import type { Datagram, PacketConn } from "./packetconn.js";
import type { UDPConn } from "./udpsock.js";
import type { IPConn } from "./iprawsock.js";
import type { ControlFunc } from "./sock_posix.js";
import { Resolver, defaultResolver } from "./resolver.js";
import { channels, debug, debugEnabled, publishListen, type DialStartMessage, type DialEndMessage, type DialErrorMessage } from "../poll/diag.js";

export type { ControlFunc } from "./sock_posix.js";

/** Options of a {@link Dialer}; each is a field of Go's `net.Dialer`. */
export interface DialerOptions {
  /**
   * Longest time a dial may take, in milliseconds, name resolution included; 0 or absent means
   * none (the kernel still gives up on a TCP connect after about two minutes). A negative
   * timeout has already passed. With `deadline`, the earlier wins.
   */
  timeout?: number;
  /** Absolute time (a Date or epoch milliseconds) by which the dial must be done. */
  deadline?: Date | number;
  /** Local address to bind before connecting; its type must match the network. */
  localAddr?: Addr | null;
  /**
   * Keep-alive period of dialed TCP conns in milliseconds: 0 or absent means Go's 15 s,
   * negative leaves keep-alive off.
   */
  keepAlive?: number;
  /**
   * How long a "tcp" dial to a name with both IPv6 and IPv4 addresses waits on the first
   * family's addresses before racing the other's (Go's `FallbackDelay`, RFC 6555's Happy
   * Eyeballs), in milliseconds: 0 or absent means Go's 300; negative turns the race off, so
   * the addresses are tried one after another. A first family that fails sooner starts the
   * other at once.
   */
  fallbackDelay?: number;
  /**
   * How a "tcp" dial to a name races its addresses: `"go"` (the default) as Go's dialParallel,
   * by `fallbackDelay`; `"rfc8305"` as RFC 8305's Happy Eyeballs v2, which Go does not do: the
   * IPv6 and IPv4 lookups run side by side, an IPv4 answer waits up to 50 ms (the resolution
   * delay) for the IPv6 one, the addresses are interleaved from IPv6 on, and a new attempt
   * starts every 250 ms (the connection attempt delay) or as soon as the last one fails,
   * earlier ones still running, until one connects. Without a local address only; with one,
   * the dial is Go's.
   */
  happyEyeballs?: "go" | "rfc8305";
  /**
   * A hook called for each socket the dial makes, after socket(2) and before bind(2) and
   * connect(2), with the concrete network ("tcp4", "udp6", "ip4", "unix", ...), the address
   * being dialed, and a RawConn on the socket (Go's `Dialer.Control`); see {@link ControlFunc}.
   * Each address tried gets its own call (a Happy Eyeballs race, too); a throw aborts that
   * attempt, closing its socket, as a failed connect would. Absent or null: none.
   *
   * @example
   * const d = new Dialer({ control: (network, address) => console.log(network, address) });
   * await d.dial("tcp", "127.0.0.1:8080"); // tcp4 127.0.0.1:8080
   */
  control?: ControlFunc | null;
  /**
   * The resolver for host names in the addresses dialed (Go's `Dialer.Resolver`); absent or
   * null: {@link defaultResolver}, the system's.
   *
   * @example
   * const d = new Dialer({ resolver: new Resolver({ servers: ["127.0.0.1:5353"] }) });
   */
  resolver?: Resolver | null;
}

/** Options of one dial: a Dialer's options plus an AbortSignal (Go's `context.Context`). */
export interface DialOptions extends DialerOptions {
  /** Aborting cancels the dial at any point, name resolution included. */
  signal?: AbortSignal;
}

/** Go's default FallbackDelay: the fallback family's head start is 300 ms. */
const defaultFallbackDelay = 300;

/** RFC 8305's recommended Resolution Delay and Connection Attempt Delay (sections 3 and 5). */
const resolutionDelay = 50;
const attemptDelay = 250;

/** Go's `saneMinimum`: each address of a serial dial gets at least this much time. */
const saneMinimum = 2000;

/**
 * partialDeadline shares the time left among the addresses still to try, giving each at least
 * two seconds, taken from the addresses at the end (Go's partialDeadline).
 */
export function partialDeadline(now: number, deadline: number, addrsRemaining: number): number {
  const left = deadline - now;
  if (left <= 0) throw errTimeout;
  let timeout = left / addrsRemaining;
  if (timeout < saneMinimum) timeout = Math.min(left, saneMinimum);
  return now + timeout;
}

/**
 * Scope is an AbortSignal that fires when a parent signal aborts or a deadline passes, with
 * errTimeout as the reason for the deadline. Its timer is the poll layer's LongTimer, so a
 * deadline weeks away waits that long (a bare setTimeout would fire at once past 2^31 − 1 ms).
 */
class Scope {
  readonly signal: AbortSignal;
  readonly #ctl = new AbortController();
  #timer: LongTimer | null = null;
  readonly #onAbort = () => this.#ctl.abort(this.parent!.reason);

  constructor(
    private readonly parent: AbortSignal | null,
    deadline: number,
  ) {
    this.signal = this.#ctl.signal;
    if (parent?.aborted) this.#ctl.abort(parent.reason);
    else parent?.addEventListener("abort", this.#onAbort, { once: true });
    if (deadline !== 0 && !this.signal.aborted) {
      if (deadline <= Date.now()) this.#ctl.abort(errTimeout);
      else this.#timer = new LongTimer(() => this.#ctl.abort(errTimeout)).start(deadline);
    }
  }

  /** cancel aborts the scope's signal (a racer that lost: "operation was canceled"), then lets go. */
  cancel(): void {
    if (!this.signal.aborted) this.#ctl.abort();
    this.dispose();
  }

  dispose(): void {
    this.#timer?.stop();
    this.parent?.removeEventListener("abort", this.#onAbort);
  }
}

/**
 * partition splits `addrs` by family, as Go's addrList.partition(isIPv4): the first address
 * and every one of its family are the primaries, the rest the fallbacks, each in order.
 */
function partition(addrs: Addr[]): [Addr[], Addr[]] {
  const primaries: Addr[] = [];
  const fallbacks: Addr[] = [];
  let first: boolean | null = null;
  for (const a of addrs) {
    const v4 = a instanceof TCPAddr && a.ip !== null && a.ip.to4() !== null;
    first ??= v4;
    (v4 === first ? primaries : fallbacks).push(a);
  }
  return [primaries, fallbacks];
}

/**
 * Dialer holds options for connecting to an address, Go's `net.Dialer`. One Dialer may dial
 * many times, concurrently.
 *
 * @example
 * const d = new Dialer({ timeout: 2000, keepAlive: -1 });
 * const conn = await d.dial("tcp", "127.0.0.1:8080", { signal: AbortSignal.timeout(500) });
 */
export class Dialer {
  readonly timeout: number;
  readonly deadline: number;
  readonly localAddr: Addr | null;
  readonly keepAlive: number;
  readonly fallbackDelay: number;
  readonly happyEyeballs: "go" | "rfc8305";
  readonly control: ControlFunc | null;
  readonly resolver: Resolver;

  constructor(opts: DialerOptions = {}) {
    this.timeout = opts.timeout ?? 0;
    const d = opts.deadline;
    this.deadline = d === undefined ? 0 : typeof d === "number" ? d : d.getTime();
    this.localAddr = opts.localAddr ?? null;
    this.keepAlive = opts.keepAlive ?? 0;
    this.fallbackDelay = opts.fallbackDelay ?? 0;
    const he = opts.happyEyeballs ?? "go";
    if (he !== "go" && he !== "rfc8305") throw invalidArg("happyEyeballs", '"go" or "rfc8305"', he);
    this.happyEyeballs = he;
    this.control = controlOption(opts.control);
    const r = opts.resolver ?? defaultResolver;
    if (!(r instanceof Resolver)) throw invalidArg("resolver", "a Resolver", r);
    this.resolver = r;
  }

  /** The dial's deadline in epoch ms, 0 for none: the earlier of timeout and deadline. */
  #deadlineFrom(now: number): number {
    let d = 0;
    if (this.timeout !== 0) d = now + this.timeout;
    if (this.deadline !== 0 && (d === 0 || this.deadline < d)) d = this.deadline;
    return d;
  }

  /**
   * dial connects to `address` on `network` (any of Go's twelve; see {@link dial}). Host names are
   * resolved and their addresses tried in turn, the time left shared among them; for "tcp",
   * a name with IPv6 and IPv4 addresses races the two families (Happy Eyeballs, Go's
   * dialParallel; see {@link DialerOptions.fallbackDelay}).
   *
   * Each call publishes `sockit:dial:start` and then `sockit:dial:end` or `sockit:dial:error`
   * (once per call, however many addresses it tries); see docs/observability.md.
   *
   * @example
   * const conn = await new Dialer().dial("tcp", "localhost:80");
   */
  dial(network: "tcp" | "tcp4" | "tcp6", address: string, opts?: { signal?: AbortSignal }): Promise<TCPConn>;
  dial(network: "unix" | "unixpacket", address: string, opts?: { signal?: AbortSignal }): Promise<UnixConn>;
  dial(network: "unixgram", address: string, opts?: { signal?: AbortSignal }): Promise<UnixConn<Datagram<UnixAddr>>>;
  dial(network: "udp" | "udp4" | "udp6", address: string, opts?: { signal?: AbortSignal }): Promise<UDPConn>;
  dial(network: `ip${"" | "4" | "6"}:${string}`, address: string, opts?: { signal?: AbortSignal }): Promise<IPConn>;
  dial(network: string, address: string, opts?: { signal?: AbortSignal }): Promise<Conn>;
  dial(network: string, address: string, opts: { signal?: AbortSignal } = {}): Promise<Conn> {
    const c = channels;
    if (c.dialStart.hasSubscribers || c.dialEnd.hasSubscribers || c.dialError.hasSubscribers) {
      return observeDial(network, address, () => this.#dial(network, address, opts));
    }
    return this.#dial(network, address, opts);
  }

  async #dial(network: string, address: string, opts: { signal?: AbortSignal }): Promise<Conn> {
    const deadline = this.#deadlineFrom(Date.now());
    const parent = opts.signal ?? null;
    // Without a signal or a deadline there is nothing to cancel: skip the bookkeeping.
    const scope = parent === null && deadline === 0 ? null : new Scope(parent, deadline);
    try {
      const signal = scope?.signal ?? null;
      if (network === "tcp" && this.happyEyeballs === "rfc8305" && this.localAddr === null) {
        const staggered = await this.#resolveRFC8305(address, signal);
        if (staggered !== null) return await this.#dialStaggered(network, staggered, signal, deadline);
      }
      let addrs: Addr[];
      try {
        addrs = await resolveAddrList("dial", network, address, this.localAddr, signal ?? undefined, this.resolver);
      } catch (err) {
        throw new OpError("dial", network, null, null, err as Error);
      }
      // Go races the families for "tcp" alone, unless FallbackDelay is negative.
      if (network === "tcp" && this.fallbackDelay >= 0) {
        const [primaries, fallbacks] = partition(addrs);
        if (fallbacks.length > 0) return await this.#dialParallel(network, primaries, fallbacks, signal, deadline);
      }
      return await this.#dialSerial(network, addrs, signal, deadline);
    } finally {
      scope?.dispose();
    }
  }

  /**
   * The addresses of a "tcp" dial in RFC 8305's order, or null for a literal (or an empty
   * host), which the usual path dials. The two families are looked up side by side; when the
   * IPv4 answer comes first, the IPv6 one is given `resolutionDelay` more; then the lists are
   * interleaved from IPv6 on. One family failing is no failure; both failing is the dial's
   * error, the IPv6 lookup's first.
   */
  async #resolveRFC8305(address: string, signal: AbortSignal | null): Promise<Addr[] | null> {
    let host: string;
    try {
      [host] = splitHostPort(address);
    } catch (err) {
      throw new OpError("dial", "tcp", null, null, err as Error);
    }
    if (host === "" || parseIPZone(host)[0] !== null) return null;
    const sig = signal ?? undefined;
    type Answer = { addrs: Addr[] } | { err: Error };
    const ask = (net: string): Promise<Answer> =>
      resolveAddrList("dial", net, address, null, sig, this.resolver).then(
        (addrs) => ({ addrs }),
        (err: unknown) => ({ err: err as Error }),
      );
    const v6 = ask("tcp6");
    const v4 = ask("tcp4");
    const first = await Promise.race([v6.then((a) => ["6", a] as const), v4.then((a) => ["4", a] as const)]);
    let a6: Answer | null = first[0] === "6" ? first[1] : null;
    const a4 = first[0] === "4" ? first[1] : await v4;
    if (a6 === null && !("addrs" in a4)) a6 = await v6; // IPv4 failed: IPv6 is all there is.
    else if (a6 === null) {
      // The IPv4 answer came first: the IPv6 one gets the resolution delay.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), resolutionDelay)));
      a6 = await Promise.race([v6, late]);
      clearTimeout(timer);
    }
    const l6 = a6 !== null && "addrs" in a6 ? a6.addrs : [];
    const l4 = "addrs" in a4 ? a4.addrs : [];
    if (l6.length === 0 && l4.length === 0) {
      const err = a6 !== null && "err" in a6 ? a6.err : "err" in a4 ? a4.err : errMissingAddress;
      throw new OpError("dial", "tcp", null, null, err);
    }
    const out: Addr[] = [];
    for (let i = 0; i < Math.max(l6.length, l4.length); i++) {
      if (i < l6.length) out.push(l6[i]!);
      if (i < l4.length) out.push(l4[i]!);
    }
    return out;
  }

  /** RFC 8305's connection attempts: one per address, 250 ms apart, through {@link Dialer.#race}. */
  #dialStaggered(network: string, addrs: Addr[], signal: AbortSignal | null, deadline: number): Promise<Conn> {
    const attempts = addrs.map((ra) => (sig: AbortSignal) => this.#dialSingle(network, ra, sig));
    return this.#race(attempts, signal, deadline, attemptDelay, () => addrs.map((a) => `dial ${network} ${a.toString()}`));
  }

  /**
   * Go's dialParallel: two serial dials, the primaries at once and the fallbacks after
   * `fallbackDelay`, through {@link Dialer.#race}; each shares out the deadline itself.
   */
  #dialParallel(network: string, primaries: Addr[], fallbacks: Addr[], signal: AbortSignal | null, deadline: number): Promise<Conn> {
    const attempts = [primaries, fallbacks].map((addrs) => (sig: AbortSignal) => this.#dialSerial(network, addrs, sig, deadline));
    const label = (kind: string, addrs: Addr[]): string => `dial ${network} ${kind} (${addrs.join(", ")})`;
    const delay = this.fallbackDelay === 0 ? defaultFallbackDelay : this.fallbackDelay;
    return this.#race(attempts, signal, 0, delay, () => [label("primaries", primaries), label("fallbacks", fallbacks)]);
  }

  /**
   * Races dial attempts, the one mechanism under both Happy Eyeballs: each attempt starts
   * `delay` ms after the one before, or at once when an attempt fails, the earlier ones left
   * running; each gets a signal of its own (with `deadline`, 0 for none). The first conn wins:
   * the other attempts are aborted, and a conn one makes all the same is closed. When every
   * attempt fails, the first attempt's error is the dial's (Go's primaries' error). With
   * NODE_DEBUG=sockit, each attempt after the first is logged as it starts, by `labels`.
   */
  #race(
    attempts: ((signal: AbortSignal) => Promise<Conn>)[],
    signal: AbortSignal | null,
    deadline: number,
    delay: number,
    labels: () => string[],
  ): Promise<Conn> {
    return new Promise<Conn>((resolve, reject) => {
      const scopes: Scope[] = [];
      const errors: Error[] = [];
      let next = 0;
      let failed = 0;
      let returned = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        returned = true;
        clearTimeout(timer);
        for (const sc of scopes) sc.cancel();
      };
      const names = debugEnabled ? labels() : null;
      const start = (why: string | null): void => {
        clearTimeout(timer);
        if (returned || next >= attempts.length) return;
        const i = next++;
        if (names !== null && why !== null) debug("%s: starting, %s", names[i], why);
        const sc = new Scope(signal, deadline);
        scopes.push(sc);
        attempts[i]!(sc.signal).then(
          (c) => {
            if (returned) return void c.close().catch(() => {});
            finish();
            resolve(c);
          },
          (err: unknown) => {
            errors[i] = err as Error;
            if (returned) return;
            if (++failed === attempts.length) {
              finish();
              return reject(errors[0]);
            }
            start(names === null ? null : `attempt ${i + 1} failed (${(err as Error).message})`);
          },
        );
        if (next < attempts.length) timer = setTimeout(() => start(names === null ? null : `${delay} ms after attempt ${i + 1}`), delay);
      };
      start(null);
    });
  }

  /** Tries each address in turn; the first success wins, else the first error is thrown. */
  async #dialSerial(network: string, addrs: Addr[], signal: AbortSignal | null, deadline: number): Promise<Conn> {
    let firstErr: Error | null = null;
    for (let i = 0; i < addrs.length; i++) {
      const ra = addrs[i]!;
      if (signal?.aborted) throw new OpError("dial", network, this.localAddr, ra, abortError(signal.reason));
      let scope: Scope | null = null;
      if (deadline !== 0) {
        let part: number;
        try {
          part = partialDeadline(Date.now(), deadline, addrs.length - i);
        } catch (err) {
          firstErr ??= new OpError("dial", network, this.localAddr, ra, err as Error);
          break;
        }
        if (part < deadline) scope = new Scope(signal, part);
      }
      try {
        return await this.#dialSingle(network, ra, scope?.signal ?? signal);
      } catch (err) {
        firstErr ??= err as Error;
        if (debugEnabled && i + 1 < addrs.length && signal?.aborted !== true) {
          debug("%s; trying the next address, %s", (err as Error).message, addrs[i + 1]!.toString());
        }
      } finally {
        scope?.dispose();
      }
    }
    throw firstErr ?? new OpError("dial", network, null, null, errMissingAddress);
  }

  async #dialSingle(network: string, ra: Addr, signal: AbortSignal | null): Promise<Conn> {
    const la = this.localAddr;
    const ctl = this.control;
    try {
      if (ra instanceof TCPAddr) {
        const c = await dialTCP(network, la as TCPAddr | null, ra, signal, ctl);
        c.applyKeepAlive(this.keepAlive);
        return c;
      }
      if (ra instanceof UDPAddr) return await dialUDP(network, la as UDPAddr | null, ra, signal, ctl);
      if (ra instanceof IPAddr) return await dialIP(network, la as IPAddr | null, ra, signal, ctl);
      if (ra instanceof UnixAddr) return await dialUnix(network, la as UnixAddr | null, ra, signal, ctl);
      throw new AddrError("unexpected address type", ra.toString());
    } catch (err) {
      throw new OpError("dial", network, la, ra, err as Error);
    }
  }
}

/**
 * observeDial runs one user-level dial under the dial channels: start, then end or error, one
 * message object throughout, so that subscribers can pair them by identity. Called only when
 * one of the channels has subscribers, so an unobserved dial builds nothing.
 */
async function observeDial(network: string, address: string, run: () => Promise<Conn>): Promise<Conn> {
  const msg: DialStartMessage = { network, address };
  const t0 = performance.now();
  if (channels.dialStart.hasSubscribers) channels.dialStart.publish(msg);
  let conn: Conn;
  try {
    conn = await run();
  } catch (err) {
    if (channels.dialError.hasSubscribers) {
      channels.dialError.publish(Object.assign(msg, { error: err as Error, durationMs: performance.now() - t0 }) satisfies DialErrorMessage);
    }
    throw err;
  }
  if (channels.dialEnd.hasSubscribers) {
    channels.dialEnd.publish(Object.assign(msg, { conn, durationMs: performance.now() - t0 }) satisfies DialEndMessage);
  }
  return conn;
}


/**
 * dial connects to `address` on `network`, any of Go's twelve: "tcp", "tcp4", "tcp6", "udp",
 * "udp4", "udp6" (address "host:port"), "ip:proto", "ip4:proto", "ip6:proto" (raw IP, e.g.
 * "ip4:icmp", address a host; needs CAP_NET_RAW), "unix", "unixgram", "unixpacket" (a path, or
 * "@name" for a Linux abstract name). Options are the {@link Dialer}'s plus `signal`.
 *
 * @example
 * const conn = await dial("tcp", "127.0.0.1:8080", { timeout: 2000 });
 * await conn.write(new TextEncoder().encode("hello"));
 */
export function dial(network: "tcp" | "tcp4" | "tcp6", address: string, opts?: DialOptions): Promise<TCPConn>;
export function dial(network: "unix" | "unixpacket", address: string, opts?: DialOptions): Promise<UnixConn>;
export function dial(network: "unixgram", address: string, opts?: DialOptions): Promise<UnixConn<Datagram<UnixAddr>>>;
export function dial(network: "udp" | "udp4" | "udp6", address: string, opts?: DialOptions): Promise<UDPConn>;
export function dial(network: `ip${"" | "4" | "6"}:${string}`, address: string, opts?: DialOptions): Promise<IPConn>;
export function dial(network: string, address: string, opts?: DialOptions): Promise<Conn>;
export function dial(network: string, address: string, opts: DialOptions = {}): Promise<Conn> {
  return new Dialer(opts).dial(network, address, opts.signal === undefined ? {} : { signal: opts.signal });
}

/** Options of a {@link ListenConfig}; fields of Go's `net.ListenConfig`. */
export interface ListenConfigOptions {
  /**
   * Keep-alive period of accepted TCP conns in milliseconds: 0 or absent means Go's 15 s,
   * negative leaves keep-alive off.
   */
  keepAlive?: number;
  /**
   * The accept queue's length (listen(2)'s backlog), for stream listeners: conns the kernel
   * completes before `accept` takes them; past it, it drops new SYNs. Absent: the kernel's
   * somaxconn, as Go uses (Go cannot set it: golang/go#39000).
   */
  backlog?: number;
  /**
   * SO_REUSEPORT on a "tcp" listener: several listeners (in this process or others) bind the
   * one address, and the kernel spreads new conns among them. Beyond Go's ListenConfig.
   */
  reusePort?: boolean;
  /**
   * A hook called on the new socket after socket(2) and before bind(2), with the concrete
   * network ("tcp4", "tcp6", "udp4", "ip6", "unixgram", ...), the local address as resolved
   * (":0" for a wildcard, as Go prints it), and a RawConn on the socket (Go's
   * `ListenConfig.Control`); see {@link ControlFunc}. Options it sets apply before bind, so
   * SO_REUSEPORT or SO_RCVBUF set here work. Used by `listen` and `listenPacket` alike; a
   * throw aborts the listen, closing the socket (no socket file is left). Absent or null: none.
   *
   * @example
   * const lc = new ListenConfig({ control: (network, address, c) => c.control((fd) => setRcvbuf(fd)) });
   * const pc = await lc.listenPacket("udp", "127.0.0.1:0"); // network "udp4", address "127.0.0.1:0"
   */
  control?: ControlFunc | null;
}

/** Options of one listen: a ListenConfig's plus an AbortSignal for name resolution. */
export interface ListenOptions extends ListenConfigOptions {
  signal?: AbortSignal;
}

/**
 * ListenConfig holds options for listening, Go's `net.ListenConfig`.
 *
 * @example
 * const ln = await new ListenConfig({ keepAlive: -1 }).listen("tcp", ":0");
 */
export class ListenConfig {
  readonly keepAlive: number;
  readonly backlog: number | undefined;
  readonly reusePort: boolean;
  readonly control: ControlFunc | null;

  constructor(opts: ListenConfigOptions = {}) {
    this.keepAlive = opts.keepAlive ?? 0;
    const b = opts.backlog;
    if (b !== undefined && (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 2 ** 31 - 1)) {
      throw invalidArg("backlog", "a non-negative integer", b);
    }
    this.backlog = b;
    if (opts.reusePort !== undefined && typeof opts.reusePort !== "boolean") throw invalidArg("reusePort", "a boolean", opts.reusePort);
    this.reusePort = opts.reusePort === true;
    this.control = controlOption(opts.control);
  }

  /**
   * listen announces on the local address: "tcp", "tcp4", "tcp6", "unix" or "unixpacket". For tcp, "" or
   * ":port" and "0.0.0.0:port" listen on every address, IPv4 and IPv6 alike; port 0 lets the
   * kernel pick (see `addr()`). A host name listens on one of its addresses, IPv4 first. The
   * signal stops name resolution only, as Go's context does. Accepted TCP conns get this
   * config's keep-alive. The new listener is published on `sockit:listen`.
   *
   * @example
   * const ln = await new ListenConfig({ keepAlive: -1 }).listen("tcp", "127.0.0.1:0");
   * ln.addr().port; // the port the kernel picked
   */
  listen(network: "tcp" | "tcp4" | "tcp6", address: string, opts?: { signal?: AbortSignal }): Promise<TCPListener>;
  listen(network: "unix" | "unixpacket", address: string, opts?: { signal?: AbortSignal }): Promise<UnixListener>;
  listen(network: string, address: string, opts?: { signal?: AbortSignal }): Promise<SocketListener<Conn>>;
  async listen(network: string, address: string, opts: { signal?: AbortSignal } = {}): Promise<SocketListener<Conn>> {
    if (this.reusePort && !network.startsWith("tcp")) throw invalidArg("reusePort", "used with a tcp network", network);
    const la = await listenAddr(network, address, opts.signal);
    try {
      const lopts = { backlog: this.backlog, reusePort: this.reusePort, control: this.control };
      if (la instanceof TCPAddr) return publishListen(network, address, await listenTCP(network, la, this.keepAlive, lopts));
      if (la instanceof UnixAddr) return publishListen(network, address, await listenUnix(network, la, { backlog: this.backlog, control: this.control }));
      throw new AddrError("unexpected address type", address);
    } catch (err) {
      throw new OpError("listen", network, null, la, err as Error);
    }
  }

  /**
   * listenPacket announces on a local address for datagrams: "udp", "udp4", "udp6",
   * "ip:proto", "ip4:proto", "ip6:proto" or "unixgram"; see {@link listenPacket}. The signal
   * stops name resolution only. The new conn is published on `sockit:listen`.
   *
   * @example
   * const pc = await new ListenConfig().listenPacket("udp", "127.0.0.1:0");
   * pc.localAddr()?.port; // the port the kernel picked
   */
  listenPacket(network: "udp" | "udp4" | "udp6", address: string, opts?: { signal?: AbortSignal }): Promise<UDPConn>;
  listenPacket(network: "unixgram", address: string, opts?: { signal?: AbortSignal }): Promise<UnixConn<Datagram<UnixAddr>>>;
  listenPacket(network: `ip${"" | "4" | "6"}:${string}`, address: string, opts?: { signal?: AbortSignal }): Promise<IPConn>;
  listenPacket(network: string, address: string, opts?: { signal?: AbortSignal }): Promise<PacketConn>;
  listenPacket(network: string, address: string, opts: { signal?: AbortSignal } = {}): Promise<PacketConn> {
    return listenPacketWith(network, address, opts.signal, this.control);
  }
}

/** controlOption checks a `control` option: a function, or null or absent for none. */
function controlOption(c: unknown): ControlFunc | null {
  if (c === undefined || c === null) return null;
  if (typeof c !== "function") throw invalidArg("control", "a function", c);
  return c as ControlFunc;
}

/** listenAddr resolves a listen address to the one address Go binds (IPv4 first). */
async function listenAddr(network: string, address: string, signal: AbortSignal | undefined): Promise<Addr> {
  let addrs: Addr[];
  try {
    addrs = await resolveAddrList("listen", network, address, null, signal);
  } catch (err) {
    throw new OpError("listen", network, null, null, err as Error);
  }
  return addrs.find(isIPv4) ?? addrs[0]!;
}

/**
 * listenPacketWith is ListenConfig.listenPacket: udp*, ip*:proto and unixgram (and, as in Go,
 * unix and unixpacket, which give a listening socket as a conn).
 */
async function listenPacketWith(
  network: string,
  address: string,
  signal: AbortSignal | undefined,
  control: ControlFunc | null,
): Promise<PacketConn> {
  const la = await listenAddr(network, address, signal);
  try {
    const lopts = { control };
    if (la instanceof UDPAddr) return publishListen(network, address, await listenUDP(network, la, lopts));
    if (la instanceof IPAddr) return publishListen(network, address, await listenIP(network, la, lopts));
    if (la instanceof UnixAddr) return publishListen(network, address, await listenUnixgram(network, la, lopts));
    throw new AddrError("unexpected address type", address);
  } catch (err) {
    throw new OpError("listen", network, null, la, err as Error);
  }
}

/**
 * listenPacket announces on a local address for datagrams: "udp", "udp4", "udp6" ("host:port";
 * "" or ":port" is every address, dual-stack), "ip:proto", "ip4:proto", "ip6:proto" (raw IP,
 * e.g. "ip4:icmp"; needs CAP_NET_RAW) or "unixgram" (a path, "@name", or "" to autobind).
 * Of the options, `signal` stops name resolution and `control` is ListenConfig's hook.
 *
 * @example
 * await using pc = await listenPacket("udp", "127.0.0.1:0");
 * for await (const { data, addr } of pc) await pc.writeTo(data, addr);
 */
export function listenPacket(network: "udp" | "udp4" | "udp6", address: string, opts?: ListenOptions): Promise<UDPConn>;
export function listenPacket(network: "unixgram", address: string, opts?: ListenOptions): Promise<UnixConn<Datagram<UnixAddr>>>;
export function listenPacket(network: `ip${"" | "4" | "6"}:${string}`, address: string, opts?: ListenOptions): Promise<IPConn>;
export function listenPacket(network: string, address: string, opts?: ListenOptions): Promise<PacketConn>;
export function listenPacket(network: string, address: string, opts: ListenOptions = {}): Promise<PacketConn> {
  return listenPacketWith(network, address, opts.signal, controlOption(opts.control));
}

/**
 * listen announces on a local network address and returns a Listener: "tcp", "tcp4", "tcp6"
 * ("host:port"; "" or ":port" is every address, dual-stack), "unix" or "unixpacket" (a path,
 * "@name", or "" to autobind). Datagram networks use {@link listenPacket}.
 *
 * @example
 * await using ln = await listen("tcp", "127.0.0.1:0");
 * for await (const conn of ln) handle(conn);
 */
export function listen(network: "tcp" | "tcp4" | "tcp6", address: string, opts?: ListenOptions): Promise<TCPListener>;
export function listen(network: "unix" | "unixpacket", address: string, opts?: ListenOptions): Promise<UnixListener>;
export function listen(network: string, address: string, opts?: ListenOptions): Promise<SocketListener<Conn>>;
export function listen(network: string, address: string, opts: ListenOptions = {}): Promise<Listener> {
  return new ListenConfig(opts).listen(network, address, opts.signal === undefined ? {} : { signal: opts.signal });
}
