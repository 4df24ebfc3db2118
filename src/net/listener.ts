/**
 * The behaviour every stream listener shares (Go's TCPListener and UnixListener bodies):
 * accept, close, address, deadline, async iteration and disposal.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { FDOwner } from "../poll/owner.js";
import { channels, debug, type AcceptMessage } from "../poll/diag.js";
import { OpError, type Addr } from "./errors.js";
import type { NetFD } from "./fd_posix.js";
import type { File } from "../ipc/file.js";
import { deadlineMs, type Conn, type DeadlineTime } from "./conn.js";

/** The first and longest waits before iteration retries a temporary accept error (Go's http.Server). */
const backoffMin = 5;
const backoffMax = 1000;

/**
 * AcceptOptions are the options of `accept` and `iterate`.
 *
 * @example
 * const conn = await ln.accept({ signal: AbortSignal.timeout(5000) });
 *
 * Go: Accept takes no context; a Go server ends a waiting Accept by closing the listener from
 * another goroutine, which `signal` does for one call (or one iteration) without closing it.
 */
export interface AcceptOptions {
  /**
   * Ends a pending accept (rejecting with an OpError whose cause is the signal's reason, as
   * `errorIs(err, signal.reason)` shows) or an iteration (which then just ends). The listener
   * stays open and other accepts on it go on.
   */
  signal?: AbortSignal;
}

/** Listener is a generic network listener for stream protocols, Go's `net.Listener`. */
export interface Listener<C extends Conn = Conn> extends AsyncIterable<C>, AsyncDisposable {
  accept(opts?: AcceptOptions): Promise<C>;
  close(): Promise<void>;
  addr(): Addr;
}

/** SocketListener is the implementation stream listeners share. Use TCPListener or UnixListener. */
export abstract class SocketListener<C extends Conn> extends FDOwner implements Listener<C> {
  /** @internal */
  protected readonly nfd: NetFD;

  /** @internal */
  constructor(fd: NetFD) {
    super(fd.pfd);
    this.nfd = fd;
    fd.pfd.facts = fd; // For activeHandles() and sockit:close, as SocketConn's.
  }

  /** @internal Wraps an accepted NetFD in this listener's conn type. */
  protected abstract newConn(fd: NetFD): C;

  /** @internal Runs once when the listener closes, after its fd is closed. */
  protected onClose(): void {}

  /** @internal Closes the socket, then runs the listener's own cleanup (unix: unlink). */
  protected teardown(): void {
    this.nfd.close();
    this.onClose();
  }

  /** @internal "close tcp 127.0.0.1:PORT: use of closed network connection". */
  protected closeError(err: Error): Error {
    return new OpError("close", this.nfd.net, null, this.nfd.laddr, err);
  }

  /** @internal "raw-control tcp 127.0.0.1:PORT: ...", as Go's rawListener wraps. */
  protected override rawError(op: string, err: Error): Error {
    return new OpError(op, this.nfd.net, null, this.nfd.laddr, err);
  }

  /**
   * accept waits for the next connection. A listener deadline applies; a close rejects a
   * pending accept with ErrClosed. An abort of `signal` rejects this accept alone, with an
   * OpError wrapping Go's "operation was canceled" ("i/o timeout" for `AbortSignal.timeout`),
   * whose cause is the signal's reason; the listener stays open and other pending accepts
   * keep their place. An already aborted signal rejects at once.
   *
   * @example
   * const conn = await ln.accept();
   * const ac = new AbortController();
   * setTimeout(() => ac.abort(), 1000);
   * try { await ln.accept({ signal: ac.signal }); }
   * catch (e) { errorIs(e, ac.signal.reason); } // true: "accept tcp 127.0.0.1:5000: operation was canceled"
   *
   * Each conn accepted is published on the `sockit:accept` diagnostics channel.
   *
   * Go: Accept takes no context; `signal` does what closing the listener would, for one call.
   */
  async accept(opts?: AcceptOptions): Promise<C> {
    const signal = opts?.signal;
    let conn: C;
    try {
      conn = this.newConn(await this.nfd.accept(signal));
    } catch (err) {
      throw new OpError("accept", this.nfd.net, null, this.nfd.laddr, err as Error);
    }
    if (channels.accept.hasSubscribers) channels.accept.publish({ listener: this, conn } satisfies AcceptMessage);
    return conn;
  }

  /**
   * file returns a File owning a dup of the listening socket, Go's `File`, named as Go names
   * it ("tcp:127.0.0.1:5000->"); `fileListener` turns it back into a listener (in another
   * process, say, after passing its `fd()` on). Closing either leaves the other open.
   */
  file(): File {
    try {
      return this.nfd.dup();
    } catch (err) {
      throw new OpError("file", this.nfd.net, null, this.nfd.laddr, err as Error);
    }
  }

  /** addr returns the listener's network address. */
  addr(): Addr {
    return this.nfd.laddr!;
  }

  /**
   * setDeadline sets the deadline of accept: a point in time (a Date or epoch milliseconds, as
   * `Date.now() + 5000`), never a duration; null for none. `setDeadline(5000)` means 1970:
   * accept then fails at once with "i/o timeout".
   */
  setDeadline(t: DeadlineTime): void {
    const ms = deadlineMs(t);
    try {
      this.nfd.pfd.setDeadline("r", ms);
    } catch (err) {
      throw new OpError("set", this.nfd.net, null, this.nfd.laddr, err as Error);
    }
  }

  /**
   * iterate yields accepted conns until the listener is closed or `signal` aborts; either ends
   * the iteration cleanly, and an abort leaves the listener open (a later iteration or accept
   * goes on where this one stopped). A temporary accept error (EMFILE, ENFILE, ECONNRESET ...)
   * does not end the iteration: it is reported through `NODE_DEBUG=sockit` and retried after a
   * pause, 5 ms doubling to 1 s, as Go's http.Server does, so a server outlives a burst of fd
   * exhaustion; an abort ends the pause too. A passed deadline and permanent errors reject;
   * `accept()` itself rejects on every error, as Go's Accept does.
   *
   * @example
   * const ac = new AbortController();
   * process.once("SIGTERM", () => ac.abort());
   * for await (const conn of ln.iterate({ signal: ac.signal })) void serve(conn);
   * // Stopped taking conns; ln is still open.
   */
  async *iterate(opts?: AcceptOptions): AsyncGenerator<C, void, undefined> {
    const signal = opts?.signal;
    const acceptOpts = signal === undefined ? undefined : { signal };
    const aborted = (): boolean => signal?.aborted === true;
    let pause = 0;
    for (;;) {
      if (aborted()) return;
      let conn: C;
      try {
        conn = await this.accept(acceptOpts);
      } catch (err) {
        if (this.pfd.closed || aborted()) return;
        if (!(err instanceof OpError) || !err.temporary() || err.timeout()) throw err;
        pause = pause === 0 ? backoffMin : Math.min(pause * 2, backoffMax);
        debug("%s; retrying in %d ms", err.message, pause);
        try {
          await sleep(pause, undefined, signal === undefined ? undefined : { signal });
        } catch {
          return; // Only an abort ends the pause early.
        }
        continue;
      }
      pause = 0;
      yield conn;
    }
  }

  /**
   * Symbol.asyncIterator iterates accepted conns until the listener is closed: `iterate()`
   * without a signal.
   *
   * @example
   * for await (const conn of ln) void serve(conn);
   */
  [Symbol.asyncIterator](): AsyncGenerator<C, void, undefined> {
    return this.iterate();
  }
}
