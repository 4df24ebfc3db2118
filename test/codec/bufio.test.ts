/**
 * Reader, Go's bufio.Reader: ReadLine's prefixes and \r\n across the buffer's end, ReadSlice's
 * ErrBufferFull, Peek, Discard, ReadFull's unexpected EOF, with Go's texts; over in-memory
 * chunks for exact arrivals and over a real socket.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { socketpair } from "../../src/index.js";
import { Reader } from "../../src/codec/bufio.js";
import { ErrBufferFull, ErrNegativeCount, ErrNoProgress, ErrUnexpectedEOF } from "../../src/codec/errors.js";
import { guardFdLeaks, within } from "../helpers.js";
import { MemStream, bytewise } from "./feed.js";

guardFdLeaks();

const b = (s: string) => Buffer.from(s, "latin1");
const text = (u: Uint8Array | null | undefined) => (u == null ? null : Buffer.from(u).toString("latin1"));
const reader = (chunks: string[], size?: number) => new Reader(new MemStream(chunks.map(b)), size);

describe("Reader", () => {
  it("has Go's minimum size and counts what it holds", async () => {
    const r = reader(["abcdef"], 1);
    assert.equal(r.size(), 16);
    assert.equal(r.buffered(), 0);
    assert.equal(await r.readByte(), 0x61);
    assert.equal(r.buffered(), 5);
  });

  it("readLine returns lines without endings, with isPrefix past the buffer's size", async () => {
    const r = reader(["0123456789abcdefghij\r\nxy\n", "last"], 16);
    const got = [];
    for (let l = await r.readLine(); l !== null; l = await r.readLine()) got.push([text(l.line), l.isPrefix]);
    assert.deepEqual(got, [
      ["0123456789abcdef", true],
      ["ghij", false],
      ["xy", false],
      ["last", false],
    ]);
  });

  it("readLine keeps a \\r at the buffer's end for the next call, as Go's", async () => {
    const r = reader(["0123456789abcde\r\nz\n"], 16);
    const line = async () => {
      const l = (await r.readLine())!;
      return [text(l.line), l.isPrefix];
    };
    assert.deepEqual(await line(), ["0123456789abcde", true]);
    assert.deepEqual(await line(), ["", false]);
    assert.deepEqual(await line(), ["z", false]);
    assert.equal(await r.readLine(), null);
  });

  it("readSlice: through the delimiter, the rest at the end, ErrBufferFull leaving the bytes buffered", async () => {
    const r = reader(["a,b", "c,", "d"]);
    assert.equal(text(await r.readSlice(",")), "a,");
    assert.equal(text(await r.readSlice(0x2c)), "bc,");
    assert.equal(text(await r.readSlice(",")), "d");
    assert.equal(await r.readSlice(","), null);
    const full = reader(["x".repeat(20) + ","], 16);
    await assert.rejects(full.readSlice(","), (e) => e === ErrBufferFull && (e as Error).message === "bufio: buffer full");
    assert.equal(full.buffered(), 16);
    assert.equal(text(await full.peek(16)), "x".repeat(16));
    assert.equal(text(await full.readBytes(",")), "x".repeat(20) + ",");
    await assert.rejects(full.readSlice("ab"), { code: "ERR_INVALID_ARG_TYPE" });
  });

  it("readBytes and readString span buffers and copy", async () => {
    const long = "y".repeat(100);
    const r = new Reader(new MemStream(bytewise(b(`${long}\nshort\ntail`))), 16);
    const first = await r.readBytes("\n");
    assert.equal(text(first), `${long}\n`);
    assert.equal(await r.readString("\n"), "short\n");
    assert.equal(await r.readString("\n"), "tail");
    assert.equal(await r.readString("\n"), null);
    assert.equal(text(first), `${long}\n`, "a copy, untouched by later reads");
  });

  it("readFull: exact counts, null at a clean end, ErrUnexpectedEOF when short", async () => {
    const r = reader(["ab", "cde", "f"], 16);
    assert.equal(text(await r.readFull(4)), "abcd");
    const into = new Uint8Array(1);
    assert.equal(await r.readFull(into), into);
    assert.equal(text(into), "e");
    await assert.rejects(r.readFull(2), (e) => e === ErrUnexpectedEOF && (e as Error).message === "unexpected EOF");
    assert.equal(await r.readFull(1), null);
    assert.equal(await reader([]).readFull(3), null);
  });

  it("peek and discard, with Go's errors", async () => {
    const r = reader(["abc", "defgh"], 16);
    await assert.rejects(r.peek(-1), (e) => e === ErrNegativeCount && (e as Error).message === "bufio: negative count");
    await assert.rejects(r.peek(17), ErrBufferFull);
    assert.equal(text(await r.peek(5)), "abcde");
    assert.equal(text(await r.peek(2)), "ab", "peek does not consume");
    assert.equal(await r.discard(3), 3);
    await assert.rejects(r.discard(-1), ErrNegativeCount);
    assert.equal(text(await r.peek(10)), "defgh", "shorter at the end");
    assert.equal(await r.discard(10), 5);
    assert.equal((await r.peek(1)).length, 0);
    assert.equal(await r.readByte(), null);
  });

  it("read serves the buffer first, and a large read goes straight to the stream", async () => {
    const r = reader(["abc", "x".repeat(40)], 16);
    assert.equal(await r.readByte(), 0x61);
    const p = new Uint8Array(64);
    assert.equal(await r.read(p), 2);
    assert.equal(await r.read(p), 40);
    assert.equal(await r.read(p), null);
  });

  it("a stream that never makes progress fails with ErrNoProgress", async () => {
    const r = new Reader({ read: async () => 0 });
    await assert.rejects(r.readByte(), (e) => e === ErrNoProgress && (e as Error).message === "multiple Read calls return no data or error");
  });

  it("reads a hand-written protocol over a socket written a byte at a time", async () => {
    const [a, z] = await socketpair("unix");
    const msg = b("HELLO 5\r\nworld+OK\n");
    const writing = (async () => {
      for (let i = 0; i < msg.length; i++) await a.write(msg.subarray(i, i + 1));
      await a.close();
    })();
    const r = new Reader(z);
    const work = (async () => {
      const head = (await r.readLine())!;
      const n = Number(text(head.line)!.split(" ")[1]);
      assert.equal(text(await r.readFull(n)), "world");
      assert.equal(await r.readByte(), 0x2b);
      assert.equal(await r.readString("\n"), "OK\n");
      assert.equal(await r.readString("\n"), null);
    })();
    await within(Promise.all([work, writing]), 5000, "the exchange");
    await z.close();
  });
});
