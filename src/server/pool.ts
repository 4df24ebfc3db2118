/**
 * pool, the client side of {@link serve}: a pool of conns to one address for a
 * request-response protocol, with a bound on conns, FIFO waiters that honour their signals,
 * idle conns closed after a timeout, and destroy-on-error.
 */
import { invalidArg } from "../sys/args.js";
import { Sentinel, abortError } from "../poll/errors.js";
import { OpError, type Addr } from "../net/errors.js";
import type { Conn } from "../net/conn.js";
import type { Closable } from "./serve.js";

/**
 * ErrPoolClosed is the error behind an acquire on a closed pool, or one that was waiting when
 * the pool closed: "pool is closed". Test with `errorIs(err, ErrPoolClosed)`.
 */
export const ErrPoolClosed = new Sentinel("pool is closed", "ERR_SOCKIT_POOL_CLOSED");

/**
 * PoolDialer is what a pool dials with: a `Dialer`, or anything with its `dial`.
 *
 * @example
 * pool(new Dialer({ timeout: 5000 }), "unix", "/run/app.sock");
 */
export interface PoolDialer {
  dial(network: string, address: string, opts?: { signal?: AbortSignal }): Promise<Conn>;
}

/**
 * PoolOptions are the options of {@link pool}.
 *
 * @example
 * pool(dialer, "tcp", "127.0.0.1:7000", { max: 8, idleTimeout: 30_000, wrap: framed(lengthField({ length: 4 })) });
 */
export interface PoolOptions<T> {
  /** The most conns open at once, idle, in use and being dialed together; default 10. */
  max?: number;
  /** Milliseconds an idle conn is kept before it is closed; absent or 0: kept until close(). */
  idleTimeout?: number;
  /** Turns each dialed conn into what acquire gives (a framed conn, say); closed with it. */
  wrap?: (conn: Conn) => T;
}

/**
 * AcquireOptions are the options of {@link Pool.acquire} and {@link Pool.use}.
 *
 * @example
 * await p.acquire({ signal: AbortSignal.timeout(1000) });
 */
export interface AcquireOptions {
  /** Aborting ends the wait for a conn (rejecting with an OpError whose cause chain holds the reason). */
  signal?: AbortSignal;
}

interface Entry<T> {
  readonly value: T;
  readonly conn: Conn;
  inUse: boolean;
  idleSince: number;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(err: unknown): void;
  cleanup(): void;
}

/** The address a pool dials, as an Addr for its errors' texts. */
function addrOf(network: string, address: string): Addr {
  return { network: () => network, toString: () => address };
}

/** Closes a pooled conn: the wrapped value first (asyncDispose, else close), then the conn; errors dropped. */
async function closeEntry<T>(e: Entry<T>): Promise<void> {
  const v = e.value as Partial<AsyncDisposable> & { close?: () => unknown };
  try {
    if ((e.value as unknown) !== e.conn) {
      if (typeof v[Symbol.asyncDispose] === "function") await v[Symbol.asyncDispose]!();
      else if (typeof v.close === "function") await v.close();
    }
  } catch {
    // Closed already.
  }
  await Promise.resolve(e.conn[Symbol.asyncDispose]()).catch(() => {});
}

/**
 * pool makes a {@link Pool} of conns that `dialer` dials to `address` on `network`, each
 * turned into what `wrap` makes of it, if given.
 *
 * @example
 * const p = pool(new Dialer({ timeout: 5000 }), "tcp", "127.0.0.1:7000", { max: 8, idleTimeout: 30_000 });
 * const reply = await p.use(async (conn) => {
 *   await conn.write(request);
 *   return readReply(conn);
 * });
 * await p.close();
 *
 * Go: none in package net; the shape is database/sql's and http.Transport's idle pools.
 */
export function pool(dialer: PoolDialer, network: string, address: string): Pool<Conn>;
export function pool<T extends Closable = Conn>(dialer: PoolDialer, network: string, address: string, opts: PoolOptions<T>): Pool<T>;
export function pool<T extends Closable = Conn>(dialer: PoolDialer, network: string, address: string, opts: PoolOptions<T> = {}): Pool<T> {
  return new Pool<T>(dialer, network, address, opts);
}

/**
 * Pool is a bounded pool of conns to one address; see {@link pool}. Idle conns are reused
 * most recently released first (so a quiet period lets the others time out), waiters are
 * served in arrival order, and a conn that failed should be given back with `destroy`, not
 * `release`.
 */
export class Pool<T = Conn> {
  readonly #dialer: PoolDialer;
  readonly #network: string;
  readonly #address: string;
  readonly #max: number;
  readonly #idleTimeout: number;
  readonly #wrap: ((conn: Conn) => T) | null;
  readonly #all = new Map<T, Entry<T>>();
  readonly #idle: Entry<T>[] = [];
  readonly #waiters: Waiter<T>[] = [];
  readonly #stop = new AbortController();
  #dialing = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed: Promise<void> | null = null;

  /** @internal Use {@link pool}. */
  constructor(dialer: PoolDialer, network: string, address: string, opts: PoolOptions<T>) {
    if (typeof dialer?.dial !== "function") throw invalidArg("dialer", "a Dialer", dialer);
    const max = opts.max ?? 10;
    if (!Number.isSafeInteger(max) || max < 1) throw invalidArg("max", "a positive integer", max);
    const idle = opts.idleTimeout ?? 0;
    if (typeof idle !== "number" || !Number.isFinite(idle) || idle < 0) throw invalidArg("idleTimeout", "a non-negative number of milliseconds", idle);
    if (opts.wrap !== undefined && typeof opts.wrap !== "function") throw invalidArg("wrap", "a function", opts.wrap);
    this.#dialer = dialer;
    this.#network = network;
    this.#address = address;
    this.#max = max;
    this.#idleTimeout = idle;
    this.#wrap = opts.wrap ?? null;
  }

  /** size is the number of conns open (idle and in use) plus those being dialed; at most `max`. */
  get size(): number {
    return this.#all.size + this.#dialing;
  }

  /** idle is the number of open conns not in use. */
  get idle(): number {
    return this.#idle.length;
  }

  /** pending is the number of acquires waiting for a conn. */
  get pending(): number {
    return this.#waiters.length;
  }

  /**
   * acquire gives a conn for the caller's sole use until `release` or `destroy`: an idle one if
   * there is one, else a new one if fewer than `max` are open, else the next one given back,
   * in the order the callers asked. A dial's failure rejects the first waiter with it. An abort
   * of `signal` rejects with "acquire NETWORK ADDRESS: operation was canceled" (its cause the
   * signal's reason); a closed pool with {@link ErrPoolClosed}.
   *
   * @example
   * const conn = await p.acquire({ signal: AbortSignal.timeout(1000) });
   * try { await conn.write(req); p.release(conn); } catch (e) { await p.destroy(conn); throw e; }
   */
  acquire(opts: AcquireOptions = {}): Promise<T> {
    const signal = opts.signal;
    if (this.#closed !== null) return Promise.reject(this.#error(ErrPoolClosed));
    if (signal?.aborted) return Promise.reject(this.#error(abortError(signal.reason)));
    const e = this.#idle.pop();
    if (e !== undefined) {
      e.inUse = true;
      return Promise.resolve(e.value);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(this.#error(abortError(signal!.reason)));
      };
      const w: Waiter<T> = { resolve, reject, cleanup: () => signal?.removeEventListener("abort", onAbort) };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(w);
      this.#fill();
    });
  }

  /**
   * release gives a conn back for reuse: to the first waiter, else to the idle conns. On a closed
   * pool it is closed instead. Releasing a conn that is not in use from this pool throws.
   */
  release(conn: T): void {
    const e = this.#all.get(conn);
    if (e === undefined || !e.inUse) throw invalidArg("conn", "a conn in use from this pool", conn);
    if (this.#closed !== null) {
      this.#all.delete(conn);
      void closeEntry(e);
      return;
    }
    this.#put(e);
  }

  /**
   * destroy closes a conn instead of giving it back (after an error, when its state is
   * unknown), which frees its place for a new dial. Resolves once it is closed.
   */
  async destroy(conn: T): Promise<void> {
    const e = this.#all.get(conn);
    if (e === undefined) return;
    this.#all.delete(conn);
    const i = this.#idle.indexOf(e);
    if (i >= 0) this.#idle.splice(i, 1);
    this.#fill();
    await closeEntry(e);
  }

  /**
   * use runs `fn` with an acquired conn and gives the conn back when it returns, or destroys it
   * when it throws (the error then passes on), and resolves with what `fn` returned.
   *
   * @example
   * const n = await p.use(async (conn) => { await conn.write(req); return conn.read(buf); });
   */
  async use<R>(fn: (conn: T) => R | Promise<R>, opts?: AcquireOptions): Promise<R> {
    const conn = await this.acquire(opts);
    let r: R;
    try {
      r = await fn(conn);
    } catch (err) {
      await this.destroy(conn);
      throw err;
    }
    if (this.#all.get(conn)?.inUse === true) this.release(conn);
    return r;
  }

  /**
   * close closes the pool: waiters reject with {@link ErrPoolClosed}, dials in progress are
   * aborted, idle conns are closed now and conns in use when they are given back. Resolves
   * once the idle conns are closed; idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stop.abort();
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      for (const w of this.#waiters.splice(0)) {
        w.cleanup();
        w.reject(this.#error(ErrPoolClosed));
      }
      const idle = this.#idle.splice(0);
      for (const e of idle) this.#all.delete(e.value);
      await Promise.all(idle.map(closeEntry));
    })();
    return this.#closed;
  }

  /** Disposal is close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Starts a dial for each waiter no dial is already on its way to, as `max` allows. */
  #fill(): void {
    while (this.#closed === null && this.#dialing < this.#waiters.length && this.size < this.#max) this.#dial();
  }

  #dial(): void {
    this.#dialing++;
    this.#dialer.dial(this.#network, this.#address, { signal: this.#stop.signal }).then(
      (conn) => {
        this.#dialing--;
        if (this.#closed !== null) return void Promise.resolve(conn[Symbol.asyncDispose]()).catch(() => {});
        let value: T;
        try {
          value = this.#wrap === null ? (conn as T) : this.#wrap(conn);
        } catch (err) {
          void Promise.resolve(conn[Symbol.asyncDispose]()).catch(() => {});
          return this.#failed(err);
        }
        const e: Entry<T> = { value, conn, inUse: true, idleSince: 0 };
        this.#all.set(value, e);
        this.#put(e);
      },
      (err: unknown) => {
        this.#dialing--;
        if (this.#closed === null) this.#failed(err);
      },
    );
  }

  /** A dial failed: the first waiter gets its error; the others keep their dials (or get new ones). */
  #failed(err: unknown): void {
    const w = this.#waiters.shift();
    if (w !== undefined) {
      w.cleanup();
      w.reject(err);
    }
    this.#fill();
  }

  /** A conn is free: to the first waiter, else idle. */
  #put(e: Entry<T>): void {
    const w = this.#waiters.shift();
    if (w !== undefined) {
      e.inUse = true;
      w.cleanup();
      w.resolve(e.value);
      return;
    }
    e.inUse = false;
    e.idleSince = performance.now();
    this.#idle.push(e);
    this.#armIdle();
  }

  /** Arms the one idle timer for the oldest idle conn (the bottom of the stack). */
  #armIdle(): void {
    if (this.#idleTimeout === 0 || this.#timer !== null || this.#idle.length === 0) return;
    const due = this.#idle[0]!.idleSince + this.#idleTimeout - performance.now();
    this.#timer = setTimeout(() => this.#sweep(), Math.max(due, 1)).unref();
  }

  #sweep(): void {
    this.#timer = null;
    const now = performance.now();
    while (this.#idle.length > 0 && this.#idle[0]!.idleSince + this.#idleTimeout <= now + 0.5) {
      const e = this.#idle.shift()!;
      this.#all.delete(e.value);
      void closeEntry(e);
    }
    this.#fill();
    this.#armIdle();
  }

  #error(err: Error): OpError {
    return new OpError("acquire", this.#network, null, addrOf(this.#network, this.#address), err);
  }
}
