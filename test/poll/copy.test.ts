/**
 * copy (issue 13 §1): Go's io.Copy with the kernel's fast path. Stream sockets and pipes in any
 * mix move through splice(2) — checked by the native core's splice counter, no strace — with
 * the bytes exact (sha256), the end passed on as a half-close, abort and deadlines applying;
 * files and in-memory conns take the buffered path.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { copy, copyCounters, dial, errorIs, ErrDeadlineExceeded, listen, netPipe, openFile, pipe, type Conn } from "../../src/index.js";
import { guardFdLeaks, readAll, testUnixAddr } from "../helpers.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** connPair gives the two ends of one conn on `network`. */
async function connPair(network: string, address: string): Promise<[Conn, Conn]> {
  const ln = await listen(network, address);
  try {
    const accepted = ln.accept();
    const c = await dial(network, ln.addr().toString());
    return [c, await accepted];
  } finally {
    await ln.close();
  }
}

/** writeAllThenEnd writes `data` in 1 MiB pieces and half-closes. */
async function writeAllThenEnd(w: { write(p: Uint8Array): Promise<number>; closeWrite?(): Promise<void>; close(): Promise<void> }, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length; off += 1 << 20) await w.write(data.subarray(off, off + (1 << 20)));
  if (w.closeWrite) await w.closeWrite();
  else await w.close();
}

describe("copy", () => {
  guardFdLeaks();

  for (const [from, to] of [["tcp", "tcp"], ["unix", "tcp"], ["tcp", "unix"]] as const) {
    it(`splices ${from} → ${to}, bytes exact, and half-closes the destination`, async () => {
      const data = randomBytes(20 << 20);
      const [srcPeer, src] = await connPair(from, from === "tcp" ? "127.0.0.1:0" : testUnixAddr());
      const [dst, dstPeer] = await connPair(to, to === "tcp" ? "127.0.0.1:0" : testUnixAddr());
      try {
        const before = copyCounters().splices;
        const [n, , got] = await Promise.all([copy(dst, src), writeAllThenEnd(srcPeer, data), readAll(dstPeer)]);
        assert.equal(n, data.length);
        assert.equal(sha(got), sha(data), "every byte, in order");
        assert.ok(copyCounters().splices - before >= 2 * (data.length / (64 << 10)), "splice moved them");
      } finally {
        await Promise.all([src.close(), srcPeer.close(), dst.close(), dstPeer.close()]);
      }
    });
  }

  it("splices pipe → tcp and tcp → pipe", async () => {
    const data = randomBytes(4 << 20);
    const [r, w] = await pipe();
    const [dst, dstPeer] = await connPair("tcp", "127.0.0.1:0");
    const [r2, w2] = await pipe();
    const [src, srcPeer] = await connPair("tcp", "127.0.0.1:0");
    try {
      const before = copyCounters().splices;
      const [n, , got] = await Promise.all([copy(dst, r), writeAllThenEnd(w, data), readAll(dstPeer)]);
      assert.equal(n, data.length);
      assert.equal(sha(got), sha(data));
      // And back: from the tcp peer through a pipe.
      // A pipe has no half-close: its writer closes it when the copy is done.
      const back = Promise.all([copy(w2, srcPeer).then(async (n) => (await w2.close(), n)), readAll(r2)]);
      await writeAllThenEnd(src, data);
      const [m, got2] = await back;
      assert.equal(m, data.length);
      assert.equal(sha(got2), sha(data));
      assert.ok(copyCounters().splices > before);
    } finally {
      for (const o of [r, w, r2, w2, dst, dstPeer, src, srcPeer]) await o[Symbol.asyncDispose]();
    }
  });

  it("copies a regular file and an in-memory conn the buffered way", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sockit-copy-"));
    const data = randomBytes(3 << 20);
    const [dst, dstPeer] = await connPair("tcp", "127.0.0.1:0");
    try {
      writeFileSync(path.join(dir, "f"), data);
      const f = await openFile(path.join(dir, "f"), "r");
      const before = copyCounters().splices;
      const [n, got] = await Promise.all([copy(dst, f), readAll(dstPeer)]);
      await f.close();
      assert.equal(n, data.length);
      assert.equal(sha(got), sha(data));
      assert.equal(copyCounters().splices, before, "no splice for a regular file");
      const [a, b] = netPipe();
      const [c, d] = netPipe();
      const small = randomBytes(100_000);
      // net.Pipe has no half-close either: close the writing end when the copy is done.
      const [m, , got2] = await Promise.all([copy(c, b).then(async (n) => (await c.close(), n)), writeAllThenEnd(a, small), readAll(d)]);
      assert.equal(m, small.length);
      assert.equal(sha(got2), sha(small));
    } finally {
      await Promise.all([dst.close(), dstPeer.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops on abort and on the source's deadline, closing its pipe", async () => {
    const [srcPeer, src] = await connPair("tcp", "127.0.0.1:0");
    const [dst, dstPeer] = await connPair("tcp", "127.0.0.1:0");
    try {
      await srcPeer.write(new Uint8Array(1000));
      const ac = new AbortController();
      const p = copy(dst, src, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await assert.rejects(p, /operation was canceled/);
      src.setReadDeadline(Date.now() + 30);
      const e = await copy(dst, src).catch((x: unknown) => x);
      assert.ok(errorIs(e, ErrDeadlineExceeded), String(e));
      await assert.rejects(copy(dst, src, { signal: AbortSignal.abort() }), /operation was canceled/);
    } finally {
      await Promise.all([src.close(), srcPeer.close(), dst.close(), dstPeer.close()]);
    }
  });
});
