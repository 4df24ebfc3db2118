/**
 * The operations an FD runs: each is "try this syscall now; on EAGAIN park in direction R or
 * W until readiness, a deadline, or close" (Go's `pd.waitRead`/`pd.waitWrite` loops in
 * internal/poll). An operation is a small record holding its arguments and its promise's
 * settlers, so a waiting call costs one promise and one object; the FD's one loop (`FD.run`)
 * does the checks, the budget, the waiting and the settling for all of them.
 */
import { read as fsRead, write as fsWrite } from "node:fs";
import { binding } from "../sys/binding.js";
import { E, Errno } from "../sys/errors.js";

/** The read direction. */
export const R = 0;
/** The write direction. */
export const W = 1;
/** A direction: which readiness an operation waits for, and which lock it holds. */
export type Dir = typeof R | typeof W;

/** Go's `maxRW`: stream reads and writes are capped at 1 GiB per syscall. */
export const maxRW = 1 << 30;

/** What turns a read's poll-layer error into the caller's error (a conn's OpError wrapping). */
export interface ReadErrorMapper {
  mapReadError(err: Error): Error;
}

/**
 * What turns a failed write into the caller's error, given how many bytes the kernel took
 * first (Go's `(n, err)` pair); a conn passes itself, as it does for reads.
 */
export interface WriteErrorMapper {
  mapWriteError(err: Error, written: number): Error;
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

/** What an operation's result depends on in its FD. */
export interface OpContext {
  readonly zeroReadIsEOF: boolean;
  readonly isStream: boolean;
}

/** One operation in flight; see the module comment. */
export abstract class Op {
  abstract readonly dir: Dir;
  /**
   * When the operation parked to wait for readiness (performance.now()), for the FD's
   * wait-time counters; 0 when it is not waiting or wait timing is off.
   */
  parkedAt = 0;

  constructor(
    readonly resolve: (v: never) => void,
    readonly reject: (err: Error) => void,
  ) {}

  /** One try of the syscall on `fd`: >= 0 is progress or the result, -errno a failure. */
  abstract attempt(fd: number): number;

  /** What the call is, as activeHandles lists a waiting one: "read", "accept", "sendmsg", ... */
  get opName(): string {
    return this.dir === R ? "read" : "write";
  }

  /**
   * The bytes a completed operation whose last attempt returned `n` moved, for the FD's
   * counters: -1 for one that is not a read or write of data (an accept, a raw call).
   */
  moved(_n: number): number {
    return -1;
  }

  /** The bytes a failed operation moved before it failed (a write's partial count), else 0. */
  progress(): number {
    return 0;
  }

  /**
   * The AbortSignal that may end the operation before it completes (`accept({ signal })`), or
   * undefined. A getter rather than a field, so the operations that take none (every read and
   * write) store nothing for it.
   */
  get signal(): AbortSignal | undefined {
    return undefined;
  }

  /**
   * Whether the operation completes with 0 once it holds the lock, before any deadline check
   * or wait: a zero-length plain read (Go's FD.Read returns 0, nil there).
   */
  get empty(): boolean {
    return false;
  }

  /** Whether the read that returned `n` left the fd drained (libuv's short-read rule). */
  drainedBy(_n: number, _fd: OpContext): boolean {
    return false;
  }

  /** Takes the progress `n` of an attempt: true when the operation is complete. */
  advance(_n: number): boolean {
    return true;
  }

  /** The value the caller gets once the operation is complete, made before the lock goes. */
  value(n: number, _fd: OpContext): unknown {
    return n;
  }

  /** The error the caller gets for `err` (the owner's OpError wrapping). */
  mapError(err: Error): Error {
    return err;
  }

  /**
   * For an fd the kernel will not poll (a regular file): the same work on the libuv threadpool,
   * reporting the result or -errno. Only reads and writes have it.
   */
  attemptBlocking(_fd: number, done: (n: number) => void): void {
    done(-E.EOPNOTSUPP!);
  }
}

/** A read(2) into `p[off, off+len)`; the value is the count or null at end of stream. */
export class ReadOp extends Op {
  readonly dir = R;
  constructor(
    resolve: (v: number | null) => void,
    reject: (err: Error) => void,
    readonly p: Uint8Array,
    readonly off: number,
    readonly len: number,
    readonly mapper: ReadErrorMapper | undefined,
  ) {
    super(resolve as (v: never) => void, reject);
  }

  override get empty(): boolean {
    return this.len === 0;
  }

  attempt(fd: number): number {
    return binding.read(fd, this.p, this.off, this.len);
  }

  override moved(n: number): number {
    return n;
  }

  override drainedBy(n: number, fd: OpContext): boolean {
    return fd.isStream && n < this.len;
  }

  override value(n: number, fd: OpContext): number | null {
    return n === 0 && this.len > 0 && fd.zeroReadIsEOF ? null : n;
  }

  override mapError(err: Error): Error {
    return this.mapper === undefined ? err : this.mapper.mapReadError(err);
  }

  override attemptBlocking(fd: number, done: (n: number) => void): void {
    blockingIO("read", fd, this.p, this.off, this.len, done);
  }
}

/**
 * A recvmsg(2) of one message; unlike a plain read, a zero-length buffer still receives (and
 * so consumes) a datagram, as Go's ReadFrom does.
 */
export class MsgReadOp<T> extends Op {
  readonly dir = R;
  constructor(
    resolve: (v: T) => void,
    reject: (err: Error) => void,
    readonly p: Uint8Array,
    readonly off: number,
    readonly len: number,
    readonly reader: MsgReader<T>,
  ) {
    super(resolve as (v: never) => void, reject);
  }

  attempt(fd: number): number {
    const m = this.reader;
    return binding.recvmsg(fd, this.p, this.off, this.len, m.oob, m.flags, m.from, m.info);
  }

  override get opName(): string {
    return "recvmsg";
  }

  override moved(n: number): number {
    return n;
  }

  override value(n: number, fd: OpContext): T {
    return n === 0 && fd.zeroReadIsEOF ? this.reader.eof() : this.reader.decode(this.p, n);
  }

  override mapError(err: Error): Error {
    return this.reader.mapReadError(err);
  }
}

/**
 * A write of all of `p[off, off+len)`, across as many syscalls as it takes: send(2) with
 * MSG_NOSIGNAL on sockets, write(2) elsewhere, chosen once per fd. The value is `len`.
 */
export class WriteOp extends Op {
  readonly dir = W;
  /** Bytes written so far. */
  nn = 0;
  constructor(
    resolve: (v: number) => void,
    reject: (err: Error) => void,
    readonly p: Uint8Array,
    readonly off: number,
    readonly len: number,
    readonly mapper: WriteErrorMapper,
    readonly useSend: boolean,
    readonly isStream: boolean,
  ) {
    super(resolve as (v: never) => void, reject);
  }

  attempt(fd: number): number {
    let max = this.len - this.nn;
    if (this.isStream && max > maxRW) max = maxRW;
    const off = this.off + this.nn;
    return this.useSend ? binding.send(fd, this.p, off, max) : binding.write(fd, this.p, off, max);
  }

  /** Done once every byte is out; a write that takes nothing of a non-empty rest is EIO. */
  override advance(n: number): boolean {
    this.nn += n;
    if (this.nn === this.len) return true;
    if (n === 0) throw new Errno(E.EIO!);
    return false;
  }

  override value(): number {
    return this.len;
  }

  override moved(): number {
    return this.len;
  }

  override progress(): number {
    return this.nn;
  }

  override mapError(err: Error): Error {
    return this.mapper.mapWriteError(err, this.nn);
  }

  override attemptBlocking(fd: number, done: (n: number) => void): void {
    blockingIO("write", fd, this.p, this.off + this.nn, this.len - this.nn, done);
  }
}

/** A {@link ReadOp} that an abort of `signal` ends while it waits (copy() with a signal). */
export class SignalReadOp extends ReadOp {
  readonly #signal: AbortSignal;

  constructor(resolve: (v: number | null) => void, reject: (err: Error) => void, p: Uint8Array, off: number, len: number, mapper: ReadErrorMapper | undefined, signal: AbortSignal) {
    super(resolve, reject, p, off, len, mapper);
    this.#signal = signal;
  }

  override get signal(): AbortSignal {
    return this.#signal;
  }
}

/** A {@link WriteOp} that an abort of `signal` ends while it waits, with the bytes written so far. */
export class SignalWriteOp extends WriteOp {
  readonly #signal: AbortSignal;

  constructor(resolve: (v: number) => void, reject: (err: Error) => void, p: Uint8Array, off: number, len: number, mapper: WriteErrorMapper, useSend: boolean, isStream: boolean, signal: AbortSignal) {
    super(resolve, reject, p, off, len, mapper, useSend, isStream);
    this.#signal = signal;
  }

  override get signal(): AbortSignal {
    return this.#signal;
  }
}

/** A sendmsg(2) of one message with optional control bytes to `sa` (null when connected). */
export class MsgWriteOp extends Op {
  readonly dir = W;
  constructor(
    resolve: (v: number) => void,
    reject: (err: Error) => void,
    readonly p: Uint8Array,
    readonly off: number,
    readonly len: number,
    readonly oob: Uint8Array | null,
    readonly sa: Uint8Array | null,
  ) {
    super(resolve as (v: never) => void, reject);
  }

  attempt(fd: number): number {
    return binding.sendmsg(fd, this.p, this.off, this.len, this.oob, this.sa);
  }

  override get opName(): string {
    return "sendmsg";
  }

  override moved(n: number): number {
    return n;
  }
}

/**
 * An accept4(2); ECONNABORTED (a peer that left the queue) is retried, as in Go. It may carry
 * an AbortSignal that ends it early (see FD.accept).
 */
export class AcceptOp extends Op {
  readonly dir = R;
  readonly #signal: AbortSignal | undefined;

  constructor(resolve: (fd: number) => void, reject: (err: Error) => void, signal?: AbortSignal) {
    super(resolve as (v: never) => void, reject);
    this.#signal = signal;
  }

  override get signal(): AbortSignal | undefined {
    return this.#signal;
  }

  override get opName(): string {
    return "accept";
  }

  attempt(fd: number): number {
    let n: number;
    do n = binding.accept(fd);
    while (n === -E.ECONNABORTED!);
    return n;
  }
}

/**
 * A caller's own syscall under the poller (Go's RawConn.Read/Write and `pd.waitRead`): `fn`
 * returns >= 0 when done, -EAGAIN to wait for readiness in `dir`, or another -errno to fail.
 * What an mq_receive, an eventfd or a connect check needs, without touching the hot path.
 */
export class RawOp extends Op {
  readonly #signal: AbortSignal | undefined;

  constructor(
    resolve: (v: number) => void,
    reject: (err: Error) => void,
    readonly dir: Dir,
    readonly fn: (fd: number) => number,
    readonly mapper?: (err: Error) => Error,
    signal?: AbortSignal,
  ) {
    super(resolve as (v: never) => void, reject);
    this.#signal = signal;
  }

  override get signal(): AbortSignal | undefined {
    return this.#signal;
  }

  attempt(fd: number): number {
    return this.fn(fd);
  }

  override get opName(): string {
    return this.dir === R ? "raw-read" : "raw-write";
  }

  override mapError(err: Error): Error {
    return this.mapper === undefined ? err : this.mapper(err);
  }
}

/**
 * A read or write on the libuv threadpool through Node's fs, at the fd's current offset: the
 * bounded work a regular file's I/O is (DESIGN.md). Reports -errno as the binding does.
 */
function blockingIO(
  kind: "read" | "write",
  fd: number,
  p: Uint8Array,
  off: number,
  len: number,
  done: (n: number) => void,
): void {
  const cb = (err: NodeJS.ErrnoException | null, n: number) => done(err === null ? n : fsErrno(err));
  if (kind === "read") fsRead(fd, p, off, len, null, cb);
  else fsWrite(fd, p, off, len, null, cb);
}

/** The -errno of a Node fs error (its `errno` is already negative on POSIX). */
function fsErrno(err: NodeJS.ErrnoException): number {
  const e = err.errno;
  if (typeof e === "number" && e !== 0) return e < 0 ? e : -e;
  return -E.EIO!;
}

/**
 * A writev of all of `bufs`: each try writes from buffer `#i`, byte `#off`, on; a partial write
 * moves the position and the loop tries again (Go's `FD.Writev`, with `consume`). The value is
 * the total length.
 */
export class WritevOp extends Op {
  readonly dir = W;
  readonly total: number;
  #i = 0;
  #off = 0;
  #nn = 0;
  constructor(
    resolve: (v: number) => void,
    reject: (err: Error) => void,
    readonly bufs: readonly Uint8Array[],
    readonly mapper: WriteErrorMapper,
    readonly useSend: boolean,
  ) {
    super(resolve as (v: never) => void, reject);
    let total = 0;
    for (const b of bufs) total += b.length;
    this.total = total;
  }

  override get opName(): string {
    return "writev";
  }

  attempt(fd: number): number {
    return binding.writev(fd, this.bufs, this.#i, this.#off, this.useSend);
  }

  /** Moves past the `n` bytes written; done once all are out. No progress on a rest is EIO. */
  override advance(n: number): boolean {
    this.#nn += n;
    let rest = n;
    const bufs = this.bufs;
    while (this.#i < bufs.length) {
      const left = bufs[this.#i]!.length - this.#off;
      if (rest < left) {
        this.#off += rest;
        break;
      }
      rest -= left;
      this.#i++;
      this.#off = 0;
    }
    if (this.#nn === this.total) return true;
    if (n === 0) throw new Errno(E.EIO!);
    return false;
  }

  override value(): number {
    return this.total;
  }

  override moved(): number {
    return this.total;
  }

  override progress(): number {
    return this.#nn;
  }

  override mapError(err: Error): Error {
    return this.mapper.mapWriteError(err, this.#nn);
  }

  /** An fd the kernel will not poll (a regular file): the current buffer's rest on the threadpool. */
  override attemptBlocking(fd: number, done: (n: number) => void): void {
    const b = this.bufs[this.#i];
    if (b === undefined) return done(0);
    fsWrite(fd, b, this.#off, b.length - this.#off, null, (err, n) => {
      if (err === null) return done(n);
      const e = err.errno;
      done(typeof e === "number" && e !== 0 ? -Math.abs(e) : -E.EIO!);
    });
  }
}
