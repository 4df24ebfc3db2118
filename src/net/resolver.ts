/**
 * Resolver, Go's `net.Resolver`: host, address and record lookups through one of two back
 * ends, as Go has two. The system's (the default) asks getaddrinfo for host addresses, so
 * /etc/nsswitch.conf applies; Go's own (`preferGo`, or a `servers` list) reads /etc/hosts
 * and then asks DNS. Record lookups (CNAME, SRV, MX, NS, TXT, PTR) always ask DNS, as Go's do.
 *
 * DNS queries go through Node's `dns.Resolver` (c-ares), one channel per server and lookup,
 * so that this file decides what Go's stub resolver decides (lookup.go, dnsclient_unix.go):
 * which names to try (resolv.conf's search list and ndots), which server to ask next and
 * when to stop, the error texts and the order of the answers.
 */
import { promises as dnsp } from "node:dns";
import { IPAddr } from "./addr.js";
import { resolvConf, nameList, type DNSConfig } from "./dnsconfig.js";
import { AddrError, DNSError, UnknownNetworkError, errNoSuitableAddress } from "./errors.js";
import { lookupStaticAddr, lookupStaticHost } from "./hosts.js";
import { IP } from "./ip.js";
import { parseIP, parseIPZone, splitHostZone } from "./ipparse.js";
import { canceledLookup, dnsError, isDomainName, lookupIPAddr as systemLookupIPAddr, withSignal } from "./lookup.js";
import { parseNetwork } from "./network.js";
import { lookupPort as goLookupPort } from "./port.js";
import { sortByRFC6724 } from "./addrselect.js";
import { joinHostPort, splitHostPort } from "./hostport.js";
import { addrFromSlice, type Addr as NetIPAddr } from "./netip/addr.js";
import { checkInt, invalidArg } from "../sys/args.js";
import { MalformedRecordsError, keepValid, reverseAddr, rooted, sortMX, sortSRV, type MX, type NS, type SRV } from "./dnsrecords.js";

export { MalformedRecordsError, reverseAddr, sortMX, sortSRV, type MX, type NS, type SRV };

/** Options of a {@link Resolver}; the first two are fields of Go's `net.Resolver`. */
export interface ResolverOptions {
  /**
   * Resolve host names as Go's own resolver does (/etc/hosts, then DNS with resolv.conf's
   * servers, search list and options) instead of the system's getaddrinfo.
   */
  preferGo?: boolean;
  /**
   * With `preferGo`, when either of a host's IPv4 and IPv6 queries fails with a temporary
   * error (a timeout, SERVFAIL), fail the lookup rather than return the other family's
   * addresses, and stop trying further search names.
   */
  strictErrors?: boolean;
  /**
   * DNS servers to ask instead of resolv.conf's, in order: "IP" (port 53), "IP:port" or
   * "[IPv6]:port". Implies `preferGo`. Beyond Go, whose Resolver takes a `Dial` function for
   * the same purpose.
   */
  servers?: readonly string[];
  /** Longest wait for one server's answer to one query, in ms (resolv.conf's `timeout`, default 5000). */
  timeout?: number;
  /** Rounds over the servers before a query fails (resolv.conf's `attempts`, default 2). */
  attempts?: number;
  /** The hosts file read before DNS by Go's resolver (default "/etc/hosts"). */
  hostsFile?: string;
}

/** Options of one lookup: an AbortSignal (Go's `context.Context`). */
export interface LookupOptions {
  /** Aborts the lookup; it then rejects with Go's "operation was canceled" (or "i/o timeout"). */
  signal?: AbortSignal;
}

/** Record types and what c-ares gives for each. */
interface Answers {
  A: string[];
  AAAA: string[];
  CNAME: string[];
  SRV: { name: string; port: number; priority: number; weight: number }[];
  MX: { exchange: string; priority: number }[];
  NS: string[];
  TXT: string[][];
  PTR: string[];
}
type QType = keyof Answers;

function query<T extends QType>(ch: dnsp.Resolver, type: T, name: string): Promise<Answers[T]> {
  switch (type) {
    case "A": return ch.resolve4(name) as Promise<Answers[T]>;
    case "AAAA": return ch.resolve6(name) as Promise<Answers[T]>;
    case "CNAME": return ch.resolveCname(name) as Promise<Answers[T]>;
    case "SRV": return ch.resolveSrv(name) as Promise<Answers[T]>;
    case "MX": return ch.resolveMx(name) as Promise<Answers[T]>;
    case "NS": return ch.resolveNs(name) as Promise<Answers[T]>;
    case "TXT": return ch.resolveTxt(name) as Promise<Answers[T]>;
    default: return ch.resolvePtr(name) as Promise<Answers[T]>;
  }
}

/** The settings a lookup runs with: resolv.conf's, overridden by the Resolver's options. */
type Settings = DNSConfig;

/** How many idle c-ares channels a Resolver keeps per server for later lookups. */
const idleChannels = 4;

/**
 * Exchange holds one lookup's c-ares channels, one per server asked, so that aborting the
 * lookup cancels exactly its own queries. Channels come from the Resolver's idle pool and go
 * back to it when the lookup ends uncancelled (an idle channel holds no socket: c-ares closes
 * its sockets when no query is pending).
 */
class Exchange {
  readonly #channels = new Map<string, dnsp.Resolver>();
  readonly #ctl = new AbortController();
  /** Aborted when the caller's signal aborts or the lookup is cancelled. */
  readonly signal = this.#ctl.signal;
  readonly #onAbort = (): void => this.cancel(this.parent!.reason);

  constructor(
    private readonly timeout: number,
    private readonly pool: Map<string, dnsp.Resolver[]>,
    private readonly parent: AbortSignal | undefined,
  ) {
    if (parent?.aborted) this.cancel(parent.reason);
    else parent?.addEventListener("abort", this.#onAbort, { once: true });
  }

  channel(server: string): dnsp.Resolver {
    let ch = this.#channels.get(server);
    if (ch === undefined) {
      ch = this.pool.get(`${this.timeout} ${server}`)?.pop();
      if (ch === undefined) {
        ch = new dnsp.Resolver({ timeout: this.timeout, tries: 1 });
        ch.setServers([server]);
      }
      this.#channels.set(server, ch);
    }
    return ch;
  }

  /** cancel stops the lookup's queries now; they reject, and no further one starts. */
  cancel(reason?: unknown): void {
    if (!this.signal.aborted) this.#ctl.abort(reason);
    for (const ch of this.#channels.values()) ch.cancel();
  }

  /** done ends the lookup: its channels go back to the pool, unless cancelled. */
  done(): void {
    this.parent?.removeEventListener("abort", this.#onAbort);
    if (this.signal.aborted) return;
    for (const [server, ch] of this.#channels) {
      const key = `${this.timeout} ${server}`;
      let idle = this.pool.get(key);
      if (idle === undefined) this.pool.set(key, (idle = []));
      if (idle.length < idleChannels) idle.push(ch);
    }
  }
}

/**
 * Flight is one host lookup that concurrent callers share (Go's singleflight): the last
 * caller to give up cancels it, so a lookup nobody waits for stops at once.
 */
interface Flight {
  readonly promise: Promise<IPAddr[]>;
  readonly ex: Exchange;
  waiters: number;
}

/** serverAddress normalises a `servers` entry to "host:port" (port 53 when absent). */
function serverAddress(s: string): string {
  if (typeof s !== "string") throw invalidArg("servers", "an array of strings", s);
  if (parseIP(s) !== null) return joinHostPort(s, "53");
  let host: string;
  let port: string;
  try {
    [host, port] = splitHostPort(s);
  } catch {
    throw invalidArg("servers", 'IP addresses, with an optional port ("127.0.0.1:5353", "[::1]:53")', s);
  }
  if (parseIP(host) === null || !/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) {
    throw invalidArg("servers", 'IP addresses, with an optional port ("127.0.0.1:5353", "[::1]:53")', s);
  }
  return joinHostPort(host, port);
}

/**
 * Resolver looks up names and records, as Go's `net.Resolver`. The default one
 * ({@link defaultResolver}) is what `dial`, `listen` and the `resolve*Addr` functions use;
 * a Dialer or ListenConfig takes another through its `resolver` option.
 *
 * @example
 * const r = new Resolver({ servers: ["127.0.0.1:5353"], timeout: 1000 });
 * await r.lookupHost("example.test");          // ["192.0.2.1"]
 * await r.lookupMX("example.test");            // [{ host: "mail.example.test.", pref: 10 }]
 * await r.lookupHost("nosuch.test");
 * // rejects DNSError "lookup nosuch.test on 127.0.0.1:5353: no such host"
 */
export class Resolver {
  /** Whether host names go to Go's own resolver rather than getaddrinfo. */
  readonly preferGo: boolean;
  /** See {@link ResolverOptions.strictErrors}. */
  readonly strictErrors: boolean;
  readonly #servers: string[] | null;
  readonly #timeout: number | undefined;
  readonly #attempts: number | undefined;
  readonly #hostsFile: string;
  readonly #inflight = new Map<string, Flight>();
  /** Idle c-ares channels by timeout and server ("5000 127.0.0.1:53"). */
  readonly #pool = new Map<string, dnsp.Resolver[]>();

  constructor(opts: ResolverOptions = {}) {
    if (opts === null || typeof opts !== "object") throw invalidArg("options", "an object", opts);
    if (opts.servers !== undefined && !Array.isArray(opts.servers)) throw invalidArg("servers", "an array of strings", opts.servers);
    this.#servers = opts.servers === undefined ? null : opts.servers.map(serverAddress);
    if (this.#servers?.length === 0) throw invalidArg("servers", "at least one server", opts.servers);
    this.preferGo = opts.preferGo === true || this.#servers !== null;
    this.strictErrors = opts.strictErrors === true;
    this.#timeout = opts.timeout === undefined ? undefined : checkInt("timeout", opts.timeout, 1);
    this.#attempts = opts.attempts === undefined ? undefined : checkInt("attempts", opts.attempts, 1);
    if (opts.hostsFile !== undefined && typeof opts.hostsFile !== "string") throw invalidArg("hostsFile", "a path", opts.hostsFile);
    this.#hostsFile = opts.hostsFile ?? "/etc/hosts";
  }

  /**
   * lookupHost gives a host's addresses as strings. An IP literal (zone allowed) is returned
   * as is, without a lookup; "" fails with "lookup : no such host".
   *
   * @throws {DNSError} with Go's texts.
   */
  async lookupHost(host: string, opts: LookupOptions = {}): Promise<string[]> {
    if (host === "") throw new DNSError({ err: "no such host", name: host, isNotFound: true });
    if (parseIPZone(host)[0] !== null) return [host];
    if (this.preferGo) {
      const fromFile = await lookupStaticHost(this.#hostsFile, host);
      if (fromFile.length > 0) return fromFile;
    }
    return (await this.ipAddrs("ip", host, opts.signal)).map((a) => a.toString());
  }

  /** lookupIPAddr gives a host's addresses (Go's `LookupIPAddr`); literals are returned as is. */
  lookupIPAddr(host: string, opts: LookupOptions = {}): Promise<IPAddr[]> {
    return this.ipAddrs("ip", host, opts.signal);
  }

  /**
   * lookupIP gives a host's addresses of `network` "ip", "ip4" or "ip6" (an "ip4:proto"
   * form is accepted, as Go's parseNetwork does).
   *
   * @throws {UnknownNetworkError} for other networks; {DNSError}.
   */
  async lookupIP(network: string, host: string, opts: LookupOptions = {}): Promise<IP[]> {
    const { afnet } = parseNetwork(network, false);
    if (afnet !== "ip" && afnet !== "ip4" && afnet !== "ip6") throw new UnknownNetworkError(network);
    if (host === "") throw new DNSError({ err: "no such host", name: host, isNotFound: true });
    const addrs = await this.ipAddrs(afnet, host, opts.signal);
    const v = afnet.at(-1);
    const out = addrs.filter((a) => v === "p" || (v === "4") === (a.ip!.to4() !== null)).map((a) => a.ip!);
    if (out.length === 0) throw new AddrError(errNoSuitableAddress.message, host);
    return out;
  }

  /**
   * lookupNetIP is {@link Resolver.lookupIP} with netip addresses. As Go 1.19's, an IPv4
   * address read from a literal or the hosts file comes back IPv4-mapped ("::ffff:127.0.0.1");
   * `unmap()` gives the IPv4 form.
   */
  async lookupNetIP(network: string, host: string, opts: LookupOptions = {}): Promise<NetIPAddr[]> {
    const ips = await this.lookupIP(network, host, opts);
    return ips.map((ip) => addrFromSlice(ip)).filter((a): a is NetIPAddr => a !== null);
  }

  /** lookupPort gives the port of a service name or number for `network` (see `lookupPort`). */
  async lookupPort(network: string, service: string, _opts: LookupOptions = {}): Promise<number> {
    return goLookupPort(network, service);
  }

  /**
   * lookupCNAME gives a host's canonical name, with the root dot: the end of its CNAME chain,
   * or the name itself when it has no CNAME. As Go's, the lookup asks for the host's A and
   * AAAA records and fails as they do ("no such host" for a name without addresses).
   */
  async lookupCNAME(host: string, opts: LookupOptions = {}): Promise<string> {
    const cname = await this.#withExchange(opts.signal, async (ex) => {
      const { fqdn } = await this.#ipCNAME(ex, "ip", host);
      return this.#canonical(ex, fqdn);
    }, host);
    if (!isDomainName(cname)) throw new DNSError({ err: "DNS response contained records which contain invalid names", name: host });
    return cname;
  }

  /**
   * lookupSRV asks for `_service._proto.name`'s SRV records (or `name`'s, when service and
   * proto are both ""), ordered by priority and, within one, by weighted random choice (RFC
   * 2782). `cname` is the canonical name the records were found under.
   *
   * @throws {MalformedRecordsError} holding the valid records, when some had invalid names.
   */
  async lookupSRV(service: string, proto: string, name: string, opts: LookupOptions = {}): Promise<{ cname: string; addrs: SRV[] }> {
    const target = service === "" && proto === "" ? name : `_${service}._${proto}.${name}`;
    const { cname, records } = await this.#withExchange(opts.signal, async (ex) => {
      const [{ records, fqdn }, cname] = await Promise.all([
        this.#lookup(ex, target, "SRV"),
        this.#canonical(ex, target.endsWith(".") ? target : target + ".").catch(() => ""),
      ]);
      return { cname: cname === "" ? fqdn : cname, records };
    }, name);
    if (cname !== "" && !isDomainName(cname)) throw new DNSError({ err: "SRV header name is invalid", name });
    const srvs = records.map((r) => ({ target: rooted(r.name), port: r.port, priority: r.priority, weight: r.weight }));
    const valid = sortSRV(srvs).filter((r) => isDomainName(r.target));
    if (valid.length !== srvs.length) throw new MalformedRecordsError(name, valid);
    return { cname, addrs: valid };
  }

  /**
   * lookupMX gives a name's MX records, by preference (random order among equals).
   *
   * @throws {MalformedRecordsError} holding the valid records, when some had invalid names.
   */
  async lookupMX(name: string, opts: LookupOptions = {}): Promise<MX[]> {
    const { records } = await this.#withExchange(opts.signal, (ex) => this.#lookup(ex, name, "MX"), name);
    const mxs = sortMX(records.map((r) => ({ host: rooted(r.exchange), pref: r.priority })));
    return keepValid(mxs, (r) => r.host, name);
  }

  /**
   * lookupNS gives a name's NS records.
   *
   * @throws {MalformedRecordsError} holding the valid records, when some had invalid names.
   */
  async lookupNS(name: string, opts: LookupOptions = {}): Promise<NS[]> {
    const { records } = await this.#withExchange(opts.signal, (ex) => this.#lookup(ex, name, "NS"), name);
    return keepValid(records.map((h) => ({ host: rooted(h) })), (r) => r.host, name);
  }

  /** lookupTXT gives a name's TXT records, each record's strings joined (as Go joins them). */
  async lookupTXT(name: string, opts: LookupOptions = {}): Promise<string[]> {
    const { records } = await this.#withExchange(opts.signal, (ex) => this.#lookup(ex, name, "TXT"), name);
    return records.map((chunks) => chunks.join(""));
  }

  /**
   * lookupAddr gives the names of an address: from the hosts file when it lists the address,
   * else from its PTR records (names with the root dot).
   *
   * @throws {DNSError} "unrecognized address" for a non-IP; {MalformedRecordsError}.
   */
  async lookupAddr(addr: string, opts: LookupOptions = {}): Promise<string[]> {
    const fromFile = await lookupStaticAddr(this.#hostsFile, addr);
    if (fromFile.length > 0) return keepValid(fromFile, (n) => n, addr);
    const arpa = reverseAddr(addr);
    const { records } = await this.#withExchange(opts.signal, (ex) => this.#lookup(ex, arpa, "PTR"), addr);
    return keepValid(records.map(rooted), (n) => n, addr);
  }

  /**
   * ipAddrs gives the addresses of `host` for network "ip", "ip4" or "ip6" (or any network, by
   * its last character): "" is "no such host"; a literal is returned without a lookup, even
   * when `signal` has aborted; concurrent lookups of one name merge (Go's singleflight).
   * Internal: dial and listen resolve through it.
   */
  async ipAddrs(network: string, host: string, signal?: AbortSignal): Promise<IPAddr[]> {
    if (!this.preferGo) return systemLookupIPAddr(host, signal, network);
    if (host === "") throw new DNSError({ err: "no such host", name: host, isNotFound: true });
    const [ip, zone] = parseIPZone(host);
    if (ip !== null) return [new IPAddr({ ip, zone })];
    if (signal?.aborted) throw canceledLookup(host, signal.reason);
    const v = network.at(-1);
    const net = v === "4" ? "ip4" : v === "6" ? "ip6" : "ip";
    const key = `${net}\0${host}`;
    const conf = await this.#settings();
    let f = this.#inflight.get(key);
    if (f === undefined) {
      const ex = this.#exchange(conf, undefined);
      const flight: Flight = {
        ex,
        waiters: 0,
        promise: this.#goLookupIP(ex, net, host).finally(() => {
          ex.done();
          if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
        }),
      };
      this.#inflight.set(key, (f = flight));
    }
    f.waiters++;
    try {
      const addrs = await withSignal(f.promise, host, signal);
      return addrs.map((a) => new IPAddr({ ip: a.ip === null ? null : a.ip.slice(), zone: a.zone }));
    } finally {
      if (--f.waiters === 0 && signal?.aborted && this.#inflight.get(key) === f) {
        this.#inflight.delete(key);
        f.ex.cancel();
      }
    }
  }

  /** goLookupIP is Go's goLookupIPCNAMEOrder for files then DNS, for every caller of a flight. */
  async #goLookupIP(ex: Exchange, network: string, host: string): Promise<IPAddr[]> {
    const fromFile = await this.#fileAddrs(host);
    if (fromFile.length > 0) return fromFile;
    return (await this.#ipCNAME(ex, network, host)).addrs;
  }

  /** fileAddrs gives the hosts file's addresses of `host`, sorted by RFC 6724. */
  async #fileAddrs(host: string): Promise<IPAddr[]> {
    const addrs: IPAddr[] = [];
    for (const text of await lookupStaticHost(this.#hostsFile, host)) {
      const [h, zone] = splitHostZone(text);
      const ip = parseIP(h);
      if (ip !== null) addrs.push(new IPAddr({ ip, zone }));
    }
    sortByRFC6724(addrs);
    return addrs;
  }

  /**
   * ipCNAME asks DNS for `host`'s A and AAAA records (one of them for ip4 or ip6), name by
   * name from the search list, and gives the addresses of the first name that has any, with
   * that name; with none, the error of the name as given (Go: goLookupIPCNAMEOrder).
   */
  async #ipCNAME(ex: Exchange, network: string, host: string): Promise<{ addrs: IPAddr[]; fqdn: string }> {
    if (!isDomainName(host)) throw new DNSError({ err: "no such host", name: host, isNotFound: true });
    const conf = await this.#settings();
    const types: ("A" | "AAAA")[] = network === "ip4" ? ["A"] : network === "ip6" ? ["AAAA"] : ["A", "AAAA"];
    let lastErr: unknown = null;
    for (const fqdn of nameList(conf, host)) {
      const results = await Promise.allSettled(types.map((t) => this.#tryOneName(ex, conf, fqdn, t)));
      const addrs: IPAddr[] = [];
      let strict = false;
      results.forEach((r, i) => {
        if (r.status === "rejected") {
          const temporary = r.reason instanceof DNSError && r.reason.temporary();
          if (temporary && this.strictErrors) (strict = true), (lastErr = r.reason);
          else if (lastErr === null || fqdn === host + ".") lastErr = r.reason;
          return;
        }
        for (const a of r.value.records) {
          const ip = parseIP(a);
          if (ip !== null) addrs.push(new IPAddr({ ip: types[i] === "A" ? ip.to4()! : ip }));
        }
      });
      if (strict) break;
      if (addrs.length > 0) {
        sortByRFC6724(addrs);
        return { addrs, fqdn };
      }
    }
    if (ex.signal.aborted) throw canceledLookup(host, ex.signal.reason);
    throw renamed(lastErr ?? new DNSError({ err: "no such host", name: host, isNotFound: true }), host);
  }

  /** canonical follows `fqdn`'s CNAME chain to its end (at most 10 links, as resolvers cap chains). */
  async #canonical(ex: Exchange, fqdn: string): Promise<string> {
    const conf = await this.#settings();
    let name = fqdn;
    for (let hops = 0; hops < 10; hops++) {
      try {
        const { records } = await this.#tryOneName(ex, conf, name, "CNAME");
        if (records.length === 0) break;
        name = rooted(records[0]!);
      } catch (err) {
        if (err instanceof DNSError && err.isNotFound) break;
        throw err;
      }
    }
    return name;
  }

  /**
   * lookup asks for `name`'s records of one type, name by name from the search list, as Go's
   * Resolver.lookup: the first name with an answer wins; a name that is not a valid domain
   * name is "no such host" without a query. Errors name `name`, not the suffixed names tried.
   */
  async #lookup<T extends QType>(ex: Exchange, name: string, type: T): Promise<{ records: Answers[T]; fqdn: string }> {
    if (!isDomainName(name)) throw new DNSError({ err: "no such host", name: name, isNotFound: true });
    const conf = await this.#settings();
    let lastErr: unknown = new DNSError({ err: "no such host", name: name, isNotFound: true });
    for (const fqdn of nameList(conf, name)) {
      try {
        return { records: await this.#tryOneName(ex, conf, fqdn, type).then((r) => r.records), fqdn };
      } catch (err) {
        lastErr = err;
        if (ex.signal.aborted) break;
        if (err instanceof DNSError && err.temporary() && this.strictErrors) break;
      }
    }
    if (ex.signal.aborted) throw canceledLookup(name, ex.signal.reason);
    throw renamed(lastErr, name);
  }

  /**
   * tryOneName asks the servers for one fully qualified name, as Go's tryOneName: `attempts`
   * rounds over the servers (starting at the next one with `rotate`); a name that does not
   * exist, or has no records of the type, ends the lookup at once ("no such host"); any other
   * failure moves on to the next server, and the last one's error is the lookup's.
   */
  async #tryOneName<T extends QType>(ex: Exchange, conf: Settings, fqdn: string, type: T): Promise<{ records: Answers[T]; server: string }> {
    const servers = conf.servers;
    const offset = conf.rotate ? nextOffset++ % servers.length : 0;
    let lastErr: unknown = null;
    for (let attempt = 0; attempt < conf.attempts; attempt++) {
      for (let j = 0; j < servers.length; j++) {
        const server = servers[(offset + j) % servers.length]!;
        if (ex.signal.aborted) throw canceledLookup(fqdn, ex.signal.reason);
        try {
          return { records: await query(ex.channel(server), type, fqdn), server };
        } catch (err) {
          if (ex.signal.aborted) throw canceledLookup(fqdn, ex.signal.reason);
          const dnsErr = dnsError(err, fqdn, server);
          if (dnsErr.isNotFound) throw dnsErr;
          lastErr = dnsErr;
        }
      }
    }
    throw lastErr;
  }

  /** withExchange runs one lookup with its own channels, cancelled by `signal`. */
  async #withExchange<T>(signal: AbortSignal | undefined, fn: (ex: Exchange) => Promise<T>, name: string): Promise<T> {
    if (signal?.aborted) throw canceledLookup(name, signal.reason);
    const ex = this.#exchange(await this.#settings(), signal);
    try {
      return await withSignal(fn(ex), name, signal);
    } finally {
      ex.done();
    }
  }

  /** exchange starts one lookup's set of channels, with the timeout of `conf`. */
  #exchange(conf: Settings, signal: AbortSignal | undefined): Exchange {
    return new Exchange(conf.timeout, this.#pool, signal);
  }

  /** settings gives resolv.conf's configuration with this Resolver's options applied. */
  async #settings(): Promise<Settings> {
    const conf = await resolvConf.get();
    return {
      ...conf,
      servers: this.#servers ?? conf.servers,
      timeout: this.#timeout ?? conf.timeout,
      attempts: this.#attempts ?? conf.attempts,
    };
  }
}

/** Where the next rotated query starts (resolv.conf's `rotate`). */
let nextOffset = 0;

/** renamed gives a lookup's final error under the name the caller asked for, as Go reports it. */
function renamed(err: unknown, name: string): unknown {
  if (!(err instanceof DNSError) || err.dnsName === name) return err;
  return new DNSError({
    err: err.err, name, server: err.server, isTimeout: err.isTimeout, isTemporary: err.isTemporary,
    isNotFound: err.isNotFound, cause: err.cause,
  });
}

/** defaultResolver is the Resolver of `dial`, `listen`, `resolve*Addr` and the `lookup*` functions: the system's. */
export const defaultResolver = new Resolver();

/** lookupHost gives a host's addresses through the default resolver (Go's `net.LookupHost`). */
export function lookupHost(host: string, opts?: LookupOptions): Promise<string[]> {
  return defaultResolver.lookupHost(host, opts);
}

/** lookupIP gives a host's IPv4 and IPv6 addresses through the default resolver (Go's `net.LookupIP`). */
export function lookupIP(host: string, opts?: LookupOptions): Promise<IP[]> {
  return defaultResolver.lookupIP("ip", host, opts);
}

/** lookupCNAME gives a host's canonical name through the default resolver (Go's `net.LookupCNAME`). */
export function lookupCNAME(host: string, opts?: LookupOptions): Promise<string> {
  return defaultResolver.lookupCNAME(host, opts);
}

/** lookupSRV gives SRV records through the default resolver (Go's `net.LookupSRV`). */
export function lookupSRV(service: string, proto: string, name: string, opts?: LookupOptions): Promise<{ cname: string; addrs: SRV[] }> {
  return defaultResolver.lookupSRV(service, proto, name, opts);
}

/** lookupMX gives MX records through the default resolver (Go's `net.LookupMX`). */
export function lookupMX(name: string, opts?: LookupOptions): Promise<MX[]> {
  return defaultResolver.lookupMX(name, opts);
}

/** lookupNS gives NS records through the default resolver (Go's `net.LookupNS`). */
export function lookupNS(name: string, opts?: LookupOptions): Promise<NS[]> {
  return defaultResolver.lookupNS(name, opts);
}

/** lookupTXT gives TXT records through the default resolver (Go's `net.LookupTXT`). */
export function lookupTXT(name: string, opts?: LookupOptions): Promise<string[]> {
  return defaultResolver.lookupTXT(name, opts);
}

/** lookupAddr gives an address's names through the default resolver (Go's `net.LookupAddr`). */
export function lookupAddr(addr: string, opts?: LookupOptions): Promise<string[]> {
  return defaultResolver.lookupAddr(addr, opts);
}
