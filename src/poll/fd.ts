/**
 * FD, the one object that owns a file descriptor (Go's `internal/poll.FD`).
 *
 * Every operation tries its syscall first and waits for readiness only on EAGAIN, then retries:
 * a read or write the kernel can satisfy now completes inside one native call. Readiness comes
 * from one libuv `uv_poll_t` per fd, opened on the first wait and left armed while waiters come
 * and go, because re-arming it on every wait costs an epoll_ctl per round trip (DESIGN.md).
 *
 * Lifetime: JavaScript runs one call at a time, so no syscall is ever running when `close()`
 * runs. Every operation re-checks `#closing` after each `await`, before touching the fd again;
 * that makes it safe to close the fd at once, which is what Go's reference count guarantees
 * with threads.
 */
import { binding, type PollHandle } from "../sys/binding.js";
import { E, Errno } from "../sys/errors.js";
import { ErrClosed, ErrDeadlineExceeded } from "./errors.js";
import { Deadline } from "./deadline.js";
import { FifoLock } from "./lock.js";

/** Read and write directions, used as indexes. */
const R = 0;
const W = 1;
type Dir = typeof R | typeof W;

/** Go's `maxRW`: stream reads and writes are capped at 1 GiB per syscall. */
const maxRW = 1 << 30;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** What turns a read's poll-layer error into the caller's error (a conn's OpError wrapping). */
export interface ReadErrorMapper {
  mapReadError(err: Error): Error;
}

/**
 * What a message read (recvmsg) needs beyond a plain read: the control buffer and flags, where
 * the binding leaves the sender, and how the caller's result is made. `decode` runs while the
 * read lock is held, because the next reader in line reuses `from` and `info`.
 */
export interface MsgReader<T> extends ReadErrorMapper {
  readonly oob: Uint8Array | null;
  readonly flags: number;
  readonly from: Uint8Array;
  readonly info: Int32Array;
  /** The result for `n` bytes received into `p`. */
  decode(p: Uint8Array, n: number): T;
  /** The result at end of stream (stream and seqpacket sockets). */
  eof(): T;
}

/** A read in progress: its buffer, its promise's settlers and the caller's error wrapping. */
interface ReadOp {
  p: Uint8Array;
  off: number;
  len: number;
  resolve(v: unknown): void;
  reject(err: unknown): void;
  mapper: ReadErrorMapper | undefined;
  /** Set for a message read (recvmsg), null for a plain read(2). */
  msg: MsgReader<unknown> | null;
}

/**
 * What turns a failed write into the caller's error, given how many bytes the kernel took
 * first (Go's `(n, err)` pair); a conn passes itself, as it does for reads.
 */
export interface WriteErrorMapper {
  mapWriteError(err: Error, written: number): Error;
}

/** Options of an {@link FD}. */
export interface FDOptions {
  /** Whether a zero-byte read means end of stream (false for datagram and raw sockets). */
  zeroReadIsEOF: boolean;
  /** Whether writes may be split across syscalls (stream sockets). */
  isStream: boolean;
}

/** FD owns a non-blocking, close-on-exec file descriptor and its readiness. */
export class FD {
  #fd: number;
  #closing = false;
  #poll: PollHandle | null = null;
  /** The events the poll handle is armed for. */
  #armed = 0;
  #referenced = false;
  #refable = true;
  // Per-direction state lives in plain fields, not arrays: three small arrays were a tenth of
  // an idle conn's heap.
  #rWaiter: Waiter | null = null;
  #wWaiter: Waiter | null = null;
  /** Made on first use: most conns never set a deadline. */
  #rDeadline: Deadline | null = null;
  #wDeadline: Deadline | null = null;
  readonly #rLock = new FifoLock();
  readonly #wLock = new FifoLock();
  /** The read parked until the fd is readable; readiness retries it directly. */
  #reading: ReadOp | null = null;
  /**
   * Whether the last stream read found the socket drained (it got EAGAIN, or fewer bytes than
   * it asked for) with no readiness since. A read then waits for readiness rather than making
   * a syscall that would only say EAGAIN: libuv's rule for stream reads (uv__read stops at a
   * short read). It saves a syscall per read in request-response traffic.
   */
  #drained = false;
  readonly zeroReadIsEOF: boolean;
  readonly isStream: boolean;

  constructor(fd: number, opts: FDOptions) {
    this.#fd = fd;
    this.zeroReadIsEOF = opts.zeroReadIsEOF;
    this.isStream = opts.isStream;
  }

  /** The fd number, for synchronous syscalls; throws ErrClosed once closing has begun. */
  get sysfd(): number {
    if (this.#closing) throw ErrClosed;
    return this.#fd;
  }

  /** Whether close has begun. */
  get closed(): boolean {
    return this.#closing;
  }

  /**
   * read reads into `p[off, off+len)`: the count, or null at end of stream. A zero-length read
   * returns 0 without a syscall, after the lock, as Go's does. Errors go through `mapper`
   * (the conn's OpError wrapping) before rejecting.
   *
   * This is the hot path, so it is a small state machine rather than an async function: one
   * promise per call, and the readiness callback retries the syscall itself. A read waiting
   * for data then costs its promise and one record, which matters to servers holding many
   * idle conns (measured: about 1.3 KB of heap less per waiting read than async/await).
   */
  read(p: Uint8Array, off: number, len: number, mapper?: ReadErrorMapper): Promise<number | null> {
    return new Promise<number | null>((resolve, reject) => {
      const n = this.isStream && len > maxRW ? maxRW : len;
      this.#startRead({ p, off, len: n, resolve: resolve as (v: unknown) => void, reject, mapper, msg: null });
    });
  }

  /**
   * readMsg receives one message into `p[off, off+len)` (recvmsg), with `reader` saying where
   * the sender and control bytes go and what the result is; see {@link MsgReader}. Unlike
   * `read`, a zero-length buffer still receives (and so consumes) a datagram, as Go's ReadFrom
   * does. It shares read's state machine and lock, so reads of both kinds run in call order.
   */
  readMsg<T>(p: Uint8Array, off: number, len: number, reader: MsgReader<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#startRead({ p, off, len, resolve: resolve as (v: unknown) => void, reject, mapper: reader, msg: reader });
    });
  }

  #startRead(op: ReadOp): void {
    const wait = this.#rLock.acquire();
    if (wait === undefined) this.#attemptRead(op);
    else void wait.then(() => this.#attemptRead(op));
  }

  /** Tries the read of `op`, which holds the read lock; on EAGAIN it parks `op` until ready. */
  #attemptRead(op: ReadOp): void {
    let n: number;
    const m = op.msg;
    if (this.#closing) return this.#endRead(op, ErrClosed, 0);
    if (m === null && op.len === 0) return this.#endRead(op, null, 0);
    if (this.#rDeadline?.expired === true) return this.#endRead(op, ErrDeadlineExceeded, 0);
    if (this.#drained && (this.#armed & binding.POLL_READABLE) !== 0) return this.#parkRead(op);
    if (m === null) n = binding.read(this.#fd, op.p, op.off, op.len);
    else n = binding.recvmsg(this.#fd, op.p, op.off, op.len, m.oob, m.flags, m.from, m.info);
    if (n >= 0) {
      // A short stream read emptied the socket; datagram sizes say nothing about the queue.
      this.#drained = this.isStream && m === null && n < op.len;
      return this.#endRead(op, null, n);
    }
    if (n !== -E.EAGAIN!) return this.#endRead(op, new Errno(-n), 0);
    this.#drained = true;
    this.#parkRead(op);
  }

  /** Parks `op` until the fd is readable, arming the poll handle if it is not already. */
  #parkRead(op: ReadOp): void {
    this.#reading = op;
    const ev = binding.POLL_READABLE;
    if ((this.#armed & ev) === 0) {
      const rc = this.#arm(this.#armed | ev);
      if (rc < 0) return this.#fail(R, new Errno(-rc));
    }
    this.#updateRef();
  }

  /** The parked read's wake-up: retry on readiness, or end with the error (deadline, close). */
  #resumeRead(err?: Error): void {
    const op = this.#reading;
    if (op === null) return;
    this.#reading = null;
    if (err !== undefined) this.#endRead(op, err, 0);
    else this.#attemptRead(op);
  }

  /** Settles `op`; a message's result is made before the lock goes to the next reader. */
  #endRead(op: ReadOp, err: Error | null, n: number): void {
    if (err !== null) {
      this.#rLock.release();
      op.reject(op.mapper !== undefined ? op.mapper.mapReadError(err) : err);
      return;
    }
    const m = op.msg;
    const eof = n === 0 && this.zeroReadIsEOF && (m !== null || op.len > 0);
    const v = m === null ? (eof ? null : n) : eof ? m.eof() : m.decode(op.p, n);
    this.#rLock.release();
    op.resolve(v);
  }

  /**
   * write writes all of `p[off, off+len)`, across as many syscalls as it takes; concurrent
   * writes never interleave. A failure rejects with `mapper`'s error for it and the bytes
   * written before it.
   */
  async write(p: Uint8Array, off: number, len: number, mapper: WriteErrorMapper): Promise<number> {
    const lock = this.#wLock;
    const wait = lock.acquire();
    if (wait !== undefined) await wait;
    let nn = 0;
    try {
      for (;;) {
        this.#prepare(W);
        let max = len - nn;
        if (this.isStream && max > maxRW) max = maxRW;
        const n = binding.write(this.#fd, p, off + nn, max);
        if (n >= 0) {
          nn += n;
          if (nn === len) return nn;
          if (n === 0) throw new Errno(E.EIO!);
          continue;
        }
        if (n !== -E.EAGAIN!) throw new Errno(-n);
        await this.#wait(W);
      }
    } catch (err) {
      throw mapper.mapWriteError(err as Error, nn);
    } finally {
      lock.release();
    }
  }

  /**
   * writeMsg sends one message (sendmsg) with optional control bytes to `sa` (null when
   * connected); a datagram goes whole or not at all.
   */
  async writeMsg(p: Uint8Array, off: number, len: number, oob: Uint8Array | null, sa: Uint8Array | null): Promise<number> {
    const lock = this.#wLock;
    const wait = lock.acquire();
    if (wait !== undefined) await wait;
    try {
      for (;;) {
        this.#prepare(W);
        const n = binding.sendmsg(this.#fd, p, off, len, oob, sa);
        if (n >= 0) return n;
        if (n !== -E.EAGAIN!) throw new Errno(-n);
        await this.#wait(W);
      }
    } finally {
      lock.release();
    }
  }

  /** accept returns a new connected fd; ECONNABORTED is retried, as in Go. */
  async accept(): Promise<number> {
    const lock = this.#rLock;
    const wait = lock.acquire();
    if (wait !== undefined) await wait;
    try {
      for (;;) {
        this.#prepare(R);
        const n = binding.accept(this.#fd);
        if (n >= 0) return n;
        if (n === -E.ECONNABORTED!) continue;
        if (n !== -E.EAGAIN!) throw new Errno(-n);
        await this.#wait(R);
      }
    } finally {
      lock.release();
    }
  }

  /**
   * afterWrites runs `fn` once the writes queued before it have finished, holding the write
   * lock while it runs (so a shutdown cannot cut a queued write short).
   */
  async afterWrites<T>(fn: () => T): Promise<T> {
    const lock = this.#wLock;
    const wait = lock.acquire();
    if (wait !== undefined) await wait;
    try {
      return fn();
    } finally {
      lock.release();
    }
  }

  /** waitWrite waits until the fd is writable (a connect in progress has finished). */
  async waitWrite(): Promise<void> {
    this.#prepare(W);
    await this.#wait(W);
    if (this.#closing) throw ErrClosed;
  }

  /**
   * setDeadline sets the read (`"r"`), write (`"w"`) or both deadlines, as epoch milliseconds;
   * 0 clears. A passed deadline fails waiting and later calls at once; a new one revives them.
   */
  setDeadline(which: "r" | "w" | "rw", at: number): void {
    if (this.#closing) throw ErrClosed;
    if (which !== "w") this.#deadline(R, at)?.set(at);
    if (which !== "r") this.#deadline(W, at)?.set(at);
  }

  /** The deadline of `dir`, made when a first real deadline is set; null while none is needed. */
  #deadline(dir: Dir, at: number): Deadline | null {
    let d = dir === R ? this.#rDeadline : this.#wDeadline;
    if (d === null && at !== 0) {
      d = new Deadline(() => this.#expire(dir));
      if (dir === R) this.#rDeadline = d;
      else this.#wDeadline = d;
    }
    return d;
  }

  /**
   * releasePoll closes the poll handle when nobody waits on it, so an idle fd holds no libuv
   * handle; the next wait opens a new one. Used once a connect has finished: a dialed conn
   * would otherwise keep the handle of its one connect wait for life.
   */
  releasePoll(): void {
    if (this.#poll === null || this.#waiting()) return;
    binding.pollClose(this.#poll);
    this.#poll = null;
    this.#armed = 0;
    this.#referenced = false;
  }

  /**
   * setRefable chooses whether a pending call keeps the process alive (default true), like
   * `ref()`/`unref()` on Node handles. An idle FD never keeps it alive.
   */
  setRefable(refable: boolean): void {
    this.#refable = refable;
    this.#updateRef();
  }

  /**
   * close wakes every waiting call with ErrClosed, stops polling and closes the fd. A second
   * close throws ErrClosed.
   */
  close(): void {
    if (this.#closing) throw ErrClosed;
    this.#closing = true;
    this.#rDeadline?.clear();
    this.#wDeadline?.clear();
    if (this.#poll !== null) {
      // pollClose stops the handle first, so no callback can see the fd after it is closed.
      binding.pollClose(this.#poll);
      this.#poll = null;
    }
    this.#fail(R, ErrClosed);
    this.#fail(W, ErrClosed);
    binding.close(this.#fd);
    this.#fd = -1;
  }

  /** Checks done before every syscall: closed first, then the deadline (Go's prepareRead). */
  #prepare(dir: Dir): void {
    if (this.#closing) throw ErrClosed;
    if ((dir === R ? this.#rDeadline : this.#wDeadline)?.expired === true) throw ErrDeadlineExceeded;
  }

  #wait(dir: Dir): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (dir === R) this.#rWaiter = { resolve, reject };
      else this.#wWaiter = { resolve, reject };
      const ev = dir === R ? binding.POLL_READABLE : binding.POLL_WRITABLE;
      if ((this.#armed & ev) === 0) {
        const rc = this.#arm(this.#armed | ev);
        if (rc < 0) return this.#fail(dir, new Errno(-rc));
      }
      this.#updateRef();
    });
  }

  #arm(events: number): number {
    if (this.#poll === null) {
      const h = binding.pollOpen(this.#fd, (ev, status) => this.#onPoll(ev, status));
      if (typeof h === "number") return h;
      this.#poll = h;
    }
    const rc = binding.pollUpdate(this.#poll, events);
    if (rc === 0) this.#armed = events;
    return rc;
  }

  /**
   * The libuv callback. Readiness with nobody waiting disarms that event: libuv polls level-
   * triggered, so an armed idle event would fire on every loop turn.
   */
  #onPoll(events: number, status: number): void {
    if (status < 0) {
      // Polling failed (libuv reports a socket error as EBADF and stops the handle): wake
      // everyone so each retries its syscall and meets the real error; re-arm on next wait.
      this.#armed = 0;
      this.#drained = false;
      this.#wake(R);
      this.#wake(W);
      return;
    }
    let armed = this.#armed;
    if ((events & binding.POLL_READABLE) !== 0) this.#drained = false;
    if ((events & binding.POLL_READABLE) !== 0 && !this.#wake(R)) armed &= ~binding.POLL_READABLE;
    if ((events & binding.POLL_WRITABLE) !== 0 && !this.#wake(W)) armed &= ~binding.POLL_WRITABLE;
    if (armed !== this.#armed && !this.#closing) this.#arm(armed);
    this.#updateRef();
  }

  /** Whether any call waits for readiness (which keeps the process alive). */
  #waiting(): boolean {
    return this.#reading !== null || this.#rWaiter !== null || this.#wWaiter !== null;
  }

  /** Wakes what waits on `dir`, if anything; reports whether something did. */
  #wake(dir: Dir): boolean {
    if (dir === R && this.#reading !== null) {
      this.#resumeRead();
      return true;
    }
    const w = dir === R ? this.#rWaiter : this.#wWaiter;
    if (w === null) return false;
    if (dir === R) this.#rWaiter = null;
    else this.#wWaiter = null;
    w.resolve();
    return true;
  }

  #fail(dir: Dir, err: Error): void {
    if (dir === R && this.#reading !== null) {
      this.#resumeRead(err);
    } else {
      const w = dir === R ? this.#rWaiter : this.#wWaiter;
      if (w === null) return;
      if (dir === R) this.#rWaiter = null;
      else this.#wWaiter = null;
      w.reject(err);
    }
    this.#updateRef();
  }

  #expire(dir: Dir): void {
    this.#fail(dir, ErrDeadlineExceeded);
  }

  /** A pending call keeps the event loop alive; an idle FD does not. */
  #updateRef(): void {
    if (this.#poll === null) return;
    const want = this.#refable && this.#waiting();
    if (want !== this.#referenced) {
      binding.pollRef(this.#poll, want);
      this.#referenced = want;
    }
  }
}
