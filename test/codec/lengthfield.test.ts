/**
 * lengthField against the tables of Netty's LengthFieldBasedFrameDecoder javadoc, each fed
 * whole and one byte at a time, and its encoder back to the same bytes; its errors.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { lengthField, lengthFieldPrepender } from "../../src/codec/lengthfield.js";
import { ErrUnexpectedEOF, FrameError } from "../../src/codec/errors.js";
import { framed } from "../../src/codec/framed.js";
import { errorIs } from "../../src/sys/errors.js";
import { MemStream, bytewise, encode, feed } from "./feed.js";

const hello = Buffer.from("HELLO, WORLD");
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

interface Example {
  title: string;
  opts: Parameters<typeof lengthField>[0];
  input: Buffer;
  output: Buffer;
  /** Whether the encoder can write `output` back to `input` (false where strip drops a header field). */
  encodes: boolean;
}

// Netty's javadoc examples, in its order and with its titles.
const examples: Example[] = [
  {
    title: "2 bytes length field at offset 0, do not strip header",
    opts: { offset: 0, length: 2, adjustment: 0, strip: 0 },
    input: Buffer.concat([hex("000C"), hello]),
    output: Buffer.concat([hex("000C"), hello]),
    encodes: true,
  },
  {
    title: "2 bytes length field at offset 0, strip header",
    opts: { offset: 0, length: 2, adjustment: 0, strip: 2 },
    input: Buffer.concat([hex("000C"), hello]),
    output: hello,
    encodes: true,
  },
  {
    title: "2 bytes length field at offset 0, do not strip header, the length field represents the length of the whole message",
    opts: { offset: 0, length: 2, adjustment: -2, strip: 0 },
    input: Buffer.concat([hex("000E"), hello]),
    output: Buffer.concat([hex("000E"), hello]),
    encodes: true,
  },
  {
    title: "3 bytes length field at the end of 5 bytes header, do not strip header",
    opts: { offset: 2, length: 3, adjustment: 0, strip: 0 },
    input: Buffer.concat([hex("CAFE 00000C"), hello]),
    output: Buffer.concat([hex("CAFE 00000C"), hello]),
    encodes: true,
  },
  {
    title: "3 bytes length field at the beginning of 5 bytes header, do not strip header",
    opts: { offset: 0, length: 3, adjustment: 2, strip: 0 },
    input: Buffer.concat([hex("00000C CAFE"), hello]),
    output: Buffer.concat([hex("00000C CAFE"), hello]),
    encodes: true,
  },
  {
    title: "2 bytes length field at offset 1 in the middle of 4 bytes header, strip the first header field and the length field",
    opts: { offset: 1, length: 2, adjustment: 1, strip: 3 },
    input: Buffer.concat([hex("CA 000C FE"), hello]),
    output: Buffer.concat([hex("FE"), hello]),
    encodes: false,
  },
  {
    title: "2 bytes length field at offset 1 in the middle of 4 bytes header, strip the first header field and the length field, the length field represents the length of the whole message",
    opts: { offset: 1, length: 2, adjustment: -3, strip: 3 },
    input: Buffer.concat([hex("CA 0010 FE"), hello]),
    output: Buffer.concat([hex("FE"), hello]),
    encodes: false,
  },
];

describe("Netty's LengthFieldBasedFrameDecoder examples", () => {
  for (const ex of examples) {
    it(ex.title, async () => {
      const codec = lengthField(ex.opts);
      assert.deepEqual(feed(codec, [ex.input]), [ex.output]);
      assert.deepEqual(feed(codec, bytewise(ex.input)), [ex.output]);
      // Three in a row, merged: three frames.
      const three = Buffer.concat([ex.input, ex.input, ex.input]);
      assert.deepEqual(feed(codec, [three]), [ex.output, ex.output, ex.output]);
      // Through a FramedConn with a tiny buffer, so it must grow and compact.
      const f = framed(new MemStream(bytewise(three)), codec, { bufferSize: 16, copy: true });
      const got: Buffer[] = [];
      for await (const frame of f) got.push(Buffer.from(frame));
      assert.deepEqual(got, [ex.output, ex.output, ex.output]);
      if (ex.encodes) {
        // The encoder writes the frame back to the wire bytes: strip 0 fills the length field in.
        const frame = Buffer.from(ex.output);
        if (ex.opts!.strip === 0) frame.fill(0, ex.opts!.offset, ex.opts!.offset! + ex.opts!.length!);
        assert.deepEqual(encode(codec, [frame]), ex.input);
      } else {
        assert.throws(() => encode(codec, [ex.output]), /has no encoder/);
      }
    });
  }
});

describe("lengthField", () => {
  it("defaults to a 4-byte big-endian length, header stripped, and round-trips", () => {
    const codec = lengthField();
    const frames = [Buffer.from("a"), Buffer.alloc(0), Buffer.alloc(70_000, 9)];
    const wire = encode(codec, frames);
    assert.deepEqual(wire.subarray(0, 5), hex("00000001 61"));
    assert.deepEqual(feed(codec, [wire]), frames);
  });

  for (const length of [1, 2, 3, 4, 8] as const) {
    for (const byteOrder of ["big", "little"] as const) {
      it(`reads and writes a ${length}-byte ${byteOrder}-endian field`, () => {
        const codec = lengthField({ length, byteOrder });
        const frame = Buffer.alloc(200, 1);
        const wire = encode(codec, [frame]);
        const field = Buffer.alloc(length);
        field[byteOrder === "big" ? length - 1 : 0] = 200;
        assert.deepEqual(wire.subarray(0, length), field);
        assert.deepEqual(feed(codec, bytewise(wire)), [frame]);
      });
    }
  }

  it("lengthIncludesLengthFieldLength counts the field itself, both ways", () => {
    const codec = lengthField({ length: 2, lengthIncludesLengthFieldLength: true });
    const wire = encode(codec, [hello]);
    assert.deepEqual(wire, Buffer.concat([hex("000E"), hello]));
    assert.deepEqual(feed(codec, [wire]), [hello]);
  });

  it("a frame too long fails at once with failFast, is discarded, and the next frame comes", () => {
    const codec = lengthField({ length: 4, maxFrameLength: 1 << 20 });
    const big = Buffer.alloc(4 + 1_999_996);
    big.writeUInt32BE(1_999_996);
    const small = encode(codec, [hello]);
    const out = feed(codec, [big.subarray(0, 4), big.subarray(4, 100), big.subarray(100), small]);
    assert.equal(out.length, 2);
    const err = out[0] as FrameError;
    assert.ok(err instanceof FrameError);
    assert.equal(err.message, "frame too long: 2000000 > 1048576");
    assert.equal(err.code, "ERR_FRAME_TOO_LONG");
    assert.equal(err.frameLength, 2_000_000);
    assert.equal(err.maxFrameLength, 1 << 20);
    assert.deepEqual(out[1], hello);
  });

  it("without failFast, the error comes once the long frame has been read and dropped", async () => {
    const codec = lengthField({ length: 2, maxFrameLength: 100, failFast: false });
    const long = Buffer.concat([hex("00C8"), Buffer.alloc(200, 1)]);
    const wire = Buffer.concat([encode(codec, [hello]), long, encode(codec, [hello])]);
    // The error comes only after the last byte of the long frame, not at its header.
    const head = feed(codec, [wire.subarray(0, 14 + 100)]);
    assert.deepEqual(head.slice(0, 1), [hello]);
    assert.ok(errorIs(head[1], ErrUnexpectedEOF), "ends inside the discarded frame");
    const out = feed(codec, bytewise(wire));
    assert.deepEqual(out[0], hello);
    assert.equal((out[1] as Error).message, "frame too long: 202 > 100");
    assert.deepEqual(out[2], hello);
    assert.equal(out.length, 3);
    // A FramedConn reports it from read(), then goes on.
    const f = framed(new MemStream([wire]), codec);
    assert.deepEqual(Buffer.from((await f.read())!), hello);
    await assert.rejects(f.read(), { message: "frame too long: 202 > 100" });
    assert.deepEqual(Buffer.from((await f.read())!), hello);
    assert.equal(await f.read(), null);
  });

  it("a negative 8-byte length is corrupt, with Netty's text, and the stream stays failed", () => {
    const codec = lengthField({ length: 8 });
    const out = feed(codec, [hex("FFFFFFFFFFFFFFFF 00")]);
    assert.equal(out.length, 1);
    assert.equal((out[0] as FrameError).message, "negative pre-adjustment length field: -1");
    assert.equal((out[0] as FrameError).code, "ERR_FRAME_CORRUPT");
  });

  it("an adjusted length shorter than the header is corrupt (Netty's text)", () => {
    const codec = lengthField({ length: 4, adjustment: -8 });
    const out = feed(codec, [hex("00000002 0000")]);
    assert.equal((out[0] as Error).message, "Adjusted frame length (-2) is less than lengthFieldEndOffset: 4");
    const codec2 = lengthField({ length: 4, lengthIncludesLengthFieldLength: true });
    assert.equal((feed(codec2, [hex("00000002")])[0] as Error).message, "Adjusted frame length (2) is less than lengthFieldEndOffset: 4");
  });

  it("a frame shorter than strip is dropped with Netty's text, and the next one comes", () => {
    const codec = lengthField({ length: 1, strip: 3 });
    const out = feed(codec, [hex("01 AA 02 BBCC")]);
    assert.equal((out[0] as Error).message, "Adjusted frame length (2) is less than initialBytesToStrip: 3");
    assert.deepEqual(out[1], Buffer.alloc(0));
  });

  it("a stream that ends inside a frame is ErrUnexpectedEOF; at a boundary it is a clean end", async () => {
    const codec = lengthField({ length: 2 });
    assert.ok(errorIs(feed(codec, [hex("0005 6162")])[0], ErrUnexpectedEOF));
    assert.ok(errorIs(feed(codec, [hex("00")])[0], ErrUnexpectedEOF));
    assert.deepEqual(feed(codec, [hex("0001 61")]), [Buffer.from("a")]);
    const f = framed(new MemStream([hex("0005 6162")]), codec);
    await assert.rejects(f.read(), (e) => e === ErrUnexpectedEOF && (e as Error).message === "unexpected EOF");
    assert.equal(await f.read(), null, "then the end, as a Go reader's io.EOF");
  });

  it("checks its options with Netty's rules", () => {
    assert.throws(() => lengthField({ length: 5 as never }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => lengthField({ offset: 10, length: 4, maxFrameLength: 12 }), {
      message: "maxFrameLength (12) must be equal to or greater than lengthFieldOffset (10) + lengthFieldLength (4).",
    });
    assert.throws(() => lengthField({ strip: -1 }), { code: "ERR_INVALID_ARG_TYPE" });
  });

  it("the encoder refuses what the field cannot hold, before writing anything", () => {
    assert.throws(() => encode(lengthField({ length: 1 }), [Buffer.alloc(255), Buffer.alloc(256)]), { message: "length does not fit into a byte: 256", code: "ERR_FRAME_SIZE" });
    assert.throws(() => encode(lengthField({ length: 2, maxFrameLength: 10 }), [Buffer.alloc(9)]), { message: "frame too long: 11 > 10" });
    const p = lengthFieldPrepender({ length: 2, adjustment: -5 });
    assert.throws(() => encode({ ...lengthField(), encoder: p }, [Buffer.alloc(3)]), { message: "Adjusted frame length (-2) is less than zero" });
  });

  it("lengthFieldPrepender has Netty's semantics", () => {
    const codec = { ...lengthField({ length: 2, adjustment: -2 }), encoder: lengthFieldPrepender({ length: 2, lengthIncludesLengthFieldLength: true }) };
    const wire = encode(codec, [hello]);
    assert.deepEqual(wire, Buffer.concat([hex("000E"), hello]));
    // The decoder of the same layout, strip 2, reads the payload back.
    assert.deepEqual(feed(lengthField({ length: 2, adjustment: -2, strip: 2 }), [wire]), [hello]);
    assert.deepEqual(encode({ ...codec, encoder: lengthFieldPrepender({ length: 3, byteOrder: "little", adjustment: 1 }) }, [hello]).subarray(0, 3), hex("0D0000"));
  });
});
