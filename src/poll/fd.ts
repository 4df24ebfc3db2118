/**
 * FD, the one object that owns a file descriptor (Go's `internal/poll.FD`).
 *
 * Every operation is one mechanism (`#run`, over the records of op.ts): try the syscall now;
 * on EAGAIN park in direction R or W until readiness, a deadline, or close; then try again. A
 * read or write the kernel can satisfy now completes inside one native call. Readiness lives
 * in a Poller, opened on the first wait; the work budget (budget.ts) bounds how much runs
 * before the event loop gets a turn.
 *
 * Lifetime: JavaScript runs one call at a time, so no syscall is ever running when `close()`
 * runs. Every operation re-checks CLOSING before each attempt, so the fd can be closed at
 * once, which is what Go's reference count guarantees with threads. The exceptions are the
 * calls that run on another thread: a regular file's reads and writes on the threadpool (the
 * kernel will not poll it), and the holds of `hold` (a lock wait on a waiter thread). Close
 * waits for those before closing the number, so it is never reused under a running syscall.
 *
 * Counters (`stats()`): a completed read or write adds to two integers, a wait to one. Only
 * with wait timing on (diag.ts's setWaitTiming) does a wait read the clock, when it parks and
 * when it ends; the fast path never does. An open FD is listed in diag.ts's
 * registry, which activeHandles() reads through `describe()`.
 */
import { binding } from "../sys/binding.js";
import { E, Errno } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { ErrClosed, ErrDeadlineExceeded, ErrFileClosing, ErrNoDeadline, abortError } from "./errors.js";
import { Deadline } from "./deadline.js";
import { LockQueue } from "./lock.js";
import { Poller, READABLE, WRITABLE } from "./poller.js";
import { defer, refill, spend } from "./budget.js";
import { debug, debugEnabled, openFDs, addrString, waitTiming, type ActiveHandle, type FDStats, type OwnerFacts } from "./diag.js";
import { BatchReadOp, BatchWriteOp, type BatchReader } from "./batch.js";
import {
  AcceptOp,
  MsgReadOp,
  MsgWriteOp,
  R,
  RawOp,
  ReadOp,
  SignalReadOp,
  SignalWriteOp,
  W,
  WriteOp,
  WritevOp,
  maxRW,
  type Dir,
  type MsgReader,
  Op,
  type ReadErrorMapper,
  type WriteErrorMapper,
} from "./op.js";

export { Op, R, W, type Dir, type MsgReader, type ReadErrorMapper, type WriteErrorMapper } from "./op.js";
export type { BatchReader } from "./batch.js";

/** Options of an {@link FD}. */
export interface FDOptions {
  /** Whether a zero-byte read means end of stream (false for datagram and raw sockets). */
  zeroReadIsEOF: boolean;
  /** Whether writes may be split across syscalls (stream sockets, pipes, files). */
  isStream: boolean;
  /** Whether writes use send(2) with MSG_NOSIGNAL (sockets) rather than write(2). */
  isSocket?: boolean;
  /**
   * Whether the kernel can poll the fd (default true). Regular files cannot: their reads and
   * writes run on the threadpool and take no deadlines (Go's `pd.pollable()`).
   */
  pollable?: boolean;
  /**
   * Whether this is a file rather than a network fd: calls after close then fail with
   * ErrFileClosing ("use of closed file"), else ErrClosed (Go's errClosing(isFile)).
   */
  isFile?: boolean;
  /**
   * Whether the first read waits for readiness before trying (a FIFO opened for reading,
   * where read(2) says end of file until a first writer has come).
   */
  startDrained?: boolean;
}

// The FD's boolean state, packed into one number: an idle conn holds thousands of these.
const CLOSING = 1;
const REFABLE = 2;
/**
 * The last read found the fd drained (it got EAGAIN, or a stream read got fewer bytes than it
 * asked for) with no readiness since. A read then waits for readiness rather than making a
 * syscall that would only say EAGAIN: libuv's rule for stream reads (uv__read stops at a short
 * read). It saves a syscall per read in request-response traffic.
 */
const DRAINED = 4;
const SEND = 8;
const POLLABLE = 16;
const ZERO_READ_EOF = 32;
const STREAM = 64;
const FILE = 128;
/** The read and write locks are held (their waiters queue in `#rQueue` and `#wQueue`). */
const R_HELD = 256;
const W_HELD = 512;

/** FD owns a non-blocking, close-on-exec file descriptor and its readiness. */
export class FD {
  #fd: number;
  #flags: number;
  #poller: Poller | null = null;
  /** The operation parked in each direction until readiness (at most one: it holds the lock). */
  #rOp: Op | null = null;
  #wOp: Op | null = null;
  /** Made on first use: most conns never set a deadline. */
  #rDeadline: Deadline | null = null;
  #wDeadline: Deadline | null = null;
  /** Callers waiting for a held lock; made on first contention. */
  #rQueue: LockQueue | null = null;
  #wQueue: LockQueue | null = null;
  /** Calls on other threads using the number (threadpool I/O, holds); close waits for them. */
  #inflight = 0;
  /** The cancels of the holds in place; made by the first hold. */
  #holds: Set<() => void> | null = null;
  /** The counters of `stats()`; the wait times are sums of performance.now() differences. */
  #reads = 0;
  #writes = 0;
  #bytesRead = 0;
  #bytesWritten = 0;
  #readWaits = 0;
  #writeWaits = 0;
  #readWaitMs = 0;
  #writeWaitMs = 0;
  /**
   * The class name of the FD's owner ("TCPConn", "File", ...), which the owner sets; "FD"
   * for one without an owner object. For activeHandles and the close channel.
   */
  kind = "FD";
  /** What the owner adds for activeHandles (a socket's NetFD); never the owner itself. */
  facts: OwnerFacts | null = null;

  constructor(fd: number, opts: FDOptions) {
    this.#fd = fd;
    this.#flags =
      REFABLE |
      (opts.zeroReadIsEOF ? ZERO_READ_EOF : 0) |
      (opts.isStream ? STREAM : 0) |
      (opts.isSocket === true ? SEND : 0) |
      (opts.pollable !== false ? POLLABLE : 0) |
      (opts.isFile === true ? FILE : 0) |
      (opts.startDrained === true ? DRAINED : 0);
    openFDs.add(this);
  }

  /** Whether a zero-byte read means end of stream (false for datagram and raw sockets). */
  get zeroReadIsEOF(): boolean {
    return (this.#flags & ZERO_READ_EOF) !== 0;
  }

  /** Whether writes may be split across syscalls. */
  get isStream(): boolean {
    return (this.#flags & STREAM) !== 0;
  }

  /** The fd number, for synchronous syscalls; throws the closed error once closing has begun. */
  get sysfd(): number {
    if ((this.#flags & CLOSING) !== 0) throw this.closedError;
    return this.#fd;
  }

  /** Whether close has begun. */
  get closed(): boolean {
    return (this.#flags & CLOSING) !== 0;
  }

  /** The error calls get once the fd is closed. */
  get closedError(): Error {
    return (this.#flags & FILE) !== 0 ? ErrFileClosing : ErrClosed;
  }

  /** Whether the kernel polls this fd (false for regular files). */
  get pollable(): boolean {
    return (this.#flags & POLLABLE) !== 0;
  }

  /**
   * read reads into `p[off, off+len)`: the count, or null at end of stream. A zero-length read
   * returns 0 without a syscall, after the lock, as Go's does. Errors go through `mapper`
   * (the conn's OpError wrapping) before rejecting.
   */
  read(p: Uint8Array, off: number, len: number, mapper?: ReadErrorMapper): Promise<number | null> {
    return new Promise<number | null>((resolve, reject) => this.readTo(p, off, len, mapper, resolve, reject));
  }

  /** read that an abort of `signal` ends while it waits, taking nothing, as for accept. */
  readSignal(p: Uint8Array, off: number, len: number, mapper: ReadErrorMapper | undefined, signal: AbortSignal): Promise<number | null> {
    const n = (this.#flags & STREAM) !== 0 && len > maxRW ? maxRW : len;
    return this.run<number | null>((resolve, reject) => new SignalReadOp(resolve, reject, p, off, n, mapper, signal), signal);
  }

  /**
   * readTo is read reporting to callbacks instead of a promise, for a layer that makes one
   * promise of its own per call (see `readTo` in stream.ts): `done` or `fail` runs once,
   * perhaps before readTo returns, and must not throw.
   */
  readTo(p: Uint8Array, off: number, len: number, mapper: ReadErrorMapper | undefined, done: (n: number | null) => void, fail: (err: Error) => void): void {
    this.#start(new ReadOp(done, fail, p, off, (this.#flags & STREAM) !== 0 && len > maxRW ? maxRW : len, mapper));
  }

  /**
   * readMsg receives one message into `p[off, off+len)` (recvmsg), with `reader` saying where
   * the sender and control bytes go and what the result is; see {@link MsgReader}. It shares
   * read's lock, so reads of both kinds run in call order.
   */
  readMsg<T>(p: Uint8Array, off: number, len: number, reader: MsgReader<T>): Promise<T> {
    return this.run<T>((resolve, reject) => new MsgReadOp<T>(resolve, reject, p, off, len, reader));
  }

  /**
   * readBatch receives up to `bufs.length` (SK_MMSG_MAX, 64, at most) messages in one
   * recvmmsg, message i into `bufs[i]`, resolving with the count once at least one arrived;
   * `reader` fills in each message's facts. It shares read's lock.
   */
  readBatch(bufs: Uint8Array[], reader: BatchReader): Promise<number> {
    return this.run<number>((resolve, reject) => new BatchReadOp(resolve, reject, bufs, reader));
  }

  /**
   * writeBatch sends every buffer of `bufs` as one message, message i to `sas[i]` (null when
   * connected), with as few sendmmsg calls as the kernel allows; resolves with the count.
   */
  writeBatch(bufs: Uint8Array[], sas: (Uint8Array | null)[]): Promise<number> {
    return this.run<number>((resolve, reject) => new BatchWriteOp(resolve, reject, bufs, sas));
  }

  /**
   * write writes all of `p[off, off+len)`, across as many syscalls as it takes; concurrent
   * writes never interleave. A failure rejects with `mapper`'s error for it and the bytes
   * written before it.
   */
  write(p: Uint8Array, off: number, len: number, mapper: WriteErrorMapper): Promise<number> {
    return new Promise<number>((resolve, reject) => this.writeFrom(p, off, len, mapper, resolve, reject));
  }

  /**
   * write that an abort of `signal` ends while it waits; the rejection's `bytesWritten` says
   * how much of `p` went out first.
   */
  writeSignal(p: Uint8Array, off: number, len: number, mapper: WriteErrorMapper, signal: AbortSignal): Promise<number> {
    const f = this.#flags;
    return this.run<number>((resolve, reject) => new SignalWriteOp(resolve, reject, p, off, len, mapper, (f & SEND) !== 0, (f & STREAM) !== 0, signal), signal);
  }

  /** writeFrom is write reporting to callbacks, as {@link FD.readTo} is read. */
  writeFrom(p: Uint8Array, off: number, len: number, mapper: WriteErrorMapper, done: (n: number) => void, fail: (err: Error) => void): void {
    const f = this.#flags;
    this.#start(new WriteOp(done, fail, p, off, len, mapper, (f & SEND) !== 0, (f & STREAM) !== 0));
  }

  /**
   * writev writes all of `bufs`, in order, as one write: one writev(2) (sendmsg(2) on sockets)
   * per try, at most IOV_MAX buffers each, resuming after a partial write and waiting for
   * writability on EAGAIN, as {@link FD.write} does; concurrent writes never interleave with
   * it. It resolves with the total length. `bufs` and its buffers are used in place until it
   * settles. On a datagram fd it sends one datagram, of at most IOV_MAX buffers (EMSGSIZE).
   */
  writev(bufs: readonly Uint8Array[], mapper: WriteErrorMapper): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      // A datagram is one syscall's worth: more buffers than one writev takes would split it.
      if ((this.#flags & STREAM) === 0 && bufs.length > (C.IOV_MAX ?? 1024)) return reject(mapper.mapWriteError(new Errno(E.EMSGSIZE!), 0));
      this.#start(new WritevOp(resolve, reject, bufs, mapper, (this.#flags & SEND) !== 0));
    });
  }

  /**
   * writeMsg sends one message (sendmsg) with optional control bytes to `sa` (null when
   * connected); a datagram goes whole or not at all.
   */
  writeMsg(p: Uint8Array, off: number, len: number, oob: Uint8Array | null, sa: Uint8Array | null): Promise<number> {
    return this.run<number>((resolve, reject) => new MsgWriteOp(resolve, reject, p, off, len, oob, sa));
  }

  /**
   * accept returns a new connected fd; ECONNABORTED is retried, as in Go. An abort of `signal`
   * ends this accept alone with `abortError(reason)`: waiting for readiness, it leaves its slot;
   * queued behind another accept, it leaves the line. The fd and the other callers go on.
   */
  accept(signal?: AbortSignal): Promise<number> {
    return this.run<number>((resolve, reject) => new AcceptOp(resolve, reject, signal), signal);
  }

  /**
   * rawRead runs the caller's syscall under the poller, holding the read lock: `fn(fd)` returns
   * >= 0 when done (the result), -EAGAIN to wait until the fd is readable and be called again,
   * or another -errno to fail with that Errno. Deadlines and close apply as to reads; `mapper`
   * turns a failure into the caller's error, and an abort of `signal` ends this call alone, as
   * for accept.
   */
  rawRead(fn: (fd: number) => number, mapper?: (err: Error) => Error, signal?: AbortSignal): Promise<number> {
    return this.#raw(R, fn, mapper, signal);
  }

  /** rawWrite is {@link FD.rawRead} for the write direction (a connect in progress, say). */
  rawWrite(fn: (fd: number) => number, mapper?: (err: Error) => Error, signal?: AbortSignal): Promise<number> {
    return this.#raw(W, fn, mapper, signal);
  }

  #raw(dir: Dir, fn: (fd: number) => number, mapper?: (err: Error) => Error, signal?: AbortSignal): Promise<number> {
    return this.run<number>((res, rej) => new RawOp(res, rej, dir, fn, mapper, signal), signal);
  }

  /**
   * run runs an operation the caller built (an {@link Op} subclass, made by `make` around the
   * promise's settlers) through the loop every read and write runs in: a message queue's
   * receive and send, whose results are more than a count. With `signal`, which must be the
   * op's own `signal`, an abort ends it alone, as for accept.
   */
  run<T>(make: (resolve: (v: T) => void, reject: (err: Error) => void) => Op, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal === undefined) this.#start(make(resolve, reject));
      else this.#startAbortable(signal, resolve, reject, make);
    });
  }

  /**
   * afterWrites runs `fn` once the writes queued before it have finished, holding the write
   * lock while it runs (so a shutdown cannot cut a queued write short).
   */
  async afterWrites<T>(fn: () => T): Promise<T> {
    const wait = this.#acquire(W);
    if (wait !== undefined) await wait;
    try {
      return fn();
    } finally {
      this.#release(W);
    }
  }

  /**
   * hold lets a call on another thread use the number (a lock wait on a waiter thread, which no
   * poller can serve): until the returned release runs, close keeps the number open, and close
   * calls `cancel` first so that the call ends soon. Go's fd reference count (incref/decref).
   * Throws the closed error once close has begun. Release is idempotent.
   */
  hold(cancel: () => void): () => void {
    if ((this.#flags & CLOSING) !== 0) throw this.closedError;
    const holds = (this.#holds ??= new Set());
    holds.add(cancel);
    this.#inflight++;
    return () => {
      if (!holds.delete(cancel)) return;
      if (--this.#inflight === 0 && (this.#flags & CLOSING) !== 0) this.#closeNumber();
    };
  }

  /**
   * setDeadline sets the read (`"r"`), write (`"w"`) or both deadlines, as epoch milliseconds;
   * 0 clears. A passed deadline fails waiting and later calls at once; a new one revives them.
   * An unpollable fd takes none (ErrNoDeadline, as Go's files).
   */
  setDeadline(which: "r" | "w" | "rw", at: number): void {
    if ((this.#flags & CLOSING) !== 0) throw this.closedError;
    if ((this.#flags & POLLABLE) === 0) throw ErrNoDeadline;
    if (which !== "w") this.#deadline(R, at)?.set(at);
    if (which !== "r") this.#deadline(W, at)?.set(at);
  }

  /**
   * releasePoll closes the poller when nobody waits on it, so an idle fd holds no libuv
   * handle; the next wait opens a new one. Used once a connect has finished: a dialed conn
   * would otherwise keep the handle of its one connect wait for life.
   */
  releasePoll(): void {
    if (this.#poller === null || this.#rOp !== null || this.#wOp !== null) return;
    this.#poller.close();
    this.#poller = null;
  }

  /**
   * setRefable chooses whether a pending call keeps the process alive (default true), like
   * `ref()`/`unref()` on Node handles. An idle FD never keeps it alive.
   */
  setRefable(refable: boolean): void {
    this.#flags = refable ? this.#flags | REFABLE : this.#flags & ~REFABLE;
    this.#updateRef();
  }

  /**
   * stats returns a snapshot of the counters: bytes and calls read and written, and the waits
   * for readiness in each direction, with their time (a wait going on now included).
   */
  stats(): FDStats {
    const now = performance.now();
    const r = this.#rOp;
    const w = this.#wOp;
    return {
      bytesRead: this.#bytesRead,
      bytesWritten: this.#bytesWritten,
      reads: this.#reads,
      writes: this.#writes,
      readWaits: this.#readWaits,
      writeWaits: this.#writeWaits,
      readWaitMs: this.#readWaitMs + (r === null || r.parkedAt === 0 ? 0 : now - r.parkedAt),
      writeWaitMs: this.#writeWaitMs + (w === null || w.parkedAt === 0 ? 0 : now - w.parkedAt),
    };
  }

  /** describe says what this open FD is and what keeps it alive, for activeHandles(). */
  describe(): ActiveHandle {
    const f = this.facts;
    const waiting: string[] = [];
    if (this.#rOp !== null) waiting.push(this.#rOp.opName);
    if (this.#wOp !== null) waiting.push(this.#wOp.opName);
    const refed = (this.#flags & REFABLE) !== 0;
    return {
      kind: this.kind,
      fd: this.#fd,
      network: f?.net ?? null,
      localAddr: addrString(f?.laddr),
      remoteAddr: addrString(f?.raddr),
      name: f?.name ?? null,
      waiting,
      queued: (this.#rQueue?.length ?? 0) + (this.#wQueue?.length ?? 0),
      inflight: this.#inflight,
      refed,
      keepsAlive: (refed && waiting.length > 0) || this.#inflight > 0,
    };
  }

  /**
   * close wakes every waiting call with the closed error, stops polling and closes the fd. A
   * second close throws the closed error.
   */
  close(): void {
    if ((this.#flags & CLOSING) !== 0) throw this.closedError;
    this.#flags |= CLOSING;
    openFDs.delete(this);
    this.#rDeadline?.clear();
    this.#wDeadline?.clear();
    if (this.#poller !== null) {
      // Closing the poller stops it first, so no callback can see the fd after it is closed.
      this.#poller.close();
      this.#poller = null;
    }
    const err = this.closedError;
    this.#fail(R, err);
    this.#fail(W, err);
    if (this.#holds !== null) for (const cancel of [...this.#holds]) cancel();
    if (this.#inflight === 0) this.#closeNumber();
  }

  #closeNumber(): void {
    if (this.#fd < 0) return; // A hold's cancel may have let go from inside close.
    binding.close(this.#fd);
    this.#fd = -1;
  }

  /** Takes `op`'s lock, then runs it. */
  #start(op: Op): void {
    const wait = this.#acquire(op.dir);
    if (wait === undefined) this.#run(op);
    else void wait.then(() => this.#run(op));
  }

  /**
   * #start for an operation that `signal` may end. Only such a call pays for the listener and
   * the wrapped settlers that remove it; `make` builds the operation around those settlers.
   */
  #startAbortable<T>(
    signal: AbortSignal,
    resolve: (v: T) => void,
    reject: (err: Error) => void,
    make: (resolve: (v: T) => void, reject: (err: Error) => void) => Op,
  ): void {
    let turn: (() => void) | undefined;
    const onAbort = (): void => this.#abort(op, turn);
    const op = make(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
    if (signal.aborted) return reject(op.mapError(abortError(signal.reason)));
    signal.addEventListener("abort", onAbort, { once: true });
    const dir = op.dir;
    const held = dir === R ? R_HELD : W_HELD;
    if ((this.#flags & held) === 0) {
      this.#flags |= held;
      return this.#run(op);
    }
    // Handed the lock, it runs a microtask later, as wait()'s callers do, so calls keep their
    // order. An abort in that gap finds it in no slot and no line: the turn checks the signal.
    turn = () => queueMicrotask(() => (signal.aborted ? this.#end(op, abortError(signal.reason)) : this.#run(op)));
    (dir === R ? (this.#rQueue ??= new LockQueue()) : (this.#wQueue ??= new LockQueue())).enqueue(turn);
  }

  /**
   * Ends `op` on its signal's abort: parked, it leaves its slot (which hands the lock on);
   * queued, it leaves the line, never having held the lock. Otherwise it holds the lock between
   * two tries (its turn's microtask, or a deferral of the budget), and its turn or its next
   * park sees the signal.
   */
  #abort(op: Op, turn: (() => void) | undefined): void {
    const dir = op.dir;
    const err = abortError(op.signal!.reason);
    if ((dir === R ? this.#rOp : this.#wOp) === op) return this.#fail(dir, err);
    if (turn !== undefined && (dir === R ? this.#rQueue : this.#wQueue)?.remove(turn) === true) {
      op.reject(op.mapError(err));
    }
  }

  /**
   * Takes the lock of `dir`: undefined when it was free (taken at once, no promise made), else
   * a promise that resolves when it is this caller's turn.
   */
  #acquire(dir: Dir): Promise<void> | undefined {
    const held = dir === R ? R_HELD : W_HELD;
    if ((this.#flags & held) === 0) {
      this.#flags |= held;
      return undefined;
    }
    const q = dir === R ? (this.#rQueue ??= new LockQueue()) : (this.#wQueue ??= new LockQueue());
    return q.wait();
  }

  /** Hands the lock of `dir` to the next caller in line, or frees it. */
  #release(dir: Dir): void {
    const next = (dir === R ? this.#rQueue : this.#wQueue)?.next();
    if (next !== undefined) next();
    else this.#flags &= dir === R ? ~R_HELD : ~W_HELD;
  }

  /**
   * The one loop every operation runs in, holding its direction's lock: checks (closed, then
   * the deadline, Go's prepareRead), the budget, the attempt, and then settling, trying again
   * after progress, or parking until readiness. Any error, a TypeError from the binding
   * included, rejects the operation's own promise: none escapes into a poll callback.
   */
  #run(op: Op): void {
    const dir = op.dir;
    for (;;) {
      const f = this.#flags;
      if ((f & CLOSING) !== 0) return this.#end(op, this.closedError);
      // A zero-length read completes before any deadline check or wait, as Go's; it still
      // spends the budget, so a loop of them cannot starve the event loop either.
      if (op.empty) return spend() ? this.#settle(op, 0) : defer(() => this.#run(op));
      if ((dir === R ? this.#rDeadline : this.#wDeadline)?.expired === true) return this.#end(op, ErrDeadlineExceeded);
      if ((f & POLLABLE) === 0) return this.#runBlocking(op);
      if (dir === R && (f & DRAINED) !== 0) return this.#park(op);
      if (!spend()) return defer(() => this.#run(op));
      let n: number;
      try {
        n = op.attempt(this.#fd);
        if (n >= 0) {
          if (dir === R) this.#setDrained(op.drainedBy(n, this));
          if (!op.advance(n)) continue;
          return this.#settle(op, n);
        }
      } catch (err) {
        return this.#end(op, err as Error);
      }
      if (n !== -E.EAGAIN!) return this.#end(op, new Errno(-n));
      if (dir === R) this.#flags |= DRAINED;
      return this.#park(op);
    }
  }

  #setDrained(drained: boolean): void {
    this.#flags = drained ? this.#flags | DRAINED : this.#flags & ~DRAINED;
  }

  /** #run for an unpollable fd: one threadpool attempt at a time, then the same checks. */
  #runBlocking(op: Op): void {
    this.#inflight++;
    op.attemptBlocking(this.#fd, (n) => {
      this.#inflight--;
      if ((this.#flags & CLOSING) !== 0 && this.#inflight === 0) this.#closeNumber();
      try {
        if (n < 0) return this.#end(op, new Errno(-n));
        if (!op.advance(n)) return this.#run(op);
      } catch (err) {
        return this.#end(op, err as Error);
      }
      this.#settle(op, n);
    });
  }

  /** Completes `op`: its value is made before the lock goes to the next in line. */
  #settle(op: Op, n: number): void {
    let v: unknown;
    try {
      v = op.value(n, this);
    } catch (err) {
      return this.#end(op, err as Error);
    }
    const b = op.moved(n);
    if (b >= 0) {
      if (op.dir === R) {
        this.#reads++;
        this.#bytesRead += b;
      } else {
        this.#writes++;
        this.#bytesWritten += b;
      }
    }
    this.#release(op.dir);
    op.resolve(v as never);
  }

  /**
   * Fails `op` with `err`, mapped by the operation's owner; a TypeError (a bad or detached
   * buffer met by the binding) is a programming error, not the fd's, and goes as it is.
   */
  #end(op: Op, err: Error): void {
    this.#bytesWritten += op.progress();
    this.#release(op.dir);
    op.reject(err instanceof TypeError ? err : op.mapError(err));
  }

  /**
   * Parks `op` until its direction is ready, arming the poller if it is not already. An
   * operation whose signal aborted while it was between tries ends here instead.
   */
  #park(op: Op): void {
    const signal = op.signal;
    if (signal !== undefined && signal.aborted) return this.#end(op, abortError(signal.reason));
    const rc = this.#want(op.dir === R ? READABLE : WRITABLE);
    if (rc === -E.EPERM! && this.#poller === null) {
      // The kernel will not poll this fd after all (a device without poll support, as Go's
      // pd.Init failing): from now on it is served on the threadpool.
      if (debugEnabled) debug("fd %d: the kernel will not poll it (EPERM); serving it on the threadpool", this.#fd);
      this.#flags &= ~POLLABLE;
      return this.#runBlocking(op);
    }
    if (rc < 0) return this.#end(op, new Errno(-rc));
    if (waitTiming.on) op.parkedAt = performance.now();
    if (op.dir === R) {
      this.#rOp = op;
      this.#readWaits++;
    } else {
      this.#wOp = op;
      this.#writeWaits++;
    }
    this.#updateRef();
  }

  /** Arms the poller for `ev` on top of what it has, opening it first if need be. */
  #want(ev: number): number {
    let p = this.#poller;
    if (p === null) {
      const r = Poller.open(this.#fd, (events, status) => this.#onReady(events, status));
      if (typeof r === "number") return r;
      this.#poller = p = r;
    }
    return (p.armed & ev) !== 0 ? 0 : p.arm(p.armed | ev);
  }

  /**
   * The poller's callback: the loop is turning, so the budget refills; parked operations try
   * again. Readiness with nobody parked disarms that event, since libuv polls level-triggered.
   */
  #onReady(events: number, status: number): void {
    refill();
    const p = this.#poller;
    if (p === null) return;
    if (status < 0) {
      // Polling failed (libuv reports a socket error as EBADF and stops the handle): everyone
      // retries its syscall and meets the real error; the next wait re-arms.
      p.failed();
      this.#flags &= ~DRAINED;
      this.#resume(R);
      this.#resume(W);
      return this.#updateRef();
    }
    let idle = 0;
    if ((events & READABLE) !== 0) {
      this.#flags &= ~DRAINED;
      if (!this.#resume(R)) idle |= READABLE;
    }
    if ((events & WRITABLE) !== 0 && !this.#resume(W)) idle |= WRITABLE;
    if (idle !== 0 && this.#poller === p) p.arm(p.armed & ~idle);
    this.#updateRef();
  }

  /** Runs the operation parked in `dir` again, if there is one; reports whether there was. */
  #resume(dir: Dir): boolean {
    const op = dir === R ? this.#rOp : this.#wOp;
    if (op === null) return false;
    this.#unpark(dir, op);
    this.#run(op);
    return true;
  }

  /** Fails the operation parked in `dir`, if any (close, a passed deadline, a poll error). */
  #fail(dir: Dir, err: Error): void {
    const op = dir === R ? this.#rOp : this.#wOp;
    if (op === null) return;
    this.#unpark(dir, op);
    if (debugEnabled && err === ErrDeadlineExceeded) debug("fd %d: %s deadline passed; failing the waiting %s", this.#fd, dir === R ? "read" : "write", op.opName);
    this.#end(op, err);
    this.#updateRef();
  }

  /** Takes `op` out of its slot in `dir`, adding the time it waited to the counters. */
  #unpark(dir: Dir, op: Op): void {
    if (dir === R) this.#rOp = null;
    else this.#wOp = null;
    if (op.parkedAt === 0) return;
    const ms = performance.now() - op.parkedAt;
    op.parkedAt = 0;
    if (dir === R) this.#readWaitMs += ms;
    else this.#writeWaitMs += ms;
  }

  /** The deadline of `dir`, made when a first real deadline is set; null while none is needed. */
  #deadline(dir: Dir, at: number): Deadline | null {
    let d = dir === R ? this.#rDeadline : this.#wDeadline;
    if (d === null && at !== 0) {
      d = new Deadline(() => this.#fail(dir, ErrDeadlineExceeded));
      if (dir === R) this.#rDeadline = d;
      else this.#wDeadline = d;
    }
    return d;
  }

  /** A parked call keeps the event loop alive (unless unref'd); an idle FD does not. */
  #updateRef(): void {
    this.#poller?.ref((this.#flags & REFABLE) !== 0 && (this.#rOp !== null || this.#wOp !== null));
  }
}
