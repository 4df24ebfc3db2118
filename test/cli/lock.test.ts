/**
 * `sockit lock`: the parser in process, and the built command run as a child process whose
 * own child (sh, flock(1), python3) looks at the lock from outside, with a python3 locker
 * (test/ipc/filelock_peers.ts) as the other holder. Every run is awaited, and sockit waits for
 * its child, so no test leaves a process; the lockers are unlocked or killed by the test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, UsageError } from "../../src/cli/args.js";
import { guardFdLeaks } from "../helpers.js";
import { flockFree, Locker } from "../ipc/filelock_peers.js";
import { sockit, waitFor } from "./sockit.js";

guardFdLeaks();

/** withLockFile runs `f` with the path of a lock file in a fresh temp dir, removed afterwards. */
async function withLockFile(f: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sockit-lock-"));
  try {
    await f(join(dir, "app.lock"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** withLocker runs `f` while a python3 process holds an exclusive flock on `path`. */
async function withLocker(path: string, f: () => Promise<void>): Promise<void> {
  const locker = new Locker("flock", path, "exclusive");
  try {
    await locker.pid();
    await f();
    await locker.unlock();
  } finally {
    if (locker.peer.proc.exitCode === null) await locker.kill();
  }
}

/** waiting is true once /proc/locks shows `pid` blocked on an flock (a line "N: -> FLOCK ... PID ..."). */
function waiting(pid: number): true | null {
  const blocked = readFileSync("/proc/locks", "utf8")
    .split("\n")
    .filter((l) => / -> FLOCK /.test(l));
  return blocked.some((l) => l.split(/\s+/).includes(String(pid))) ? true : null;
}

test("parseArgs reads lock's options, PATH and the command after --", () => {
  assert.deepEqual(parseArgs(["lock", "/tmp/a.lock", "--", "true"]), {
    cmd: "lock",
    path: "/tmp/a.lock",
    mode: "exclusive",
    kind: "flock",
    timeout: 0,
    verbose: false,
    argv: ["true"],
  });
  const args = ["lock", "-v", "--shared", "/tmp/a.lock", "--kind", "ofd", "-t", "5s", "--", "sh", "-c", "x", "--", "-v"];
  assert.deepEqual(parseArgs(args), {
    cmd: "lock",
    path: "/tmp/a.lock",
    mode: "shared",
    kind: "ofd",
    timeout: 5000,
    verbose: true,
    argv: ["sh", "-c", "x", "--", "-v"],
  });
  const long = parseArgs(["lock", "--timeout=250ms", "--kind=posix", "-s", "p", "--", "true"]);
  assert.deepEqual(long, { ...(long as object), mode: "shared", kind: "posix", timeout: 250 });
  assert.equal((parseArgs(["lock", "--timeout", "1m", "p", "--", "true"]) as { timeout: number }).timeout, 60_000);
  const bads: [string[], RegExp][] = [
    [["lock"], /^lock needs PATH, -- and CMD$/],
    [["lock", "p"], /^lock needs -- before CMD$/],
    [["lock", "p", "true"], /^lock needs -- before CMD$/],
    [["lock", "--", "true"], /^lock needs one PATH before --, got 0$/],
    [["lock", "p", "q", "--", "true"], /^lock needs one PATH before --, got 2$/],
    [["lock", "p", "--"], /^lock needs CMD after --$/],
    [["lock", "-x", "p", "--", "true"], /^unknown option -x for lock$/],
    [["lock", "-q", "1s", "p", "--", "true"], /^unknown option -q for lock$/],
    [["lock", "--kind", "fcntl", "p", "--", "true"], /^option --kind needs flock, ofd or posix, got "fcntl"$/],
    [["lock", "p", "--kind"], /^option --kind needs flock, ofd or posix, got ""$/],
    [["lock", "p", "-t"], /^option -t needs a duration$/],
    [["lock", "-t", "0", "p", "--", "true"], /^duration "0" must be positive$/],
    [["lock", "--timeout=5x", "p", "--", "true"], /^invalid duration "5x"$/],
  ];
  for (const [bad, msg] of bads) {
    assert.throws(() => parseArgs(bad), (e) => e instanceof UsageError && msg.test(e.message), bad.join(" "));
  }
});

test("lock usage errors exit 2 with the synopsis, and run nothing", async () => {
  for (const args of [["p", "echo", "ran"], ["--", "echo", "ran"], ["--kind", "nope", "p", "--", "echo", "ran"]]) {
    const r = await sockit(["lock", ...args]).done;
    assert.equal(r.status, 2, args.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^sockit: .*\nusage: sockit dial .*\n {7}sockit lock \[-v\] \[--shared\] /s);
  }
});

test("lock runs CMD holding an exclusive flock, exits with its status, and releases the lock", async () => {
  await withLockFile(async (path) => {
    // flock(1) exits 1 when -n finds the lock held.
    const r = await sockit(["lock", path, "--", "sh", "-c", 'flock -n "$1" true; echo $?; exit 3', "sh", path]).done;
    assert.deepEqual(r, { status: 3, stdout: "1\n", stderr: "" });
    assert.ok(flockFree(path), "the lock is free once sockit has exited");
    const killed = await sockit(["lock", path, "--", "sh", "-c", "kill -TERM $$"]).done;
    assert.equal(killed.status, 143);
    assert.ok(flockFree(path));
  });
});

test("lock -v reports the lock and how the child ended", async () => {
  await withLockFile(async (path) => {
    const r = await sockit(["lock", "-v", path, "--", "sh", "-c", "exit 0"]).done;
    assert.equal(r.status, 0);
    const lines = [
      `sockit: locked ${path} \\(exclusive flock\\)`,
      "sockit: started \\S+/sh -c exit 0 as pid (\\d+)",
      "sockit: pid \\1: exit status 0",
    ];
    assert.match(r.stderr, new RegExp(`^${lines.join("\\n")}\\n$`));
  });
});

test("lock --shared lets another shared holder in and keeps an exclusive one out", async () => {
  await withLockFile(async (path) => {
    const script = 'flock -s -n "$1" true && echo shared-ok; flock -n "$1" true || echo exclusive-held';
    const r = await sockit(["lock", "--shared", path, "--", "sh", "-c", script, "sh", path]).done;
    assert.deepEqual(r, { status: 0, stdout: "shared-ok\nexclusive-held\n", stderr: "" });
    assert.ok(flockFree(path));
  });
});

test("lock --kind ofd and posix take fcntl locks, which keep another process's lockf out and flock in", async () => {
  await withLockFile(async (path) => {
    const probe = [
      "import fcntl, sys",
      "f = open(sys.argv[1], 'r+')",
      "try:",
      "    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)",
      "    print('lockf-free')",
      "except OSError:",
      "    print('lockf-held')",
    ].join("\n");
    const script = 'python3 -c "$2" "$1"; flock -n "$1" true && echo flock-free';
    for (const kind of ["ofd", "posix"]) {
      const r = await sockit(["lock", "-v", "--kind", kind, path, "--", "sh", "-c", script, "sh", path, probe]).done;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "lockf-held\nflock-free\n", kind);
      assert.match(r.stderr, new RegExp(`^sockit: locked ${path} \\(exclusive ${kind}\\)\\n`));
    }
  });
});

test("lock's child does not inherit the lock's fd", async () => {
  await withLockFile(async (path) => {
    const r = await sockit(["lock", path, "--", "ls", "-l", "/proc/self/fd/"]).done;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, / 0 -> /);
    assert.ok(!r.stdout.includes(path), r.stdout);
  });
});

test("lock --timeout gives up on a lock another process holds: exit 1, Go's text, CMD not run", async () => {
  await withLockFile(async (path) => {
    await withLocker(path, async () => {
      for (const t of [["-t", "200ms"], ["--timeout=200ms"]]) {
        const t0 = Date.now();
        const r = await sockit(["lock", ...t, path, "--", "echo", "ran"]).done;
        const ms = Date.now() - t0;
        assert.deepEqual(r, { status: 1, stdout: "", stderr: `sockit: lock ${path}: i/o timeout\n` });
        assert.ok(ms >= 200, `gave up after ${ms} ms`);
      }
    });
    // The locker has let go: the same command now runs at once.
    const r = await sockit(["lock", "--timeout", "200ms", path, "--", "echo", "ran"]).done;
    assert.deepEqual(r, { status: 0, stdout: "ran\n", stderr: "" });
  });
});

test("lock waits for another holder and runs CMD once it lets go", async () => {
  await withLockFile(async (path) => {
    const locker = new Locker("flock", path, "exclusive");
    try {
      await locker.pid();
      const cmd = sockit(["lock", "-t", "10s", path, "--", "echo", "ran"]);
      await waitFor(() => waiting(cmd.p.pid!), "sockit's wait in /proc/locks");
      assert.equal(cmd.stdout(), "");
      await locker.unlock();
      assert.deepEqual(await cmd.done, { status: 0, stdout: "ran\n", stderr: "" });
    } finally {
      if (locker.peer.proc.exitCode === null) await locker.kill();
    }
  });
});

test("lock stopped by SIGTERM or SIGINT while waiting exits 143 or 130 and runs nothing", async () => {
  await withLockFile(async (path) => {
    await withLocker(path, async () => {
      for (const [sig, status] of [
        ["SIGTERM", 143],
        ["SIGINT", 130],
      ] as const) {
        const cmd = sockit(["lock", path, "--", "echo", "ran"]);
        // Node catches SIGINT from its start, so wait for the lock's wait itself.
        await waitFor(() => waiting(cmd.p.pid!), "sockit's wait in /proc/locks");
        cmd.p.kill(sig);
        assert.deepEqual(await cmd.done, { status, stdout: "", stderr: "" }, sig);
      }
    });
  });
});
