/**
 * Length-field framing, Netty's LengthFieldBasedFrameDecoder and LengthFieldPrepender: a
 * header holds the frame's length at some offset, in 1 to 8 bytes, perhaps adjusted, perhaps
 * counting the header itself. Netty's javadoc tables are the test cases (test/codec).
 */
import { FRAME, LengthPrefixedDecoder, MORE, maxLimit, optBool, optInt, type Codec, type FrameEncoder, type Step } from "./codec.js";
import { FrameError, corrupt, tooLong } from "./errors.js";
import { invalidArg } from "../sys/args.js";

/** A byte order: "big" (network order, the default) or "little". */
export type ByteOrder = "big" | "little";

/** The sizes a length field may have, in bytes: Netty's 1, 2, 3, 4 or 8. */
export type LengthFieldLength = 1 | 2 | 3 | 4 | 8;

/** The options of {@link lengthField}; every one has a default. */
export interface LengthFieldOptions {
  /** Where the length field starts in the header (Netty's lengthFieldOffset). Default 0. */
  offset?: number;
  /** The length field's size in bytes, unsigned, except 8 which is signed (as Netty reads a long). Default 4. */
  length?: LengthFieldLength;
  /**
   * What to add to the field's value to get the bytes that follow the field (Netty's
   * lengthAdjustment): -4 for a 4-byte field that counts itself, +2 for a 2-byte header field
   * after the length. Default 0.
   */
  adjustment?: number;
  /**
   * How many bytes to cut from the front of each decoded frame (Netty's initialBytesToStrip).
   * Default `offset + length`, the whole header, so frames are payloads (Netty's default is 0).
   */
  strip?: number;
  /** The field's byte order. Default "big". */
  byteOrder?: ByteOrder;
  /**
   * The longest frame, header included, as Netty counts it: a longer one is an
   * ERR_FRAME_TOO_LONG FrameError, and the read buffer never grows past it. Default 1 MiB.
   */
  maxFrameLength?: number;
  /**
   * Whether a frame too long fails as soon as its length is read (true, the default, Netty's)
   * or only once its bytes have been read and thrown away (false). Either way the frame is
   * discarded, without being buffered, and the next read returns the frame after it.
   */
  failFast?: boolean;
  /**
   * Whether the field counts its own bytes (Netty's LengthFieldPrepender flag); the same as
   * subtracting `length` from `adjustment`. Default false.
   */
  lengthIncludesLengthFieldLength?: boolean;
}

/** The checked settings of a length-field codec. */
interface Config {
  offset: number;
  length: LengthFieldLength;
  adjustment: number;
  strip: number;
  little: boolean;
  max: number;
  failFast: boolean;
  endOffset: number;
}

/**
 * lengthField is the codec of frames whose header holds their length (Netty's
 * LengthFieldBasedFrameDecoder, with its parameters and errors; see
 * {@link LengthFieldOptions} for the defaults). Its encoder writes the header for the same
 * options: at offset 0 with the header stripped, it prepends the length (Netty's
 * LengthFieldPrepender with the opposite adjustment, so the pair round-trips); with `strip: 0`
 * each frame holds its whole header and the encoder fills in the length field; other
 * layouts cannot be encoded (a TypeError on write).
 *
 * Errors (FrameError): "frame too long: 2000000 > 1048576" (ERR_FRAME_TOO_LONG, the frame
 * discarded, the stream still in step); "negative pre-adjustment length field: -1" and
 * "Adjusted frame length (2) is less than lengthFieldEndOffset: 4" (ERR_FRAME_CORRUPT: the
 * stream is out of step, so every later read fails the same way); "Adjusted frame length (3)
 * is less than initialBytesToStrip: 4" (ERR_FRAME_CORRUPT, that frame discarded).
 *
 * @example
 * const f = framed(conn, lengthField({ length: 4, maxFrameLength: 1 << 20 }));
 * await f.write(new TextEncoder().encode("hello")); // 00 00 00 05 h e l l o
 *
 * Go: no such type in the standard library; Go programs write `binary.Write(w,
 * binary.BigEndian, uint32(len(p)))` then `p`, which is this codec's default.
 * Netty: the default strip is the header, not 0, and a corrupt length is final rather than
 * skipped (Netty skips the header and goes on reading what is then garbage).
 */
export function lengthField(opts: LengthFieldOptions = {}): Codec {
  const c = config(opts);
  const encoder = c.offset === 0 && c.strip === c.endOffset ? prepender(c.length, -c.adjustment, c.little, c.max, 0) : c.strip === 0 ? inPlace(c) : noEncoder(c);
  return {
    name: `lengthField(offset ${c.offset}, length ${c.length}, adjustment ${c.adjustment}, strip ${c.strip})`,
    decoder: () => new LengthFieldDecoder(c),
    encoder,
  };
}

function config(opts: LengthFieldOptions): Config {
  if (typeof opts !== "object" || opts === null) throw invalidArg("options", "an object", opts);
  const length = opts.length ?? 4;
  if (![1, 2, 3, 4, 8].includes(length)) throw invalidArg("length", "1, 2, 3, 4 or 8", length);
  const offset = optInt("offset", opts.offset, 0, 0, maxLimit);
  const endOffset = offset + length;
  const incl = optBool("lengthIncludesLengthFieldLength", opts.lengthIncludesLengthFieldLength, false);
  const adjustment = optInt("adjustment", opts.adjustment, 0, -maxLimit, maxLimit) - (incl ? length : 0);
  const strip = optInt("strip", opts.strip, endOffset, 0, maxLimit);
  const max = optInt("maxFrameLength", opts.maxFrameLength, 1 << 20, 1, maxLimit);
  const order = opts.byteOrder ?? "big";
  if (order !== "big" && order !== "little") throw invalidArg("byteOrder", '"big" or "little"', order);
  if (offset > max - length) {
    // Netty's text.
    throw new RangeError(`maxFrameLength (${max}) must be equal to or greater than lengthFieldOffset (${offset}) + lengthFieldLength (${length}).`);
  }
  const failFast = optBool("failFast", opts.failFast, true);
  return { offset, length, adjustment, strip, little: order === "little", max, failFast, endOffset };
}

/** readField reads an unsigned field of `n` bytes at `b[p]`; an 8-byte field is signed, and -1 stands for negative. */
function readField(b: Uint8Array, p: number, n: number, little: boolean): number {
  if (n === 8 && (b[little ? p + 7 : p]! & 0x80) !== 0) return -1;
  let v = 0;
  if (little) for (let i = n - 1; i >= 0; i--) v = v * 256 + b[p + i]!;
  else for (let i = 0; i < n; i++) v = v * 256 + b[p + i]!;
  return v;
}

/** The exact value of an 8-byte field as text, where a number would round it. */
function exactField(b: Uint8Array, p: number, little: boolean, signed: boolean): string {
  const dv = new DataView(b.buffer, b.byteOffset + p, 8);
  return String(signed ? dv.getBigInt64(0, little) : dv.getBigUint64(0, little));
}

/** The decoder of {@link lengthField}: Netty's decode, with its discard mode. */
class LengthFieldDecoder extends LengthPrefixedDecoder {
  readonly maxBuffer: number;

  constructor(private readonly c: Config) {
    super();
    this.maxBuffer = c.max;
  }

  protected decodeFrame(b: Uint8Array, s: number, e: number): Step {
    const c = this.c;
    if (e - s < c.endOffset) return ((this.need = c.endOffset), MORE);
    const p = s + c.offset;
    const v = readField(b, p, c.length, c.little);
    if (v < 0) throw this.broken(corrupt(`negative pre-adjustment length field: ${exactField(b, p, c.little, true)}`));
    const frameLength = v + c.adjustment + c.endOffset;
    if (frameLength < c.endOffset) {
      throw this.broken(corrupt(`Adjusted frame length (${frameLength}) is less than lengthFieldEndOffset: ${c.endOffset}`));
    }
    if (frameLength > c.max) return this.#reject(b, s, e, frameLength);
    if (e - s < frameLength) return ((this.need = frameLength), MORE);
    if (c.strip > frameLength) {
      return this.discard(frameLength, corrupt(`Adjusted frame length (${frameLength}) is less than initialBytesToStrip: ${c.strip}`), false, b, s, e);
    }
    this.frameStart = s + c.strip;
    this.frameEnd = s + frameLength;
    this.consumed = frameLength;
    return FRAME;
  }

  /** A frame too long: discard it; fail now (failFast) or once it is gone. */
  #reject(b: Uint8Array, s: number, e: number, frameLength: number): Step {
    const c = this.c;
    const p = s + c.offset;
    const text = Number.isSafeInteger(frameLength) ? frameLength : String(BigInt(exactField(b, p, c.little, false)) + BigInt(c.adjustment + c.endOffset));
    return this.discard(frameLength, tooLong(text, c.max), c.failFast, b, s, e);
  }
}

/** The Netty text for a length that does not fit its field. */
function fitText(n: LengthFieldLength, v: number): string {
  const what = n === 1 ? "a byte" : n === 2 ? "a short integer" : n === 3 ? "a medium integer" : n === 4 ? "an unsigned 32-bit integer" : "a 63-bit integer";
  return `length does not fit into ${what}: ${v}`;
}

/** fieldValue checks that `v` fits a field of `n` bytes, with Netty's texts. */
function fieldValue(n: LengthFieldLength, v: number): number {
  // Frozen: Netty's texts.
  if (v < 0) throw new FrameError(`Adjusted frame length (${v}) is less than zero`, "ERR_FRAME_SIZE");
  const limit = n === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * n) - 1;
  if (v > limit) throw new FrameError(fitText(n, v), "ERR_FRAME_SIZE");
  return v;
}

/** writeField writes `v` in `n` bytes at `buf[off]`. */
function writeField(buf: Uint8Array, off: number, n: number, v: number, little: boolean): void {
  for (let i = 0; i < n; i++) {
    buf[little ? off + i : off + n - 1 - i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/**
 * A prepender of `n`-byte lengths of value `frame.length + adjust` (Netty's); with `max`, a
 * frame whose decoded length (`n + frame.length`) would pass it fails as too long on write.
 */
function prepender(n: LengthFieldLength, adjust: number, little: boolean, max: number, skip: number): FrameEncoder {
  return {
    skip,
    trailer: null,
    headerSize(frame) {
      if (max > 0 && frame.length + n > max) throw tooLong(frame.length + n, max);
      fieldValue(n, frame.length + adjust);
      return n;
    },
    writeHeader(frame, buf, off) {
      writeField(buf, off, n, frame.length + adjust, little);
    },
  };
}

/** The encoder of a `strip: 0` codec: each frame holds its header; the length field is filled in. */
function inPlace(c: Config): FrameEncoder {
  return {
    skip: c.endOffset,
    trailer: null,
    headerSize(frame) {
      if (frame.length < c.endOffset) throw new FrameError(`frame of ${frame.length} bytes is shorter than its ${c.endOffset}-byte header`, "ERR_FRAME_SIZE");
      if (frame.length > c.max) throw tooLong(frame.length, c.max);
      fieldValue(c.length, frame.length - c.endOffset - c.adjustment);
      return c.endOffset;
    },
    writeHeader(frame, buf, off) {
      buf.set(frame.subarray(0, c.offset), off);
      writeField(buf, off + c.offset, c.length, frame.length - c.endOffset - c.adjustment, c.little);
    },
  };
}

/** The encoder of a layout that cannot be encoded: the stripped bytes are gone. */
function noEncoder(c: Config): FrameEncoder {
  const fail = (): never => {
    throw new TypeError(`sockit: lengthField with offset ${c.offset} and strip ${c.strip} has no encoder: use strip 0 (frames hold their header) or offset 0 with the header stripped`);
  };
  return { skip: 0, trailer: null, headerSize: fail, writeHeader: fail };
}

/** The options of {@link lengthFieldPrepender}. */
export interface LengthFieldPrependerOptions {
  /** The length field's size in bytes. Default 4. */
  length?: LengthFieldLength;
  /** What to add to the frame's length before writing it (Netty's lengthAdjustment). Default 0. */
  adjustment?: number;
  /** Whether the written length counts the field itself. Default false. */
  lengthIncludesLengthFieldLength?: boolean;
  /** The field's byte order. Default "big". */
  byteOrder?: ByteOrder;
}

/**
 * lengthFieldPrepender is Netty's LengthFieldPrepender as an encoder: before each frame, a
 * `length`-byte field holding `frame.length + adjustment` (plus `length` when
 * `lengthIncludesLengthFieldLength`). Combine it with any decoder:
 * `{ ...lengthField(o), encoder: lengthFieldPrepender(p) }`. A length that does not fit is an
 * ERR_FRAME_SIZE FrameError with Netty's text ("length does not fit into a byte: 256",
 * "Adjusted frame length (-1) is less than zero").
 *
 * @example
 * const codec = { ...lengthField({ length: 2, adjustment: -2 }), encoder: lengthFieldPrepender({ length: 2, lengthIncludesLengthFieldLength: true }) };
 */
export function lengthFieldPrepender(opts: LengthFieldPrependerOptions = {}): FrameEncoder {
  const n = opts.length ?? 4;
  if (![1, 2, 3, 4, 8].includes(n)) throw invalidArg("length", "1, 2, 3, 4 or 8", n);
  const incl = optBool("lengthIncludesLengthFieldLength", opts.lengthIncludesLengthFieldLength, false);
  const adjust = optInt("adjustment", opts.adjustment, 0, -maxLimit, maxLimit) + (incl ? n : 0);
  const order = opts.byteOrder ?? "big";
  if (order !== "big" && order !== "little") throw invalidArg("byteOrder", '"big" or "little"', order);
  return prepender(n, adjust, order === "little", 0, 0);
}
