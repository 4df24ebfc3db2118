/**
 * stats() (issue 11 §4): the poll layer counts what every owner's reads and writes moved, the
 * calls, and the waits for readiness; wait times only with setWaitTiming(true). Over TCP, UDP,
 * a pipe and a regular file (whose I/O runs on the threadpool and never waits for readiness).
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import path from "node:path";
import { rmSync, writeFileSync } from "node:fs";
import { dial, listen, listenPacket, pipe, openFile, type TCPConn, type TCPListener } from "../../src/index.js";
import { setWaitTiming, type FDStats } from "../../src/poll/diag.js";
import { guardFdLeaks, readFull } from "../helpers.js";

guardFdLeaks();
after(() => setWaitTiming(false));

const zero: FDStats = {
  bytesRead: 0,
  bytesWritten: 0,
  reads: 0,
  writes: 0,
  readWaits: 0,
  writeWaits: 0,
  readWaitMs: 0,
  writeWaitMs: 0,
};

/** A connected TCP pair on loopback. */
async function tcpPair(): Promise<{ ln: TCPListener; c: TCPConn; s: TCPConn; close(): Promise<void> }> {
  const ln = await listen("tcp", "127.0.0.1:0");
  const acc = ln.accept();
  const c = await dial("tcp", ln.addr().toString());
  const s = await acc;
  return { ln, c, s, close: async () => void (await Promise.all([c.close(), s.close(), ln.close()])) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("stats", () => {
  it("count bytes and calls read and written, and the waits, on a TCP conn", async () => {
    const p = await tcpPair();
    try {
      assert.deepEqual(p.c.stats(), zero, "a new conn has done nothing");
      const pending = p.s.read(new Uint8Array(16)); // waits: nothing sent yet
      await sleep(10);
      await p.c.write(new Uint8Array(5));
      assert.equal(await pending, 5);
      await p.c.write(new Uint8Array(3));
      await p.c.write(new Uint8Array(0));
      assert.equal((await readFull(p.s, 3)).length, 3);
      await p.c.closeWrite();
      assert.equal(await p.s.read(new Uint8Array(1)), null);

      const c = p.c.stats();
      assert.deepEqual([c.bytesWritten, c.writes, c.bytesRead, c.reads], [8, 3, 0, 0]);
      const s = p.s.stats();
      assert.deepEqual([s.bytesRead, s.reads, s.bytesWritten, s.writes], [8, 3, 0, 0], "end of stream is a read");
      assert.ok(s.readWaits >= 2, `readWaits ${s.readWaits}: the first read and the one for end of stream waited`);
      assert.deepEqual([s.readWaitMs, s.writeWaitMs], [0, 0], "no times with timing off");
    } finally {
      await p.close();
    }
  });

  it("time the waits with setWaitTiming(true), a wait going on included", async () => {
    const p = await tcpPair();
    setWaitTiming(true);
    try {
      const pending = p.s.read(new Uint8Array(1));
      await sleep(30);
      const during = p.s.stats();
      assert.equal(during.readWaits, 1);
      assert.ok(during.readWaitMs >= 25, `readWaitMs ${during.readWaitMs} while waiting`);
      await p.c.write(new Uint8Array(1));
      await pending;
      const done = p.s.stats().readWaitMs;
      assert.ok(done >= during.readWaitMs, `${done} >= ${during.readWaitMs}`);
      await sleep(10);
      assert.equal(p.s.stats().readWaitMs, done, "an idle conn's wait time stands still");
    } finally {
      setWaitTiming(false);
      await p.close();
    }
    assert.throws(() => setWaitTiming(1 as unknown as boolean), { code: "ERR_INVALID_ARG_TYPE" });
  });

  it("count a write that waits for room in the socket buffer", async () => {
    const p = await tcpPair();
    setWaitTiming(true);
    try {
      const big = new Uint8Array(32 << 20); // more than loopback's buffers hold, with nobody reading
      const w = p.c.write(big);
      await sleep(20);
      const mid = p.c.stats();
      assert.equal(mid.writes, 0, "not done yet");
      assert.ok(mid.writeWaits >= 1, `writeWaits ${mid.writeWaits}`);
      assert.ok(mid.writeWaitMs > 0);
      const got = await readFull(p.s, big.length);
      assert.equal(got.length, big.length);
      assert.equal(await w, big.length);
      const end = p.c.stats();
      assert.deepEqual([end.writes, end.bytesWritten], [1, big.length]);
      assert.equal(p.s.stats().bytesRead, big.length);
    } finally {
      setWaitTiming(false);
      await p.close();
    }
  });

  it("count the bytes of a write that fails partway, and keep answering after close", async () => {
    const p = await tcpPair();
    p.c.setWriteBuffer(4096);
    const w = p.c.write(new Uint8Array(8 << 20)).catch((e: { bytesWritten: number }) => e);
    await sleep(20);
    await p.c.close(); // fails the waiting write with ErrClosed and what it wrote
    const err = (await w) as { bytesWritten: number };
    assert.ok(err.bytesWritten > 0, `bytesWritten ${err.bytesWritten}`);
    const st = p.c.stats();
    assert.deepEqual([st.bytesWritten, st.writes], [err.bytesWritten, 0]);
    await Promise.all([p.s.close(), p.ln.close()]);
  });

  it("count datagrams on a UDP conn, and an accept as neither read nor write", async () => {
    const a = await listenPacket("udp", "127.0.0.1:0");
    const b = await listenPacket("udp", "127.0.0.1:0");
    try {
      await a.writeTo(new Uint8Array(7), b.localAddr());
      await a.writeTo(new Uint8Array(0), b.localAddr());
      assert.equal((await b.readFrom(new Uint8Array(64))).n, 7);
      assert.equal((await b.readFrom(new Uint8Array(64))).n, 0);
      assert.deepEqual([a.stats().bytesWritten, a.stats().writes], [7, 2]);
      assert.deepEqual([b.stats().bytesRead, b.stats().reads], [7, 2]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const p = await tcpPair();
    const l = p.ln.stats();
    assert.deepEqual([l.reads, l.writes, l.bytesRead, l.bytesWritten], [0, 0, 0, 0]);
    await p.close();
  });

  it("count a pipe's and a regular file's reads and writes (the threadpool's too)", async () => {
    const [r, w] = await pipe();
    try {
      await w.write(new Uint8Array(4));
      assert.equal(await r.read(new Uint8Array(8)), 4);
      assert.deepEqual([w.stats().bytesWritten, r.stats().bytesRead, r.stats().reads], [4, 4, 1]);
    } finally {
      await Promise.all([r.close(), w.close()]);
    }
    const name = path.join(tmpdir(), `sockit-stats-${process.pid}`);
    try {
      writeFileSync(name, "");
      const f = await openFile(name, "w");
      await f.write(new Uint8Array(10));
      const st = f.stats();
      assert.deepEqual([st.bytesWritten, st.writes, st.writeWaits], [10, 1, 0], "a regular file never waits for readiness");
      await f.close();
    } finally {
      rmSync(name, { force: true });
    }
  });
});
