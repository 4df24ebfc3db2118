/**
 * Drivers for the codec tests: a decoder fed directly, chunk by chunk (no conn), and an
 * in-memory byte stream that hands out given chunks one read at a time.
 */
import { FRAME, SKIP, type Codec } from "../../src/codec/codec.js";
import { encodeBatch } from "../../src/codec/batch.js";

/** What a fed decoder produced: frames (copied) and errors, in order. */
export type Item = Buffer | Error;

/**
 * feed runs `codec`'s decoder over `chunks` as if each arrived alone, then ends the stream.
 * After an error it goes on (a frame too long is recoverable) unless the decoder throws the
 * same error again at once (a corrupt stream, which stays failed).
 */
export function feed(codec: Codec, chunks: readonly Uint8Array[]): Item[] {
  const d = codec.decoder();
  const out: Item[] = [];
  let buf: Uint8Array = new Uint8Array(0);
  let s = 0;
  let last: unknown = null;
  const pump = (): boolean => {
    for (;;) {
      let step: number;
      try {
        step = d.decode(buf, s, buf.length);
      } catch (err) {
        if (err === last) return false;
        out.push(err as Error);
        last = err;
        continue;
      }
      last = null;
      if (step === FRAME) {
        out.push(Buffer.from(buf.subarray(d.frameStart, d.frameEnd)));
        s += d.consumed;
      } else if (step === SKIP) s += d.consumed;
      else return true;
    }
  };
  for (const c of chunks) {
    const next = new Uint8Array(buf.length - s + c.length);
    next.set(buf.subarray(s));
    next.set(c, buf.length - s);
    buf = next;
    s = 0;
    if (!pump()) return out;
  }
  try {
    const f = d.finish(buf, s, buf.length);
    if (f !== null) out.push(Buffer.from(f));
  } catch (err) {
    out.push(err as Error);
  }
  return out;
}

/** bytewise splits `b` into 1-byte chunks. */
export function bytewise(b: Uint8Array): Uint8Array[] {
  return Array.from(b, (_, i) => b.subarray(i, i + 1));
}

/** encode returns the bytes `codec`'s encoder writes for `frames`. */
export function encode(codec: Codec, frames: readonly Uint8Array[]): Buffer {
  return Buffer.concat(encodeBatch(codec.encoder, frames).bufs);
}

/** MemStream is a byte stream over fixed chunks: each read returns (part of) the next chunk, then null. */
export class MemStream {
  #chunks: Uint8Array[];
  written: Buffer[] = [];
  constructor(chunks: readonly Uint8Array[]) {
    this.#chunks = [...chunks];
  }
  async read(p: Uint8Array): Promise<number | null> {
    const c = this.#chunks[0];
    if (c === undefined) return null;
    const n = Math.min(p.length, c.length);
    p.set(c.subarray(0, n));
    if (n === c.length) this.#chunks.shift();
    else this.#chunks[0] = c.subarray(n);
    return n;
  }
  async write(p: Uint8Array): Promise<number> {
    this.written.push(Buffer.from(p));
    return p.length;
  }
}
