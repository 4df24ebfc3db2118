/**
 * Encoding a batch of frames into the buffers of one write: headers, trailers and small
 * frames are copied into one staging buffer, and large frames go as they are, so a batch of
 * 1,000 small frames is one buffer (one iovec) and a large frame is never copied.
 */
import type { FrameEncoder } from "./codec.js";
import { invalidArg, isBytes } from "../sys/args.js";

/** Frames up to this size are copied into the staging buffer; larger ones are their own iovec. */
export const copyMax = 1024;

/** checked returns `f` as a frame of a batch, or throws the TypeError for its index. */
function checked(f: unknown, i: number): Uint8Array {
  if (!isBytes(f)) throw invalidArg(`frames[${i}]`, "a Uint8Array", f);
  return f;
}

/**
 * stageSmall copies frame `f`, whose header is `h` bytes and whose body is small, with its
 * header and trailer into `stage` at `pos`; it returns the position after it.
 */
function stageSmall(enc: FrameEncoder, f: Uint8Array, h: number, stage: Uint8Array, pos: number): number {
  enc.writeHeader(f, stage, pos);
  pos += h;
  const skip = enc.skip;
  stage.set(skip === 0 ? f : f.subarray(skip), pos);
  pos += f.length - skip;
  const trailer = enc.trailer;
  if (trailer !== null) {
    stage.set(trailer, pos);
    pos += trailer.length;
  }
  return pos;
}

/**
 * encodeOne encodes one frame whose body is small (at most {@link copyMax} bytes) into
 * `stage` from 0, where it fits, and returns its length; it returns -1 (and writes nothing)
 * for a larger frame or one that does not fit. It throws what encodeBatch throws for it.
 */
export function encodeOne(enc: FrameEncoder, frame: unknown, stage: Uint8Array): number {
  const f = checked(frame, 0);
  const h = enc.headerSize(f);
  const body = f.length - enc.skip;
  const n = h + body + (enc.trailer === null ? 0 : enc.trailer.length);
  if (body > copyMax || n > stage.length) return -1;
  return stageSmall(enc, f, h, stage, 0);
}

/**
 * encodeBatch returns the buffers that, written in order, carry `frames` encoded by `enc`, and
 * their total length. Every frame is checked (headerSize) before anything is built, so a
 * frame the encoder rejects fails the whole batch and nothing is written.
 */
export function encodeBatch(enc: FrameEncoder, frames: readonly Uint8Array[]): { bufs: Uint8Array[]; total: number } {
  const tlen = enc.trailer === null ? 0 : enc.trailer.length;
  const skip = enc.skip;
  let staged = 0;
  let total = 0;
  const sizes = new Array<number>(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f = checked(frames[i], i);
    const h = enc.headerSize(f);
    sizes[i] = h;
    const body = f.length - skip;
    staged += h + tlen + (body <= copyMax ? body : 0);
    total += h + body + tlen;
  }
  const stage = new Uint8Array(staged);
  const bufs: Uint8Array[] = [];
  let pos = 0;
  let seg = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.length - skip <= copyMax) {
      pos = stageSmall(enc, f, sizes[i]!, stage, pos);
      continue;
    }
    // A large frame: its header closes the staged segment, its body goes in place.
    enc.writeHeader(f, stage, pos);
    pos += sizes[i]!;
    if (pos > seg) bufs.push(stage.subarray(seg, pos));
    bufs.push(skip === 0 ? f : f.subarray(skip));
    seg = pos;
    if (tlen > 0) {
      stage.set(enc.trailer!, pos);
      pos += tlen;
    }
  }
  if (pos > seg) bufs.push(stage.subarray(seg, pos));
  return { bufs, total };
}
