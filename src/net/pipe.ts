/**
 * netPipe, Go's `net.Pipe`: a synchronous, in-memory, full-duplex pair of conns with no
 * buffering. A write on one end completes once reads on the other end have taken all of it
 * (as many reads as that takes); reads and writes queue in call order; deadlines, close and
 * Go's texts are Go's (net/pipe.go).
 */
import { Sentinel, ErrDeadlineExceeded, abortError } from "../poll/errors.js";
import { Deadline } from "../poll/deadline.js";
import { deadlineMs, readSignal, writeSignal, type DeadlineTime } from "../poll/stream.js";
import { invalidArg, isBytes } from "../sys/args.js";
import { OpError, type Addr } from "./errors.js";
import type { Conn } from "./conn.js";

/**
 * ErrClosedPipe is the error of a read or write on a closed pipe end, a write to an end whose
 * peer has closed, and a deadline set on either. Go: `io.ErrClosedPipe`.
 */
// Frozen: Go's text.
export const ErrClosedPipe = new Sentinel("io: read/write on closed pipe", "ERR_SOCKIT_CLOSED_PIPE");

/** The address of both ends of a pipe: network "pipe", text "pipe" (Go's pipeAddr). */
const pipeAddr: Addr = {
  network: () => "pipe",
  toString: () => "pipe",
};

/** A read waiting for a write. */
interface PendingRead {
  p: Uint8Array;
  resolve: (n: number | null) => void;
  reject: (err: Error) => void;
}

/** A write waiting for reads to take it. */
interface PendingWrite {
  b: Uint8Array;
  /** Bytes taken so far. */
  n: number;
  /** A zero-length write still waits for one read to meet it, as Go's does. */
  met: boolean;
  resolve: (n: number) => void;
  reject: (err: Error) => void;
}

/**
 * leaveOnAbort makes `call`, about to wait in `line`, leave the line and reject with `error()`
 * on an abort of `signal`; a call already settled (met by the peer) is left alone. The
 * listener goes once the call settles either way.
 */
function leaveOnAbort<V>(line: { resolve: (v: V) => void; reject: (err: Error) => void }[], call: { resolve: (v: V) => void; reject: (err: Error) => void }, signal: AbortSignal, error: () => Error): void {
  const { resolve, reject } = call;
  const onAbort = (): void => {
    const i = line.indexOf(call);
    if (i < 0) return;
    line.splice(i, 1);
    reject(error());
  };
  signal.addEventListener("abort", onAbort, { once: true });
  const off = (): void => signal.removeEventListener("abort", onAbort);
  call.resolve = (v) => (off(), resolve(v));
  call.reject = (err) => (off(), reject(err));
}

/** One end of a {@link netPipe}: a Conn; see the module comment. */
export class PipeConn implements Conn {
  #peer!: PipeConn;
  #closed = false;
  /** Reads on this end, waiting for the peer's writes. */
  #reads: PendingRead[] = [];
  /** Writes on this end, waiting for the peer's reads; the first is being taken. */
  #writes: PendingWrite[] = [];
  readonly #rDeadline = new Deadline(() => this.#expire("r"));
  readonly #wDeadline = new Deadline(() => this.#expire("w"));

  /** @internal Use netPipe. */
  static pair(): [PipeConn, PipeConn] {
    const a = new PipeConn();
    const b = new PipeConn();
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  private constructor() {}

  /**
   * read takes up to `p.length` bytes of the peer's next write: the count, or null once the
   * peer has closed. It waits for a write. On a closed end it rejects with ErrClosedPipe; past
   * the read deadline with "read pipe: i/o timeout".
   */
  read(p: Uint8Array): Promise<number | null> {
    return this.#read(p, undefined);
  }

  /** @internal read, ended by an abort of `signal` while it waits (taking nothing); see `readSignal`. */
  [readSignal](p: Uint8Array, signal: AbortSignal): Promise<number | null> {
    return this.#read(p, signal);
  }

  #read(p: Uint8Array, signal: AbortSignal | undefined): Promise<number | null> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    if (this.#closed) return Promise.reject(ErrClosedPipe);
    if (this.#peer.#closed) return Promise.resolve(null);
    if (this.#rDeadline.expired) return Promise.reject(new OpError("read", "pipe", null, null, ErrDeadlineExceeded));
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise((resolve, reject) => {
      const r: PendingRead = { p, resolve, reject };
      if (signal !== undefined) leaveOnAbort(this.#reads, r, signal, () => abortError(signal.reason));
      this.#reads.push(r);
      this.#peer.#pump();
    });
  }

  /**
   * write waits until reads on the peer have taken all of `p` (or one read has met an empty
   * `p`), and resolves with `p.length`. Concurrent writes go whole, in call order. A closed
   * end, or a closed peer, rejects with ErrClosedPipe; the write deadline with "write pipe:
   * i/o timeout" (with `bytesWritten`, what the peer had taken).
   */
  write(p: Uint8Array): Promise<number> {
    return this.#write(p, undefined);
  }

  /**
   * @internal write, ended by an abort of `signal` while reads on the peer have not taken all
   * of `p` (the rejection's `bytesWritten` says how much they took); see `readSignal`.
   */
  [writeSignal](p: Uint8Array, signal: AbortSignal): Promise<number> {
    return this.#write(p, signal);
  }

  #write(p: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    if (this.#closed || this.#peer.#closed) return Promise.reject(ErrClosedPipe);
    if (this.#wDeadline.expired) return Promise.reject(new OpError("write", "pipe", null, null, ErrDeadlineExceeded));
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise((resolve, reject) => {
      const w: PendingWrite = { b: p, n: 0, met: false, resolve, reject };
      if (signal !== undefined) {
        leaveOnAbort(this.#writes, w, signal, () => Object.assign(abortError(signal.reason), { bytesWritten: w.n }));
      }
      this.#writes.push(w);
      this.#pump();
    });
  }

  /** Matches this end's writes with the peer's reads, copying straight from one to the other. */
  #pump(): void {
    const reads = this.#peer.#reads;
    while (this.#writes.length > 0 && reads.length > 0) {
      const w = this.#writes[0]!;
      const r = reads.shift()!;
      const n = Math.min(r.p.length, w.b.length - w.n);
      r.p.set(w.b.subarray(w.n, w.n + n));
      w.n += n;
      w.met = true;
      r.resolve(n);
      if (w.n === w.b.length) {
        this.#writes.shift();
        w.resolve(w.n);
      }
    }
  }

  /** A deadline passed: the calls waiting in that direction fail. */
  #expire(dir: "r" | "w"): void {
    if (dir === "r") {
      for (const r of this.#reads.splice(0)) r.reject(new OpError("read", "pipe", null, null, ErrDeadlineExceeded));
      return;
    }
    for (const w of this.#writes.splice(0)) {
      const e = new OpError("write", "pipe", null, null, ErrDeadlineExceeded);
      e.bytesWritten = w.n;
      w.reject(e);
    }
  }

  /**
   * close closes this end: its waiting calls fail with ErrClosedPipe, the peer's waiting reads
   * see end of stream (null) and its waiting writes ErrClosedPipe. Closing again does nothing,
   * as in Go.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rDeadline.clear();
    this.#wDeadline.clear();
    for (const r of this.#reads.splice(0)) r.reject(ErrClosedPipe);
    for (const w of this.#writes.splice(0)) w.reject(ErrClosedPipe);
    const peer = this.#peer;
    for (const r of peer.#reads.splice(0)) r.resolve(null);
    for (const w of peer.#writes.splice(0)) w.reject(ErrClosedPipe);
  }

  /** Idempotent close, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** localAddr is the pipe's address: network and text "pipe". */
  localAddr(): Addr {
    return pipeAddr;
  }

  /** remoteAddr is the pipe's address: network and text "pipe". */
  remoteAddr(): Addr {
    return pipeAddr;
  }

  /** setDeadline sets both deadlines (points in time); ErrClosedPipe once either end closed. */
  setDeadline(t: DeadlineTime): void {
    this.#set("rw", t);
  }

  /** setReadDeadline sets the read deadline, a point in time; see setDeadline. */
  setReadDeadline(t: DeadlineTime): void {
    this.#set("r", t);
  }

  /** setWriteDeadline sets the write deadline, a point in time; see setDeadline. */
  setWriteDeadline(t: DeadlineTime): void {
    this.#set("w", t);
  }

  #set(which: "r" | "w" | "rw", t: DeadlineTime): void {
    const ms = deadlineMs(t);
    if (this.#closed || this.#peer.#closed) throw ErrClosedPipe;
    if (which !== "w") this.#rDeadline.set(ms);
    if (which !== "r") this.#wDeadline.set(ms);
  }
}

/**
 * netPipe makes a synchronous, in-memory, full-duplex pair of conns (Go's `net.Pipe`): what
 * one end writes, the other reads, with no buffer between, so a write waits for reads to take
 * it. For testing code that takes a Conn, without sockets.
 *
 * @example
 * const [a, b] = netPipe();
 * const w = a.write(new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(8);
 * await b.read(buf); // 2
 * await w;           // 2, once b has read it all
 */
export function netPipe(): [PipeConn, PipeConn] {
  return PipeConn.pair();
}
