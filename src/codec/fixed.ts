/**
 * Fixed-length framing (Netty's FixedLengthFrameDecoder) and varint length prefixes (the
 * protobuf stream form: Go's `binary.PutUvarint` before each message, `binary.Uvarint` to
 * read it back, with its overflow rule).
 */
import { FRAME, FrameDecoder, LengthPrefixedDecoder, MORE, maxLimit, optBool, optInt, type Codec, type FrameEncoder, type Step } from "./codec.js";
import { ErrOverflow, FrameError, corrupt, tooLong } from "./errors.js";
import { checkInt } from "../sys/args.js";

class FixedDecoder extends FrameDecoder {
  constructor(readonly maxBuffer: number) {
    super();
  }

  decode(_b: Uint8Array, s: number, e: number): Step {
    const n = this.maxBuffer;
    if (e - s < n) return ((this.need = n), MORE);
    this.frameStart = s;
    this.frameEnd = s + n;
    this.consumed = n;
    return FRAME;
  }
}

/**
 * fixedLength is the codec of frames of exactly `n` bytes (Netty's FixedLengthFrameDecoder).
 * The encoder writes frames as they are, and rejects one of another size with an
 * ERR_FRAME_SIZE FrameError ("fixed-length frame must be 16 bytes, not 15") before writing
 * anything. A stream that ends inside a frame fails with ErrUnexpectedEOF.
 *
 * @example
 * const f = framed(conn, fixedLength(16));
 * const record = await f.read(); // 16 bytes, or null at the end
 */
export function fixedLength(n: number): Codec {
  checkInt("n", n, 1);
  if (n > maxLimit) throw new RangeError(`sockit: n must be at most ${maxLimit}, not ${n}`);
  const encoder: FrameEncoder = {
    skip: 0,
    trailer: null,
    headerSize(frame) {
      if (frame.length !== n) throw new FrameError(`fixed-length frame must be ${n} bytes, not ${frame.length}`, "ERR_FRAME_SIZE");
      return 0;
    },
    writeHeader() {},
  };
  return { name: `fixedLength(${n})`, decoder: () => new FixedDecoder(n), encoder };
}

/** Go's binary.MaxVarintLen64: the longest uvarint of a 64-bit value. */
const maxVarintLen64 = 10;

/** uvarintLen is the size of `v`'s uvarint (Go's PutUvarint's result). */
export function uvarintLen(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** putUvarint writes `v` (a safe integer, at least 0) as a uvarint at `buf[off]`; returns the bytes written. Go: `binary.PutUvarint`. */
export function putUvarint(buf: Uint8Array, off: number, v: number): number {
  let i = off;
  while (v >= 128) {
    buf[i++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[i++] = v;
  return i - off;
}

/** The exact value of the uvarint at `b[s]`, `n` bytes, as text (for a value past 2^53). */
function exactUvarint(b: Uint8Array, s: number, n: number): string {
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << 7n) | BigInt(b[s + i]! & 0x7f);
  return String(x);
}

/** The options of {@link uvarint}. */
export interface UvarintOptions {
  /** The longest payload (the prefix not counted); a longer one is discarded with an ERR_FRAME_TOO_LONG FrameError. Default 1 MiB. */
  maxFrameLength?: number;
  /** Whether a frame too long fails as soon as its length is read (true, the default) or once it has been discarded. */
  failFast?: boolean;
}

class UvarintDecoder extends LengthPrefixedDecoder {
  readonly maxBuffer: number;

  constructor(
    private readonly max: number,
    private readonly failFast: boolean,
  ) {
    super();
    this.maxBuffer = max + maxVarintLen64;
  }

  protected decodeFrame(b: Uint8Array, s: number, e: number): Step {
    // binary.Uvarint: seven bits a byte, low first; ten bytes at most, the tenth 0 or 1.
    let x = 0;
    let mul = 1;
    let i = 0;
    for (;; i++) {
      if (i === maxVarintLen64) throw this.broken(corrupt(ErrOverflow.message, ErrOverflow));
      if (s + i >= e) return ((this.need = i + 1), MORE);
      const c = b[s + i]!;
      if (c < 0x80) {
        if (i === maxVarintLen64 - 1 && c > 1) throw this.broken(corrupt(ErrOverflow.message, ErrOverflow));
        x += c * mul;
        break;
      }
      x += (c & 0x7f) * mul;
      mul *= 128;
    }
    const header = i + 1;
    if (x > this.max) {
      const err = tooLong(Number.isSafeInteger(x) ? x : exactUvarint(b, s, header), this.max);
      return this.discard(header + x, err, this.failFast, b, s, e);
    }
    if (e - s < header + x) return ((this.need = header + x), MORE);
    this.frameStart = s + header;
    this.frameEnd = s + header + x;
    this.consumed = header + x;
    return FRAME;
  }
}

/**
 * uvarint is the codec of frames each prefixed with its length as a uvarint (protobuf's
 * delimited stream form; Go's `binary.PutUvarint` / `binary.Uvarint`). A prefix longer than
 * 64 bits fails with Go's "binary: varint overflows a 64-bit integer" (an ERR_FRAME_CORRUPT
 * FrameError whose cause is ErrOverflow; the stream is then out of step and stays failed). A
 * payload longer than `maxFrameLength` is discarded with "frame too long: N > max".
 *
 * @example
 * const f = framed(conn, uvarint({ maxFrameLength: 4 << 20 }));
 * await f.write(message); // 1 to 10 bytes of length, then the message
 */
export function uvarint(opts: UvarintOptions = {}): Codec {
  const max = optInt("maxFrameLength", opts.maxFrameLength, 1 << 20, 1, maxLimit);
  const failFast = optBool("failFast", opts.failFast, true);
  const encoder: FrameEncoder = {
    skip: 0,
    trailer: null,
    headerSize(frame) {
      if (frame.length > max) throw tooLong(frame.length, max);
      return uvarintLen(frame.length);
    },
    writeHeader(frame, buf, off) {
      putUvarint(buf, off, frame.length);
    },
  };
  return { name: `uvarint(max ${max})`, decoder: () => new UvarintDecoder(max, failFast), encoder };
}
