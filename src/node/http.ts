/**
 * Node's HTTP over sockit: agents whose connections are sockit dials (any stream network,
 * Dialer options included), and serveHTTP, which feeds a sockit listener's conns to an
 * `http.Server` (or an `https`, `http2` or `tls` server: anything that takes 'connection'
 * events) and closes gracefully.
 */
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { Dialer, type DialerOptions } from "../net/dial.js";
import type { Conn } from "../net/conn.js";
import type { Listener } from "../net/listener.js";
import { invalidArg } from "../sys/args.js";
import { toSocket, type ConnSocket } from "./socket.js";

/** Options of {@link httpAgent} and {@link httpsAgent}: Node's agent options and a Dialer's. */
export interface AgentOptions extends http.AgentOptions {
  /** How to dial: a Dialer, or the options of one (timeout, localAddr, keepAlive, resolver, ...). */
  dialer?: Dialer | DialerOptions;
}

type Callback = (err: Error | null, socket?: Duplex) => void;

function dialerOf(opts: AgentOptions): Dialer {
  const d = opts.dialer;
  if (d instanceof Dialer) return d;
  if (d !== undefined && (d === null || typeof d !== "object")) throw invalidArg("dialer", "a Dialer or Dialer options", d);
  return new Dialer(d ?? {});
}

/** dialSocket dials for an agent and hands the socket to Node's callback. */
function dialSocket(dialer: Dialer, network: string, address: string, cb: Callback, wrap: (s: ConnSocket) => Duplex): void {
  dialer.dial(network, address).then(
    (conn: Conn) => {
      let s: Duplex;
      try {
        s = wrap(toSocket(conn));
      } catch (err) {
        void conn.close();
        return cb(err as Error);
      }
      cb(null, s);
    },
    (err: Error) => cb(err),
  );
}

/**
 * SockitAgent is an `http.Agent` whose connections are sockit dials to one address: every
 * request it carries goes there, whatever its URL's host says (the URL still gives the Host
 * header and the path). Keep-alive, socket pooling and timeouts are Node's.
 */
export class SockitAgent extends http.Agent {
  readonly #dialer: Dialer;

  constructor(
    /** The network dialed: "tcp", "unix", "unixpacket", ... (any stream network). */
    readonly network: string,
    /** The address dialed: "host:port", a unix path, "@abstract". */
    readonly address: string,
    opts: AgentOptions = {},
  ) {
    super(opts);
    this.#dialer = dialerOf(opts);
  }

  /** @internal Node's hook: dials with sockit. */
  override createConnection(_opts: object, cb: Callback): undefined {
    dialSocket(this.#dialer, this.network, this.address, cb, (s) => s);
    return undefined;
  }
}

/**
 * SockitHttpsAgent is {@link SockitAgent} for `https`: the dialed conn carries TLS (Node's
 * `tls.connect` with the request's TLS options: `servername`, `ca`, `rejectUnauthorized`, ...).
 */
export class SockitHttpsAgent extends https.Agent {
  readonly #dialer: Dialer;

  constructor(
    readonly network: string,
    readonly address: string,
    opts: AgentOptions & https.AgentOptions = {},
  ) {
    super(opts);
    this.#dialer = dialerOf(opts);
  }

  /** @internal Node's hook: dials with sockit, then starts TLS over the conn. */
  override createConnection(opts: tls.ConnectionOptions, cb: Callback): undefined {
    dialSocket(this.#dialer, this.network, this.address, cb, (socket) => {
      const servername = opts.servername ?? (opts.host !== undefined && !/^[\d.:]+$/.test(opts.host) ? opts.host : undefined);
      return tls.connect({ ...opts, socket, servername });
    });
    return undefined;
  }
}

/**
 * httpAgent gives an `http.Agent` that dials `address` on `network` with sockit.
 *
 * @example
 * const agent = httpAgent("unix", "@my-api", { keepAlive: true });
 * http.get("http://my-api/status", { agent }, (res) => res.resume());
 */
export function httpAgent(network: string, address: string, opts: AgentOptions = {}): SockitAgent {
  return new SockitAgent(network, address, opts);
}

/** httpsAgent gives an `https.Agent` that dials `address` on `network` with sockit, then speaks TLS. */
export function httpsAgent(network: string, address: string, opts: AgentOptions & https.AgentOptions = {}): SockitHttpsAgent {
  return new SockitHttpsAgent(network, address, opts);
}

/** A server that takes connections as 'connection' events: http, https, http2, tls, net. */
interface ConnectionServer {
  emit(event: "connection", socket: Duplex): boolean;
  emit(event: string, ...args: unknown[]): boolean;
  closeIdleConnections?(): void;
}

/** Options of {@link serveHTTP}. */
export interface ServeHTTPOptions {
  /** Aborting closes as {@link HTTPService.close} does. */
  signal?: AbortSignal;
}

/** HTTPService is a running {@link serveHTTP}. */
export interface HTTPService {
  /**
   * close stops accepting (the listener is closed), closes idle keep-alive conns, lets
   * requests in flight finish, and resolves once every conn is closed; after `timeout` ms
   * (default: wait as long as it takes) the conns still open are destroyed.
   */
  close(opts?: { timeout?: number }): Promise<void>;
  /** The conns being served, as sockets. */
  connections(): ConnSocket[];
  /** Settles when the accept loop ends: after close, or with the listener's error. */
  readonly done: Promise<void>;
}

/** Servers whose connection tracking has been started (Node starts it on 'listening'). */
const tracking = new WeakSet<object>();

/**
 * serveHTTP accepts conns from a sockit listener and hands each, as a {@link ConnSocket}, to
 * `server` (Node's `http.createServer()`, `https.createServer()`, `http2.createServer()` or
 * `createSecureServer()`, a `tls.Server`), which must not be listening itself. The server's
 * timeouts (`headersTimeout`, `requestTimeout`, `keepAliveTimeout`, `timeout`) apply as they do
 * on its own sockets. The listener belongs to the service: close() closes it.
 *
 * @example
 * const ln = await listen("unix", "@my-api");
 * const svc = serveHTTP(ln, http.createServer((req, res) => res.end("hi\n")));
 * // ... later
 * await svc.close();
 */
export function serveHTTP(listener: Listener, server: ConnectionServer, opts: ServeHTTPOptions = {}): HTTPService {
  if (typeof server?.emit !== "function") throw invalidArg("server", "an http, https, http2 or tls server", server);
  const sockets = new Set<ConnSocket>();
  // A server that never listen()ed has not started its connection tracking, which
  // headersTimeout, requestTimeout and closeIdleConnections need; 'listening' starts it.
  if (!tracking.has(server)) {
    tracking.add(server);
    server.emit("listening");
  }
  let closing: Promise<void> | null = null;
  const done = (async () => {
    try {
      for await (const conn of listener) {
        const s = toSocket(conn);
        sockets.add(s);
        s.once("close", () => sockets.delete(s));
        server.emit("connection", s);
      }
    } finally {
      await listener.close().catch(() => {});
    }
  })();
  const close = (o: { timeout?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      await listener.close().catch(() => {});
      await done.catch(() => {});
      // Conns busy now go idle later: close idle ones until none is left (as Go's Shutdown polls).
      server.closeIdleConnections?.();
      const poll = setInterval(() => server.closeIdleConnections?.(), 50);
      const open = [...sockets].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once("close", () => resolve()))));
      const all = Promise.all(open).then(() => clearInterval(poll));
      if (o.timeout === undefined) return all;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
          resolve();
        }, o.timeout);
      });
      await Promise.race([all, late]);
      clearTimeout(timer);
      await all;
    })();
    return closing;
  };
  opts.signal?.addEventListener("abort", () => void close(), { once: true });
  return { close, connections: () => [...sockets], done };
}
