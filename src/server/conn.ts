/**
 * ServerConn, the conn a {@link serve} handler is given: the accepted conn with every read and
 * write passing through the server's bookkeeping, which is where the connection states, the
 * read and write timeouts and the idle timeout of Go's http.Server live for a raw conn (Go
 * tracks them in its HTTP read loop, which a byte stream does not have).
 */
import { hasCallbacks, readChunks, readTo, writeFrom, type CallbackStream } from "../poll/stream.js";
import { invalidArg, isBytes } from "../sys/args.js";
import { deadlineMs, canHalfClose, type Conn, type DeadlineTime } from "../net/conn.js";
import type { Addr } from "../net/errors.js";

/**
 * ConnState is a served conn's state, Go's `http.ConnState` for a byte stream:
 * - `"new"`: just accepted; the handler is starting.
 * - `"idle"`: the handler waits in a read with nothing left to answer: no byte has been read
 *   since its last write finished (or since the accept), and no write is pending. This is
 *   "between requests" for a request-response protocol; shutdown closes such conns at once and
 *   `idleTimeout` bounds how long one may stay so.
 * - `"active"`: bytes have been read and not yet answered by a write, or a write is pending,
 *   or the handler is busy between calls.
 * - `"closed"`: the handler has returned and the conn is closed (reported once, last).
 *
 * Go: Go's conns go from new straight to active on the first request's bytes; here a conn
 * waiting for its first bytes is already idle (so Go's rule that Shutdown treats a new conn
 * over 5 s old as idle is not needed). There is no "hijacked": the handler owns its conn.
 */
export type ConnState = "new" | "active" | "idle" | "closed";

/** @internal What a ServerConn tells its server, and the server's settings it reads. */
export interface ConnOwner {
  readonly readTimeout: number;
  readonly writeTimeout: number;
  /** The longest time in state idle, 0 for none: idleTimeout, else readTimeout (Go's rule). */
  readonly idleLimit: number;
  /** Called on each change of state, "closed" excepted (the server reports that itself). */
  changed(sc: ServerConn, state: ConnState): void;
  /** Called when the idle limit closes a conn. */
  idled(): void;
}

/** promised makes one call of a callback-form read or write on all of `p` a promise. */
function promised<T>(call: (p: Uint8Array, off: number, len: number, done: (v: T) => void, fail: (err: Error) => void) => void, p: Uint8Array): Promise<T> {
  if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
  return new Promise<T>((resolve, reject) => call(p, 0, p.length, resolve, reject));
}

/**
 * ServerConn is a conn being served by {@link serve}: it reads and writes through the accepted
 * conn (`conn`), keeping its {@link ConnState} and applying the server's timeouts, and it is
 * what a `wrap` function is given, so a framed conn built on it is tracked too. Its deadline
 * setters set the caller's own deadlines; with `readTimeout` or `writeTimeout` the earlier of
 * the caller's deadline and the timeout applies to each call.
 *
 * @example
 * serve(ln, async (c) => {
 *   c.state;               // "new"
 *   c.conn;                // the TCPConn (or UnixConn) itself, for its own methods
 *   c.remoteAddr();        // as the conn's
 * });
 *
 * Go: the counterpart is http.Server's unexported `conn`, whose `rwc` is `conn` here.
 */
export class ServerConn<C extends Conn = Conn> implements Conn, Partial<CallbackStream> {
  readonly #conn: C;
  readonly #owner: ConnOwner;
  #state: ConnState = "new";
  #reading = 0;
  #writing = 0;
  /** Bytes were read and no write has finished since. */
  #unanswered = false;
  /** The caller's own deadlines (epoch ms, 0 for none), and what is set on the conn now. */
  #userRead = 0;
  #userWrite = 0;
  #setRead = 0;
  #idleSince = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  #closedByServer = false;

  /**
   * closeWrite shuts down the writing side, where the accepted conn can (TCP, unix); absent
   * otherwise, so `canHalfClose(c)` answers for the conn underneath.
   */
  closeWrite?: () => Promise<void>;
  /** closeRead shuts down the reading side, where the accepted conn can; see `closeWrite`. */
  closeRead?: () => Promise<void>;

  /** @internal Made by the server for each accepted conn. */
  constructor(conn: C, owner: ConnOwner) {
    this.#conn = conn;
    this.#owner = owner;
    const wv = (conn as { writev?: (bufs: readonly Uint8Array[]) => Promise<number> }).writev;
    if (typeof wv === "function") {
      this.writev = (bufs) => {
        this.#writeStart();
        return wv.call(conn, bufs).then(this.#writeDone, this.#writeFailed);
      };
    }
    if (hasCallbacks(conn)) {
      // The conn's callback forms, so that a framed conn on this one, and this one's own read
      // and write, make one promise per call rather than one per layer.
      this[readTo] = (p, off, len, done, fail) => {
        this.#readStart();
        conn[readTo](p, off, len, (n) => done(this.#readDone(n)), (err) => {
          this.#reading--;
          fail(err);
        });
      };
      this[writeFrom] = (p, off, len, done, fail) => {
        this.#writeStart();
        conn[writeFrom](p, off, len, (n) => done(this.#writeDone(n)), (err) => {
          this.#writeEnd();
          fail(err);
        });
      };
    }
    if (canHalfClose(conn)) {
      this.closeWrite = () => conn.closeWrite();
      this.closeRead = () => conn.closeRead();
    }
  }

  /** conn is the accepted conn itself (a TCPConn, UnixConn, ...), for what only it has. */
  get conn(): C {
    return this.#conn;
  }

  /** state is the conn's {@link ConnState} now. */
  get state(): ConnState {
    return this.#state;
  }

  /** closedByServer says whether shutdown, close or the idle timeout closed the conn. */
  get closedByServer(): boolean {
    return this.#closedByServer;
  }

  /**
   * read reads as the accepted conn's read does (a count, or null at end of stream). With
   * nothing left to answer it is an idle wait (state "idle", bounded by the idle timeout, no
   * read deadline but the caller's); otherwise the read deadline is now + `readTimeout` (or
   * the caller's deadline, if earlier), and bytes read make the conn "active".
   */
  read(p: Uint8Array): Promise<number | null> {
    const rt = this[readTo];
    if (rt !== undefined) return promised(rt, p);
    this.#readStart();
    // then() with callbacks made once, not an async function: one promise per call, no more.
    return this.#conn.read(p).then(this.#readDone, this.#readFailed);
  }

  /**
   * @internal The callback form of read, present where the accepted conn has one (every
   * fd-based conn): tracked as read is; see `readTo` in poll/stream.ts.
   */
  [readTo]?: CallbackStream[typeof readTo];

  /** @internal The callback form of write, tracked as write is; see {@link ServerConn.read}. */
  [writeFrom]?: CallbackStream[typeof writeFrom];

  #readStart(): void {
    this.#reading++;
    if (this.#writing === 0 && !this.#unanswered) this.#toIdle();
    else if (this.#owner.readTimeout > 0) this.#applyRead(Date.now() + this.#owner.readTimeout);
  }

  readonly #readDone = (n: number | null): number | null => {
    this.#reading--;
    if (n !== null && n > 0) {
      this.#unanswered = true;
      if (this.#state !== "active") this.#set("active");
    }
    return n;
  };

  readonly #readFailed = (err: unknown): never => {
    this.#reading--;
    throw err;
  };

  /**
   * write writes as the accepted conn's write does; the conn is "active" while it is pending,
   * and with `writeTimeout` the write deadline is now + writeTimeout (or the caller's, if
   * earlier). Once it has finished, what was read counts as answered.
   */
  write(p: Uint8Array): Promise<number> {
    const wf = this[writeFrom];
    if (wf !== undefined) return promised(wf, p);
    this.#writeStart();
    return this.#conn.write(p).then(this.#writeDone, this.#writeFailed);
  }

  /**
   * writev writes several buffers as one write (one sendmsg(2) where the kernel takes them
   * all), tracked as `write` is; present where the accepted conn has it (every socket conn).
   * Framing codecs use it for a header and a body.
   */
  writev?: (bufs: readonly Uint8Array[]) => Promise<number>;

  #writeStart(): void {
    this.#writing++;
    if (this.#state !== "active") this.#set("active");
    if (this.#owner.writeTimeout > 0) this.#applyWrite(Date.now() + this.#owner.writeTimeout);
  }

  #writeEnd(): void {
    this.#writing--;
    this.#unanswered = false;
    // A full-duplex handler may be waiting in a read already: that wait is now an idle one.
    if (this.#reading > 0 && this.#writing === 0) this.#toIdle();
  }

  readonly #writeDone = (n: number): number => {
    this.#writeEnd();
    return n;
  };

  readonly #writeFailed = (err: unknown): never => {
    this.#writeEnd();
    throw err;
  };

  /**
   * chunks iterates the bytes that arrive through `read`, in chunks of up to 64 KiB, until end
   * of stream or close.
   */
  chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    return readChunks((p) => this.read(p), () => this.#closedByServer);
  }

  /** close closes the accepted conn (a second close rejects with ErrClosed, as the conn's). */
  close(): Promise<void> {
    this.#stopIdleTimer();
    return this.#conn.close();
  }

  /** Idempotent close, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.#stopIdleTimer();
    return Promise.resolve(this.#conn[Symbol.asyncDispose]());
  }

  /** localAddr returns the accepted conn's local address. */
  localAddr(): Addr | null {
    return this.#conn.localAddr();
  }

  /** remoteAddr returns the accepted conn's remote address. */
  remoteAddr(): Addr | null {
    return this.#conn.remoteAddr();
  }

  /** setDeadline sets the caller's read and write deadlines; see the class comment. */
  setDeadline(t: DeadlineTime): void {
    this.setReadDeadline(t);
    this.setWriteDeadline(t);
  }

  /** setReadDeadline sets the caller's read deadline; a timeout may apply an earlier one. */
  setReadDeadline(t: DeadlineTime): void {
    const ms = deadlineMs(t);
    this.#conn.setReadDeadline(ms === 0 ? null : ms);
    this.#userRead = this.#setRead = ms;
  }

  /** setWriteDeadline sets the caller's write deadline; a timeout may apply an earlier one. */
  setWriteDeadline(t: DeadlineTime): void {
    const ms = deadlineMs(t);
    this.#conn.setWriteDeadline(ms === 0 ? null : ms);
    this.#userWrite = ms;
  }

  /** @internal Closes the conn on the server's behalf (shutdown, close, idle timeout). */
  closeByServer(): void {
    this.#closedByServer = true;
    this.#stopIdleTimer();
    Promise.resolve(this.#conn[Symbol.asyncDispose]()).catch(() => {});
  }

  /** @internal The server's last word: the handler has returned and the conn is closed. */
  finished(): void {
    this.#stopIdleTimer();
    this.#state = "closed";
  }

  /** @internal Whether the conn waits for its peer with nothing to answer (see ConnState). */
  get waitingIdle(): boolean {
    return this.#state === "idle" && this.#reading > 0 && !this.#closedByServer;
  }

  #set(state: ConnState): void {
    this.#state = state;
    this.#owner.changed(this, state);
  }

  /** Enters an idle wait: the caller's read deadline only, and the idle clock started. */
  #toIdle(): void {
    if (this.#setRead !== this.#userRead) this.#applyRead(0);
    const limit = this.#owner.idleLimit;
    if (limit > 0) {
      this.#idleSince = performance.now();
      // One timer per conn, re-armed lazily: it checks on firing whether the conn has stayed
      // idle the whole time, so a busy conn costs no clearTimeout/setTimeout per request.
      this.#idleTimer ??= setTimeout(() => this.#idleCheck(), limit).unref();
    }
    if (this.#state !== "idle") this.#set("idle");
  }

  #idleCheck(): void {
    this.#idleTimer = null;
    if (this.#state !== "idle" || this.#reading === 0 || this.#closedByServer) return;
    const left = this.#idleSince + this.#owner.idleLimit - performance.now();
    if (left > 0.5) this.#idleTimer = setTimeout(() => this.#idleCheck(), left).unref();
    else {
      this.#owner.idled();
      this.closeByServer();
    }
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  /** Sets the read deadline to the earlier of `at` (0: none) and the caller's own. */
  #applyRead(at: number): void {
    const u = this.#userRead;
    const ms = at === 0 ? u : u === 0 ? at : Math.min(at, u);
    this.#setRead = ms;
    this.#conn.setReadDeadline(ms === 0 ? null : ms);
  }

  #applyWrite(at: number): void {
    const u = this.#userWrite;
    this.#conn.setWriteDeadline(u === 0 ? at : Math.min(at, u));
  }
}
