/**
 * serve, the shape of Go's http.Server for raw conns: an accept loop that pauses at a
 * connection limit and backs off on temporary accept errors, one task per conn, connection
 * states, read/write/idle timeouts, and a graceful shutdown that closes idle conns at once and
 * the rest after a timeout (Go 1.19 net/http/server.go: Serve, Shutdown, Close, ConnState).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { errorIs } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { ErrClosed } from "../poll/errors.js";
import { debug } from "../poll/diag.js";
import type { Conn } from "../net/conn.js";
import type { Listener } from "../net/listener.js";
import type { Addr } from "../net/errors.js";
import { ServerConn, type ConnOwner, type ConnState } from "./conn.js";

/** The first and longest pauses after a temporary accept error (Go's http.Server: 5 ms to 1 s). */
const backoffMin = 5;
const backoffMax = 1000;

/**
 * Closable is what a `wrap` function may make of a conn: anything the server can close when
 * the handler is done, through `Symbol.asyncDispose` (preferred) or `close()`.
 *
 * @example
 * serve(ln, (sc) => ({ sc, close: () => sc.close() }), async (w) => { ... });
 */
export type Closable = { close(): unknown } | AsyncDisposable;

/**
 * Handler serves one conn, as its own task: `conn` is the {@link ServerConn} or what `wrap`
 * made of it, `sc` the ServerConn either way. When it returns (or throws) the conn is closed;
 * a throw is reported to `onError`, never an unhandled rejection.
 *
 * @example
 * const handler: Handler<ServerConn> = async (conn) => { await conn.write(hello); };
 *
 * Go: `http.Handler`'s ServeHTTP, per conn instead of per request.
 */
export type Handler<T> = (conn: T, sc: ServerConn) => unknown;

/**
 * ServeOptions are the options of {@link serve}, the fields of Go's http.Server that apply to
 * raw conns; durations are milliseconds, 0 or absent for none.
 *
 * @example
 * serve(ln, handler, { maxConns: 10_000, idleTimeout: 30_000, readTimeout: 5_000 });
 */
export interface ServeOptions<T = ServerConn> {
  /**
   * The most conns served at once; absent or 0: no limit. At the limit the server stops
   * accepting (the kernel's backlog holds new clients) until a conn has closed; it never
   * accepts and drops. A conn counts until its handler has returned and it is closed.
   */
  maxConns?: number;
  /**
   * The read deadline of each read that is not an idle wait: every such read must complete
   * within readTimeout of its start, or reject with "i/o timeout". Also the idle limit when
   * `idleTimeout` is absent (Go's rule).
   */
  readTimeout?: number;
  /** The write deadline of each write: each must complete within writeTimeout of its start. */
  writeTimeout?: number;
  /**
   * The longest a conn may stay idle (waiting in a read with nothing left to answer; see
   * {@link ConnState}); then it is closed. Absent: `readTimeout`, if given.
   */
  idleTimeout?: number;
  /** Called on each change of a conn's state; a throw is logged under NODE_DEBUG=sockit and ignored. */
  onState?: (conn: ServerConn, state: ConnState) => void;
  /**
   * Called with each error a handler throws (or rejects with), with its conn, and each accept
   * error, with null. Absent: they are logged under NODE_DEBUG=sockit (library code writes no
   * console output). Either way they are counted in {@link Server.stats}. A handler's error
   * after the server itself closed its conn (shutdown, close, idle timeout) is expected and
   * not reported.
   */
  onError?: (err: unknown, conn: ServerConn | null) => void;
  /** Aborting shuts the server down as `shutdown()` does (no timeout). */
  signal?: AbortSignal;
}

/**
 * ServeStats are the counters of a {@link Server}, as `stats()` returns them.
 *
 * @example
 * srv.stats(); // { accepted: 12, open: 3, handlerErrors: 0, acceptRetries: 0, idleClosed: 2 }
 *
 * Go: none (http.Server keeps no counters).
 */
export interface ServeStats {
  /** Conns accepted so far. */
  accepted: number;
  /** Conns being served now (the number `maxConns` limits). */
  open: number;
  /** Handlers that threw or rejected (those reported to onError). */
  handlerErrors: number;
  /** Temporary accept errors retried after a pause. */
  acceptRetries: number;
  /** Conns the idle timeout closed. */
  idleClosed: number;
}

/**
 * ShutdownOptions are the options of {@link Server.shutdown}: when to stop waiting for busy
 * conns and close them. Neither given: wait as long as it takes.
 *
 * @example
 * await srv.shutdown({ timeout: 10_000, signal: AbortSignal.timeout(15_000) });
 *
 * Go: Shutdown's context.
 */
export interface ShutdownOptions {
  /** After this many ms the conns still open are closed; absent: wait as long as it takes. */
  timeout?: number;
  /** Aborting closes the conns still open at once, as the timeout would. */
  signal?: AbortSignal;
}

/**
 * serve accepts conns from `listener` and runs `handler` on each, as its own task, until
 * `shutdown()` or `close()`; see docs/server.md. The listener belongs to the server: shutdown
 * and close close it. With `wrap`, the handler is given `wrap(sc)` (a framed conn, say)
 * instead of the ServerConn; the server closes that (`Symbol.asyncDispose`, else `close()`)
 * and the conn when the handler is done.
 *
 * @example
 * const ln = await listen("tcp", "127.0.0.1:0");
 * const srv = serve(ln, async (conn) => {
 *   const buf = new Uint8Array(4096);
 *   for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) await conn.write(buf.subarray(0, n));
 * }, { maxConns: 10_000, idleTimeout: 30_000, readTimeout: 5_000 });
 * process.once("SIGTERM", () => void srv.shutdown({ timeout: 10_000 }));
 *
 * Go: `(&http.Server{...}).Serve(ln)` for raw conns. A temporary accept error is retried after
 * 5 ms doubling to 1 s, as Go's; a closed listener ends the loop cleanly; another accept error
 * ends it with that error in `done`.
 */
export function serve(listener: Listener, handler: Handler<ServerConn>, opts?: ServeOptions): Server<ServerConn>;
export function serve<T extends Closable>(listener: Listener, wrap: (sc: ServerConn) => T, handler: Handler<T>, opts?: ServeOptions<T>): Server<T>;
export function serve<T extends Closable>(
  listener: Listener,
  a: Handler<ServerConn> | ((sc: ServerConn) => T),
  b?: Handler<T> | ServeOptions,
  c?: ServeOptions<T>,
): Server<T> | Server<ServerConn> {
  if (typeof b === "function") return new Server<T>(listener, a as (sc: ServerConn) => T, b, c ?? {});
  return new Server<ServerConn>(listener, null, a as Handler<ServerConn>, b ?? {});
}

/** duration checks a timeout option: a finite number of milliseconds, 0 for none. */
function duration(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw invalidArg(name, "a non-negative number of milliseconds", v);
  return v;
}

/** isTemporary: an accept error worth retrying (EMFILE, ENFILE, ...: Go's `ne.Temporary()`), but not a listener deadline. */
function isTemporary(err: unknown): boolean {
  const e = err as { temporary?: () => boolean; timeout?: () => boolean };
  return typeof e?.temporary === "function" && e.temporary() && !(typeof e.timeout === "function" && e.timeout());
}

/** close of a handler's conn: `Symbol.asyncDispose` if it has one, else `close()`; errors are dropped. */
async function dispose(v: unknown): Promise<void> {
  const d = v as Partial<AsyncDisposable> & { close?: () => unknown };
  try {
    if (typeof d[Symbol.asyncDispose] === "function") await d[Symbol.asyncDispose]!();
    else if (typeof d.close === "function") await d.close();
  } catch {
    // A second close (the handler closed it already) rejects with ErrClosed: nothing to do.
  }
}

/**
 * Server is a running {@link serve}: its conns, counters, and the ways to stop it.
 *
 * Go: `http.Server` after `Serve(ln)`; `done` is Serve's return.
 */
export class Server<T = ServerConn> {
  readonly #ln: Listener;
  readonly #wrap: ((sc: ServerConn) => T) | null;
  readonly #handler: Handler<T>;
  readonly #maxConns: number;
  readonly #onState: ServeOptions<T>["onState"];
  readonly #onError: ServeOptions<T>["onError"];
  readonly #owner: ConnOwner;
  readonly #conns = new Set<ServerConn>();
  readonly #stop = new AbortController();
  readonly #stats: ServeStats = { accepted: 0, open: 0, handlerErrors: 0, acceptRetries: 0, idleClosed: 0 };
  #slot: (() => void) | null = null;
  #drained: (() => void) | null = null;
  #allDonePromise: Promise<void> | null = null;
  #loopEnded = false;
  #closing: Promise<void> | null = null;

  /**
   * done settles when the accept loop ends: it resolves after shutdown, close or a closed
   * listener, and rejects with the accept error that ended it otherwise (also reported to
   * onError; the conns being served go on until shutdown or close). A rejection nobody awaits
   * is not an unhandled rejection.
   */
  readonly done: Promise<void>;

  /** @internal Use {@link serve}. */
  constructor(listener: Listener, wrap: ((sc: ServerConn) => T) | null, handler: Handler<T>, opts: ServeOptions<T>) {
    if (typeof listener?.accept !== "function") throw invalidArg("listener", "a Listener", listener);
    if (typeof handler !== "function") throw invalidArg("handler", "a function", handler);
    const max = opts.maxConns ?? 0;
    if (!Number.isSafeInteger(max) || max < 0) throw invalidArg("maxConns", "a non-negative integer", max);
    this.#ln = listener;
    this.#wrap = wrap;
    this.#handler = handler;
    this.#maxConns = max;
    this.#onState = opts.onState;
    this.#onError = opts.onError;
    const readTimeout = duration("readTimeout", opts.readTimeout);
    const idle = duration("idleTimeout", opts.idleTimeout);
    this.#owner = {
      readTimeout,
      writeTimeout: duration("writeTimeout", opts.writeTimeout),
      idleLimit: idle > 0 ? idle : readTimeout,
      changed: (sc, state) => this.#changed(sc, state),
      idled: () => void this.#stats.idleClosed++,
    };
    this.done = this.#serve();
    this.done.catch(() => {});
    const signal = opts.signal;
    if (signal?.aborted) void this.shutdown();
    else signal?.addEventListener("abort", () => void this.shutdown(), { once: true, signal: this.#stop.signal });
  }

  /**
   * signal aborts when shutdown() or close() begins: a handler that streams without reading
   * (and so never goes idle) can watch it to finish early.
   */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** addr is the listener's address. */
  addr(): Addr {
    return this.#ln.addr();
  }

  /** connections lists the conns being served now, oldest first. */
  connections(): ServerConn[] {
    return [...this.#conns];
  }

  /** stats returns a snapshot of the server's counters; see {@link ServeStats}. */
  stats(): ServeStats {
    return { ...this.#stats, open: this.#conns.size };
  }

  /**
   * shutdown stops the server gracefully: the listener is closed, idle conns (waiting in a
   * read with nothing to answer) are closed at once and every conn that goes idle later is
   * closed then, while busy handlers finish their work; after `timeout` ms, or when `signal`
   * aborts, the conns still open are closed. Resolves once every handler has returned and every
   * conn is closed. It may be called again (with a shorter timeout, say): each call's timeout
   * and signal apply, and all resolve together.
   *
   * @example
   * process.once("SIGTERM", () => void srv.shutdown({ timeout: 10_000 }));
   *
   * Go: Shutdown, which polls for idle conns (1 ms doubling to 500 ms); here a conn is closed
   * the moment it goes idle. Go's Shutdown returns at its context's end and leaves the busy
   * conns open (Close would close them); this closes them and waits for their handlers.
   */
  shutdown(opts: ShutdownOptions = {}): Promise<void> {
    const timeout = duration("timeout", opts.timeout);
    const signal = opts.signal;
    if (!this.#stop.signal.aborted) {
      this.#beginStop();
      for (const sc of this.#conns) if (sc.waitingIdle) sc.closeByServer();
    }
    const force = (): void => {
      for (const sc of this.#conns) sc.closeByServer();
    };
    const timer = timeout > 0 ? setTimeout(force, timeout) : null;
    if (signal?.aborted) force();
    else signal?.addEventListener("abort", force, { once: true });
    return this.#allDone().finally(() => {
      if (timer !== null) clearTimeout(timer);
      signal?.removeEventListener("abort", force);
    });
  }

  /**
   * close stops the server at once: the listener and every conn are closed. Resolves once every
   * handler has returned. Go: Close.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#beginStop();
      for (const sc of this.#conns) sc.closeByServer();
      await this.#allDone();
    })();
    return this.#closing;
  }

  /** Disposal is close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Stops accepting: the stop signal aborts, the listener closes, a wait for a free slot ends. */
  #beginStop(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#ln.close().catch(() => {});
    this.#wakeSlot();
  }

  /** Resolves once the accept loop has ended and no conn is left. */
  #allDone(): Promise<void> {
    this.#allDonePromise ??= (async () => {
      await this.done.catch(() => {});
      if (this.#conns.size === 0) return;
      await new Promise<void>((resolve) => (this.#drained = resolve));
    })();
    return this.#allDonePromise;
  }

  /** The accept loop (Go's Serve). */
  async #serve(): Promise<void> {
    let pause = 0;
    try {
      while (!this.#stop.signal.aborted) {
        if (this.#maxConns > 0 && this.#conns.size >= this.#maxConns) {
          await new Promise<void>((resolve) => (this.#slot = resolve));
          continue;
        }
        let conn: Conn;
        try {
          conn = await this.#ln.accept();
        } catch (err) {
          if (this.#stop.signal.aborted || errorIs(err, ErrClosed)) return;
          if (!isTemporary(err)) throw err;
          pause = pause === 0 ? backoffMin : Math.min(pause * 2, backoffMax);
          this.#stats.acceptRetries++;
          this.#report(err, null, `serve: accept error: ${(err as Error).message}; retrying in ${pause} ms`);
          try {
            await sleep(pause, undefined, { signal: this.#stop.signal });
          } catch {
            return; // Only a stop ends the pause early.
          }
          continue;
        }
        pause = 0;
        if (this.#stop.signal.aborted) {
          await Promise.resolve(conn[Symbol.asyncDispose]()).catch(() => {});
          return;
        }
        this.#start(conn);
      }
    } catch (err) {
      this.#report(err, null, `serve: accept loop ended: ${(err as Error)?.message}`);
      throw err;
    } finally {
      this.#loopEnded = true;
      await this.#ln.close().catch(() => {});
    }
  }

  #start(conn: Conn): void {
    const sc = new ServerConn(conn, this.#owner);
    this.#conns.add(sc);
    this.#stats.accepted++;
    this.#changed(sc, "new");
    void this.#run(sc);
  }

  /** One conn's task: the handler, then close, then "closed". Never rejects. */
  async #run(sc: ServerConn): Promise<void> {
    let value: T | undefined;
    try {
      value = this.#wrap === null ? (sc as T) : this.#wrap(sc);
      await this.#handler(value, sc);
    } catch (err) {
      if (!sc.closedByServer) {
        this.#stats.handlerErrors++;
        this.#report(err, sc, `serve: handler for ${String(sc.remoteAddr())}: ${(err as Error)?.message}`);
      }
    }
    if (value !== undefined && (value as unknown) !== sc) await dispose(value);
    await Promise.resolve(sc[Symbol.asyncDispose]()).catch(() => {});
    sc.finished();
    this.#conns.delete(sc);
    this.#changed(sc, "closed");
    this.#wakeSlot();
    if (this.#conns.size === 0 && this.#loopEnded) this.#drained?.();
  }

  #changed(sc: ServerConn, state: ConnState): void {
    if (state === "idle" && this.#stop.signal.aborted) {
      // Shutting down: a conn that goes idle is closed, once its read has had the chance to
      // take bytes already buffered (a read the kernel can satisfy resolves before setImmediate).
      setImmediate(() => {
        if (sc.waitingIdle) sc.closeByServer();
      });
    }
    const f = this.#onState;
    if (f === undefined) return;
    try {
      f(sc, state);
    } catch (err) {
      debug("serve: onState threw: %s", (err as Error)?.message);
    }
  }

  #wakeSlot(): void {
    const w = this.#slot;
    this.#slot = null;
    w?.();
  }

  #report(err: unknown, sc: ServerConn | null, line: string): void {
    const f = this.#onError;
    if (f === undefined) return debug("%s", line);
    try {
      f(err, sc);
    } catch (e) {
      debug("serve: onError threw: %s", (e as Error)?.message);
    }
  }
}
