/**
 * Property: any run of frames, encoded, concatenated and cut at random points, decodes to the
 * same frames, for every codec. fast-check picks the seeds and the largest piece (cuts of 1 byte
 * are the unit tests' job); each
 * codec sees 100,000 frames fed straight to its decoder (a few MB in all), and 20,000 more
 * through a real unix socketpair written in random-sized pieces.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { socketpair } from "../../src/index.js";
import { framed } from "../../src/codec/framed.js";
import { lengthField } from "../../src/codec/lengthfield.js";
import { delimiter, lines } from "../../src/codec/delimiter.js";
import { uvarint } from "../../src/codec/fixed.js";
import type { Codec } from "../../src/codec/codec.js";
import { guardFdLeaks, within, prng } from "../helpers.js";
import { encode, feed } from "./feed.js";

guardFdLeaks();


interface Case {
  name: string;
  codec: Codec;
  /** The smallest frame the codec can write. */
  min: number;
  /** What the decoder returns for a written frame (the frame itself, unless the codec keeps a header). */
  decoded(codec: Codec, frame: Buffer): Buffer;
}

const same = (_c: Codec, f: Buffer) => f;
const cases: Case[] = [
  { name: "lengthField, 4 bytes big-endian, stripped", codec: lengthField(), min: 0, decoded: same },
  { name: "lengthField, 2 bytes little-endian counting itself", codec: lengthField({ length: 2, byteOrder: "little", lengthIncludesLengthFieldLength: true }), min: 0, decoded: same },
  // strip 0: frames hold their 5-byte header, which the decoder hands back filled in.
  { name: "lengthField, 3 bytes at offset 2 of the header, not stripped", codec: lengthField({ offset: 2, length: 3, strip: 0, adjustment: -1 }), min: 5, decoded: (c, f) => encode(c, [f]) },
  { name: "lengthField, 8 bytes", codec: lengthField({ length: 8 }), min: 0, decoded: same },
  { name: "uvarint", codec: uvarint(), min: 0, decoded: same },
  { name: "delimiter \\0 or ||", codec: delimiter({ delimiters: ["\0", "||"] }), min: 0, decoded: same },
  { name: "lines", codec: lines(), min: 0, decoded: same },
];

/** `count` frames: mostly 0..48 bytes, one in a hundred up to 4 KiB; letters only, so no delimiter. */
function frames(seed: number, count: number, min: number): Buffer[] {
  const r = prng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const size = min + (r() < 0.01 ? Math.floor(r() * 4096) : Math.floor(r() * 49));
    const f = Buffer.allocUnsafe(size);
    const k = Math.floor(r() * 26);
    for (let j = 0; j < size; j++) f[j] = 97 + ((k + j) % 26);
    out.push(f);
  }
  return out;
}

/** Cuts `wire` at random points, pieces of 1 to `maxPiece` bytes. */
function cut(wire: Buffer, seed: number, maxPiece: number): Buffer[] {
  const r = prng(seed ^ 0x5bd1e995);
  const out: Buffer[] = [];
  for (let i = 0; i < wire.length; ) {
    const n = 1 + Math.floor(r() * maxPiece);
    out.push(wire.subarray(i, i + n));
    i += n;
  }
  return out;
}

const runs = 4;
const perRun = 25_000;

describe("decode(encode(frames), cut anywhere) == frames", () => {
  for (const c of cases) {
    it(`${c.name}: 100,000 frames fed to the decoder`, () => {
      fc.assert(
        fc.property(fc.integer(), fc.integer({ min: 64, max: 16384 }), (seed, maxPiece) => {
          const fs = frames(seed, perRun, c.min);
          const wire = encode(c.codec, fs);
          const got = feed(c.codec, cut(wire, seed, maxPiece));
          assert.equal(got.length, fs.length);
          for (let i = 0; i < fs.length; i++) {
            if (!(got[i] as Buffer).equals(c.decoded(c.codec, fs[i]!))) assert.fail(`frame ${i} differs (seed ${seed}, maxPiece ${maxPiece})`);
          }
        }),
        { numRuns: runs },
      );
    });
  }

  for (const c of cases) {
    it(`${c.name}: 20,000 frames through a unix socketpair, random write sizes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer(), fc.integer({ min: 512, max: 20_000 }), async (seed, maxPiece) => {
          const fs = frames(seed, 20_000, c.min);
          const wire = encode(c.codec, fs);
          const [a, z] = await socketpair("unix");
          try {
            const writing = (async () => {
              for (const piece of cut(wire, seed, maxPiece)) await a.write(piece);
              await a.close();
            })();
            const f = framed(z, c.codec, { bufferSize: 1024 });
            let i = 0;
            const reading = (async () => {
              for await (const frame of f) {
                if (!Buffer.from(frame.buffer, frame.byteOffset, frame.length).equals(c.decoded(c.codec, fs[i]!))) assert.fail(`frame ${i} differs (seed ${seed})`);
                i++;
              }
            })();
            await within(Promise.all([writing, reading]), 10_000, "the socket run");
            assert.equal(i, fs.length);
          } finally {
            await z.close();
          }
        }),
        { numRuns: 1 },
      );
    });
  }
});
