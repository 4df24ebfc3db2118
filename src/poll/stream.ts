/**
 * FDStream, the stream half every fd owner with reads and writes shares: sockets (net's
 * SocketConn) and files and pipes (ipc's File). Reads, writes, chunked iteration and close
 * live here once, over any FD, on FDDeadlines (the three deadlines, which a message queue
 * shares too); a subclass says only how its errors read
 * ("read tcp L->R: ..." for a conn, "read |0: ..." for a file).
 */
import { FDOwner } from "./owner.js";
import type { ReadErrorMapper, WriteErrorMapper } from "./op.js";
import { invalidArg, isBytes } from "../sys/args.js";

/**
 * A point in time for a deadline: a Date, or epoch milliseconds (as `Date.now() + 5000`), or
 * null for none. It is never a duration: `setReadDeadline(5000)` means 5 s after 1970, which
 * has passed, so calls fail at once with "i/o timeout".
 */
export type DeadlineTime = Date | number | null;

/**
 * deadlineMs turns a deadline into the poll layer's epoch milliseconds: 0 for none, and any
 * time at or before the epoch becomes 1 so that it still counts as passed.
 */
export function deadlineMs(t: DeadlineTime): number {
  if (t === null) return 0;
  const ms = typeof t === "number" ? t : t instanceof Date ? t.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw invalidArg("deadline", "a Date, epoch milliseconds or null", t);
  return ms <= 0 ? 1 : ms;
}

/**
 * A conn that can shut down one direction (TCPConn, UnixConn): what the stream adapters and
 * the CLI half-close through.
 */
export interface HalfCloser {
  /** closeWrite shuts down the writing side; the peer reads end of stream. */
  closeWrite(): Promise<void>;
  /** closeRead shuts down the reading side; later reads see end of stream. */
  closeRead(): Promise<void>;
}

/** canHalfClose reports whether `c` can shut down one direction (has closeWrite/closeRead). */
export function canHalfClose<T extends object>(c: T): c is T & HalfCloser {
  const h = c as Partial<HalfCloser>;
  return typeof h.closeWrite === "function" && typeof h.closeRead === "function";
}

/**
 * @internal The callback forms of a stream's read and write: `[readTo](p, off, len, done,
 * fail)` reads into `p[off, off+len)` and `[writeFrom](p, off, len, done, fail)` writes all of
 * it, each calling `done` (the count; null at end of stream) or `fail` once, perhaps before
 * returning; the callbacks must not throw. They are the stream's read and write without the
 * promise, for the layers built on a stream (a served conn, a framed conn) that make one
 * promise of their own per call instead of chaining one onto the stream's.
 */
export const readTo: unique symbol = Symbol("sockit.readTo");
/** @internal See {@link readTo}. */
export const writeFrom: unique symbol = Symbol("sockit.writeFrom");

/**
 * @internal `[readSignal](p, signal)`: a stream's read that an abort of `signal` ends while it
 * waits, before the read has taken any byte (so none is lost), and `[writeSignal](p, signal)`,
 * its write, which an abort ends while it waits for the peer to take the rest (the rejection's
 * `bytesWritten` says how much went). copy() stops with these, on every stream sockit has.
 */
export const readSignal: unique symbol = Symbol("sockit.readSignal");
/** @internal See {@link readSignal}. */
export const writeSignal: unique symbol = Symbol("sockit.writeSignal");

/** @internal A stream with the abortable read; see {@link readSignal}. */
export interface SignalReader {
  [readSignal](p: Uint8Array, signal: AbortSignal): Promise<number | null>;
}

/** @internal A stream with the abortable write; see {@link readSignal}. */
export interface SignalWriter {
  [writeSignal](p: Uint8Array, signal: AbortSignal): Promise<number>;
}

/** @internal A stream with the callback forms of read and write; see {@link readTo}. */
export interface CallbackStream {
  [readTo](p: Uint8Array, off: number, len: number, done: (n: number | null) => void, fail: (err: Error) => void): void;
  [writeFrom](p: Uint8Array, off: number, len: number, done: (n: number) => void, fail: (err: Error) => void): void;
}

/** @internal hasCallbacks reports whether `c` has the callback forms of read and write. */
export function hasCallbacks<T extends object>(c: T): c is T & CallbackStream {
  const s = c as Partial<CallbackStream>;
  return typeof s[readTo] === "function" && typeof s[writeFrom] === "function";
}

/** The buffer chunk iteration reads into. */
const chunkSize = 64 * 1024;

/**
 * ChunkReader reads chunks of up to 64 KiB through `read` and hands each out right-sized: a
 * small read is copied out of the scratch buffer, so a kept 1-byte chunk pins 1 byte, not
 * 64 KiB; a read that fills half the buffer or more is handed out as is, and the next read
 * gets a fresh buffer (no copy of bulk data, at most twice its size held).
 */
export class ChunkReader {
  #buf: Uint8Array | null = null;

  constructor(private readonly read: (p: Uint8Array) => Promise<number | null>) {}

  /** next reads the next chunk: its bytes, or null at end of stream. */
  async next(): Promise<Uint8Array | null> {
    const buf = (this.#buf ??= new Uint8Array(chunkSize));
    const n = await this.read(buf);
    if (n === null) return null;
    if (n * 2 < buf.length) return buf.slice(0, n);
    this.#buf = null;
    return buf.subarray(0, n);
  }
}

/**
 * readChunks iterates what `read` gives, in right-sized chunks (see ChunkReader), until end of
 * stream; a read that fails once `closed()` says the reader was closed ends the loop too, and
 * any other failure is thrown. Shared by every stream's `chunks()`.
 */
export async function* readChunks(
  read: (p: Uint8Array) => Promise<number | null>,
  closed: () => boolean,
): AsyncGenerator<Uint8Array, void, undefined> {
  const r = new ChunkReader(read);
  for (;;) {
    let chunk: Uint8Array | null;
    try {
      chunk = await r.next();
    } catch (err) {
      if (closed()) return;
      throw err;
    }
    if (chunk === null) return;
    yield chunk;
  }
}

/**
 * FDDeadlines is an fd owner with Go's three deadlines (`SetDeadline`, `SetReadDeadline`,
 * `SetWriteDeadline`) over its FD's: streams, and owners whose calls wait in one direction or
 * the other without being reads and writes (a message queue's receive and send).
 */
export abstract class FDDeadlines extends FDOwner {
  /**
   * setDeadline sets both the read and write deadlines: a point in time (a Date or epoch
   * milliseconds, as `Date.now() + 5000`; never a duration), or null for none. A deadline
   * applies to calls already waiting and to later ones; once it passes they reject with
   * ErrDeadlineExceeded ("i/o timeout") until it is moved. `setDeadline(5000)` means 1970:
   * every call then fails at once.
   *
   * @example
   * conn.setDeadline(Date.now() + 5000); // 5 s from now
   */
  setDeadline(t: DeadlineTime): void {
    this.#setDeadline("rw", t);
  }

  /** setReadDeadline sets the deadline of reads, a point in time; see {@link FDDeadlines.setDeadline}. */
  setReadDeadline(t: DeadlineTime): void {
    this.#setDeadline("r", t);
  }

  /** setWriteDeadline sets the deadline of writes, a point in time; see {@link FDDeadlines.setDeadline}. */
  setWriteDeadline(t: DeadlineTime): void {
    this.#setDeadline("w", t);
  }

  #setDeadline(which: "r" | "w" | "rw", t: DeadlineTime): void {
    const ms = deadlineMs(t);
    try {
      this.pfd.setDeadline(which, ms);
    } catch (err) {
      throw this.setError(err as Error);
    }
  }

  /** @internal The error form of the deadline setters. */
  protected abstract setError(err: Error): Error;
}

/** FDStream is the read/write half of an fd owner, with its deadlines; see the module comment. */
export abstract class FDStream extends FDDeadlines implements ReadErrorMapper, WriteErrorMapper, CallbackStream, SignalReader, SignalWriter {
  /**
   * read reads up to `p.length` bytes into `p`: the count, or null at end of stream (Go's
   * `io.EOF`). Concurrent reads are served whole, in call order. A `p` that is not a
   * Uint8Array rejects with a TypeError (ERR_INVALID_ARG_TYPE).
   *
   * @example
   * const n = await conn.read(buf); if (n === null) return; // the peer closed
   */
  read(p: Uint8Array): Promise<number | null> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    return this.pfd.read(p, 0, p.length, this);
  }

  /**
   * write writes all of `p` and resolves with `p.length` once the kernel holds every byte.
   * Concurrent writes never interleave. A failure rejects with an error whose `bytesWritten`
   * says how much went out first. The bytes of `p` are used in place until the promise
   * settles: do not change them before then (copy first if you must).
   *
   * @example
   * await conn.write(new TextEncoder().encode("hello\n"));
   */
  write(p: Uint8Array): Promise<number> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    return this.pfd.write(p, 0, p.length, this);
  }

  /** @internal read, ended by an abort of `signal` while it waits; see {@link readSignal}. */
  [readSignal](p: Uint8Array, signal: AbortSignal): Promise<number | null> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    return this.pfd.readSignal(p, 0, p.length, this, signal);
  }

  /** @internal write, ended by an abort of `signal` while it waits; see {@link readSignal}. */
  [writeSignal](p: Uint8Array, signal: AbortSignal): Promise<number> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    return this.pfd.writeSignal(p, 0, p.length, this, signal);
  }

  /** @internal The callback form of read; see {@link readTo}. */
  [readTo](p: Uint8Array, off: number, len: number, done: (n: number | null) => void, fail: (err: Error) => void): void {
    this.pfd.readTo(p, off, len, this, done, fail);
  }

  /** @internal The callback form of write; see {@link readTo}. */
  [writeFrom](p: Uint8Array, off: number, len: number, done: (n: number) => void, fail: (err: Error) => void): void {
    this.pfd.writeFrom(p, off, len, this, done, fail);
  }

  /**
   * writev writes all of `bufs`, in order, as one write (Go's `net.Buffers.WriteTo`): one
   * writev(2) per try on pipes and files, sendmsg(2) on sockets, at most IOV_MAX buffers each,
   * resuming after a partial write; it resolves with the total length once the kernel holds
   * every byte. Concurrent writes never interleave with it. A failure rejects as
   * {@link FDStream.write}'s does, `bytesWritten` counting across the buffers. The buffers are
   * used in place until the promise settles.
   *
   * @example
   * await conn.writev([header, body]); // one syscall where the kernel takes it all
   */
  writev(bufs: readonly Uint8Array[]): Promise<number> {
    if (!Array.isArray(bufs)) return Promise.reject(invalidArg("bufs", "an Array of Uint8Array", bufs));
    // A copy of the list: the caller may change it while the write waits, and the binding
    // needs a plain array without accessors.
    const list: Uint8Array[] = new Array<Uint8Array>(bufs.length);
    for (let i = 0; i < bufs.length; i++) {
      const b: unknown = bufs[i];
      if (!isBytes(b)) return Promise.reject(invalidArg(`bufs[${i}]`, "a Uint8Array", b));
      list[i] = b;
    }
    return this.pfd.writev(list, this);
  }

  /**
   * chunks iterates the bytes that arrive, in right-sized chunks of up to 64 KiB, until end of
   * stream or close (one message per chunk on message sockets); another error rejects. Breaking
   * out of the loop leaves the stream open.
   *
   * @example
   * for await (const chunk of conn.chunks()) process.stdout.write(chunk);
   */
  chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    return readChunks((p) => this.read(p), () => this.pfd.closed);
  }

  /** @internal How a failed read is reported. */
  abstract mapReadError(err: Error): Error;

  /** @internal How a failed write is reported, with the bytes that went out first. */
  abstract mapWriteError(err: Error, written: number): Error;

}
