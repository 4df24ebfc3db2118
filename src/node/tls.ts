/**
 * TLS over any sockit stream conn, with sockit's conn API: Go's `tls.Client(conn, config)` and
 * `tls.Server(conn, config)` shape over Node's `tls` (OpenSSL does the protocol). What this
 * adds to a `TLSSocket` is the Conn contract: `read` into a caller's buffer with `null` at the
 * end, `write` that resolves once the bytes are handed down, Go's three deadlines, `closeWrite`
 * (close_notify, reading on), and `close`, which sends close_notify before the conn goes.
 */
import tls from "node:tls";
import { ErrClosed, ErrDeadlineExceeded, abortError } from "../poll/errors.js";
import { deadlineMs, readSignal, writeSignal, type DeadlineTime } from "../poll/stream.js";
import { LongTimer } from "../poll/deadline.js";
import { OpError, type Addr } from "../net/errors.js";
import type { Conn } from "../net/conn.js";
import { invalidArg, isBytes } from "../sys/args.js";
import { toSocket } from "./socket.js";

/** What a TLS conn reports about its session (Go's `tls.ConnectionState`, in Node's terms). */
export interface ConnectionState {
  /** Whether the handshake has completed. */
  handshakeComplete: boolean;
  /** "TLSv1.3", "TLSv1.2", ...; null before the handshake. */
  version: string | null;
  /** The cipher suite's OpenSSL and IANA names. */
  cipherSuite: { name: string; standardName: string } | null;
  /** The protocol ALPN chose ("h2", "http/1.1"), or null. */
  negotiatedProtocol: string | null;
  /** The server name the client asked for (SNI), or null. */
  serverName: string | null;
  /** The peer's certificate, as Node's `getPeerCertificate(true)` gives it; null when it sent none. */
  peerCertificate: tls.DetailedPeerCertificate | null;
  /** Whether the session was resumed. */
  didResume: boolean;
}

/** One direction's deadline and the calls waiting on it. */
class Direction {
  at = 0;
  readonly #timer = new LongTimer(() => this.wake()).unref();
  readonly #waiters = new Set<() => void>();

  /** passed reports whether the deadline is set and past. */
  passed(): boolean {
    return this.at !== 0 && this.at <= Date.now();
  }

  set(at: number): void {
    this.at = at;
    if (at === 0) this.#timer.stop();
    else this.#timer.start(at);
    this.wake();
  }

  /** wait resolves at the next wake: new data or state, a deadline passing or moving. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  wake(): void {
    const ws = [...this.#waiters];
    this.#waiters.clear();
    for (const w of ws) w();
  }

  stop(): void {
    this.#timer.stop();
    this.wake();
  }
}

/** Runs `call` with an abort of `signal` waking `dir`, so the call's wait loop sees the abort. */
async function wakingOnAbort<T>(dir: Direction, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  const onAbort = (): void => dir.wake();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await call();
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * TLSConn is a TLS session over a sockit conn, with the conn API (Go's `*tls.Conn`). Reads and
 * writes start the handshake if it has not finished; `handshake()` waits for it. Errors of the
 * session (a bad certificate, an alert) are Node's TLS errors as they are; a deadline, a closed
 * conn and the underlying conn's own failures are OpErrors as on any sockit conn.
 */
export class TLSConn implements Conn {
  /** Node's TLS socket under this conn, for what Node offers beyond it (sessions, key logs). */
  readonly socket: tls.TLSSocket;
  readonly #under: Conn;
  readonly #net: string;
  readonly #r = new Direction();
  readonly #w = new Direction();
  #pending: Buffer | null = null;
  #ended = false;
  #error: Error | null = null;
  #closed = false;
  #secure = false;
  #writeBroken: Error | null = null;
  readonly #handshake: Promise<void>;

  /** @internal Use {@link tlsClient} or {@link tlsServer}. */
  constructor(under: Conn, socket: tls.TLSSocket, secureEvent: "secureConnect" | "secure") {
    this.#under = under;
    this.#net = under.localAddr()?.network() ?? "tcp";
    this.socket = socket;
    this.#handshake = new Promise<void>((resolve, reject) => {
      socket.once(secureEvent, () => ((this.#secure = true), resolve()));
      socket.once("error", reject);
      socket.once("close", () => reject(this.#error ?? ErrClosed));
    });
    this.#handshake.catch(() => {});
    const wakeAll = (): void => (this.#r.wake(), this.#w.wake());
    socket.on("readable", () => this.#r.wake());
    socket.on("end", () => ((this.#ended = true), this.#r.wake()));
    socket.on("error", (err: Error) => ((this.#error ??= err), wakeAll()));
    socket.on("close", wakeAll);
  }

  #opError(op: string, err: Error): OpError {
    return new OpError(op, this.#net, this.#under.localAddr(), this.#under.remoteAddr(), err);
  }

  /**
   * handshake waits for the TLS handshake to finish (Go's `HandshakeContext`); a signal or the
   * read deadline ends the wait.
   */
  async handshake(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#secure) return;
    const signal = opts.signal;
    for (;;) {
      if (this.#closed) throw this.#opError("handshake", ErrClosed);
      if (this.#secure) return;
      if (this.#error !== null) throw this.#error;
      if (this.#r.passed()) throw this.#opError("handshake", ErrDeadlineExceeded);
      signal?.throwIfAborted();
      const wake = this.#r.wait();
      const onAbort = (): void => this.#r.wake();
      signal?.addEventListener("abort", onAbort, { once: true });
      await Promise.race([wake, this.#handshake.then(() => {}, () => {})]);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * read reads decrypted bytes into `p`: how many, or null once the peer has closed its side
   * (close_notify, or the conn's end). A passed read deadline rejects with "i/o timeout".
   */
  read(p: Uint8Array): Promise<number | null> {
    return this.#read(p, undefined);
  }

  /** @internal read, ended by an abort of `signal` while it waits (taking nothing); see `readSignal`. */
  [readSignal](p: Uint8Array, signal: AbortSignal): Promise<number | null> {
    return wakingOnAbort(this.#r, signal, () => this.#read(p, signal));
  }

  async #read(p: Uint8Array, signal: AbortSignal | undefined): Promise<number | null> {
    if (!isBytes(p)) throw invalidArg("p", "a Uint8Array", p);
    for (;;) {
      if (this.#closed) throw this.#opError("read", ErrClosed);
      const chunk = this.#pending ?? (this.socket.read() as Buffer | null);
      if (chunk !== null) {
        const n = Math.min(p.length, chunk.length);
        p.set(chunk.subarray(0, n));
        this.#pending = n < chunk.length ? chunk.subarray(n) : null;
        return n;
      }
      if (this.#error !== null) throw this.#error;
      if (this.#ended || this.socket.destroyed) return null;
      if (this.#r.passed()) throw this.#opError("read", ErrDeadlineExceeded);
      if (signal?.aborted) throw abortError(signal.reason);
      await this.#r.wait();
    }
  }

  /**
   * write encrypts and sends all of `p`, resolving with `p.length` once Node's TLS layer has
   * handed it to the conn. As in Go, a write that times out breaks the session for writing:
   * later writes fail with the same error.
   */
  write(p: Uint8Array): Promise<number> {
    return this.#write(p, undefined);
  }

  /**
   * @internal write, whose wait for Node's TLS layer to take `p` an abort of `signal` ends
   * (the bytes stay queued there); see `readSignal`.
   */
  [writeSignal](p: Uint8Array, signal: AbortSignal): Promise<number> {
    return wakingOnAbort(this.#w, signal, () => this.#write(p, signal));
  }

  async #write(p: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    if (!isBytes(p)) throw invalidArg("p", "a Uint8Array", p);
    if (this.#closed) throw this.#opError("write", ErrClosed);
    if (this.#writeBroken !== null) throw this.#writeBroken;
    if (this.#w.passed()) throw this.#opError("write", ErrDeadlineExceeded);
    let done = false;
    let failure: Error | null = null;
    this.socket.write(p, (err) => {
      done = true;
      failure = err ?? null;
      this.#w.wake();
    });
    for (;;) {
      if (done) {
        if (failure !== null) throw failure;
        return p.length;
      }
      if (this.#closed) throw this.#opError("write", ErrClosed);
      if (this.#error !== null) throw this.#error;
      if (this.#w.passed()) throw (this.#writeBroken = this.#opError("write", ErrDeadlineExceeded));
      if (signal?.aborted) throw abortError(signal.reason);
      await this.#w.wait();
    }
  }

  /** closeWrite sends close_notify and keeps reading (Go's `tls.Conn.CloseWrite`). */
  async closeWrite(): Promise<void> {
    if (this.#closed) throw this.#opError("close", ErrClosed);
    await new Promise<void>((resolve) => this.socket.end(resolve));
  }

  /**
   * close sends close_notify (when the session is up and the write side still open), then
   * closes the conn. A second close rejects with ErrClosed.
   */
  async close(): Promise<void> {
    if (this.#closed) throw this.#opError("close", ErrClosed);
    this.#closed = true;
    this.#r.stop();
    this.#w.stop();
    const s = this.socket;
    if (this.#secure && !s.destroyed && !s.writableEnded) {
      // Wait (briefly) for close_notify to reach the conn; a stuck peer cannot hold close.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000).unref();
        s.end(() => (clearTimeout(t), resolve()));
      });
    }
    await new Promise<void>((resolve) => {
      if (s.closed) return resolve();
      s.once("close", () => resolve());
      s.destroy();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closed) await this.close();
  }

  /** Iterates the decrypted bytes in chunks until the peer's end. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await this.read(buf);
      if (n === null) return;
      yield buf.slice(0, n);
    }
  }

  localAddr(): Addr | null {
    return this.#under.localAddr();
  }

  remoteAddr(): Addr | null {
    return this.#under.remoteAddr();
  }

  /** setDeadline sets the read and write deadlines (a Date, epoch ms, or null); see Conn. */
  setDeadline(t: DeadlineTime): void {
    const at = deadlineMs(t);
    this.#r.set(at);
    this.#w.set(at);
  }

  setReadDeadline(t: DeadlineTime): void {
    this.#r.set(deadlineMs(t));
  }

  setWriteDeadline(t: DeadlineTime): void {
    this.#w.set(deadlineMs(t));
  }

  /** connectionState describes the session (Go's `ConnectionState`). */
  connectionState(): ConnectionState {
    const s = this.socket;
    const cipher = this.#secure ? s.getCipher() : null;
    const peer = this.#secure ? s.getPeerCertificate(true) : null;
    const servername = (s as unknown as { servername?: string | false }).servername;
    return {
      handshakeComplete: this.#secure,
      version: this.#secure ? s.getProtocol() : null,
      cipherSuite: cipher === null ? null : { name: cipher.name, standardName: cipher.standardName },
      negotiatedProtocol: typeof s.alpnProtocol === "string" ? s.alpnProtocol : null,
      serverName: typeof servername === "string" ? servername : null,
      peerCertificate: peer !== null && Object.keys(peer).length > 0 ? peer : null,
      didResume: this.#secure && s.isSessionReused(),
    };
  }
}

/**
 * tlsClient starts a TLS client session over `conn` (Go's `tls.Client`), with Node's
 * `tls.connect` options: `servername`, `ca`, `rejectUnauthorized`, `ALPNProtocols`, `cert`,
 * `key`, ... The conn belongs to the TLS conn from then on.
 *
 * @example
 * const raw = await dial("tcp", "example.test:443");
 * const conn = tlsClient(raw, { servername: "example.test" });
 * conn.setDeadline(Date.now() + 5000);
 * await conn.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
 */
export function tlsClient(conn: Conn, options: tls.ConnectionOptions = {}): TLSConn {
  if (options === null || typeof options !== "object") throw invalidArg("options", "tls.connect options", options);
  const socket = tls.connect({ ...options, socket: toSocket(conn, { allowHalfOpen: true }) });
  return new TLSConn(conn, socket, "secureConnect");
}

/**
 * tlsServer starts a TLS server session over an accepted `conn` (Go's `tls.Server`), with
 * Node's `tls.createSecureContext` and server options: `key`, `cert`, `ca`, `requestCert`,
 * `ALPNProtocols`, `SNICallback`, ...
 *
 * @example
 * for await (const raw of ln) {
 *   const conn = tlsServer(raw, { key, cert });
 *   void echo(conn);
 * }
 */
export function tlsServer(conn: Conn, options: tls.TlsOptions = {}): TLSConn {
  if (options === null || typeof options !== "object") throw invalidArg("options", "tls server options", options);
  const secureContext = options.secureContext ?? tls.createSecureContext(options);
  const socket = new tls.TLSSocket(toSocket(conn, { allowHalfOpen: true }), { ...options, isServer: true, secureContext });
  return new TLSConn(conn, socket, "secure");
}
