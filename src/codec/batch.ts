/**
 * Encoding a batch of frames into the buffers of one write: headers, trailers and small
 * frames are copied into one staging buffer, and large frames go as they are, so a batch of
 * 1,000 small frames is one buffer (one iovec) and a large frame is never copied.
 */
import type { FrameEncoder } from "./codec.js";
import { invalidArg, isBytes } from "../sys/args.js";

/** Frames up to this size are copied into the staging buffer; larger ones are their own iovec. */
export const copyMax = 1024;

/**
 * encodeBatch returns the buffers that, written in order, carry `frames` encoded by `enc`, and
 * their total length. Every frame is checked (headerSize) before anything is built, so a
 * frame the encoder rejects fails the whole batch and nothing is written.
 */
export function encodeBatch(enc: FrameEncoder, frames: readonly Uint8Array[]): { bufs: Uint8Array[]; total: number } {
  const trailer = enc.trailer;
  const tlen = trailer === null ? 0 : trailer.length;
  const skip = enc.skip;
  let staged = 0;
  let total = 0;
  const sizes = new Array<number>(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f: unknown = frames[i];
    if (!isBytes(f)) throw invalidArg(`frames[${i}]`, "a Uint8Array", f);
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
    enc.writeHeader(f, stage, pos);
    pos += sizes[i]!;
    const body = skip === 0 ? f : f.subarray(skip);
    if (body.length <= copyMax) {
      stage.set(body, pos);
      pos += body.length;
    } else {
      if (pos > seg) bufs.push(stage.subarray(seg, pos));
      bufs.push(body);
      seg = pos;
    }
    if (trailer !== null) {
      stage.set(trailer, pos);
      pos += tlen;
    }
  }
  if (pos > seg) bufs.push(stage.subarray(seg, pos));
  return { bufs, total };
}
