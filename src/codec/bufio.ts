/**
 * Reader, Go's `bufio.Reader` over any byte stream, for protocols written by hand: lines,
 * delimited fields, exact byte counts, a peek at what comes next. Go's semantics and texts;
 * where Go returns data and an error together, the TypeScript form is noted on each method.
 */
import { ErrBufferFull, ErrNegativeCount, ErrNoProgress, ErrUnexpectedEOF } from "./errors.js";
import type { ByteStream } from "./framed.js";
import { invalidArg, isBytes } from "../sys/args.js";

/** Go's minReadBufferSize. */
const minSize = 16;
/** Go's maxConsecutiveEmptyReads. */
const maxEmptyReads = 100;
const LF = 10;
const CR = 13;
const utf8 = new TextDecoder();

/** What {@link Reader.readLine} returns: the line without its ending, and whether it was cut at the buffer's size. */
export interface Line {
  line: Uint8Array;
  isPrefix: boolean;
}

function delimByte(delim: unknown): number {
  const d = typeof delim === "string" && delim.length === 1 ? delim.charCodeAt(0) : delim;
  if (typeof d !== "number" || !Number.isInteger(d) || d < 0 || d > 255) throw invalidArg("delim", "a byte (0 to 255) or a one-character ASCII string", delim);
  return d;
}

/**
 * Reader buffers a byte stream (Go's `bufio.Reader`, `bufio.NewReaderSize`): a buffer of
 * `size` bytes (at least 16; default 4096) that the methods read from, refilled by one read
 * of the stream at a time. Views it returns (`readSlice`, `readLine`, `peek`) are valid
 * until the next call. End of stream is null where nothing was read; it is not an error.
 *
 * @example
 * const r = new Reader(conn);
 * const status = await r.readString("\n"); // "HTTP/1.1 200 OK\r\n", or null at the end
 */
export class Reader {
  readonly #rd: ByteStream;
  readonly #buf: Uint8Array;
  #r = 0;
  #w = 0;
  #eof = false;

  constructor(rd: ByteStream, size = 4096) {
    if (typeof rd !== "object" || rd === null || typeof rd.read !== "function") throw invalidArg("rd", "a stream with read(p)", rd);
    if (!Number.isSafeInteger(size)) throw invalidArg("size", "an integer", size);
    this.#rd = rd;
    this.#buf = new Uint8Array(Math.max(size, minSize));
  }

  /** size returns the buffer's size in bytes. Go: `Size`. */
  size(): number {
    return this.#buf.length;
  }

  /** buffered returns how many bytes can be read from the buffer now, without a read of the stream. Go: `Buffered`. */
  buffered(): number {
    return this.#w - this.#r;
  }

  /**
   * One read of the stream into the buffer's free end, after moving the buffered bytes to its
   * front (Go's `fill`); false at end of stream. A stream error rejects, the bytes buffered
   * before it staying buffered.
   */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const b = this.#buf;
    if (this.#r > 0) {
      b.copyWithin(0, this.#r, this.#w);
      this.#w -= this.#r;
      this.#r = 0;
    }
    for (let i = 0; i < maxEmptyReads; i++) {
      const n = await this.#rd.read(b.subarray(this.#w));
      if (n === null) {
        this.#eof = true;
        return false;
      }
      this.#w += n;
      if (n > 0) return true;
    }
    throw ErrNoProgress;
  }

  /**
   * read reads up to `p.length` bytes: from the buffer if it holds any, else with one read of
   * the stream (straight into `p` when `p` is at least the buffer's size). Null at end of
   * stream. Go: `Read`.
   */
  async read(p: Uint8Array): Promise<number | null> {
    if (!isBytes(p)) throw invalidArg("p", "a Uint8Array", p);
    if (p.length === 0) return this.buffered() > 0 || !this.#eof ? 0 : null;
    if (this.#r === this.#w) {
      if (this.#eof) return null;
      if (p.length >= this.#buf.length) {
        const n = await this.#rd.read(p);
        if (n === null) this.#eof = true;
        return n;
      }
      this.#r = this.#w = 0;
      if (!(await this.#fill())) return null;
    }
    const n = Math.min(p.length, this.#w - this.#r);
    p.set(this.#buf.subarray(this.#r, this.#r + n));
    this.#r += n;
    return n;
  }

  /** readByte reads one byte, or null at end of stream. Go: `ReadByte`. */
  async readByte(): Promise<number | null> {
    while (this.#r === this.#w) if (!(await this.#fill())) return null;
    return this.#buf[this.#r++]!;
  }

  /**
   * peek returns a view of the next `n` bytes without consuming them, valid until the next
   * call. ErrNegativeCount ("bufio: negative count") for n < 0; ErrBufferFull ("bufio: buffer
   * full") for n larger than the buffer. Go: `Peek`; where Go returns fewer bytes with io.EOF,
   * this returns the shorter view (empty at the end).
   */
  async peek(n: number): Promise<Uint8Array> {
    if (typeof n !== "number" || !Number.isInteger(n)) throw invalidArg("n", "an integer", n);
    if (n < 0) throw ErrNegativeCount;
    const size = this.#buf.length;
    while (this.#w - this.#r < n && this.#w - this.#r < size && (await this.#fill()));
    if (n > size) throw ErrBufferFull;
    const avail = this.#w - this.#r;
    return this.#buf.subarray(this.#r, this.#r + Math.min(n, avail));
  }

  /**
   * discard skips the next `n` bytes and returns how many it skipped: `n`, or fewer at end of
   * stream. ErrNegativeCount for n < 0. Go: `Discard` (whose io.EOF is the shorter count here).
   */
  async discard(n: number): Promise<number> {
    if (typeof n !== "number" || !Number.isInteger(n)) throw invalidArg("n", "an integer", n);
    if (n < 0) throw ErrNegativeCount;
    let remain = n;
    while (remain > 0) {
      if (this.#r === this.#w && !(await this.#fill())) break;
      const skip = Math.min(this.#w - this.#r, remain);
      this.#r += skip;
      remain -= skip;
    }
    return n - remain;
  }

  /**
   * The search of ReadSlice: the bytes up to and including `delim`; at end of stream, what is
   * left (no delim), or null if nothing is; with a full buffer and no delim, `full` and the
   * whole buffer, consumed, as Go's.
   */
  async #slice(delim: number): Promise<{ line: Uint8Array; full: boolean } | null> {
    let s = 0;
    for (;;) {
      const b = this.#buf;
      const i = b.subarray(this.#r + s, this.#w).indexOf(delim);
      if (i >= 0) {
        const line = b.subarray(this.#r, this.#r + s + i + 1);
        this.#r += s + i + 1;
        return { line, full: false };
      }
      if (this.#eof) {
        if (this.#r === this.#w) return null;
        const line = b.subarray(this.#r, this.#w);
        this.#r = this.#w;
        return { line, full: false };
      }
      if (this.#w - this.#r >= b.length) {
        const line = b.subarray(this.#r, this.#w);
        this.#r = this.#w;
        return { line, full: true };
      }
      // Do not search again what was searched (the fill moves the bytes, not their order).
      s = this.#w - this.#r;
      await this.#fill();
    }
  }

  /**
   * readSlice returns a view of the bytes up to and including the first `delim` (a byte, or a
   * one-character string), valid until the next call; at end of stream the rest without
   * `delim`, or null when nothing is left. ErrBufferFull when the buffer fills without a
   * `delim`. Go: `ReadSlice`; where Go returns the full buffer with ErrBufferFull, this
   * rejects and leaves the bytes buffered (take them with `peek(r.buffered())`, or use
   * readLine or readBytes, which handle long lines).
   */
  async readSlice(delim: number | string): Promise<Uint8Array | null> {
    const got = await this.#slice(delimByte(delim));
    if (got === null) return null;
    if (got.full) {
      // Put the bytes back (the whole buffer), so that nothing is lost.
      this.#r = this.#w - got.line.length;
      throw ErrBufferFull;
    }
    return got.line;
  }

  /**
   * readLine returns the next line without its ending (`\n` or `\r\n`), as a view valid until
   * the next call, and `isPrefix` true when the line was longer than the buffer: the rest
   * comes in the next calls. A last line without an ending is returned as it is; null at end
   * of stream. Go: `ReadLine` (prefer readString or readBytes for most uses, as Go says).
   *
   * @example
   * for (let l = await r.readLine(); l !== null; l = await r.readLine()) console.log(l.line.length, l.isPrefix);
   */
  async readLine(): Promise<Line | null> {
    const got = await this.#slice(LF);
    if (got === null) return null;
    let line = got.line;
    if (got.full) {
      // A \r\n across the buffer's end: keep the \r for the next call.
      if (line.length > 0 && line[line.length - 1] === CR) {
        this.#r--;
        line = line.subarray(0, line.length - 1);
      }
      return { line, isPrefix: true };
    }
    if (line.length > 0 && line[line.length - 1] === LF) {
      const drop = line.length > 1 && line[line.length - 2] === CR ? 2 : 1;
      line = line.subarray(0, line.length - drop);
    }
    return { line, isPrefix: false };
  }

  /**
   * readBytes returns a copy of the bytes up to and including the first `delim`, however many
   * buffers that takes; at end of stream the rest without `delim`, or null when nothing is
   * left. Go: `ReadBytes` (whose io.EOF with data is the missing `delim` here).
   */
  async readBytes(delim: number | string): Promise<Uint8Array | null> {
    const d = delimByte(delim);
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const got = await this.#slice(d);
      if (got === null) break;
      parts.push(got.line.slice());
      total += got.line.length;
      if (!got.full) break;
    }
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  /** readString is readBytes decoded as UTF-8: the text up to and including `delim`, or null at the end. Go: `ReadString`. */
  async readString(delim: number | string): Promise<string | null> {
    const b = await this.readBytes(delim);
    return b === null ? null : utf8.decode(b);
  }

  /**
   * readFull reads exactly `n` bytes into a new buffer (or exactly `p.length` into `p`) and
   * returns it: null at a clean end of stream before any byte, ErrUnexpectedEOF ("unexpected
   * EOF") if the stream ends after some. Go: `io.ReadFull(r, buf)`.
   *
   * @example
   * const header = await r.readFull(4); if (header === null) return;
   */
  async readFull(n: number | Uint8Array): Promise<Uint8Array | null> {
    const p = typeof n === "number" ? new Uint8Array(n) : n;
    if (!isBytes(p)) throw invalidArg("n", "a byte count or a Uint8Array", n);
    let got = 0;
    while (got < p.length) {
      const m = await this.read(p.subarray(got));
      if (m === null) {
        if (got === 0) return null;
        throw ErrUnexpectedEOF;
      }
      got += m;
    }
    return p;
  }
}
