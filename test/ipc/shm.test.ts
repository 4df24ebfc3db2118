/**
 * POSIX shared memory: shm.open, shm.unlink and SharedMemory's size, truncate and buffer (an
 * ArrayBuffer over the mapping, detached at close). Checked between two mappings in one
 * process, against python3's multiprocessing.shared_memory both ways, between two sockit
 * processes counting together with Atomics, after close (views read nothing, write nothing and
 * cannot crash, before and after a gc), for read-only (copy-on-write) mappings, and for fds.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { shm, sem, SharedMemory, PathError, errorIs, ErrFileClosed } from "../../src/index.js";
import { guardFdLeaks, guardThreadLeaks, openFds, PythonPeer, within, otherUserSays, until, rejectsWithText } from "../helpers.js";

guardFdLeaks();
guardThreadLeaks();

const LIMIT = 10_000;
const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
let seq = 0;

/** Every name the suite made (segments and semaphores), removed at exit if a test left it. */
const made = new Set<string>();
process.once("exit", () => {
  for (const file of made) rmSync(file, { force: true });
});

/** A fresh segment name. */
function segName(): string {
  const name = `/sockit-test-${process.pid}-${seq++}`;
  made.add(`/dev/shm${name}`);
  return name;
}

/** A fresh semaphore name. */
function semName(): string {
  const name = `/sockit-test-${process.pid}-${seq++}`;
  made.add(`/dev/shm/sem.${name.slice(1)}`);
  return name;
}

/** A new segment of `size` bytes; the caller drops it. */
function newSeg(size = 4096): Promise<SharedMemory> {
  return shm.open(segName(), { create: true, exclusive: true, size });
}

/** Closes every handle and unlinks the name. */
async function drop(...segs: SharedMemory[]): Promise<void> {
  for (const s of segs) await s[Symbol.asyncDispose]();
  if (segs.length > 0) await shm.unlink(segs[0]!.name()).catch(() => {});
}

/** The segment's bytes as the file in /dev/shm holds them: another view than any mapping. */
function fileBytes(name: string): Buffer {
  return readFileSync(`/dev/shm${name}`);
}

/** The mappings of the file with inode `ino` in this process (/proc/self/maps). */
function mappingsOf(ino: number): number {
  return readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .filter((l) => l.split(/ +/)[4] === String(ino)).length;
}

/** This process's fds open on the segment `name` (/proc/self/fd). */
function segmentFds(name: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === `/dev/shm${name}`) n++;
    } catch {
      // closed meanwhile (the readdir's own fd)
    }
  }
  return n;
}

/** A python3 peer whose `closed` resolves once it has exited and its pipes are closed. */
function python(script: string, args: string[]): PythonPeer & { closed: Promise<void> } {
  const peer = new PythonPeer(script, args);
  const closed = new Promise<void>((r) => peer.proc.once("close", () => r()));
  const timer = setTimeout(() => peer.proc.kill("SIGKILL"), LIMIT);
  void closed.then(() => clearTimeout(timer));
  return Object.assign(peer, { closed });
}

/** Waits for a python3 peer to finish, failing the test if it failed. */
async function finished(peer: PythonPeer & { closed: Promise<void> }): Promise<void> {
  await within(peer.closed, LIMIT, `python3 (${peer.stderr})`);
  await peer.done();
}

/** A node child running `code` (an ES module that can import sockit as `index`), with its output. */
function nodeChild(code: string, args: string[] = [], flags: string[] = []): { exited: Promise<{ code: number | null; signal: string | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [...flags, "--input-type=module", "-e", code, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((r) =>
    child.once("close", (code, signal) => r({ code, signal, out, err })),
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT);
  void exited.then(() => clearTimeout(timer));
  return { exited };
}

/**
 * python3 with multiprocessing.shared_memory: attaches to sys.argv[1] (no leading "/"),
 * prints the size and the first sys.argv[2] bytes in hex, writes sys.argv[3] (hex) at
 * offset sys.argv[4], and detaches. It must not unlink the segment at exit: python 3.13 has
 * track=False for that; on 3.11 and 3.12 attaching registers the segment with the
 * resource_tracker, which unlinks it when python exits, unless it is unregistered.
 */
const pyShm = String.raw`
import sys
from multiprocessing import shared_memory, resource_tracker
name, n, data, off = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3]), int(sys.argv[4])
try:
    s = shared_memory.SharedMemory(name, track=False)
except TypeError:
    s = shared_memory.SharedMemory(name)
    resource_tracker.unregister(s._name, "shared_memory")
print(s.size, bytes(s.buf[:n]).hex(), flush=True)
s.buf[off:off + len(data)] = data
s.close()
`;

describe("shm.open and shm.unlink", () => {
  it("creates a segment of the size asked for, opens it again, refuses an exclusive create, and unlink removes it", async () => {
    const name = segName();
    const seg = await shm.open(name, { create: true, exclusive: true, size: 8192 });
    assert.equal(seg.name(), name);
    assert.equal(seg.size, 8192);
    const st = statSync(`/dev/shm${name}`);
    assert.equal(st.size, 8192);
    assert.equal(st.mode & 0o777, 0o600, "mode 0600 by default");
    const again = await shm.open(name);
    assert.equal(again.size, 8192);
    await rejectsWithText(shm.open(name, { create: true, exclusive: true }), `shm_open ${name}: file exists`);
    // size on an existing segment resizes it, and every handle's size follows (fstat).
    const grow = await shm.open(name, { create: true, size: 16384 });
    assert.equal(seg.size, 16384);
    await grow.close();
    await shm.unlink(name);
    await rejectsWithText(shm.open(name), `shm_open ${name}: no such file or directory`);
    await rejectsWithText(shm.open(name, { readOnly: true }), `shm_open ${name}: no such file or directory`);
    await rejectsWithText(shm.unlink(name), `shm_unlink ${name}: no such file or directory`);
    // Unlinked, the open segment still works until closed.
    new Uint8Array(seg.buffer)[0] = 1;
    assert.equal(new Uint8Array(again.buffer)[0], 1);
    await again.close();
    await seg.close();
    await rejectsWithText(seg.close(), `close ${name}: file already closed`);
    await seg[Symbol.asyncDispose](); // idempotent
  });

  it("mode sets the permission bits, and a new segment without size is empty", async () => {
    const name = segName();
    const seg = await shm.open(name, { create: true, mode: 0o640 });
    assert.equal(statSync(`/dev/shm${name}`).mode & 0o777, 0o640 & ~process.umask());
    assert.equal(seg.size, 0);
    assert.equal(seg.buffer.byteLength, 0, "an empty segment maps as an empty buffer");
    assert.equal(seg.buffer, seg.buffer, "the same ArrayBuffer every time");
    await drop(seg);
  });

  it("truncate sizes the segment before the first use of buffer, and fails after it", async () => {
    const name = segName();
    const seg = await shm.open(name, { create: true, exclusive: true });
    seg.truncate(4096);
    assert.equal(seg.size, 4096);
    seg.truncate(100);
    assert.equal(seg.size, 100);
    assert.equal(statSync(`/dev/shm${name}`).size, 100);
    const buf = seg.buffer;
    assert.equal(buf.byteLength, 100, "mapped at the size then");
    assert.throws(() => seg.truncate(200), { name: "PathError", message: `truncate ${name}: the segment is mapped already` });
    assert.equal(seg.size, 100, "not resized");
    assert.throws(() => seg.truncate(-1), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
    await seg.close();
    assert.throws(() => seg.truncate(10), { name: "PathError", message: `truncate ${name}: file already closed` });
    assert.throws(() => seg.size, { name: "PathError", message: `fstat ${name}: file already closed` });
    assert.equal(seg.buffer, buf, "the detached buffer");
    assert.equal(seg.buffer.byteLength, 0);
    // A segment closed before its buffer was used has none to give.
    const unmapped = await shm.open(name);
    await unmapped.close();
    let err: unknown;
    try {
      void unmapped.buffer;
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof PathError);
    assert.equal(err.message, `mmap ${name}: file already closed`);
    assert.ok(errorIs(err, ErrFileClosed));
    // A read-only segment's fd cannot be resized.
    const ro = await shm.open(name, { readOnly: true });
    assert.throws(() => ro.truncate(10), { name: "PathError", message: `truncate ${name}: invalid argument` });
    await drop(ro);
  });

  it("bad names, sizes and options are TypeErrors", async () => {
    const typeErr = { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" };
    for (const bad of ["frames", "/a/b", "/", "", "/" + "x".repeat(256), "/nul\0", 42, undefined]) {
      await assert.rejects(shm.open(bad as string, { create: true }), typeErr, String(bad));
      await assert.rejects(shm.unlink(bad as string), typeErr, String(bad));
    }
    // The longest name there is: NAME_MAX bytes after the "/".
    const longest = "/" + "x".repeat(255);
    made.add(`/dev/shm${longest}`);
    await drop(await shm.open(longest, { create: true }));
    const name = segName();
    for (const size of [-1, 1.5, NaN, Infinity, 2 ** 53, "4096"]) {
      await assert.rejects(shm.open(name, { create: true, size: size as number }), typeErr, String(size));
    }
    for (const mode of [-1, 0o10000, 1.5]) {
      await assert.rejects(shm.open(name, { create: true, mode }), typeErr, String(mode));
    }
    await assert.rejects(shm.open(name, { exclusive: true }), { ...typeErr, message: /used with create/ });
    await assert.rejects(shm.open(name, { create: true, readOnly: true, size: 10 }), { ...typeErr, message: /left out for a read-only segment/ });
    await rejectsWithText(shm.open(name), `shm_open ${name}: no such file or directory`); // none was made
  });

  it("another user cannot open a 0600 segment: permission denied", async (t) => {
    const seg = await newSeg();
    const said = otherUserSays(t, `s.shm.open(${JSON.stringify(seg.name())})`);
    if (said !== null) assert.equal(said, `shm_open ${seg.name()}: permission denied`);
    await drop(seg);
  });
});

describe("sharing the bytes", () => {
  it("two SharedMemory objects on one name see each other's writes", async () => {
    const a = await newSeg(8192);
    const b = await shm.open(a.name());
    const va = new Uint8Array(a.buffer);
    const vb = new Uint8Array(b.buffer);
    assert.equal(va.length, 8192);
    assert.ok(va.every((x) => x === 0), "a new segment is zeroed");
    va.set([1, 2, 3], 0);
    assert.deepEqual([...vb.subarray(0, 3)], [1, 2, 3]);
    vb[8191] = 0xee;
    assert.equal(va[8191], 0xee, "the last byte, on the second page");
    new DataView(b.buffer).setUint32(100, 0xdeadbeef, true);
    assert.equal(new DataView(a.buffer).getUint32(100, true), 0xdeadbeef);
    const ia = new Int32Array(a.buffer);
    const ib = new Int32Array(b.buffer);
    Atomics.store(ia, 10, 41);
    assert.equal(Atomics.add(ib, 10, 1), 41);
    assert.equal(Atomics.load(ia, 10), 42);
    assert.equal(Atomics.compareExchange(ia, 10, 42, 7), 42);
    assert.equal(ib[10], 7);
    const f = fileBytes(a.name());
    assert.deepEqual([...f.subarray(0, 3)], [1, 2, 3], "the file holds the same bytes");
    assert.equal(f[8191], 0xee);
    await drop(a, b);
  });

  it("python3's multiprocessing.shared_memory reads what sockit wrote, and sockit reads what it writes", async () => {
    const seg = await newSeg(4096);
    const v = new Uint8Array(seg.buffer);
    v.set(new TextEncoder().encode("from sockit"), 0);
    const peer = python(pyShm, [seg.name().slice(1), "11", Buffer.from("from python").toString("hex"), "100"]);
    await finished(peer);
    assert.deepEqual(peer.lines, [`4096 ${Buffer.from("from sockit").toString("hex")}`]);
    assert.equal(new TextDecoder().decode(v.subarray(100, 111)), "from python", "python3's write is in sockit's mapping");
    assert.equal(v[111], 0);
    assert.ok(statSync(`/dev/shm${seg.name()}`).size === 4096, "python3's exit did not unlink the segment");
    // And again, now that python3 has been and gone.
    const again = python(pyShm, [seg.name().slice(1), "3", "ff", "0"]);
    await finished(again);
    assert.deepEqual(again.lines, [`4096 ${Buffer.from("fro").toString("hex")}`]);
    assert.equal(v[0], 0xff);
    await drop(seg);
  });

  it("two sockit processes count to 1,000,000 with Atomics.add, started together by a semaphore", async (t) => {
    const seg = await newSeg(4096);
    const counter = new Int32Array(seg.buffer, 0, 1);
    const ready = await sem.open(semName(), { create: true, exclusive: true });
    const go = await sem.open(semName(), { create: true, exclusive: true });
    const each = 500_000;
    const code = [
      `const { shm, sem } = await import(${JSON.stringify(index)});`,
      `const [segName, readyName, goName, each] = process.argv.slice(1);`,
      `const seg = await shm.open(segName);`,
      `const ready = await sem.open(readyName);`,
      `const go = await sem.open(goName);`,
      `const counter = new Int32Array(seg.buffer, 0, 1);`,
      `ready.post();`,
      `await go.wait({ timeout: 5000 });`,
      `let last = 0;`,
      `for (let i = 0; i < Number(each); i++) last = Atomics.add(counter, 0, 1);`,
      `console.log("done", last + 1);`, // the count when this child's last add went in
      `await seg.close(); await ready.close(); await go.close();`,
    ].join("\n");
    const args = [seg.name(), ready.name(), go.name(), String(each)];
    const children = [nodeChild(code, args), nodeChild(code, args)];
    try {
      await ready.wait({ timeout: LIMIT });
      await ready.wait({ timeout: LIMIT });
      go.post();
      go.post();
    } finally {
      const results = await within(Promise.all(children.map((c) => c.exited)), LIMIT, "the counting children");
      const ends: number[] = [];
      for (const r of results) {
        assert.equal(r.code, 0, `a child failed (${r.signal}): ${r.err}`);
        assert.match(r.out, /^done \d+\n$/);
        ends.push(Number(r.out.split(" ")[1]));
      }
      assert.equal(Math.max(...ends), 2 * each, "the last add of the later child made the count");
      // Whether the two really counted at once is up to the scheduler: say so, not fail.
      const first = Math.min(...ends);
      t.diagnostic(first > each ? `the children overlapped: ${first - each} of the other's adds came before the first one's last` : "the children ran one after the other");
    }
    assert.equal(Atomics.load(counter, 0), 2 * each, "not one increment lost");
    await ready.close();
    await go.close();
    await sem.unlink(ready.name());
    await sem.unlink(go.name());
    await drop(seg);
  });
});

describe("after close", () => {
  it("views have length 0: reads give undefined, writes do nothing, Atomics throw a TypeError", async () => {
    const seg = await newSeg(4096);
    const other = await shm.open(seg.name());
    const u8 = new Uint8Array(seg.buffer);
    const i32 = new Int32Array(seg.buffer, 8, 4);
    const dv = new DataView(seg.buffer);
    u8[0] = 42;
    Atomics.store(i32, 0, 7);
    await seg.close();
    assert.equal(seg.buffer.byteLength, 0, "the buffer is detached");
    assert.equal(u8.length, 0);
    assert.equal(i32.length, 0);
    assert.equal(u8[0], undefined);
    u8[0] = 1;
    assert.equal(u8[0], undefined, "a write does nothing");
    assert.equal(i32[0], undefined);
    assert.throws(() => Atomics.add(i32, 0, 1), TypeError);
    assert.throws(() => Atomics.load(i32, 0), TypeError);
    assert.throws(() => dv.getUint8(0), TypeError);
    assert.throws(() => new Uint8Array(seg.buffer, 0, 1), TypeError);
    assert.throws(() => u8.fill(9), TypeError, "fill refuses a detached buffer");
    // The segment itself is untouched, as another mapping and the file show.
    assert.equal(new Uint8Array(other.buffer)[0], 42);
    assert.equal(new Int32Array(other.buffer, 8, 4)[0], 7);
    assert.equal(fileBytes(seg.name())[0], 42);
    await drop(seg, other);
  });

  it("in a child with --expose-gc: closed, collected and unmapped, the views still read nothing and the process lives", async () => {
    const name = segName();
    const code = [
      `import { readFileSync, statSync } from "node:fs";`,
      `const { shm } = await import(${JSON.stringify(index)});`,
      `const name = process.argv[1];`,
      `const seg = await shm.open(name, { create: true, exclusive: true, size: 1 << 20 });`,
      `const ino = statSync("/dev/shm" + name).ino;`,
      `const maps = () => readFileSync("/proc/self/maps", "utf8").split("\\n").filter((l) => l.split(/ +/)[4] === String(ino)).length;`,
      `const u8 = new Uint8Array(seg.buffer); u8.fill(7);`,
      `const i32 = new Int32Array(seg.buffer);`,
      `const before = maps();`,
      `await seg.close();`,
      `for (let i = 0; i < 50 && maps() > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }`,
      `for (let i = 0; i < 1000; i++) new ArrayBuffer(1 << 16);`, // and let the allocator reuse what it can
      `globalThis.gc();`,
      `u8[12345] = 1; i32[5] = 1;`,
      `let threw = false; try { Atomics.add(i32, 0, 1); } catch (e) { threw = e instanceof TypeError; }`,
      `console.log(before, maps(), u8.length, u8[12345], i32[5], threw);`,
    ].join("\n");
    const r = await within(nodeChild(code, [name], ["--expose-gc"]).exited, LIMIT, "the child");
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.err}`);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "1 0 0 undefined undefined true\n", "mapped once, unmapped after close and gc; the views empty");
    assert.equal(fileBytes(name)[12345], 7, "the segment kept its bytes");
    await shm.unlink(name);
  });
});

describe("read-only segments", () => {
  it("show the segment's bytes; a write changes only this process's copy, never the segment", async () => {
    const rw = await newSeg(8192);
    const w = new Uint8Array(rw.buffer);
    w[0] = 1;
    w[4096] = 2;
    const ro = await shm.open(rw.name(), { readOnly: true });
    assert.equal(ro.size, 8192);
    const r = new Uint8Array(ro.buffer);
    assert.equal(r.length, 8192);
    assert.equal(r[0], 1);
    assert.equal(r[4096], 2);
    w[1] = 3;
    assert.equal(r[1], 3, "an untouched page follows the segment");
    r[0] = 99;
    Atomics.add(new Int32Array(ro.buffer), 256, 5); // also on the first page, at byte 1024
    assert.equal(r[0], 99, "the local copy has the write");
    assert.equal(w[0], 1, "the segment does not");
    assert.equal(new Int32Array(rw.buffer)[256], 0);
    assert.equal(fileBytes(rw.name())[0], 1);
    const third = await shm.open(rw.name());
    assert.equal(new Uint8Array(third.buffer)[0], 1, "nor does a new mapping");
    w[2] = 4;
    assert.equal(r[2], 0, "the written page is private now: it no longer follows the segment");
    w[4097] = 5;
    assert.equal(r[4097], 5, "the other page still does");
    await ro.close();
    assert.equal(r.length, 0);
    await drop(rw, third);
  });
});

describe("fds", () => {
  it("open, map and close leave no fd; neither does a failed open", async () => {
    const fds = openFds();
    const seg = await newSeg(4096);
    assert.equal(segmentFds(seg.name()), 1, "one fd while open");
    const ro = await shm.open(seg.name(), { readOnly: true });
    void ro.buffer;
    void seg.buffer;
    await rejectsWithText(shm.open(seg.name(), { create: true, exclusive: true }), `shm_open ${seg.name()}: file exists`);
    assert.equal(segmentFds(seg.name()), 2, "and one for the read-only open");
    await seg.close();
    await ro.close();
    assert.equal(segmentFds(seg.name()), 0, "all closed; the mappings hold no fd");
    await shm.unlink(seg.name());
    assert.ok(openFds() <= fds, `${openFds()} fds open after, ${fds} before`);
  });

  it("a worker that opened and mapped a segment and was terminated closes its fd", async () => {
    const seg = await newSeg(4096);
    const fds = segmentFds(seg.name());
    assert.equal(fds, 1, "this process's own fd on the segment");
    const code = [
      `import { parentPort } from "node:worker_threads";`,
      `import { shm } from ${JSON.stringify(new URL("../../src/index.js", import.meta.url).href)};`,
      `const seg = await shm.open(${JSON.stringify(seg.name())});`,
      `const v = new Int32Array(seg.buffer);`,
      `Atomics.add(v, 0, 1);`,
      `parentPort.postMessage("mapped");`,
      `setInterval(() => Atomics.add(v, 1, 1), 1);`,
    ].join("\n");
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
    try {
      const first = await within(new Promise((r, j) => (w.once("message", r), w.once("error", j))), LIMIT, "the worker");
      assert.equal(first, "mapped");
      assert.equal(segmentFds(seg.name()), 2, "the worker's fd on the segment, and ours");
    } finally {
      await w.terminate();
    }
    const v = new Int32Array(seg.buffer);
    assert.equal(Atomics.load(v, 0), 1, "the worker's write is in the segment");
    await until(() => segmentFds(seg.name()) === 1, "the worker's fd to close");
    const ticks = Atomics.load(v, 1);
    await sleep(20);
    assert.equal(Atomics.load(v, 1), ticks, "the worker is gone");
    await drop(seg);
  });
});
