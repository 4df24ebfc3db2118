/**
 * The codec layer's errors: Go's io and bufio sentinels (`io.ErrUnexpectedEOF`,
 * `bufio.ErrBufferFull`, ...) as single values to compare with `errorIs`, and FrameError, the
 * error of a frame that breaks its codec's rules (too long, corrupt, wrong size).
 */
import { NetError, brand } from "../sys/errors.js";
import { Sentinel } from "../poll/errors.js";

/**
 * ErrUnexpectedEOF is the error of a stream that ends inside a frame, or of a `readFull` that
 * gets some bytes but not all. Go: `io.ErrUnexpectedEOF`.
 *
 * @example
 * try { await f.read(); } catch (e) { if (errorIs(e, ErrUnexpectedEOF)) console.log("peer cut a frame short"); }
 */
// Frozen: Go's text; programs match on it.
export const ErrUnexpectedEOF = new Sentinel("unexpected EOF", "ERR_SOCKIT_UNEXPECTED_EOF");

/**
 * ErrBufferFull is the error of a bufio Reader call that needs more bytes than its buffer
 * holds (`readSlice` with no delimiter in a full buffer, `peek(n)` past the size). Go:
 * `bufio.ErrBufferFull`.
 */
// Frozen: Go's text.
export const ErrBufferFull = new Sentinel("bufio: buffer full", "ERR_SOCKIT_BUFFER_FULL");

/** ErrNegativeCount is the error of `peek` or `discard` with a negative count. Go: `bufio.ErrNegativeCount`. */
// Frozen: Go's text.
export const ErrNegativeCount = new Sentinel("bufio: negative count", "ERR_SOCKIT_NEGATIVE_COUNT");

/**
 * ErrNoProgress is the error of a bufio Reader whose stream returns no bytes, and no end, 100
 * times in a row (a broken stream). Go: `io.ErrNoProgress`.
 */
// Frozen: Go's text.
export const ErrNoProgress = new Sentinel("multiple Read calls return no data or error", "ERR_SOCKIT_NO_PROGRESS");

/**
 * ErrOverflow is the cause of a FrameError for a varint length longer than 64 bits (ten
 * bytes, or a tenth byte above 1). Go: `binary.Uvarint`'s overflow, `errOverflow`.
 */
// Frozen: Go's text.
export const ErrOverflow = new Sentinel("binary: varint overflows a 64-bit integer", "ERR_SOCKIT_VARINT_OVERFLOW");

/**
 * The `code`s of a {@link FrameError}:
 * - `ERR_FRAME_TOO_LONG`: a frame over the codec's maximum (Netty's TooLongFrameException);
 * - `ERR_FRAME_CORRUPT`: a length field that cannot be right (negative, shorter than its own
 *   header, an overflowing varint; Netty's CorruptedFrameException);
 * - `ERR_FRAME_SIZE`: a frame the encoder cannot write (a fixed-length frame of the wrong
 *   size, a length that does not fit in the length field).
 */
export type FrameErrorCode = "ERR_FRAME_TOO_LONG" | "ERR_FRAME_CORRUPT" | "ERR_FRAME_SIZE";

/**
 * FrameError is the error of a frame that breaks its codec's rules; `code` says which rule
 * (see {@link FrameErrorCode}). For a frame too long, `frameLength` is its length where it is
 * known (a length field said it) and `maxFrameLength` the limit.
 *
 * @example
 * try { await f.read(); } catch (e) {
 *   if (e instanceof FrameError && e.code === "ERR_FRAME_TOO_LONG") console.log(e.message); // "frame too long: 2000000 > 1048576"
 * }
 */
export class FrameError extends NetError {
  override readonly name = "FrameError";
  constructor(
    message: string,
    readonly code: FrameErrorCode,
    /** The frame's length where known (ERR_FRAME_TOO_LONG from a length field), else null. */
    readonly frameLength: number | null = null,
    /** The limit that the frame broke (ERR_FRAME_TOO_LONG), else null. */
    readonly maxFrameLength: number | null = null,
    cause?: Error,
  ) {
    super(message);
    if (cause !== undefined) Object.defineProperty(this, "cause", { value: cause, enumerable: false, writable: true, configurable: true });
  }
}
brand(FrameError, "FrameError");

/**
 * tooLong is the error of a frame of `length` bytes over `max`: "frame too long: 2000000 >
 * 1048576"; `length` is text where it is too big for a number (an 8-byte length field).
 */
// Frozen: programs match on "frame too long".
export function tooLong(length: number | string, max: number): FrameError {
  return new FrameError(`frame too long: ${length} > ${max}`, "ERR_FRAME_TOO_LONG", typeof length === "number" ? length : Number(length), max);
}

/** tooLongUnknown: more than `max` bytes came without the frame's end (a delimiter, a line ending). */
export function tooLongUnknown(max: number): FrameError {
  return new FrameError(`frame too long: over ${max} bytes without a delimiter`, "ERR_FRAME_TOO_LONG", null, max);
}

/** corrupt is a FrameError with code ERR_FRAME_CORRUPT. */
export function corrupt(message: string, cause?: Error): FrameError {
  return new FrameError(message, "ERR_FRAME_CORRUPT", null, null, cause);
}
