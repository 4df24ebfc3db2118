/**
 * File locks (issue 9): lockFile, tryLockFile and FileLock over flock, OFD and POSIX locks,
 * checked against another process's view (python3's fcntl and util-linux flock(1)), both
 * ways: sockit's locks block theirs and theirs block sockit's. Waits end on release within
 * milliseconds, on a deadline, an abort or a close with the lock not taken, never block the
 * event loop or the threadpool, and leave no thread behind (/proc/self/task).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockFile, tryLockFile, FileLock, openFile, PathError, errorIs, Errno, ErrDeadlineExceeded, ErrFileClosed, type LockKind } from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { maxWaiters } from "../../src/ipc/waiter.js";
import { spawn } from "node:child_process";
import { Worker } from "node:worker_threads";
import { guardFdLeaks, guardThreadLeaks, threadCount, openFds, testUnixAddr, settle, within, otherUserSays, until } from "../helpers.js";
import { Locker, flockFree } from "./filelock_peers.js";

guardFdLeaks();
guardThreadLeaks();

const LIMIT = 10_000;
const kinds: LockKind[] = ["flock", "ofd", "posix"];

/** A fresh lock file path in the suite's temp dir. */
function lockPath(): string {
  return testUnixAddr().replace(/\.sock$/, ".lock");
}



/** The PathError `p` rejects with, checked to be of `op` on `path` with `text` after the colon. */
async function lockErr(p: Promise<unknown>, path: string, text: string, op = "lock"): Promise<PathError> {
  const err = await within(
    p.then(
      async (v) => {
        if (v instanceof FileLock) await v.close();
        assert.fail(`${op} ${path} succeeded; an error was expected`);
      },
      (e: unknown) => e,
    ),
    LIMIT,
    `${op} ${path} to fail`,
  );
  assert.ok(err instanceof PathError, `expected a PathError, got ${String(err)}`);
  assert.equal(err.message, `${op} ${path}: ${text}`);
  assert.equal(err.op, op);
  assert.equal(err.path, path);
  return err as PathError;
}

describe("lockFile and tryLockFile", () => {
  it("takes an exclusive flock by default, creating the file, and close releases it", async () => {
    const p = lockPath();
    const lock = await lockFile(p);
    assert.equal(lock.kind, "flock");
    assert.equal(lock.mode, "exclusive");
    assert.equal(lock.name(), p);
    assert.equal(flockFree(p), false, "flock(1) sees the file locked");
    assert.equal(await tryLockFile(p), null, "a second open of the file conflicts");
    await lock.close();
    assert.equal(lock.mode, null);
    assert.equal(flockFree(p), true, "released by close");
    await lockErr(lock.close(), p, "file already closed", "close");
    await lock[Symbol.asyncDispose](); // idempotent
  });

  it("a lock held by flock(1) keeps sockit out until flock(1) lets go", async () => {
    const p = lockPath();
    const holder = spawn("flock", [p, "-c", "echo locked; read _"], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = new Promise((r) => holder.once("exit", r));
    await within(new Promise((r) => holder.stdout.once("data", r)), LIMIT, "flock(1) to take the lock");
    assert.equal(await tryLockFile(p), null, "held by flock(1)");
    assert.equal(await tryLockFile(p, { mode: "shared" }), null, "not even shared");
    const pending = lockFile(p);
    assert.equal(await settle(pending, 100), "pending");
    holder.stdin.end("\n"); // its command ends, and flock(1) exits, letting go
    const lock = await within(pending, LIMIT, "the lock after flock(1) let go");
    await lock.close();
    await within(exited, LIMIT, "flock(1) to exit");
  });

  it("await using releases at the end of the block", async () => {
    const p = lockPath();
    {
      await using lock = await lockFile(p, { mode: "shared" });
      assert.equal(lock.mode, "shared");
      assert.equal(flockFree(p, true), true, "shared with flock -s");
      assert.equal(flockFree(p), false, "but not exclusive");
    }
    assert.equal(flockFree(p), true);
  });

  it("locks an open File through a dup of its fd, leaving the File open", async () => {
    const p = lockPath();
    writeFileSync(p, "data");
    const f = await openFile(p, "rw");
    const lock = await lockFile(f, { kind: "ofd" });
    assert.notEqual(lock.file().fd(), f.fd(), "the lock has its own fd");
    assert.equal(lock.name(), p);
    await lock.close();
    assert.ok(f.fd() >= 0, "the File stays open");
    const again = await tryLockFile(p, { kind: "ofd" });
    assert.ok(again !== null, "released although the File's fd shares its open file description");
    await again.close();
    await f.close();
    await lockErr(lockFile(f), p, "file already closed");
  });

  it("another user cannot open a 0600 lock file: open PATH: permission denied", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "sockit-perm-"));
    chmodSync(dir, 0o755); // others may look in, so the file's own mode is what refuses them
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const p = join(dir, "root-only.lock");
    writeFileSync(p, "", { mode: 0o600 });
    const said = otherUserSays(t, `s.lockFile(${JSON.stringify(p)})`);
    if (said !== null) assert.equal(said, `open ${p}: permission denied`);
  });

  it("lock.file() reads and writes the locked file", async () => {
    const p = lockPath();
    await using lock = await lockFile(p);
    await lock.file().write(new TextEncoder().encode("pid 42\n"));
    assert.equal(await fsp.readFile(p, "utf8"), "pid 42\n");
  });

  it("bad arguments are TypeErrors and a bad path a PathError of open", async () => {
    const p = lockPath();
    await assert.rejects(lockFile(p, { kind: "bogus" as LockKind }), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
    await assert.rejects(lockFile(p, { mode: "both" as "shared" }), { name: "TypeError" });
    await assert.rejects(lockFile(p, { kind: "ofd", start: -1 }), { name: "TypeError" });
    await assert.rejects(lockFile(p, { kind: "posix", len: 1.5 }), { name: "TypeError" });
    await assert.rejects(lockFile(p, { start: 10 }), /0 for a flock/);
    await assert.rejects(lockFile(42 as unknown as string), { name: "TypeError" });
    await lockErr(lockFile("/nonexistent/dir/x.lock"), "/nonexistent/dir/x.lock", "no such file or directory", "open");
  });

  it("a read-only file takes shared locks, and an exclusive fcntl lock fails with EBADF", async () => {
    const p = lockPath();
    writeFileSync(p, "");
    await fsp.chmod(p, 0o444);
    // As root the mode does not stop a read-write open, so use a read-only File instead.
    const f = await openFile(p, "r");
    await using shared = await lockFile(f, { kind: "posix", mode: "shared" });
    assert.equal(shared.mode, "shared");
    await lockErr(lockFile(f, { kind: "posix", mode: "exclusive" }), p, "bad file descriptor");
    await f.close();
  });
});

for (const kind of kinds) {
  describe(`${kind} locks against another process`, () => {
    it("a lock held by python3 makes tryLockFile return null, and lockFile wait until it goes", async () => {
      const p = lockPath();
      const other = new Locker(kind, p, "exclusive");
      await other.pid();
      assert.equal(await tryLockFile(p, { kind }), null);
      const pending = lockFile(p, { kind });
      assert.equal(await settle(pending, 100), "pending", "waits while held");
      const released = Date.now();
      await other.unlock();
      const lock = await within(pending, LIMIT, "the lock after release");
      const took = Date.now() - released;
      assert.equal(lock.mode, "exclusive");
      assert.ok(took < 2000, `taken ${took} ms after the release`);
      await lock.close();
    });

    it("a lock held by sockit makes python3's non-blocking try fail, and python3 gets it after close", async () => {
      const p = lockPath();
      const lock = await lockFile(p, { kind });
      const probe = new Locker(kind, p, "exclusive-try");
      assert.equal(await probe.first(), "busy");
      await probe.peer.done();
      const waiter = new Locker(kind, p, "exclusive");
      assert.equal(await settle(waiter.first(), 150), "pending", "python3 waits while sockit holds it");
      await lock.close();
      await waiter.pid();
      await waiter.unlock();
    });

    it("a lock is released when its holder is killed with SIGKILL", async () => {
      const p = lockPath();
      const other = new Locker(kind, p, "exclusive");
      await other.pid();
      const pending = lockFile(p, { kind });
      assert.equal(await settle(pending, 100), "pending");
      await other.kill();
      const lock = await within(pending, LIMIT, "the lock after the holder died");
      await lock.close();
    });

    it("a timeout ends the wait with 'i/o timeout', and the lock is not taken", async () => {
      const p = lockPath();
      const other = new Locker(kind, p, "exclusive");
      await other.pid();
      const t0 = Date.now();
      const err = await lockErr(lockFile(p, { kind, timeout: 150 }), p, "i/o timeout");
      const waited = Date.now() - t0;
      assert.ok(waited >= 100 && waited < 3000, `waited ${waited} ms for a 150 ms timeout`);
      assert.ok(err.timeout(), "timeout() is true");
      assert.ok(errorIs(err, ErrDeadlineExceeded));
      await other.unlock();
      // Had the cancelled wait stayed queued in the kernel, it would hold the lock now.
      const probe = new Locker(kind, p, "exclusive-try");
      assert.match(await probe.first(), /^locked/);
      await probe.unlock();
    });

    it("an abort ends the wait with 'operation was canceled', and the lock is not taken", async () => {
      const p = lockPath();
      const other = new Locker(kind, p, "exclusive");
      await other.pid();
      const ac = new AbortController();
      const pending = lockFile(p, { kind, signal: ac.signal });
      assert.equal(await settle(pending, 50), "pending");
      ac.abort();
      await lockErr(pending, p, "operation was canceled");
      await other.unlock();
      const mine = await tryLockFile(p, { kind });
      assert.ok(mine !== null, "free after the holder left");
      await mine.close();
    });

    it("an aborted signal or a passed deadline fails at once, even on a free file", async () => {
      const p = lockPath();
      await lockErr(lockFile(p, { kind, signal: AbortSignal.abort() }), p, "operation was canceled");
      await lockErr(lockFile(p, { kind, deadline: Date.now() - 1 }), p, "i/o timeout");
    });
  });
}

describe("upgrades, downgrades and ranges", () => {
  for (const kind of kinds) {
    it(`${kind}: a shared lock upgrades once the other sharer leaves, and downgrades in place`, async () => {
      const p = lockPath();
      const other = new Locker(kind, p, "shared");
      await other.pid();
      const lock = await lockFile(p, { kind, mode: "shared" });
      assert.equal(await lock.tryLock("exclusive"), false, "upgrade conflicts while another shares");
      assert.equal(lock.mode, "shared", "and the shared lock is still held");
      const up = lock.lock("exclusive");
      assert.equal(await settle(up, 100), "pending");
      await other.unlock();
      await within(up, LIMIT, "the upgrade");
      assert.equal(lock.mode, "exclusive");
      await lock.lock("shared");
      assert.equal(lock.mode, "shared");
      const sharer = new Locker(kind, p, "shared-try");
      assert.match(await sharer.first(), /^locked/, "another process may share it now");
      await sharer.unlock();
      await lock.unlock();
      assert.equal(lock.mode, null);
      await lock.close();
    });
  }

  it("ofd: disjoint ranges of one file do not conflict, overlapping ones do, and holder() tells", async () => {
    const p = lockPath();
    const a = await lockFile(p, { kind: "ofd", start: 0, len: 100 });
    const b = await tryLockFile(p, { kind: "ofd", start: 100, len: 50 });
    assert.ok(b !== null, "disjoint ranges");
    assert.equal(await tryLockFile(p, { kind: "ofd", start: 50, len: 100 }), null, "overlapping range");
    assert.equal(await tryLockFile(p, { kind: "ofd", start: 99, len: 1, mode: "shared" }), null, "one byte of overlap");
    assert.equal(await b.holder(), null, "nothing else in b's own range");
    assert.deepEqual(await b.holder("shared", { start: 50, len: 100 }), { mode: "exclusive", start: 0, len: 100, pid: null });
    await a.close();
    assert.equal(await b.holder("exclusive", { start: 0, len: 0 }), null, "a is gone; b's own lock is never in its way");
    await b.close();
  });

  it("holder() reports python3's lock in the way: its range, and the pid for a POSIX lock", async () => {
    const p = lockPath();
    const ofd = new Locker("ofd", p, "exclusive", 10, 20);
    await ofd.pid();
    const mine = await tryLockFile(p, { kind: "ofd", start: 0, len: 5 });
    assert.ok(mine !== null);
    assert.equal(await mine.holder(), null, "0..5 is free");
    assert.deepEqual(await mine.holder("shared", { start: 0, len: 100 }), { mode: "exclusive", start: 10, len: 20, pid: null });
    await mine.close();
    await ofd.unlock();

    const p2 = lockPath();
    const posix = new Locker("posix", p2, "shared", 5, 5);
    const pid = await posix.pid();
    const l = await lockFile(p2, { kind: "posix", mode: "shared" });
    assert.deepEqual(await l.holder("exclusive"), { mode: "shared", start: 5, len: 5, pid });
    assert.equal(await l.holder("shared"), null, "shared does not conflict with shared");
    await assert.rejects(l.holder("exclusive", { start: -1, len: 0 }), { name: "TypeError" });
    await l.close();
    await posix.unlock();
  });

  it("flock has no holder(): operation not supported", async () => {
    const p = lockPath();
    await using lock = await lockFile(p);
    await lockErr(lock.holder(), p, "operation not supported", "holder");
  });

  it("posix: a wait that would deadlock fails with 'resource deadlock avoided'", async () => {
    const p = lockPath();
    writeFileSync(p, "x".repeat(100));
    // python3 holds 50..60 and then waits for 0..10, which sockit holds; sockit then asks for
    // 50..60: the kernel sees the cycle and refuses sockit's wait.
    const mine = await lockFile(p, { kind: "posix", start: 0, len: 10 });
    const other = new Locker("posix", p, "exclusive", 50, 10, "wait:0:10");
    await other.pid();
    await other.saw("waiting");
    await new Promise((r) => setTimeout(r, 100)); // let python3 block in F_SETLKW
    // The second lock goes through a dup of mine's fd: opening and closing the file anew
    // would release mine (the POSIX caveat: any close of the file in the process does).
    await lockErr(lockFile(mine.file(), { kind: "posix", start: 50, len: 10 }), p, "resource deadlock avoided");
    // Closing that lock's dup released mine as well, so python3 now gets 0..10.
    await other.saw("got");
    await other.unlock();
    await mine.close();
  });
});

describe("close while waiting, the event loop, the threadpool and the bound", () => {
  it("close ends a pending upgrade with 'file already closed', having taken nothing", async () => {
    const p = lockPath();
    const other = new Locker("ofd", p, "shared");
    await other.pid();
    const lock = await lockFile(p, { kind: "ofd", mode: "shared" });
    const up = lock.lock("exclusive");
    assert.equal(await settle(up, 50), "pending");
    await lock.close();
    const err = await lockErr(up, p, "file already closed");
    assert.ok(errorIs(err, ErrFileClosed));
    await other.unlock();
    const after = await tryLockFile(p, { kind: "ofd" });
    assert.ok(after !== null);
    await after.close();
  });

  it("8 waits keep the event loop turning and the threadpool free, and all end on release", async () => {
    const p = lockPath();
    const other = new Locker("flock", p, "exclusive");
    await other.pid();
    const base = threadCount();
    const waits = Array.from({ length: 8 }, () => lockFile(p));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await new Promise((r) => setTimeout(r, 200));
    const read = await within(fsp.readFile("/proc/self/status", "utf8"), 2000, "fs.readFile during 8 waits");
    assert.match(read, /Threads:/);
    clearInterval(timer);
    assert.ok(ticks >= 10, `a 5 ms timer fired ${ticks} times in 200 ms`);
    assert.ok(threadCount() >= base + 8, "one waiter thread per wait");
    await other.unlock();
    await within(Promise.all(waits.map(async (w) => (await w).close())), LIMIT, "the 8 locks, one after another");
    await until(() => threadCount() <= base, "the waiter threads to end");
  });

  it(`past ${maxWaiters} waits in flight, the rest queue without threads and all complete`, async () => {
    const p = lockPath();
    const other = new Locker("flock", p, "exclusive");
    await other.pid();
    const base = threadCount();
    const n = maxWaiters + 16;
    const waits = Array.from({ length: n }, () => lockFile(p));
    await until(() => threadCount() >= base + maxWaiters, `${maxWaiters} waiter threads`);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(threadCount() <= base + maxWaiters, `at most ${maxWaiters} waiter threads: ${threadCount() - base}`);
    // A queued wait can time out like a running one.
    const timed = await lockErr(lockFile(p, { timeout: 30 }), p, "i/o timeout");
    assert.ok(timed.timeout());
    await other.unlock();
    await within(Promise.all(waits.map(async (w) => (await w).close())), LIMIT, `the ${n} locks, one after another`);
    await until(() => threadCount() <= base, "the waiter threads to end");
  });

  it("no wait or thread is left behind by a burst of timeouts", async () => {
    const p = lockPath();
    const other = new Locker("posix", p, "exclusive");
    await other.pid();
    const base = threadCount();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => lockFile(p, { kind: "posix", timeout: 20 + i })));
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok((r.reason as PathError).timeout());
    }
    await until(() => threadCount() <= base, "the waiter threads to end");
    await other.unlock();
  });

  it("calls on a lock whose File was closed fail with 'file already closed'", async () => {
    const p = lockPath();
    const lock = await lockFile(p);
    await lock.file().close();
    await lockErr(lock.lock("shared"), p, "file already closed");
    await lockErr(lock.unlock(), p, "file already closed", "unlock");
    await lockErr(lock.holder(), p, "file already closed", "holder");
    assert.ok(errorIs(await lock.tryLock("shared").catch((e: unknown) => e), ErrFileClosed));
    await lock[Symbol.asyncDispose]();
  });
});

describe("teardown with a wait pending", () => {
  const index = new URL("../../src/index.js", import.meta.url).href;

  it("a worker terminated while waiting leaves no thread, no fd, and no lock taken", async () => {
    const p = lockPath();
    const other = new Locker("flock", p, "exclusive");
    await other.pid();
    const base = threadCount();
    const fds = openFds();
    const code = [
      `import { parentPort } from "node:worker_threads";`,
      `import { lockFile } from ${JSON.stringify(index)};`,
      `for (let i = 0; i < 4; i++) lockFile(${JSON.stringify(p)}).then(() => parentPort.postMessage("took it"));`,
      `setTimeout(() => parentPort.postMessage("waiting"), 300);`,
    ].join("\n");
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
    const first = await within(new Promise((r, j) => (w.once("message", r), w.once("error", j))), LIMIT, "the worker");
    assert.equal(first, "waiting");
    assert.ok(threadCount() >= base + 4 + 1, "the worker and its 4 waiter threads");
    await w.terminate();
    await until(() => threadCount() <= base, "the worker's threads to end");
    await until(() => openFds() <= fds, "the worker's fds to close");
    await other.unlock();
    const mine = await tryLockFile(p);
    assert.ok(mine !== null, "no wait of the dead worker took the lock");
    await mine.close();
  });

  it("process.exit with waits pending exits at once", async () => {
    const p = lockPath();
    const other = new Locker("posix", p, "exclusive");
    await other.pid();
    const code = [
      `const { lockFile } = await import(${JSON.stringify(index)});`,
      `for (let i = 0; i < 4; i++) lockFile(${JSON.stringify(p)}, { kind: "posix" });`,
      `setTimeout(() => { console.log("exiting"); process.exit(7); }, 300);`,
    ].join("\n");
    const t0 = Date.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const status = await within(new Promise((r) => child.once("exit", r)), LIMIT, "the child to exit");
    assert.equal(status, 7);
    assert.equal(out, "exiting\n");
    const took = Date.now() - t0;
    assert.ok(took < 5000, `exited after ${took} ms`);
    await other.unlock();
  });
});
