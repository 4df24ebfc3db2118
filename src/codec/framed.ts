/**
 * FramedConn: frames over any byte stream. Reads fill one buffer, which a decoder splits into
 * frames handed out as views into it; writes encode frames into the buffers of one write,
 * written with one writev where the conn has it (every fd-based conn does).
 */
import { FRAME, SKIP, type Codec, type FrameDecoder } from "./codec.js";
import { encodeBatch, encodeOne } from "./batch.js";
import { ErrNoProgress } from "./errors.js";
import { invalidArg, isBytes } from "../sys/args.js";
import { hasCallbacks, readTo, writeFrom, type CallbackStream, type DeadlineTime } from "../poll/stream.js";

/**
 * ByteStream is what {@link framed} and the bufio Reader work over: anything with Go's
 * reads (`read(p)` → count, or null at the end), such as every sockit stream conn, a
 * TLSConn, a netPipe end, a pipe or a child's stdout File. Writes, writev, close and the
 * deadlines are used when it has them.
 */
export interface ByteStream {
  read(p: Uint8Array): Promise<number | null>;
  write?(p: Uint8Array): Promise<number>;
  writev?(bufs: readonly Uint8Array[]): Promise<number>;
  close?(): Promise<void> | void;
  setDeadline?(t: DeadlineTime): void;
  setReadDeadline?(t: DeadlineTime): void;
  setWriteDeadline?(t: DeadlineTime): void;
}

/** The options of {@link framed}. */
export interface FramedOptions {
  /**
   * Whether each frame read is a copy the caller may keep (true), or a view into the read
   * buffer that stays valid only until the next `read()` (false, the default: no copy).
   */
  copy?: boolean;
  /**
   * The read buffer's starting size, in bytes (default 16 KiB). It grows to hold a frame
   * larger than this, but never past the codec's limit (its maxFrameLength plus any header
   * or delimiter), and shrinks back once it is empty.
   */
  bufferSize?: number;
}

/** A function that frames a conn, as `framed(codec)` returns: what a server's handler wrap takes. */
export type Framer = <C extends ByteStream>(conn: C) => FramedConn<C>;

/** Consecutive reads of 0 bytes, without an end, before a stream counts as broken (Go's bufio). */
const maxEmptyReads = 100;

/** The size of a FramedConn's staging buffer for writes of one small frame (made on first use). */
const stageSize = 1280;

/** Above this total, a batch for a conn without writev goes as sequential writes, not one copy. */
const concatMax = 4 << 20;

/**
 * FramedConn reads and writes whole frames (messages) over a byte stream, by the rules of a
 * {@link Codec}; made by {@link framed}. Reads return one frame each, or null at a clean end
 * of stream; a stream that ends inside a frame fails with ErrUnexpectedEOF; a frame that
 * breaks the codec's rules fails with a FrameError. Frames are views into the read buffer,
 * valid until the next read, unless `{ copy: true }`. Concurrent reads are served in call
 * order, as are writes; a batch (`writeMany`) never interleaves with another write.
 *
 * @example
 * const f = framed(conn, lengthField({ length: 4 }));
 * for await (const frame of f) await f.write(frame); // an echo of messages, not of bytes
 */
export class FramedConn<C extends ByteStream = ByteStream> implements AsyncIterable<Uint8Array, undefined>, AsyncDisposable {
  /** The stream under the frames. Reading it directly while frames are read loses bytes. */
  readonly conn: C;
  readonly #codec: Codec;
  readonly #dec: FrameDecoder;
  readonly #copy: boolean;
  readonly #size: number;
  readonly #cap: number;
  #buf: Uint8Array | null = null;
  #start = 0;
  #end = 0;
  #eof = false;
  #closed = false;
  #readTail: Promise<unknown> | null = null;
  #writeTail: Promise<unknown> | null = null;
  /** The conn's callback forms of read and write (see `readTo` in poll/stream.ts), or null. */
  readonly #io: CallbackStream | null;
  /** The read that pulls through `#io`, at most one at a time: its promise's settlers. */
  #pull: { resolve: (v: Uint8Array | null) => void; reject: (err: unknown) => void; empty: number; promise: Promise<unknown> | null } | null = null;
  /** The staging buffer of one-frame writes through `#io`, reused while no such write holds it. */
  #stage: Uint8Array | null = null;
  /** The write from the staging buffer in flight (null: the buffer is free): its promise's settlers and its total. */
  #staged: { resolve: (n: number) => void; reject: (err: Error) => void; total: number } | null = null;

  /** @internal Use {@link framed}. */
  constructor(conn: C, codec: Codec, opts: FramedOptions = {}) {
    if (typeof conn !== "object" || conn === null || typeof conn.read !== "function") {
      throw invalidArg("conn", "a stream with read(p)", conn);
    }
    this.conn = conn;
    this.#codec = codec;
    this.#dec = codec.decoder();
    this.#copy = opts.copy === true;
    const size = opts.bufferSize ?? 16 * 1024;
    if (!Number.isSafeInteger(size) || size < 16) throw invalidArg("bufferSize", "an integer of at least 16", size);
    this.#size = size;
    this.#cap = Math.max(this.#size, this.#dec.maxBuffer);
    this.#io = hasCallbacks(conn) ? conn : null;
  }

  /** The codec this conn frames by. */
  get codec(): Codec {
    return this.#codec;
  }

  /** buffered returns how many bytes have been read from the stream but not yet returned as frames. */
  buffered(): number {
    return this.#end - this.#start;
  }

  /** @internal The read buffer's size now, for the tests of its bound. */
  get bufferCapacity(): number {
    return this.#buf?.length ?? 0;
  }

  /**
   * read returns the next frame, or null at a clean end of stream. Without `copy`, the frame
   * is a view into the read buffer, valid until the next read. Rejects with ErrUnexpectedEOF
   * if the stream ends inside a frame, with a FrameError for a frame the codec rejects (a
   * frame too long is discarded, so a next read returns the frame after it), and with the
   * stream's own errors (a deadline's "i/o timeout", a closed conn).
   *
   * @example
   * const frame = await f.read(); if (frame === null) return; // the peer closed
   */
  read(): Promise<Uint8Array | null> {
    if (this.#readTail === null) {
      // No read in flight: a buffered frame at once, else one pull, with no queueing.
      let v: Uint8Array | null | undefined;
      try {
        v = this.#buffered();
      } catch (err) {
        return Promise.reject(err);
      }
      if (v !== undefined) return Promise.resolve(v);
      const p = this.#pullRead();
      // Unless it settled at once (the bytes were there), it is the read in flight, until
      // #pullEnd (a later read queues behind it).
      if (this.#pull !== null) this.#readTail = this.#pull.promise = p;
      return p;
    }
    const next = (): Promise<Uint8Array | null> | Uint8Array | null => {
      const v = this.#buffered(); // null is the end, a result like a frame
      return v !== undefined ? v : this.#pullRead();
    };
    const p = this.#readTail.then(next, next);
    this.#readTail = p;
    const clear = (): void => {
      if (this.#readTail === p) this.#readTail = null;
    };
    p.then(clear, clear);
    return p;
  }

  /**
   * tryRead returns the next frame if it is already buffered, without I/O and without a
   * promise: a frame (as read's, a view unless `copy`), null at a clean end of stream, or
   * undefined when there is no whole frame buffered or a read is in flight (then `read()`
   * waits for it). Throws what read rejects with for the buffered bytes (a FrameError,
   * ErrUnexpectedEOF). A loop that tries first and waits only when it must costs no promise
   * for the frames that arrived together: twice the frames per second of `await read()`.
   *
   * @example
   * for (;;) {
   *   const frame = f.tryRead() ?? (await f.read());
   *   if (frame === null) break; // the peer closed
   *   handle(frame);
   * }
   */
  tryRead(): Uint8Array | null | undefined {
    return this.#readTail === null ? this.#buffered() : undefined;
  }

  /**
   * The next frame from what is buffered: a frame, null at the end, or undefined when the
   * decoder needs more bytes than there are. Throws the decoder's errors.
   */
  #buffered(): Uint8Array | null | undefined {
    const d = this.#dec;
    const buf = (this.#buf ??= new Uint8Array(this.#size));
    for (;;) {
      const step = d.decode(buf, this.#start, this.#end);
      if (step === FRAME) {
        this.#start += d.consumed;
        // The constructor rather than subarray: no species lookup, about half the cost.
        const v = new Uint8Array(buf.buffer, buf.byteOffset + d.frameStart, d.frameEnd - d.frameStart);
        return this.#copy ? v.slice() : v;
      }
      if (step === SKIP) {
        this.#start += d.consumed;
        continue;
      }
      if (!this.#eof) return undefined;
      // What is left is used up first: an error (ErrUnexpectedEOF) is reported once, and the
      // next read returns null, as a Go reader returns io.EOF after io.ErrUnexpectedEOF.
      const s = this.#start;
      this.#start = this.#end;
      const last = d.finish(buf, s, this.#end);
      return last !== null && this.#copy ? last.slice() : last;
    }
  }

  /**
   * A read with no whole frame buffered and, its turn come, none in flight: one promise in
   * all, the conn's reads reporting to #pulled, through the conn's callback form where it has
   * one (so no promise of the conn's either).
   */
  #pullRead(): Promise<Uint8Array | null> {
    return new Promise<Uint8Array | null>((resolve, reject) => {
      this.#pull = { resolve, reject, empty: 0, promise: null };
      this.#pullMore();
    });
  }

  /** Asks the conn for more bytes for the pulling read, first making room for what the decoder needs. */
  #pullMore(): void {
    this.#room(this.#dec.need);
    const buf = this.#buf!;
    const io = this.#io;
    if (io !== null) return io[readTo](buf, this.#end, buf.length - this.#end, this.#pulled, this.#pullFailed);
    let read: Promise<number | null>;
    try {
      read = this.conn.read(buf.subarray(this.#end));
    } catch (err) {
      return this.#pullFailed(err as Error);
    }
    read.then(this.#pulled, this.#pullFailed);
  }

  /** A conn's read for the pulling read is done: settle it with a frame, or read again. */
  readonly #pulled = (n: number | null): void => {
    const pull = this.#pull!;
    if (n === null) this.#eof = true;
    else if (n > 0) this.#end += n;
    else if (++pull.empty >= maxEmptyReads) return this.#pullFailed(ErrNoProgress);
    let v: Uint8Array | null | undefined;
    try {
      v = this.#buffered();
    } catch (err) {
      return this.#pullFailed(err as Error);
    }
    if (v === undefined) return this.#pullMore();
    this.#pullEnd();
    pull.resolve(v);
  };

  readonly #pullFailed = (err: Error): void => {
    const pull = this.#pull!;
    this.#pullEnd();
    pull.reject(err);
  };

  #pullEnd(): void {
    // A read that came while this one was in flight is queued behind it and is the tail now
    // (a queued read's own pull has no promise here: its chain clears the tail itself).
    if (this.#readTail === this.#pull!.promise) this.#readTail = null;
    this.#pull = null;
  }

  /**
   * Makes room in the read buffer for `need` bytes from the start of the buffered ones (and
   * for a read of a worthwhile size): moves them to the front, or grows the buffer up to the
   * codec's bound, or shrinks one grown for a large frame once it is empty.
   */
  #room(need: number): void {
    let buf = this.#buf!;
    const have = this.#end - this.#start;
    if (have === 0) {
      this.#start = this.#end = 0;
      // A buffer grown for one large frame goes back to its starting size once it is empty.
      if (buf.length > this.#size && need <= this.#size) buf = this.#buf = new Uint8Array(this.#size);
    }
    if (buf.length - this.#start < need || (this.#start > 0 && buf.length - this.#end < buf.length >> 3)) {
      if (need > buf.length) {
        const bigger = new Uint8Array(Math.min(Math.max(need, buf.length * 2), Math.max(this.#cap, need)));
        bigger.set(buf.subarray(this.#start, this.#end));
        buf = this.#buf = bigger;
      } else {
        // This moves the bytes under the frame last returned: why a view lasts until the next read.
        buf.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = have;
    }
  }

  /**
   * Iterates the frames until a clean end of stream (or until this FramedConn is closed);
   * errors reject as read's do. Each frame is valid until the next iteration (unless `copy`).
   * Breaking out of the loop leaves the conn open.
   *
   * @example
   * for await (const frame of framed(conn, lines())) console.log(new TextDecoder().decode(frame));
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
    const end: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const step = (frame: Uint8Array | null): IteratorResult<Uint8Array, undefined> => (frame === null ? end : { done: false, value: frame });
    const quiet = (err: unknown): IteratorResult<Uint8Array, undefined> => {
      if (this.#closed) return end;
      throw err;
    };
    return {
      next: () => {
        if (this.#readTail === null) {
          // As read's fast path, without its extra promise.
          try {
            const v = this.#buffered();
            if (v !== undefined) return Promise.resolve(step(v));
          } catch (err) {
            return new Promise((resolve) => resolve(quiet(err)));
          }
        }
        return this.read().then(step, quiet);
      },
      return: async () => end,
    };
  }

  /**
   * write encodes one frame (its length prefix, its delimiter) and writes it; it resolves with
   * the bytes that went out, framing included. The frame is used in place until the promise
   * settles. A frame the codec cannot write (too long for it, the wrong size) rejects with a
   * FrameError before anything is written.
   *
   * @example
   * await f.write(new TextEncoder().encode("hello"));
   */
  write(frame: Uint8Array): Promise<number> {
    if (!isBytes(frame)) return Promise.reject(invalidArg("frame", "a Uint8Array", frame));
    return this.writeMany([frame]);
  }

  /**
   * writeMany encodes `frames` and writes them as one write: one writev(2) (sendmsg on sockets)
   * on an fd-based conn, with small frames and every header copied into one buffer, large
   * frames written in place; elsewhere (a TLSConn, a netPipe) one write of their concatenation.
   * Resolves with the bytes that went out. Every frame is checked first: one the codec cannot
   * write fails the whole batch, and nothing is written.
   *
   * @example
   * await f.writeMany(messages); // 1,000 small frames: one syscall where the kernel takes them
   */
  writeMany(frames: readonly Uint8Array[]): Promise<number> {
    if (!Array.isArray(frames)) return Promise.reject(invalidArg("frames", "an Array of Uint8Array", frames));
    const io = this.#io;
    if (io !== null && frames.length === 1 && this.#staged === null) {
      // One small frame over a conn with callback forms: staged in a reused buffer, written
      // with no promise but this call's.
      const stage = (this.#stage ??= new Uint8Array(stageSize));
      let n: number;
      try {
        n = encodeOne(this.#codec.encoder, frames[0], stage);
      } catch (err) {
        return Promise.reject(err);
      }
      if (n >= 0) {
        return new Promise<number>((resolve, reject) => {
          this.#staged = { resolve, reject, total: n };
          io[writeFrom](stage, 0, n, this.#stagedDone, this.#stagedFailed);
        });
      }
    }
    let batch: ReturnType<typeof encodeBatch>;
    try {
      batch = encodeBatch(this.#codec.encoder, frames);
    } catch (err) {
      return Promise.reject(err);
    }
    return batch.bufs.length === 0 ? Promise.resolve(0) : this.#writeBufs(batch.bufs, batch.total);
  }

  readonly #stagedDone = (): void => {
    const w = this.#staged!;
    this.#staged = null;
    w.resolve(w.total);
  };

  readonly #stagedFailed = (err: Error): void => {
    const w = this.#staged!;
    this.#staged = null;
    w.reject(err);
  };

  /** Writes encoded buffers: one writev where the conn has it, else in order under this conn's write lock. */
  async #writeBufs(bufs: Uint8Array[], total: number): Promise<number> {
    const c = this.conn;
    if (typeof c.writev === "function") {
      await (bufs.length === 1 && typeof c.write === "function" ? c.write(bufs[0]!) : c.writev(bufs));
      return total;
    }
    if (typeof c.write !== "function") throw new TypeError("sockit: the conn of this FramedConn cannot write");
    await this.#serialWrite(c.write.bind(c), bufs, total);
    return total;
  }

  /**
   * Writes `bufs` for a conn without writev, in order and not interleaved with other frames:
   * one write of their concatenation, or, past 4 MiB, one write each under this conn's lock.
   */
  async #serialWrite(write: (p: Uint8Array) => Promise<number>, bufs: Uint8Array[], total: number): Promise<void> {
    const run = async (): Promise<void> => {
      if (bufs.length === 1) await write(bufs[0]!);
      else if (total <= concatMax) await write(concat(bufs, total));
      else for (const b of bufs) await write(b);
    };
    const prev = this.#writeTail;
    const p = prev === null ? run() : prev.then(run, run);
    this.#writeTail = p;
    try {
      await p;
    } finally {
      if (this.#writeTail === p) this.#writeTail = null;
    }
  }

  /** setDeadline sets the conn's read and write deadlines; see the conn's own `setDeadline`. */
  setDeadline(t: DeadlineTime): void {
    this.#need("setDeadline").call(this.conn, t);
  }

  /** setReadDeadline sets the conn's read deadline: a read of a frame fails with "i/o timeout" once it passes. */
  setReadDeadline(t: DeadlineTime): void {
    this.#need("setReadDeadline").call(this.conn, t);
  }

  /** setWriteDeadline sets the conn's write deadline. */
  setWriteDeadline(t: DeadlineTime): void {
    this.#need("setWriteDeadline").call(this.conn, t);
  }

  #need(name: "setDeadline" | "setReadDeadline" | "setWriteDeadline"): (t: DeadlineTime) => void {
    const fn = this.conn[name];
    if (typeof fn !== "function") throw new TypeError(`sockit: the conn of this FramedConn has no ${name}`);
    return fn;
  }

  /**
   * close closes the conn (and so wakes a waiting read); a read loop over this FramedConn then
   * ends quietly. A second close rejects as the conn's does.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.conn.close?.();
  }

  /** Closes the conn unless it is closed already. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    await this.close();
  }
}

function concat(bufs: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of bufs) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}

function isCodec(v: unknown): v is Codec {
  return typeof v === "object" && v !== null && typeof (v as Codec).decoder === "function" && typeof (v as Codec).encoder === "object";
}

/**
 * framed wraps a byte stream in a {@link FramedConn} that reads and writes whole frames by the
 * rules of `codec`: the answer to TCP's "sticky packets", where a stream keeps no message
 * boundaries. With the codec alone, it returns a {@link Framer}, a function that frames each
 * conn it is given (`serve(listener, framed(lengthField()), handler)`).
 *
 * @example
 * const f = framed(conn, lengthField({ length: 4, maxFrameLength: 1 << 20 }));
 * for await (const frame of f) handle(frame); // one Uint8Array per message
 * await f.write(payload);                     // prepends the length
 *
 * Go: the standard library has no framer; Go code reads `binary.BigEndian.Uint32` from a
 * `bufio.Reader` and then `io.ReadFull`, which is what lengthField's defaults read.
 */
export function framed<C extends ByteStream>(conn: C, codec: Codec, opts?: FramedOptions): FramedConn<C>;
export function framed(codec: Codec, opts?: FramedOptions): Framer;
export function framed<C extends ByteStream>(a: C | Codec, b?: Codec | FramedOptions, c?: FramedOptions): FramedConn<C> | Framer {
  if (isCodec(a)) {
    const opts = b as FramedOptions | undefined;
    return <D extends ByteStream>(conn: D) => new FramedConn(conn, a, opts);
  }
  if (!isCodec(b)) throw invalidArg("codec", "a Codec (lengthField(), lines(), ...)", b);
  return new FramedConn(a, b, c);
}
