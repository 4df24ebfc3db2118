/**
 * framed over real conns: tcp, unix, pipes, netPipe and TLS; merged and split arrivals; one
 * writev for a batch; views and copies; deadlines and close passed through; the memory bound
 * against a peer that announces a huge frame and stalls.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dial, listen, netPipe, socketpair, pipe, tlsClient, tlsServer, errorIs, ErrDeadlineExceeded } from "../../src/index.js";
import { framed, FramedConn, type Framer } from "../../src/codec/framed.js";
import { lengthField } from "../../src/codec/lengthfield.js";
import { lines } from "../../src/codec/delimiter.js";
import { uvarint } from "../../src/codec/fixed.js";
import { FrameError } from "../../src/codec/errors.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const b = (s: string) => Buffer.from(s);
const frameOf = (i: number) => Buffer.alloc(i % 97, i & 0xff);

/** reads `n` frames (copied) from `f`. */
async function take(f: FramedConn, n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  while (out.length < n) {
    const fr = await f.read();
    if (fr === null) break;
    out.push(Buffer.from(fr));
  }
  return out;
}

describe("framed", () => {
  it("writeMany sends 1,000 frames in one writev; the reader gets each, byte-exact", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const accepted = ln.accept();
    await using c = await dial("tcp", ln.addr().toString());
    await using s = await accepted;
    const frames = Array.from({ length: 1000 }, (_, i) => frameOf(i));
    const w = framed(c, lengthField());
    const before = c.stats().writes;
    const reading = take(framed(s, lengthField()), 1000);
    const n = await w.writeMany(frames);
    assert.equal(n, frames.reduce((t, f) => t + 4 + f.length, 0));
    assert.equal(c.stats().writes - before, 1, "one write operation for the batch");
    assert.deepEqual(await within(reading, 5000, "1,000 frames"), frames);
  });

  it("reassembles frames written one byte at a time over unix", async () => {
    const [a, z] = await socketpair("unix");
    const codec = lengthField({ length: 2 });
    const frames = [b("hello"), b(""), Buffer.alloc(300, 7), b("bye")];
    const wire = Buffer.concat(frames.map((f) => Buffer.concat([Buffer.from([f.length >> 8, f.length & 0xff]), f])));
    const reading = take(framed(z, codec), frames.length);
    for (let i = 0; i < wire.length; i++) await a.write(wire.subarray(i, i + 1));
    assert.deepEqual(await within(reading, 5000, "the frames"), frames);
    await a.close();
    await z.close();
  });

  it("hands out views into its buffer, or copies with { copy: true }", async () => {
    const [a, z] = await socketpair("unix");
    await framed(a, lines()).writeMany([b("one"), b("two")]);
    const views = framed(z, lines());
    const one = (await views.read())!;
    const two = (await views.read())!;
    assert.equal(one.buffer, two.buffer, "both are views of one buffer");
    assert.equal(Buffer.from(two).toString(), "two");
    await framed(a, lines()).writeMany([b("three"), b("four")]);
    const copies = framed(z, lines(), { copy: true });
    const three = (await copies.read())!;
    const four = (await copies.read())!;
    assert.notEqual(three.buffer, four.buffer);
    assert.equal(three.byteLength, three.buffer.byteLength, "a copy owns its memory");
    assert.deepEqual([Buffer.from(three).toString(), Buffer.from(four).toString()], ["three", "four"]);
    await a.close();
    await z.close();
  });

  it("tryRead returns buffered frames without waiting, undefined when it would wait, null at the end", async () => {
    const [a, z] = await socketpair("unix");
    const f = framed(z, lengthField({ length: 1 }));
    assert.equal(f.tryRead(), undefined, "nothing read yet");
    await framed(a, lengthField({ length: 1 })).writeMany([b("one"), b("two"), b("three")]);
    assert.equal(Buffer.from((await f.read())!).toString(), "one");
    assert.equal(f.buffered(), 10, "the other two arrived with it");
    assert.equal(Buffer.from(f.tryRead()!).toString(), "two");
    assert.equal(Buffer.from(f.tryRead()!).toString(), "three");
    assert.equal(f.tryRead(), undefined, "drained");
    const pending = f.read();
    await a.write(Buffer.from([4, ...b("four"), 4]));
    assert.equal(Buffer.from((await pending)!).toString(), "four");
    assert.equal(f.tryRead(), undefined, "half a frame is not a frame");
    const waiting = f.read();
    assert.equal(f.tryRead(), undefined, "a read in flight goes first");
    await a.write(b("five"));
    assert.equal(Buffer.from((await waiting)!).toString(), "five");
    await a.close();
    assert.equal(await f.read(), null);
    assert.equal(f.tryRead(), null, "the end stays the end");
    await z.close();
  });

  it("reads queued behind a waiting read are served in call order, one frame each", async () => {
    const [a, z] = await socketpair("unix");
    const f = framed(z, lengthField({ length: 1 }));
    const w = framed(a, lengthField({ length: 1 }));
    const r1 = f.read();
    const r2 = f.read();
    await w.write(b("one"));
    assert.equal(Buffer.from((await within(r1, 2000, "r1"))!).toString(), "one");
    // r2 still waits; a read made now must queue behind it, not take its frame.
    const r3 = f.read();
    assert.equal(f.tryRead(), undefined, "a read in flight goes first");
    await w.writeMany([b("two"), b("three")]);
    assert.equal(Buffer.from((await within(r2, 2000, "r2"))!).toString(), "two");
    assert.equal(Buffer.from((await within(r3, 2000, "r3"))!).toString(), "three");
    await a.close();
    assert.equal(await f.read(), null);
    await z.close();
  });

  it("small writes made while one waits on a full socket keep their bytes and their order", async () => {
    const [a, z] = await socketpair("unix");
    const w = framed(a, lengthField({ length: 4, maxFrameLength: 4 << 20 }));
    const r = framed(z, lengthField({ length: 4, maxFrameLength: 4 << 20 }), { copy: true });
    const big = Buffer.alloc(2 << 20, 9); // more than the socket holds: it waits for the reader
    const smalls = ["alpha", "bravo", "charlie", "delta"].map((s) => b(s.repeat(50)));
    const writes = [w.write(big), ...smalls.map((s) => w.write(s))];
    const got = await within(take(r, 5), 10_000, "five frames");
    assert.equal(got.length, 5);
    assert.ok(got[0]!.equals(big), "the big frame");
    for (let i = 0; i < smalls.length; i++) assert.ok(got[i + 1]!.equals(smalls[i]!), `small frame ${i}`);
    assert.deepEqual(await Promise.all(writes), [big.length + 4, ...smalls.map((s) => s.length + 4)]);
    await a.close();
    await z.close();
  });

  it("tryRead throws what read rejects with: a frame too long, a stream cut inside a frame", async () => {
    const [a, z] = await socketpair("unix");
    const f = framed(z, lengthField({ length: 1, maxFrameLength: 4 }));
    await a.write(Buffer.from([1, 0x61, 9, 1, 2]));
    assert.equal(Buffer.from((await f.read())!).toString(), "a");
    assert.throws(() => f.tryRead(), (e: unknown) => e instanceof FrameError && e.message === "frame too long: 10 > 4");
    await a.write(Buffer.from([3, 4, 5, 6, 7, 8, 9, 2, 0x62]));
    await a.close();
    await assert.rejects(f.read(), /unexpected EOF/);
    assert.equal(f.tryRead(), null);
    await z.close();
  });

  it("framed(codec) returns a Framer for each conn", async () => {
    const wrap: Framer = framed(uvarint());
    const [a, z] = await socketpair("unix");
    const fa = wrap(a);
    const fz = wrap(z);
    assert.ok(fa instanceof FramedConn);
    assert.equal(fa.conn, a);
    await fa.write(b("ping"));
    assert.equal(Buffer.from((await fz.read())!).toString(), "ping");
    await fa.close();
    assert.equal(await fz.read(), null, "a clean end at a frame boundary");
    await fz.close();
  });

  it("passes deadlines through: a read times out, then a moved deadline revives it", async () => {
    const [a, z] = await socketpair("unix");
    const f = framed(z, lengthField());
    f.setReadDeadline(Date.now() + 30);
    await assert.rejects(f.read(), (e) => errorIs(e, ErrDeadlineExceeded) && /i\/o timeout$/.test((e as Error).message));
    f.setReadDeadline(null);
    const reading = f.read();
    await framed(a, lengthField()).write(b("late"));
    assert.equal(Buffer.from((await reading)!).toString(), "late");
    f.setDeadline(null);
    f.setWriteDeadline(null);
    await a.close();
    await f.close();
  });

  it("close ends a read loop quietly", async () => {
    const [a, z] = await socketpair("unix");
    const f = framed(z, lines());
    const loop = (async () => {
      let n = 0;
      for await (const _ of f) n++;
      return n;
    })();
    await framed(a, lines()).write(b("x"));
    await new Promise((r) => setTimeout(r, 20));
    await f.close();
    assert.equal(await within(loop, 2000, "the loop's end"), 1);
    await a.close();
  });

  it("works over a pipe, a netPipe and TLS, which have no writev", async () => {
    const [r, w] = await pipe();
    const frames = Array.from({ length: 200 }, (_, i) => frameOf(i));
    const reading = take(framed(r, uvarint()), 200);
    await framed(w, uvarint()).writeMany(frames);
    assert.deepEqual(await within(reading, 5000, "pipe frames"), frames);
    await w.close();
    await r.close();

    const [p, q] = netPipe();
    const fp = framed(p, lengthField());
    const fq = framed(q, lengthField());
    const got = take(fq, 201);
    // Concurrent writes and batches never interleave.
    await Promise.all([fp.writeMany(frames), fp.write(b("solo"))]);
    const all = await within(got, 5000, "netPipe frames");
    assert.equal(all.length, 201);
    assert.deepEqual(all.filter((x) => x.toString() !== "solo"), frames);
    await fp.close();
    await fq.close();

    const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url)));
    await using ln = await listen("tcp", "127.0.0.1:0");
    const accepted = ln.accept().then((raw) => tlsServer(raw, { key: fixture("server.key"), cert: fixture("server.crt") }));
    const tc = tlsClient(await dial("tcp", ln.addr().toString()), { ca: fixture("ca.crt"), servername: "sockit.test" });
    const ts = await accepted;
    const tlsGot = take(framed(ts, lengthField()), 200);
    await framed(tc, lengthField()).writeMany(frames);
    assert.deepEqual(await within(tlsGot, 5000, "TLS frames"), frames);
    await tc.close();
    await ts.close();
  });

  it("a huge length prefix from a stalled peer fails at once, allocating nothing big (failFast)", async () => {
    const [a, z] = await socketpair("unix");
    await a.write(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    const f = framed(z, lengthField({ length: 4, maxFrameLength: 1 << 20 }));
    const before = process.memoryUsage().arrayBuffers;
    const err = await within(f.read().then(() => null, (e: unknown) => e), 1000, "the error");
    assert.ok(err instanceof FrameError);
    assert.equal(err.message, "frame too long: 4294967284 > 1048576");
    assert.ok(f.bufferCapacity <= 16 * 1024, `buffer ${f.bufferCapacity}`);
    assert.ok(process.memoryUsage().arrayBuffers - before < 4 << 20);
    await a.close();
    await f.close();
  });

  it("without failFast, a long frame is discarded through a bounded buffer", async () => {
    const [a, z] = await socketpair("unix");
    const codec = lengthField({ length: 4, maxFrameLength: 64 * 1024, failFast: false });
    const f = framed(z, codec);
    const junk = Buffer.alloc(4 + (3 << 20), 1);
    junk.writeUInt32BE(3 << 20);
    const writing = (async () => {
      await a.write(junk);
      await framed(a, codec).write(b("after"));
    })();
    await assert.rejects(within(f.read(), 5000, "the error"), { message: `frame too long: ${(3 << 20) + 4} > 65536` });
    assert.ok(f.bufferCapacity <= 64 * 1024, `buffer ${f.bufferCapacity}`);
    assert.equal(Buffer.from((await f.read())!).toString(), "after");
    await writing;
    await a.close();
    await f.close();
  });

  it("grows its buffer for a large frame up to the limit, and shrinks back", async () => {
    const [a, z] = await socketpair("unix");
    const codec = lengthField({ maxFrameLength: 1 << 20 });
    const f = framed(z, codec);
    const big = Buffer.alloc(900_000, 3);
    const writing = framed(a, codec).writeMany([big, b("small")]);
    assert.ok(Buffer.from((await f.read())!).equals(big));
    assert.ok(f.bufferCapacity <= 1 << 20 && f.bufferCapacity >= 900_004);
    assert.equal(Buffer.from((await f.read())!).toString(), "small");
    await writing;
    await a.write(new Uint8Array([0, 0, 0, 1, 0x41]));
    assert.equal(Buffer.from((await f.read())!).toString(), "A");
    assert.equal(f.bufferCapacity, 16 * 1024);
    await a.close();
    await f.close();
  });
});
