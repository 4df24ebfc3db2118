/**
 * Delimiter framing, Netty's DelimiterBasedFrameDecoder and LineBasedFrameDecoder: a frame
 * ends at a delimiter (the one giving the shortest frame, when there are several), or at a
 * line ending, `\n` or `\r\n`.
 */
import { FRAME, FrameDecoder, MORE, SKIP, maxLimit, optBool, optInt, type Codec, type FrameEncoder, type Step } from "./codec.js";
import { ErrUnexpectedEOF, tooLong, tooLongUnknown, type FrameError } from "./errors.js";
import { invalidArg } from "../sys/args.js";

const LF = 10;
const CR = 13;
const utf8 = new TextEncoder();

/** Where a search found a delimiter: its index and length, or index -1. */
interface Found {
  at: number;
  len: number;
}

/**
 * The decoder both codecs share: `find` looks for the end of a frame; frames longer than `max`
 * (the delimiter not counted) are discarded, with Netty's discard mode, and never buffered.
 */
class DelimDecoder extends FrameDecoder {
  readonly maxBuffer: number;
  /** Bytes from `start` already searched without a match (a later search resumes there). */
  #scanned = 0;
  /** Discarding until the next delimiter, this many bytes dropped so far. */
  #hunting = false;
  #dropped = 0;
  #pending: FrameError | null = null;
  readonly #found: Found = { at: -1, len: 0 };

  constructor(
    private readonly max: number,
    /** The longest delimiter. */
    private readonly longest: number,
    private readonly strip: boolean,
    private readonly failFast: boolean,
    private readonly find: (b: Uint8Array, from: number, start: number, end: number, out: Found) => void,
    private readonly isLines: boolean,
  ) {
    super();
    this.maxBuffer = max + longest;
  }

  decode(b: Uint8Array, s: number, e: number): Step {
    if (this.#pending !== null) {
      const err = this.#pending;
      this.#pending = null;
      throw err;
    }
    const f = this.#found;
    this.find(b, Math.max(s, s + this.#scanned - (this.longest - 1)), s, e, f);
    if (f.at < 0) return this.#notFound(s, e);
    const length = f.at - s;
    if (this.#hunting) {
      // The end of a frame being discarded: drop it, and report it unless failFast did.
      this.#hunting = false;
      const total = this.#dropped + length;
      this.#dropped = 0;
      if (!this.failFast) this.#pending = tooLong(total, this.max);
      return this.#used(length + f.len, SKIP);
    }
    if (length > this.max) {
      this.#pending = tooLong(length, this.max);
      return this.#used(length + f.len, SKIP);
    }
    this.frameStart = s;
    this.frameEnd = this.strip ? f.at : f.at + f.len;
    return this.#used(length + f.len, FRAME);
  }

  /** No delimiter in `b[s, e)`: wait for more, or start or go on discarding. */
  #notFound(s: number, e: number): Step {
    const avail = e - s;
    // A delimiter that starts within the last longest-1 bytes may still be arriving.
    const keep = this.longest - 1;
    if (this.#hunting) {
      if (avail <= keep) return ((this.need = avail + 1), MORE);
      this.#dropped += avail - keep;
      return this.#used(avail - keep, SKIP);
    }
    if (avail < this.max + this.longest) {
      this.#scanned = avail;
      return ((this.need = avail + 1), MORE);
    }
    // Any delimiter from here on ends a frame longer than max.
    this.#hunting = true;
    this.#dropped = 0;
    if (this.failFast) throw tooLongUnknown(this.max);
    this.#dropped = avail - keep;
    return this.#used(avail - keep, SKIP);
  }

  #used(n: number, step: Step): Step {
    this.consumed = n;
    this.#scanned = 0;
    return step;
  }

  override finish(b: Uint8Array, s: number, e: number): Uint8Array | null {
    if (this.#hunting) {
      this.#hunting = false;
      if (!this.failFast) throw tooLong(this.#dropped + (e - s), this.max);
      if (this.isLines) return null;
      throw ErrUnexpectedEOF;
    }
    if (s === e) return null;
    if (!this.isLines) throw ErrUnexpectedEOF;
    // A last line without an ending, as Go's bufio.ScanLines (which drops a final \r too).
    const end = this.strip && b[e - 1] === CR ? e - 1 : e;
    return b.subarray(s, end);
  }
}

/** findLine finds the first `\n` in `b[from, end)`, taking a `\r` before it into the delimiter. */
function findLine(b: Uint8Array, from: number, start: number, end: number, out: Found): void {
  for (let i = from; i < end; i++) {
    if (b[i] === LF) {
      const cr = i > start && b[i - 1] === CR;
      out.at = cr ? i - 1 : i;
      out.len = cr ? 2 : 1;
      return;
    }
  }
  out.at = -1;
}

/** indexOf finds `d` in `b[from, end)`, or -1. */
function indexOf(b: Uint8Array, d: Uint8Array, from: number, end: number): number {
  const first = d[0]!;
  const last = end - d.length;
  outer: for (let i = from; i <= last; i++) {
    if (b[i] !== first) continue;
    for (let j = 1; j < d.length; j++) if (b[i + j] !== d[j]) continue outer;
    return i;
  }
  return -1;
}

/** A finder over several delimiters: the one that makes the shortest frame (the first listed on a tie). */
function findAny(delims: readonly Uint8Array[]): (b: Uint8Array, from: number, start: number, end: number, out: Found) => void {
  return (b, from, _start, end, out) => {
    out.at = -1;
    for (const d of delims) {
      const i = indexOf(b, d, from, out.at < 0 ? end : Math.min(end, out.at + d.length));
      if (i >= 0 && (out.at < 0 || i < out.at)) {
        out.at = i;
        out.len = d.length;
      }
    }
  };
}

/** An encoder that appends `trailer` to every frame. */
function appender(trailer: Uint8Array): FrameEncoder {
  return { skip: 0, trailer, headerSize: () => 0, writeHeader: () => {} };
}

/** A delimiter: bytes, or a string (its UTF-8 bytes). */
export type Delimiter = Uint8Array | string;

/** The options of {@link delimiter}. */
export interface DelimiterOptions {
  /** The delimiter, or several (the one that gives the shortest frame wins). Required; none may be empty. */
  delimiters: Delimiter | readonly Delimiter[];
  /** Whether decoded frames leave the delimiter out. Default true. */
  stripDelimiter?: boolean;
  /** The longest frame, the delimiter not counted; longer ones are discarded with an ERR_FRAME_TOO_LONG FrameError. Default 64 KiB. */
  maxFrameLength?: number;
  /**
   * Whether a frame too long fails as soon as `maxFrameLength` bytes pass without a delimiter
   * (true, the default, Netty's) or once its delimiter has come (false).
   */
  failFast?: boolean;
}

function delimBytes(d: unknown, i: number): Uint8Array {
  const b = typeof d === "string" ? utf8.encode(d) : d;
  if (!(b instanceof Uint8Array) || b.length === 0) throw invalidArg(`delimiters[${i}]`, "a non-empty Uint8Array or string", d);
  return Uint8Array.from(b);
}

/**
 * delimiter is the codec of frames that each end with a delimiter (Netty's
 * DelimiterBasedFrameDecoder): with several, the delimiter that yields the shortest frame
 * wins. The encoder appends the first delimiter (it does not check that the frame holds
 * none). A frame longer than `maxFrameLength` is discarded, never buffered whole, and fails
 * with "frame too long: 70000 > 65536" (or "frame too long: over 65536 bytes without a
 * delimiter" when failFast reports it before its end is seen); the next read returns the
 * frame after it. A stream that ends after a partial frame fails with ErrUnexpectedEOF.
 *
 * @example
 * const f = framed(conn, delimiter({ delimiters: "\0", maxFrameLength: 4096 }));
 * await f.write(new TextEncoder().encode("one")); // "one\0"
 */
export function delimiter(opts: DelimiterOptions): Codec {
  if (typeof opts !== "object" || opts === null) throw invalidArg("options", "an object", opts);
  const list: readonly unknown[] = Array.isArray(opts.delimiters) ? opts.delimiters : [opts.delimiters];
  if (list.length === 0) throw invalidArg("delimiters", "one delimiter or more", opts.delimiters);
  const delims = list.map(delimBytes);
  const strip = optBool("stripDelimiter", opts.stripDelimiter, true);
  const max = optInt("maxFrameLength", opts.maxFrameLength, 64 * 1024, 1, maxLimit);
  const failFast = optBool("failFast", opts.failFast, true);
  const longest = Math.max(...delims.map((d) => d.length));
  const find = findAny(delims);
  return {
    name: `delimiter(${delims.length} delimiters, max ${max})`,
    decoder: () => new DelimDecoder(max, longest, strip, failFast, find, false),
    encoder: appender(delims[0]!),
  };
}

/** The options of {@link lines}. */
export interface LinesOptions {
  /** The longest line, its ending not counted; longer ones are discarded with an ERR_FRAME_TOO_LONG FrameError. Default 64 KiB (Go's bufio.MaxScanTokenSize). */
  maxLength?: number;
  /** Whether decoded lines keep their `\n` or `\r\n`. Default false (Netty's stripDelimiter true). */
  keepEnding?: boolean;
  /** Whether a line too long fails as soon as it passes `maxLength` (true) or once its ending has come (false, the default, Netty's). */
  failFast?: boolean;
  /** What the encoder appends: "\n" (the default) or "\r\n". */
  ending?: "\n" | "\r\n";
}

/**
 * lines is the codec of text lines ending in `\n` or `\r\n` (Netty's LineBasedFrameDecoder);
 * the encoder appends `ending`. A last line without an ending, at end of stream, is returned
 * as it is, as Go's bufio.Scanner does (Netty drops it). A line longer than `maxLength` is
 * discarded and fails with "frame too long: 70000 > 65536"; the next read returns the next line.
 *
 * @example
 * const f = framed(conn, lines());
 * for await (const line of f) console.log(new TextDecoder().decode(line));
 */
export function lines(opts: LinesOptions = {}): Codec {
  if (typeof opts !== "object" || opts === null) throw invalidArg("options", "an object", opts);
  const max = optInt("maxLength", opts.maxLength, 64 * 1024, 1, maxLimit);
  const keep = optBool("keepEnding", opts.keepEnding, false);
  const failFast = optBool("failFast", opts.failFast, false);
  const ending = opts.ending ?? "\n";
  if (ending !== "\n" && ending !== "\r\n") throw invalidArg("ending", '"\\n" or "\\r\\n"', ending);
  return {
    name: `lines(max ${max})`,
    decoder: () => new DelimDecoder(max, 2, !keep, failFast, findLine, true),
    encoder: appender(utf8.encode(ending)),
  };
}
