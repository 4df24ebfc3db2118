/**
 * POSIX named semaphores: sem.open, sem.unlink and Semaphore's wait, tryWait, post, value and
 * close. Waits run sem_wait on a waiter thread (one per wait, at most maxWaiters at once) and
 * end on a post, a timeout or deadline, an abort or a close, with no count taken; checked
 * under load, against python3 through ctypes on libc's sem_open, sem_post, sem_wait and
 * sem_getvalue (the same /dev/shm/sem.NAME object), both ways, and through teardown.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { rmSync, statSync, promises as fsp } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { sem, Semaphore, PathError, errorIs, ErrDeadlineExceeded, ErrFileClosed } from "../../src/index.js";
import { maxWaiters } from "../../src/ipc/waiter.js";
import { guardFdLeaks, guardThreadLeaks, threadCount, PythonPeer, settle, within, otherUserSays, until, rejectsWithText, prng } from "../helpers.js";

guardFdLeaks();
guardThreadLeaks();

const LIMIT = 10_000;
let seq = 0;

/** Every name the suite made, removed at exit if a test left it behind. */
const made = new Set<string>();
process.once("exit", () => {
  for (const name of made) rmSync(`/dev/shm/sem.${name.slice(1)}`, { force: true });
});

/** A fresh semaphore name. */
function sname(): string {
  const name = `/sockit-test-${process.pid}-${seq++}`;
  made.add(name);
  return name;
}

/** A new semaphore with count `value`; the caller drops it. */
function newSem(value = 0): Promise<Semaphore> {
  return sem.open(sname(), { create: true, exclusive: true, value });
}

/** Closes every handle and unlinks the name. */
async function drop(...ss: Semaphore[]): Promise<void> {
  for (const s of ss) await s[Symbol.asyncDispose]();
  if (ss.length > 0) await sem.unlink(ss[0]!.name()).catch(() => {});
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
async function finished(peer: PythonPeer & { closed: Promise<void> }, what: string): Promise<void> {
  await within(peer.closed, LIMIT, `${what} (${peer.stderr})`);
  await peer.done();
}

/**
 * python3 on libc through ctypes: "create NAME VALUE", "value NAME", "post NAME COUNT" or
 * "wait NAME"; each prints "value N" at the end (and "waiting" before a blocking sem_wait).
 */
const pySem = String.raw`
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.sem_open.restype = ctypes.c_void_p
for f in ("sem_post", "sem_wait", "sem_close"):
    getattr(libc, f).argtypes = [ctypes.c_void_p]
libc.sem_getvalue.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
verb, name = sys.argv[1], sys.argv[2].encode()
if verb == "create":
    s = libc.sem_open(name, os.O_CREAT | os.O_EXCL, ctypes.c_uint(0o600), ctypes.c_uint(int(sys.argv[3])))
else:
    s = libc.sem_open(name, 0)
if not s:
    print("error", os.strerror(ctypes.get_errno()), flush=True); sys.exit(1)
if verb == "post":
    for _ in range(int(sys.argv[3])):
        if libc.sem_post(s) != 0:
            print("error", os.strerror(ctypes.get_errno()), flush=True); sys.exit(1)
elif verb == "wait":
    print("waiting", flush=True)
    if libc.sem_wait(s) != 0:
        print("error", os.strerror(ctypes.get_errno()), flush=True); sys.exit(1)
v = ctypes.c_int()
libc.sem_getvalue(s, ctypes.byref(v))
print("value", v.value, flush=True)
libc.sem_close(s)
`;

describe("sem.open and sem.unlink", () => {
  it("creates, opens again with the count kept, refuses an exclusive create, and unlink removes it", async () => {
    const name = sname();
    const s = await sem.open(name, { create: true, exclusive: true, value: 3 });
    assert.equal(s.name(), name);
    assert.equal(s.value(), 3);
    assert.equal(statSync(`/dev/shm/sem.${name.slice(1)}`).mode & 0o777, 0o600, "mode 0600 by default");
    const again = await sem.open(name);
    assert.equal(again.value(), 3, "opened again: the same count");
    const recreate = await sem.open(name, { create: true, value: 9 });
    assert.equal(recreate.value(), 3, "create on an existing semaphore keeps its count");
    await rejectsWithText(sem.open(name, { create: true, exclusive: true }), `sem_open ${name}: file exists`);
    assert.equal(again.tryWait(), true);
    assert.equal(s.value(), 2, "every handle sees the one count");
    await sem.unlink(name);
    await rejectsWithText(sem.open(name), `sem_open ${name}: no such file or directory`);
    await rejectsWithText(sem.unlink(name), `sem_unlink ${name}: no such file or directory`);
    // Unlinked, the open semaphore still works until closed.
    s.post();
    assert.equal(recreate.value(), 3);
    await recreate.close();
    await again.close();
    await s.close();
    await rejectsWithText(s.close(), `close ${name}: file already closed`);
    await s[Symbol.asyncDispose](); // idempotent
  });

  it("mode sets the permission bits of a new semaphore", async () => {
    const name = sname();
    const s = await sem.open(name, { create: true, mode: 0o640 });
    assert.equal(statSync(`/dev/shm/sem.${name.slice(1)}`).mode & 0o777, 0o640 & ~process.umask());
    await drop(s);
  });

  it("calls on a closed semaphore fail with 'file already closed'", async () => {
    const s = await newSem(1);
    const name = s.name();
    await s.close();
    assert.throws(() => s.post(), { message: `sem_post ${name}: file already closed` });
    assert.throws(() => s.tryWait(), { message: `sem_trywait ${name}: file already closed` });
    assert.throws(() => s.value(), { message: `sem_getvalue ${name}: file already closed` });
    const err = await rejectsWithText(s.wait(), `sem_wait ${name}: file already closed`);
    assert.ok(errorIs(err, ErrFileClosed));
    const other = await sem.open(name);
    assert.equal(other.value(), 1, "the count is still there");
    await drop(other);
  });

  it("bad names and options are TypeErrors", async () => {
    for (const bad of ["pool", "/a/b", "/", "", "/" + "x".repeat(252), "/nul\0", 42, null]) {
      await assert.rejects(sem.open(bad as string, { create: true }), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }, String(bad));
      await assert.rejects(sem.unlink(bad as string), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }, String(bad));
    }
    // The longest name there is room for: "sem." and 251 bytes make NAME_MAX.
    const longest = "/" + "x".repeat(251);
    made.add(longest);
    const s = await sem.open(longest, { create: true });
    await drop(s);
    const name = sname();
    const typeErr = { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" };
    await assert.rejects(sem.open(name, { exclusive: true }), { ...typeErr, message: /used with create/ });
    await assert.rejects(sem.open(name, { value: 1 }), { ...typeErr, message: /used with create/ });
    for (const value of [-1, 1.5, 2 ** 31, NaN, "1"]) {
      await assert.rejects(sem.open(name, { create: true, value: value as number }), typeErr, String(value));
    }
    for (const mode of [-1, 0o10000, 1.5, "600"]) {
      await assert.rejects(sem.open(name, { create: true, mode: mode as number }), typeErr, String(mode));
    }
    await rejectsWithText(sem.open(name), `sem_open ${name}: no such file or directory`); // none was made
    const t = await newSem();
    await assert.rejects(t.wait({ timeout: "soon" as unknown as number }), typeErr);
    await assert.rejects(t.wait({ deadline: "soon" as unknown as number }), typeErr);
    await drop(t);
  });

  it("another user cannot open a 0600 semaphore: permission denied", async (t) => {
    const s = await newSem();
    const said = otherUserSays(t, `s.sem.open(${JSON.stringify(s.name())})`);
    if (said !== null) assert.equal(said, `sem_open ${s.name()}: permission denied`);
    await drop(s);
  });
});

describe("closed semaphores and the garbage collector", () => {
  it("opened, waited on, closed and collected a thousand times: no heap corruption, and the mapping goes", async () => {
    // Each close and each finished wait drop a reference to the native record; the
    // finalizers of the handle and of the waits run later, at collection. Those must never
    // reach a record already freed (glibc aborts on the corrupted heap, or the process
    // segfaults), and the last of them must sem_close it, so that the mapping goes.
    const name = sname();
    const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
    const code = [
      `import { readFileSync, statSync } from "node:fs";`,
      `const { sem } = await import(${JSON.stringify(index)});`,
      `const name = ${JSON.stringify(name)};`,
      // The mappings of the semaphore's file, by inode: its creator maps it under the
      // temporary name glibc made it as.
      `const maps = () => readFileSync("/proc/self/maps", "utf8").split("\\n").filter((l) => l.split(/ +/)[4] === String(ino)).length;`,
      `const keep = await sem.open(name, { create: true });`,
      `const ino = statSync("/dev/shm/sem." + name.slice(1)).ino;`,
      `for (let round = 0; round < 20; round++) {`,
      `  for (let i = 0; i < 50; i++) {`,
      `    const s = await sem.open(name);`,
      `    if (i % 5 === 0) { const w = s.wait(); keep.post(); await w; }`,
      `    await s.close();`,
      `  }`,
      `  globalThis.gc();`,
      `  await new Promise((r) => setImmediate(r));`,
      `  await new Promise((r) => setTimeout(r, 1));`,
      `}`,
      `const mapped = maps();`,
      `await keep.close();`,
      `for (let i = 0; i < 50 && maps() > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }`,
      `console.log(mapped, maps());`,
    ].join("\n");
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], { encoding: "utf8", timeout: LIMIT });
    assert.equal(r.error, undefined);
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "1 0", "mapped once while open, unmapped once closed and collected");
    await sem.unlink(name);
  });
});

describe("tryWait, post and value", () => {
  it("tryWait takes a count when there is one, post adds one, value reads it", async () => {
    const s = await newSem();
    assert.equal(s.value(), 0);
    assert.equal(s.tryWait(), false);
    s.post();
    s.post();
    assert.equal(s.value(), 2);
    assert.equal(s.tryWait(), true);
    assert.equal(s.tryWait(), true);
    assert.equal(s.tryWait(), false);
    assert.equal(s.value(), 0);
    await drop(s);
  });

  it("post past SEM_VALUE_MAX fails with EOVERFLOW and leaves the count", async () => {
    const s = await newSem(2 ** 31 - 1);
    assert.throws(() => s.post(), { name: "PathError", code: "EOVERFLOW", message: `sem_post ${s.name()}: value too large for defined data type` });
    assert.equal(s.value(), 2 ** 31 - 1);
    await drop(s);
  });
});

describe("wait", () => {
  it("returns at once when the count is positive, without a thread", async () => {
    const s = await newSem(2);
    const base = threadCount();
    const t0 = Date.now();
    await within(s.wait(), LIMIT, "the wait");
    await within(s.wait({ timeout: 1000 }), LIMIT, "the wait");
    assert.ok(Date.now() - t0 < 500, `took ${Date.now() - t0} ms`);
    assert.equal(threadCount(), base, "no waiter thread for a count that was there");
    assert.equal(s.value(), 0);
    await drop(s);
  });

  it("waits while the count is zero and wakes soon after a post", async () => {
    const s = await newSem();
    const poster = await sem.open(s.name());
    const pending = s.wait({ timeout: LIMIT });
    assert.equal(await settle(pending, 100), "pending");
    const posted = Date.now();
    poster.post();
    await within(pending, LIMIT, "the wait after the post");
    const took = Date.now() - posted;
    assert.ok(took < 2000, `woke ${took} ms after the post`);
    assert.equal(s.value(), 0, "the wait took the count");
    await drop(s, poster);
  });

  it("a timeout or a deadline ends the wait with 'i/o timeout', having taken nothing", async () => {
    const s = await newSem();
    for (const opts of [() => ({ timeout: 100 }), () => ({ deadline: new Date(Date.now() + 100) }), () => ({ deadline: Date.now() + 100 })]) {
      const t0 = Date.now();
      const err = await rejectsWithText(s.wait(opts()), `sem_wait ${s.name()}: i/o timeout`);
      const waited = Date.now() - t0;
      assert.ok(waited >= 90 && waited < 3000, `waited ${waited} ms for 100 ms`);
      assert.equal(err.timeout(), true);
      assert.ok(errorIs(err, ErrDeadlineExceeded));
      assert.equal(err.op, "sem_wait");
      assert.equal(err.path, s.name());
    }
    s.post();
    assert.equal(s.value(), 1, "no timed-out wait is left to take the post");
    await drop(s);
  });

  it("an abort ends one wait with 'operation was canceled'; the other takes the post", async () => {
    const s = await newSem();
    const ac = new AbortController();
    const aborted = s.wait({ signal: ac.signal });
    const other = s.wait({ timeout: LIMIT });
    assert.equal(await settle(aborted, 50), "pending");
    ac.abort();
    const err = await rejectsWithText(aborted, `sem_wait ${s.name()}: operation was canceled`);
    assert.equal(err.timeout(), false);
    assert.equal(await settle(other, 20), "pending", "the other wait goes on");
    s.post();
    await within(other, LIMIT, "the other wait");
    assert.equal(s.value(), 0);
    await drop(s);
  });

  it("close ends pending waits with 'file already closed', having taken nothing", async () => {
    const s = await newSem();
    const other = await sem.open(s.name());
    const waits = [s.wait(), s.wait({ timeout: LIMIT }), s.wait({ signal: new AbortController().signal })];
    assert.equal(await settle(Promise.race(waits), 50), "pending");
    await s.close();
    for (const w of waits) assert.ok(errorIs(await rejectsWithText(w, `sem_wait ${s.name()}: file already closed`), ErrFileClosed));
    other.post();
    assert.equal(other.value(), 1, "the closed handle's waits are gone");
    await drop(s, other);
  });

  it("a count taken in the instant close ends the wait goes back", async () => {
    // The post wakes the waiter thread, whose sem_wait returns 0 as close cancels the wait:
    // the wait rejects, and must post the count back although its handle is closing.
    const name = sname();
    const keep = await sem.open(name, { create: true, exclusive: true });
    for (let i = 0; i < 20; i++) {
      const s = await sem.open(name);
      const ws = [s.wait(), s.wait()];
      assert.equal(await settle(Promise.race(ws), 20), "pending");
      keep.post();
      if (i % 2 === 1) keep.post();
      await s.close();
      const rs = await within(Promise.allSettled(ws), LIMIT, "the waits");
      let took = 0;
      for (const r of rs) {
        if (r.status === "fulfilled") took++;
        else assert.equal((r.reason as Error).message, `sem_wait ${name}: file already closed`);
      }
      assert.equal(keep.value(), 1 + (i % 2) - took, `round ${i}: posted ${1 + (i % 2)}, taken ${took}`);
      while (keep.tryWait());
    }
    await drop(keep);
  });

  it("an aborted signal or a past deadline fails at once, even with a count there", async () => {
    const s = await newSem(1);
    await rejectsWithText(s.wait({ signal: AbortSignal.abort() }), `sem_wait ${s.name()}: operation was canceled`);
    const err = await rejectsWithText(s.wait({ deadline: Date.now() - 1 }), `sem_wait ${s.name()}: i/o timeout`);
    assert.ok(errorIs(err, ErrDeadlineExceeded));
    await rejectsWithText(s.wait({ deadline: new Date(0) }), `sem_wait ${s.name()}: i/o timeout`);
    assert.equal(s.value(), 1, "nothing taken");
    await drop(s);
  });

  it("a wait cancelled by abort has not decremented the count, under load", async () => {
    const seed = (Date.now() ^ process.pid) >>> 0;
    const rand = prng(seed);
    const s = await newSem();
    const poster = await sem.open(s.name());
    const W = 200;
    const acs = Array.from({ length: W }, () => new AbortController());
    let ok = 0;
    let aborted = 0;
    const waits = acs.map((ac) =>
      s.wait({ signal: ac.signal }).then(
        () => void ok++,
        (e: unknown) => {
          assert.equal((e as Error).message, `sem_wait ${s.name()}: operation was canceled`);
          aborted++;
        },
      ),
    );
    // Half the waits are aborted at random moments while posts come at random moments too,
    // some in the same tick as an abort.
    let posts = 0;
    const timers: Promise<void>[] = [];
    const order = acs.map((_, i) => i);
    for (let i = W - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order.slice(0, W / 2)) {
      const ac = acs[i]!;
      timers.push(sleep(Math.floor(rand() * 120)).then(() => ac.abort()));
    }
    for (let i = 0; i < 120; i++) {
      const burst = rand() < 0.2 ? 3 : 1;
      timers.push(
        sleep(Math.floor(rand() * 120)).then(() => {
          for (let k = 0; k < burst; k++, posts++) poster.post();
        }),
      );
    }
    await Promise.all(timers);
    await sleep(30);
    // Then posts and the aborts of every wait left, all in one tick.
    for (let k = 0; k < 20; k++, posts++) poster.post();
    for (const ac of acs) ac.abort();
    await within(Promise.all(waits), LIMIT, "every wait to settle");
    assert.equal(ok + aborted, W);
    assert.ok(ok > 0 && aborted > 0, `seed ${seed}: ${ok} taken, ${aborted} aborted`);
    assert.equal(s.value(), posts - ok, `seed ${seed}: ${posts} posts, ${ok} waits took one, ${aborted} aborted`);
    await drop(s, poster);
  });
});

describe("against python3 (ctypes on libc's sem_open)", () => {
  it("python3 posts and sockit's pending wait wakes; sockit posts and python3's sem_wait returns", async () => {
    const s = await newSem();
    const pending = s.wait({ timeout: LIMIT });
    assert.equal(await settle(pending, 50), "pending");
    const poster = python(pySem, ["post", s.name(), "1"]);
    await finished(poster, "python3 to post");
    await within(pending, LIMIT, "sockit's wait after python3's post");
    assert.equal(s.value(), 0);

    const waiter = python(pySem, ["wait", s.name()]);
    assert.equal(await within(waiter.ready, LIMIT, `python3 (${waiter.stderr})`), "waiting");
    await sleep(100); // python3 now blocks in sem_wait
    assert.equal(waiter.proc.exitCode, null, "python3 waits while the count is zero");
    assert.deepEqual(waiter.lines, ["waiting"]);
    s.post();
    await finished(waiter, "python3's sem_wait after sockit's post");
    assert.deepEqual(waiter.lines, ["waiting", "value 0"]);
    assert.equal(s.value(), 0);

    s.post();
    s.post();
    const reader = python(pySem, ["value", s.name()]);
    await finished(reader, "python3's sem_getvalue");
    assert.deepEqual(reader.lines, ["value 2"], "python3 sees sockit's count");
    const poster2 = python(pySem, ["post", s.name(), "3"]);
    await finished(poster2, "python3 to post");
    assert.deepEqual(poster2.lines, ["value 5"]);
    assert.equal(s.value(), 5, "sockit sees python3's count");
    await drop(s);
  });

  it("sockit opens a semaphore python3 made, with its count", async () => {
    const name = sname();
    const maker = python(pySem, ["create", name, "4"]);
    await finished(maker, "python3 to create");
    const s = await sem.open(name);
    assert.equal(s.value(), 4);
    assert.equal(s.tryWait(), true);
    await within(s.wait({ timeout: 1000 }), LIMIT, "a wait");
    const reader = python(pySem, ["value", name]);
    await finished(reader, "python3's sem_getvalue");
    assert.deepEqual(reader.lines, ["value 2"]);
    await drop(s);
  });
});

describe("waiter threads, the event loop and the bound", () => {
  it("8 waits keep the event loop turning, one waiter thread each, and none left after", async () => {
    const s = await newSem();
    const base = threadCount();
    const waits = Array.from({ length: 8 }, () => s.wait({ timeout: LIMIT }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await sleep(150);
    const read = await within(fsp.readFile("/proc/self/status", "utf8"), 2000, "fs.readFile during 8 waits");
    assert.match(read, /Threads:/);
    clearInterval(timer);
    assert.ok(ticks >= 8, `a 5 ms timer fired ${ticks} times in 150 ms`);
    assert.ok(threadCount() >= base + 8, `one waiter thread per wait: ${threadCount() - base} more threads`);
    for (let i = 0; i < 8; i++) s.post();
    await within(Promise.all(waits), LIMIT, "the 8 waits");
    assert.equal(s.value(), 0);
    await until(() => threadCount() <= base, "the waiter threads to end");
    await drop(s);
  });

  it(`past ${maxWaiters} waits, the rest queue without threads and all complete once posted`, async () => {
    const s = await newSem();
    const base = threadCount();
    const n = maxWaiters + 16;
    const waits = Array.from({ length: n }, () => s.wait({ timeout: LIMIT }));
    await until(() => threadCount() >= base + maxWaiters, `${maxWaiters} waiter threads`);
    await sleep(50);
    assert.ok(threadCount() <= base + maxWaiters, `at most ${maxWaiters} waiter threads: ${threadCount() - base}`);
    // A queued wait times out as a running one does.
    const timed = await rejectsWithText(s.wait({ timeout: 30 }), `sem_wait ${s.name()}: i/o timeout`);
    assert.ok(timed.timeout());
    for (let i = 0; i < n; i++) s.post();
    await within(Promise.all(waits), LIMIT, `the ${n} waits`);
    assert.equal(s.value(), 0, "each wait took exactly one");
    await until(() => threadCount() <= base, "the waiter threads to end");
    await drop(s);
  });
});

describe("teardown with waits pending", () => {
  const index = new URL("../../src/index.js", import.meta.url).href;

  it("a worker terminated while waiting ends its threads, and a later post is not eaten", async () => {
    const s = await newSem();
    const base = threadCount();
    const code = [
      `import { parentPort } from "node:worker_threads";`,
      `import { sem } from ${JSON.stringify(index)};`,
      `const s = await sem.open(${JSON.stringify(s.name())});`,
      `for (let i = 0; i < 4; i++) s.wait().then(() => parentPort.postMessage("took one"));`,
      `setTimeout(() => parentPort.postMessage("waiting"), 200);`,
    ].join("\n");
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
    let took = false;
    w.on("message", (m) => (took ||= m === "took one"));
    try {
      const first = await within(new Promise((r, j) => (w.once("message", r), w.once("error", j))), LIMIT, "the worker");
      assert.equal(first, "waiting");
      assert.ok(threadCount() >= base + 4 + 1, `the worker and its 4 waiter threads: ${threadCount() - base} more threads`);
    } finally {
      await w.terminate();
    }
    assert.equal(took, false, "no wait of the worker took a count");
    await until(() => threadCount() <= base, "the worker's threads to end");
    s.post();
    await sleep(20);
    assert.equal(s.value(), 1, "the dead worker's waits did not take the post");
    await drop(s);
  });

  it("process.exit with waits pending exits at once", async () => {
    const s = await newSem();
    const code = [
      `const { sem } = await import(${JSON.stringify(index)});`,
      `const s = await sem.open(${JSON.stringify(s.name())});`,
      `for (let i = 0; i < 4; i++) s.wait();`,
      `setTimeout(() => { console.log("exiting"); process.exit(7); }, 200);`,
    ].join("\n");
    const t0 = Date.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const status = await within(new Promise((r) => child.once("close", r)), LIMIT, "the child to exit").finally(() => {
      if (child.exitCode === null) child.kill();
    });
    assert.equal(status, 7);
    assert.equal(out, "exiting\n");
    const took = Date.now() - t0;
    assert.ok(took < 5000, `exited after ${took} ms`);
    s.post();
    assert.equal(s.value(), 1, "the exited process's waits took nothing");
    await drop(s);
  });
});
