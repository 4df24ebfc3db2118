/**
 * copy (issue 13 §1): Go's io.Copy with the kernel's fast path. Unix sockets and pipes in any
 * mix move through splice(2), TCP to another socket through a buffer (measured faster) —
 * checked by the native core's splice counter, no strace — with
 * the bytes exact (sha256), the end passed on as a half-close, abort and deadlines applying;
 * regular files go out with sendfile and into files with copy_file_range (threadpool jobs,
 * checked by their counters); in-memory conns take the buffered path.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { copy, copyCounters, dial, errorIs, ErrDeadlineExceeded, listen, netPipe, openFile, pipe, tlsClient, tlsServer, O_APPEND, O_CREATE, O_TRUNC, O_WRONLY, type Conn } from "../../src/index.js";
import { copyPath } from "../../src/poll/copy.js";
import { guardFdLeaks, readAll, testUnixAddr, within } from "../helpers.js";

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
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

/** tlsPair gives the client and server ends of a TLS conn over loopback TCP (the test CA's). */
async function tlsPair(): Promise<[Conn, Conn]> {
  const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url)));
  await using ln = await listen("tcp", "127.0.0.1:0");
  const accepted = ln.accept().then((raw) => tlsServer(raw, { key: fixture("server.key"), cert: fixture("server.crt") }));
  const tc = tlsClient(await dial("tcp", ln.addr().toString()), { ca: fixture("ca.crt"), servername: "sockit.test" });
  return [tc, await accepted];
}

/** writeAllThenEnd writes `data` in 1 MiB pieces and half-closes. */
async function writeAllThenEnd(w: { write(p: Uint8Array): Promise<number>; closeWrite?(): Promise<void>; close(): Promise<void> }, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length; off += 1 << 20) await w.write(data.subarray(off, off + (1 << 20)));
  if (w.closeWrite) await w.closeWrite();
  else await w.close();
}

describe("copy", () => {
  guardFdLeaks();

  // Unix to unix splices; with TCP on either side a buffer measured faster (copy.ts, copyPath).
  for (const [from, to] of [["unix", "unix"], ["tcp", "tcp"], ["unix", "tcp"], ["tcp", "unix"]] as const) {
    const spliced = from === "unix" && to === "unix";
    it(`${spliced ? "splices" : "buffers"} ${from} → ${to}, bytes exact, and half-closes the destination`, async () => {
      const data = randomBytes(20 << 20);
      const [srcPeer, src] = await connPair(from, from === "tcp" ? "127.0.0.1:0" : testUnixAddr());
      const [dst, dstPeer] = await connPair(to, to === "tcp" ? "127.0.0.1:0" : testUnixAddr());
      try {
        assert.equal(copyPath(dst, src), spliced ? "splice" : "buffered");
        const before = copyCounters().splices;
        const [n, , got] = await Promise.all([copy(dst, src), writeAllThenEnd(srcPeer, data), readAll(dstPeer)]);
        assert.equal(n, data.length);
        assert.equal(sha(got), sha(data), "every byte, in order");
        const splices = copyCounters().splices - before;
        if (spliced) assert.ok(splices >= 2 * (data.length / (64 << 10)), "splice moved them");
        else assert.equal(splices, 0, "no splice");
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

  it("sends a regular file to tcp and to a pipe with sendfile jobs, from the file's offset", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sockit-copy-"));
    const data = randomBytes(12 << 20);
    const [dst, dstPeer] = await connPair("tcp", "127.0.0.1:0");
    const [r, w] = await pipe();
    try {
      writeFileSync(path.join(dir, "f"), data);
      await using f = await openFile(path.join(dir, "f"), "r");
      const head = new Uint8Array(1000);
      assert.equal(await f.read(head), 1000);
      const before = copyCounters();
      let reported = 0;
      const [n, got] = await Promise.all([copy(dst, f, { onProgress: (k) => (reported += k) }), readAll(dstPeer)]);
      assert.equal(n, data.length - 1000, "from the file's offset on");
      assert.equal(reported, n, "onProgress saw every byte");
      assert.equal(sha(got), sha(data.subarray(1000)));
      const after = copyCounters();
      assert.ok(after.sendfiles - before.sendfiles >= 3, "12 MiB in 4 MiB sendfile jobs");
      assert.equal(after.splices, before.splices, "no splice");
      assert.equal(await f.read(head), null, "the file's offset moved to its end");
      // A pipe holds 64 KiB: each job moves what fits, then the copy waits for the reader.
      await using f2 = await openFile(path.join(dir, "f"), "r");
      const [m, got2] = await Promise.all([copy(w, f2).then(async (m) => (await w.close(), m)), readAll(r)]);
      assert.equal(m, data.length);
      assert.equal(sha(got2), sha(data));
    } finally {
      for (const o of [dst, dstPeer, r, w]) await o[Symbol.asyncDispose]();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("waits on the poller when sendfile finds the socket full, and fails cleanly when it closes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sockit-copy-"));
    const data = randomBytes(16 << 20);
    const [dst, dstPeer] = await connPair("unix", testUnixAddr());
    try {
      writeFileSync(path.join(dir, "f"), data);
      await using f = await openFile(path.join(dir, "f"), "r");
      const copying = copy(dst, f);
      await new Promise((r) => setTimeout(r, 150)); // the reader is late: the socket fills
      const [n, got] = await Promise.all([copying, readAll(dstPeer)]);
      assert.equal(n, data.length);
      assert.equal(sha(got), sha(data));
      // A destination closed while the copy waits on it: the copy fails with its closed error.
      await using f2 = await openFile(path.join(dir, "f"), "r");
      const [d2, p2] = await connPair("unix", testUnixAddr());
      const stuck = copy(d2, f2).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      await d2.close();
      const e = await stuck;
      assert.match(String(e), /use of closed network connection/);
      await p2.close();
    } finally {
      await Promise.all([dst[Symbol.asyncDispose](), dstPeer.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("copies file → file with copy_file_range, and an append-only file the buffered way", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sockit-copy-"));
    const data = randomBytes(9 << 20);
    try {
      writeFileSync(path.join(dir, "a"), data);
      const before = copyCounters();
      {
        await using a = await openFile(path.join(dir, "a"), "r");
        await using b = await openFile(path.join(dir, "b"), O_WRONLY | O_CREATE | O_TRUNC);
        assert.equal(await copy(b, a), data.length);
      }
      assert.equal(sha(readFileSync(path.join(dir, "b"))), sha(data));
      assert.ok(copyCounters().copyFileRanges - before.copyFileRanges >= 3, "9 MiB in 4 MiB jobs");
      // The kernel refuses copy_file_range into an O_APPEND file (EBADF): copy falls back.
      writeFileSync(path.join(dir, "c"), "head:");
      {
        await using a = await openFile(path.join(dir, "a"), "r");
        await using c = await openFile(path.join(dir, "c"), O_WRONLY | O_APPEND);
        assert.equal(await copy(c, a), data.length);
      }
      assert.equal(sha(readFileSync(path.join(dir, "c"))), sha(Buffer.concat([Buffer.from("head:"), data])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("copies an in-memory conn the buffered way", async () => {
    const [a, b] = netPipe();
    const [c, d] = netPipe();
    const small = randomBytes(100_000);
    let reported = 0;
    // net.Pipe has no half-close either: close the writing end when the copy is done.
    const [m, , got2] = await Promise.all([
      copy(c, b, { onProgress: (k) => (reported += k) }).then(async (n) => (await c.close(), n)),
      writeAllThenEnd(a, small),
      readAll(d),
    ]);
    assert.equal(m, small.length);
    assert.equal(reported, m);
    assert.equal(sha(got2), sha(small));
  });

  it("stops on abort while a netPipe or TLS source waits for a silent peer, losing no byte", async () => {
    const [tc, ts] = await tlsPair();
    const [pa, pb] = netPipe();
    const [sink, sinkPeer] = netPipe();
    try {
      for (const [name, peer, src] of [["netPipe", pa, pb], ["TLS", tc, ts]] as const) {
        const ac = new AbortController();
        const p = copy(sink, src, { signal: ac.signal, closeWrite: false });
        setTimeout(() => ac.abort(), 30);
        await assert.rejects(within(p, 2000, `${name}: the abort`), /operation was canceled/);
        // The aborted copy took nothing: what the peer sends now is the source's to read.
        const sent = peer.write(b(`after ${name}`));
        const buf = new Uint8Array(64);
        const n = await within(src.read(buf), 2000, `${name}: a read after the abort`);
        await sent;
        assert.equal(Buffer.from(buf.subarray(0, n ?? 0)).toString(), `after ${name}`);
      }
    } finally {
      for (const o of [tc, ts, pa, pb, sink, sinkPeer]) await o.close().catch(() => {});
    }
  });

  it("stops on abort whichever side waits, on every stream of the buffered path, and on streams of the caller's own", async () => {
    const [tc, ts] = await tlsPair();
    const [tcpPeer, tcp] = await connPair("tcp", "127.0.0.1:0");
    const [pr, pw] = await pipe();
    const [na, nb] = netPipe();
    const [ma, mb] = netPipe();
    // Streams of the caller's own that never answer.
    const silent = { read: () => new Promise<number | null>(() => {}) };
    const full = { write: () => new Promise<number>(() => {}) };
    // A source that always has bytes, to fill a destination that is not read.
    const endless = { read: async (p: Uint8Array) => p.length };
    const cases: [string, Parameters<typeof copy>[0], Parameters<typeof copy>[1]][] = [
      ["a silent pipe → netPipe", na, pr],
      ["a silent tcp conn → TLS", tc, tcp],
      ["a silent stream of one's own → netPipe", na, silent],
      ["endless → a netPipe not read", na, endless],
      ["endless → a TLS conn not read", tc, endless],
      ["endless → a tcp conn not read", tcp, endless],
      ["endless → a pipe not read", pw, endless],
      ["endless → a stream of one's own that never takes it", full, endless],
    ];
    try {
      for (const [name, dst, src] of cases) {
        const ac = new AbortController();
        const p = copy(dst, src, { signal: ac.signal, closeWrite: false });
        setTimeout(() => ac.abort(), 100);
        await assert.rejects(within(p, 3000, `${name}: the abort`), /operation was canceled/, name);
      }
      // The aborted reads took nothing: what the peers send now is the sources' to read.
      await pw.close();
      await tcpPeer.write(b("after"));
      const buf = new Uint8Array(16);
      assert.equal(await within(tcp.read(buf), 2000, "tcp read after the abort"), 5);
      assert.equal(Buffer.from(buf.subarray(0, 5)).toString(), "after");
    } finally {
      for (const o of [tc, ts, tcp, tcpPeer, pr, pw, na, nb, ma, mb]) await o.close().catch(() => {});
    }
  });

  for (const network of ["tcp", "unix"] as const) {
    it(`stops on abort and on the source's deadline, closing its pipe (${network}: ${network === "tcp" ? "buffered" : "splice"})`, async () => {
      const addr = (): string => (network === "tcp" ? "127.0.0.1:0" : testUnixAddr());
      const [srcPeer, src] = await connPair(network, addr());
      const [dst, dstPeer] = await connPair(network, addr());
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
  }
});
