/**
 * delimiter and lines (Netty's DelimiterBasedFrameDecoder and LineBasedFrameDecoder), fed
 * whole and byte by byte, with their limits; fixedLength and uvarint (Go's binary.Uvarint).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { delimiter, lines } from "../../src/codec/delimiter.js";
import { fixedLength, putUvarint, uvarint } from "../../src/codec/fixed.js";
import { ErrOverflow, ErrUnexpectedEOF, FrameError } from "../../src/codec/errors.js";
import { errorIs } from "../../src/sys/errors.js";
import { bytewise, encode, feed } from "./feed.js";

const b = (s: string) => Buffer.from(s, "latin1");
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("delimiter", () => {
  it("Netty's example: ABC\\nDEF\\r\\n with both line delimiters gives ABC and DEF", () => {
    const codec = delimiter({ delimiters: ["\r\n", "\n"] });
    for (const chunks of [[b("ABC\nDEF\r\n")], bytewise(b("ABC\nDEF\r\n"))]) assert.deepEqual(feed(codec, chunks), [b("ABC"), b("DEF")]);
  });

  it("picks the delimiter that yields the shortest frame, and keeps it when asked", () => {
    const codec = delimiter({ delimiters: ["||", "|"], stripDelimiter: false });
    assert.deepEqual(feed(codec, [b("a||b|c|")]), [b("a||"), b("b|"), b("c|")]);
    assert.deepEqual(feed(delimiter({ delimiters: b("\0") }), [b("x\0\0y\0")]), [b("x"), b(""), b("y")]);
  });

  it("the encoder appends the first delimiter", () => {
    assert.deepEqual(encode(delimiter({ delimiters: ["\r\n", "\n"] }), [b("a"), b("bc")]), b("a\r\nbc\r\n"));
  });

  it("a frame over the maximum fails fast, is discarded to its delimiter, and the next one comes", () => {
    const codec = delimiter({ delimiters: "\n", maxFrameLength: 8 });
    const wire = b("ok\n" + "x".repeat(50) + "\nafter\n");
    // Arriving a byte at a time, it fails as soon as 8 bytes pass without a delimiter; arriving
    // whole, its delimiter is already there and its length known.
    for (const [chunks, text] of [
      [bytewise(wire), "frame too long: over 8 bytes without a delimiter"],
      [[wire], "frame too long: 50 > 8"],
    ] as const) {
      const out = feed(codec, chunks);
      assert.deepEqual(out[0], b("ok"));
      assert.ok(out[1] instanceof FrameError);
      assert.equal((out[1] as FrameError).message, text);
      assert.deepEqual(out.slice(2), [b("after")]);
    }
    // A long frame whose delimiter is already there gets its length in the message.
    const out = feed(delimiter({ delimiters: "\n", maxFrameLength: 8 }), [b("123456789\nz\n")]);
    assert.equal((out[0] as Error).message, "frame too long: 9 > 8");
    assert.deepEqual(out[1], b("z"));
  });

  it("without failFast the error comes at the long frame's delimiter, with its length", () => {
    const codec = delimiter({ delimiters: "\n", maxFrameLength: 8, failFast: false });
    const out = feed(codec, bytewise(b("x".repeat(50) + "\nafter\n")));
    assert.equal((out[0] as Error).message, "frame too long: 50 > 8");
    assert.deepEqual(out.slice(1), [b("after")]);
  });

  it("a frame of exactly the maximum passes, however it arrives", () => {
    const codec = delimiter({ delimiters: "\r\n", maxFrameLength: 5 });
    assert.deepEqual(feed(codec, bytewise(b("abcde\r\nf\r\n"))), [b("abcde"), b("f")]);
  });

  it("a stream that ends after a partial frame is ErrUnexpectedEOF", () => {
    assert.ok(errorIs(feed(delimiter({ delimiters: "\n" }), [b("a\nb")])[1], ErrUnexpectedEOF));
  });

  it("rejects an empty delimiter", () => {
    assert.throws(() => delimiter({ delimiters: "" }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => delimiter({ delimiters: [] }), { code: "ERR_INVALID_ARG_TYPE" });
  });
});

describe("lines", () => {
  it("splits on \\n and \\r\\n, dropping the endings unless keepEnding", () => {
    const wire = b("one\ntwo\r\n\nthree\r\n");
    for (const chunks of [[wire], bytewise(wire)]) assert.deepEqual(feed(lines(), chunks), [b("one"), b("two"), b(""), b("three")]);
    assert.deepEqual(feed(lines({ keepEnding: true }), [wire]), [b("one\n"), b("two\r\n"), b("\n"), b("three\r\n")]);
    // A \r alone is not an ending.
    assert.deepEqual(feed(lines(), [b("a\rb\n")]), [b("a\rb")]);
  });

  it("returns a last line without an ending at end of stream, as Go's bufio.Scanner", () => {
    assert.deepEqual(feed(lines(), [b("a\nlast")]), [b("a"), b("last")]);
    assert.deepEqual(feed(lines(), [b("a\nlast\r")]), [b("a"), b("last")]);
  });

  it("a line over maxLength is discarded with an error once its ending comes (Netty's failFast false)", () => {
    const wire = b("short\n" + "y".repeat(40) + "\r\nnext\n");
    for (const chunks of [[wire], bytewise(wire)]) {
      const out = feed(lines({ maxLength: 10 }), chunks);
      assert.deepEqual(out[0], b("short"));
      assert.equal((out[1] as FrameError).message, "frame too long: 40 > 10");
      assert.equal((out[1] as FrameError).code, "ERR_FRAME_TOO_LONG");
      assert.deepEqual(out.slice(2), [b("next")]);
    }
    const fast = feed(lines({ maxLength: 10, failFast: true }), bytewise(wire));
    assert.equal((fast[1] as Error).message, "frame too long: over 10 bytes without a delimiter");
    assert.deepEqual(fast.slice(2), [b("next")]);
    // maxLength counts the line without its ending.
    assert.deepEqual(feed(lines({ maxLength: 3 }), bytewise(b("abc\r\n"))), [b("abc")]);
  });

  it("the encoder appends \\n, or \\r\\n when asked", () => {
    assert.deepEqual(encode(lines(), [b("a"), b("")]), b("a\n\n"));
    assert.deepEqual(encode(lines({ ending: "\r\n" }), [b("a")]), b("a\r\n"));
  });
});

describe("fixedLength", () => {
  it("Netty's example: A | BC | DEFG | HI in frames of 3 gives ABC, DEF, GHI", () => {
    assert.deepEqual(feed(fixedLength(3), [b("A"), b("BC"), b("DEFG"), b("HI")]), [b("ABC"), b("DEF"), b("GHI")]);
  });

  it("a partial last frame is ErrUnexpectedEOF; the encoder checks the size first", () => {
    assert.ok(errorIs(feed(fixedLength(3), [b("ABCD")])[1], ErrUnexpectedEOF));
    assert.deepEqual(encode(fixedLength(2), [b("ab"), b("cd")]), b("abcd"));
    assert.throws(() => encode(fixedLength(2), [b("ab"), b("c")]), { message: "fixed-length frame must be 2 bytes, not 1", code: "ERR_FRAME_SIZE" });
  });
});

describe("uvarint", () => {
  it("writes Go's binary.PutUvarint bytes and reads them back", () => {
    // Go: binary.PutUvarint of 0, 1, 127, 128, 300, 16384 and 2^53-1.
    const cases: [number, string][] = [
      [0, "00"],
      [1, "01"],
      [127, "7f"],
      [128, "8001"],
      [300, "ac02"],
      [16384, "808001"],
      [2 ** 53 - 1, "ffffffffffffff0f"],
    ];
    for (const [v, want] of cases) {
      const buf = new Uint8Array(10);
      assert.equal(Buffer.from(buf.subarray(0, putUvarint(buf, 0, v))).toString("hex"), want, `PutUvarint(${v})`);
    }
    const frames = [b(""), b("x"), Buffer.alloc(300, 2), Buffer.alloc(20_000, 3)];
    const wire = encode(uvarint(), frames);
    assert.deepEqual(wire.subarray(0, 3), hex("00 01 78"));
    assert.deepEqual(feed(uvarint(), [wire]), frames);
    assert.deepEqual(feed(uvarint(), bytewise(wire)), frames);
    // A non-minimal encoding is accepted, as binary.Uvarint does.
    assert.deepEqual(feed(uvarint(), [hex("8100 41")]), [b("A")]);
  });

  it("overflows as binary.Uvarint does, with Go's text", () => {
    for (const bad of ["ffffffffffffffffff02", "ffffffffffffffffffff01", "80808080808080808080"]) {
      const out = feed(uvarint(), [hex(bad)]);
      assert.equal(out.length, 1, bad);
      const err = out[0] as FrameError;
      assert.equal(err.message, "binary: varint overflows a 64-bit integer");
      assert.equal(err.code, "ERR_FRAME_CORRUPT");
      assert.ok(errorIs(err, ErrOverflow));
    }
    // The largest uint64 is no overflow: it is just too long, with its exact value.
    const out = feed(uvarint({ maxFrameLength: 100 }), [hex("ffffffffffffffffff01")]);
    assert.equal((out[0] as Error).message, "frame too long: 18446744073709551615 > 100");
  });

  it("a payload over the maximum is discarded and the next one comes; EOF inside a varint is unexpected", () => {
    const codec = uvarint({ maxFrameLength: 4 });
    const wire = Buffer.concat([hex("05"), b("12345"), encode(codec, [b("ok")])]);
    const out = feed(codec, bytewise(wire));
    assert.equal((out[0] as Error).message, "frame too long: 5 > 4");
    assert.deepEqual(out.slice(1), [b("ok")]);
    assert.ok(errorIs(feed(codec, [hex("80")])[0], ErrUnexpectedEOF));
    assert.throws(() => encode(codec, [b("12345")]), { message: "frame too long: 5 > 4" });
  });
});
