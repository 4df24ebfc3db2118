/**
 * What a codec is: a factory of frame decoders (one per stream: a decoder keeps the state of a
 * frame in progress) and an encoder (stateless, shared). Decoders work on a window
 * `b[start, end)` of the reader's buffer and say what they found through one small record
 * (no allocation per frame); framed.ts drives them over a conn, and the tests drive them
 * directly.
 */
import { ErrUnexpectedEOF } from "./errors.js";
import { invalidArg } from "../sys/args.js";

/** A decoder step: more bytes are needed (at least `need` from `start`). */
export const MORE = 0;
/** A decoder step: a frame is `b[frameStart, frameEnd)`; `consumed` bytes from `start` are used up. */
export const FRAME = 1;
/** A decoder step: `consumed` bytes from `start` were discarded (a frame too long); call again. */
export const SKIP = 2;
/** What {@link FrameDecoder.decode} returns. */
export type Step = typeof MORE | typeof FRAME | typeof SKIP;

/**
 * FrameDecoder finds frames in a byte stream. `decode` looks at `b[start, end)` and returns a
 * {@link Step}, leaving the details in its fields; it throws a FrameError for a frame that
 * breaks the codec's rules. It never needs more than `maxBuffer` bytes buffered at once, so a
 * reader's buffer is bounded by it.
 */
export abstract class FrameDecoder {
  /** With FRAME: where the frame starts in `b`. */
  frameStart = 0;
  /** With FRAME: where it ends. */
  frameEnd = 0;
  /** With FRAME or SKIP: the bytes from `start` that are used up. */
  consumed = 0;
  /** With MORE: the bytes from `start` that must be buffered before the next call helps. */
  need = 1;
  /** The most bytes this decoder ever asks to have buffered at once. */
  abstract readonly maxBuffer: number;
  /** decode looks for the next frame in `b[start, end)`; see the class comment. */
  abstract decode(b: Uint8Array, start: number, end: number): Step;

  /**
   * finish is called once, at end of stream, with the bytes left over, `b[start, end)`, after
   * `decode` said MORE: a last frame (a line without an ending), or null for a clean end.
   * The default: nothing left (and no frame being discarded) is a clean end, anything else is
   * ErrUnexpectedEOF, as Go's io.ReadFull.
   */
  finish(_b: Uint8Array, start: number, end: number): Uint8Array | null {
    if (start < end || this.midFrame()) throw ErrUnexpectedEOF;
    return null;
  }

  /** Whether the decoder is inside a frame it discards (so end of stream now is unexpected). */
  protected midFrame(): boolean {
    return false;
  }
}

/**
 * LengthPrefixedDecoder is the part the length-prefixed decoders (lengthField, uvarint)
 * share, Netty's discard mode: a frame rejected as too long is thrown away as it arrives
 * (never buffered), its error thrown at once (failFast) or once it is gone; a corrupt length
 * breaks the stream for good. Subclasses decode one frame at a time in `decodeFrame`.
 */
export abstract class LengthPrefixedDecoder extends FrameDecoder {
  /** Bytes of a rejected frame still to throw away. */
  #discard = 0;
  /** The error to throw once they are gone (failFast off, or a strip error). */
  #pending: Error | null = null;
  /** A corrupt length: the stream is out of step, and every call fails with it. */
  #broken: Error | null = null;

  decode(b: Uint8Array, s: number, e: number): Step {
    if (this.#broken !== null) throw this.#broken;
    if (this.#discard > 0) {
      const n = Math.min(this.#discard, e - s);
      if (n === 0) return ((this.need = 1), MORE);
      this.#discard -= n;
      this.consumed = n;
      return SKIP;
    }
    if (this.#pending !== null) {
      const err = this.#pending;
      this.#pending = null;
      throw err;
    }
    return this.decodeFrame(b, s, e);
  }

  /** decodeFrame decodes the frame at `b[s, e)`, as decode, outside discard mode. */
  protected abstract decodeFrame(b: Uint8Array, s: number, e: number): Step;

  /** broken gives `err` after marking the stream out of step, for `throw this.broken(err)`. */
  protected broken(err: Error): Error {
    return (this.#broken = err);
  }

  /**
   * discard throws the next `bytes` away as they come, then reports `err`: at once when
   * `now`, else once they are gone.
   */
  protected discard(bytes: number, err: Error, now: boolean, b: Uint8Array, s: number, e: number): Step {
    this.#discard = bytes;
    if (now) throw err;
    this.#pending = err;
    return this.decode(b, s, e);
  }

  protected override midFrame(): boolean {
    return this.#discard > 0;
  }
}

/**
 * FrameEncoder writes frames for the other side's decoder: a header before the frame's bytes
 * (a length), a trailer after them (a delimiter), or both. It is stateless.
 */
export interface FrameEncoder {
  /**
   * The bytes at the start of each frame that the header replaces (a lengthField codec with
   * `strip: 0`, whose frames hold their own header), else 0.
   */
  readonly skip: number;
  /** The bytes that follow every frame (a delimiter, a line ending), or null. */
  readonly trailer: Uint8Array | null;
  /**
   * headerSize is the header's length for `frame`; it throws a FrameError (ERR_FRAME_SIZE) for
   * a frame this codec cannot write, before anything is written.
   */
  headerSize(frame: Uint8Array): number;
  /** writeHeader writes `frame`'s header, `headerSize(frame)` bytes, at `buf[off]`. */
  writeHeader(frame: Uint8Array, buf: Uint8Array, off: number): void;
}

/**
 * Codec is a framing rule, both ways: `decoder()` makes a decoder for one stream, `encoder`
 * writes frames. Made by {@link lengthField}, {@link delimiter}, {@link lines},
 * {@link fixedLength} and {@link uvarint}; pass it to `framed`.
 *
 * @example
 * const codec = lengthField({ length: 4 });
 * const f = framed(conn, codec);
 */
export interface Codec {
  /** A short description, for errors and debugging: "lengthField(offset 0, length 4)". */
  readonly name: string;
  /** decoder makes a decoder for one stream. */
  decoder(): FrameDecoder;
  /** The encoder for the writing side. */
  readonly encoder: FrameEncoder;
}

/** The largest frame limit any codec takes: 2^31 - 1, Netty's int (a Uint8Array's limit aside). */
export const maxLimit = 0x7fffffff;

/** optInt reads an integer option in [min, max], or its default. */
export function optInt(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalidArg(name, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

/** optBool reads a boolean option, or its default. */
export function optBool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw invalidArg(name, "a boolean", v);
  return v;
}
