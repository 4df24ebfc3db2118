/**
 * The writev path (native sk_io_writev_js, FD.writev, FDStream.writev): more buffers than
 * IOV_MAX, partial writes resumed after a wait, pipes and regular files, errors.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { socketpair } from "../../src/net/file_posix.js";
import { pipe } from "../../src/ipc/pipe.js";
import { O_CREATE, O_WRONLY, openFile } from "../../src/ipc/open.js";
import { binding } from "../../src/sys/binding.js";
import { C } from "../../src/sys/constants.js";
import { guardFdLeaks, readAll, readFull, within } from "../helpers.js";

guardFdLeaks();

/** Buffers of assorted sizes, some empty, whose concatenation is `want`. */
function pieces(count: number, seed: number): { bufs: Uint8Array[]; want: Buffer } {
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) bufs.push(Buffer.alloc((i * 7 + seed) % 13, i & 0xff));
  return { bufs, want: Buffer.concat(bufs) };
}

it("the binding reports IOV_MAX, and writev sends more buffers than that in order", async () => {
  assert.ok((C.IOV_MAX ?? 0) >= 16);
  const [a, b] = await socketpair("unix");
  const { bufs, want } = pieces(3 * (C.IOV_MAX ?? 1024) + 5, 3);
  const reading = readFull(b, want.length);
  assert.equal(await a.writev(bufs), want.length);
  assert.deepEqual(await within(reading, 5000, "the reader"), want);
  const st = a.stats();
  assert.equal(st.writes, 1, "one write operation");
  assert.equal(st.bytesWritten, want.length);
  await a.close();
  await b.close();
});

it("a partial write resumes after waiting for writability, inside any buffer", async () => {
  const [a, b] = await socketpair("unix");
  a.setWriteBuffer(4096);
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const bufs = [big.subarray(0, 1), big.subarray(1, 1_000_003), new Uint8Array(0), big.subarray(1_000_003)];
  const writing = a.writev(bufs);
  // Nobody reads for a while: the write must park, not spin or fail.
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(a.stats().writeWaits >= 1, "the write waited for writability");
  const got = await within(readFull(b, big.length), 10_000, "the reader");
  assert.equal(await writing, big.length);
  assert.ok(got.equals(big));
  await a.close();
  await b.close();
});

it("writes a pipe with writev(2), and a regular file on the threadpool", async () => {
  const [r, w] = await pipe();
  const { bufs, want } = pieces(2000, 5);
  const reading = readAll(r);
  assert.equal(await w.writev(bufs), want.length);
  await w.close();
  assert.deepEqual(await within(reading, 5000, "the pipe's reader"), want);
  await r.close();
  const dir = mkdtempSync(path.join(tmpdir(), "sockit-writev-"));
  try {
    const name = path.join(dir, "f");
    const f = await openFile(name, O_WRONLY | O_CREATE, { perm: 0o600 });
    const more = pieces(50, 1);
    assert.equal(await f.writev(more.bufs), more.want.length);
    await f.close();
    assert.deepEqual(readFileSync(name), more.want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("an empty list writes nothing and resolves 0; bad arguments are TypeErrors", async () => {
  const [a, b] = await socketpair("unix");
  assert.equal(await a.writev([]), 0);
  assert.equal(await a.writev([new Uint8Array(0)]), 0);
  await assert.rejects(a.writev("x" as never), { code: "ERR_INVALID_ARG_TYPE" });
  await assert.rejects(a.writev([new Uint8Array(1), "x" as never]), { code: "ERR_INVALID_ARG_TYPE", message: /bufs\[1\]/ });
  assert.throws(() => binding.writev(-1, [new Uint8Array(1)], 0, 2, false), TypeError);
  assert.equal(binding.writev(-1, [new Uint8Array(1)], 0, 0, false), -(binding.errnos.EBADF ?? 9));
  await a.close();
  await b.close();
});

it("a write to a gone peer fails with EPIPE as an OpError, never SIGPIPE", async () => {
  const [a, b] = await socketpair("unix");
  await b.close();
  const err = await a.writev([Buffer.from("x"), Buffer.from("y")]).then(
    () => null,
    (e: Error & { bytesWritten?: number }) => e,
  );
  assert.ok(err !== null);
  assert.match(err.message, /^write unix .*: (broken pipe|connection reset by peer)$/);
  assert.equal(err.bytesWritten, 0);
  await a.close();
});

it("on a unixpacket socket writev sends one record, and refuses more than IOV_MAX buffers", async () => {
  const [a, b] = await socketpair("unixpacket");
  assert.equal(await a.writev([Buffer.from("ab"), Buffer.from("c"), Buffer.from("de")]), 5);
  const p = new Uint8Array(64);
  assert.equal(await b.read(p), 5);
  assert.equal(Buffer.from(p.subarray(0, 5)).toString(), "abcde");
  const many = Array.from({ length: (C.IOV_MAX ?? 1024) + 1 }, () => Buffer.from("x"));
  await assert.rejects(a.writev(many), /message too long$/);
  await a.close();
  await b.close();
});
