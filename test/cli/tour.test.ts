/**
 * `sockit tour`: every one of Go's twelve networks, with raw IP skipped (not failed) where the
 * process lacks CAP_NET_RAW, then pipes, FIFOs, a child process, a signal, a file lock, a
 * message queue, a semaphore and shared memory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants } from "node:os";
import { Errno, PathError, command, mq, sem, shm } from "../../src/index.js";
import { Child, childTrip } from "../../src/cli/exectrip.js";
import { lockTrip } from "../../src/cli/locktrip.js";
import { NodeChild, skipNoSys } from "../../src/cli/posixtrip.js";
import { queueTrip } from "../../src/cli/queuetrip.js";
import { semTrip } from "../../src/cli/semtrip.js";
import { shmTrip } from "../../src/cli/shmtrip.js";
import { SkipStop, type TripScope } from "../../src/cli/trip.js";
import { sockit, waitFor } from "./sockit.js";
import { guardFdLeaks, within } from "../helpers.js";
import { flockFree } from "../ipc/filelock_peers.js";

guardFdLeaks();

/** The summary's list of what the tour visits besides the networks. */
const ipcSummary = "pipes, FIFOs, a child process, a signal, a file lock, a message queue, a semaphore and shared memory";

const networks = ["tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix", "unixgram", "unixpacket", "ip", "ip4", "ip6"];

/** rowsOf maps each network of the tour's table to the results of its rows. */
function rowsOf(stdout: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of stdout.split("\n")) {
    const m = /^(\S+) +(stream|seqpacket|datagram|raw) .* (ok|FAIL|skipped)\b/.exec(line);
    if (m === null) continue;
    const net = m[1]!.split(":")[0]!;
    rows.set(net, [...(rows.get(net) ?? []), m[3]!]);
  }
  return rows;
}

/**
 * gone checks that the named queue, semaphore or segment `name` no longer exists: opening it
 * without create fails with ENOENT.
 */
async function gone(open: (name: string) => Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(open(name), { code: "ENOENT" }, `${name} is left behind`);
}

test("tour visits all twelve networks, abstract names too, and passes", async () => {
  const run = sockit(["tour"]);
  const r = await run.done;
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, "");
  const rows = rowsOf(r.stdout);
  assert.deepEqual([...rows.keys()], networks);
  for (const net of ["unix", "unixgram", "unixpacket"]) assert.equal(rows.get(net)!.length, 2, `${net}: path and @name`);
  assert.match(r.stdout, /^tcp +stream +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +ok +\d+\.\d{3}$/m);
  assert.match(r.stdout, /^udp +datagram +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +ok +\d+\.\d{3}$/m);
  assert.match(r.stdout, /^unixgram +datagram +@[0-9a-f]{5} +\/\S+\/tour-gram\.sock +ok /m);
  const header = "a pipe, a FIFO, a child process, a signal, a file lock, a message queue, a semaphore and shared memory";
  assert.match(r.stdout, new RegExp(`^sockit tour: each network once: .*; then ${header}$`, "m"));
  assert.match(r.stdout, /^pipe +pipe +\|1 +\|0 +ok /m);
  assert.match(r.stdout, /^exec +process +\|1 \(pid \d+\) +\/\S*\/cat +ok +\d+\.\d{3}$/m);
  const lockRow = /^flock +lock +(\/\S+)\/tour\.lock +pid \d+ +ok +\d+\.\d{3}$/m.exec(r.stdout);
  assert.ok(lockRow !== null, r.stdout);
  assert.equal(existsSync(lockRow[1]!), false, "the tour removes its temporary directory");
  const stem = `/sockit-tour-${run.p.pid}-[0-9a-f]{8}`;
  const queueRow = new RegExp(`^mq +queue +(${stem}-queue) +26 bytes at priority 7 +ok +\\d+\\.\\d{3}$`, "m").exec(r.stdout);
  assert.ok(queueRow !== null, r.stdout);
  await gone(mq.open, queueRow[1]!);
  const semRow = new RegExp(`^sem +semaphore +((${stem}-sem)-ping) +\\2-pong \\(pid \\d+\\) +ok +\\d+\\.\\d{3}$`, "m").exec(r.stdout);
  assert.ok(semRow !== null, r.stdout);
  for (const name of [semRow[1]!, `${semRow[2]!}-pong`]) await gone(sem.open, name);
  const shmRow = new RegExp(`^shm +shm +(${stem}-shm) +counter 200000 \\(pid \\d+\\) +ok +\\d+\\.\\d{3}$`, "m").exec(r.stdout);
  assert.ok(shmRow !== null, r.stdout);
  await gone(shm.open, shmRow[1]!);
  for (const name of [`${shmRow[1]!}-go`, `${shmRow[1]!}-done`]) await gone(sem.open, name);
  assert.match(r.stdout, new RegExp(`^23 stops on 12 networks plus ${ipcSummary}: \\d+ ok, 0 failed, \\d+ skipped$`, "m"));
  if (process.getuid?.() === 0) {
    assert.match(r.stdout, /^ip4:icmp +raw +127\.0\.0\.1 +127\.0\.0\.1 +ok /m);
    assert.match(r.stdout, /^raw IP: CAP_NET_RAW is available$/m);
  }
});

/** setpriv (util-linux) can start a root process without CAP_NET_RAW. */
function hasSetpriv(): boolean {
  return spawnSync("setpriv", ["--bounding-set", "-net_raw", "true"], { stdio: "ignore" }).status === 0;
}

const skipWhy =
  process.getuid?.() !== 0 ? "runs as root, to drop CAP_NET_RAW" : !hasSetpriv() ? "needs setpriv (util-linux)" : false;

test("tour without CAP_NET_RAW skips raw IP, says why, and still exits 0", { skip: skipWhy }, () => {
  const mainJs = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
  const args = ["--bounding-set", "-net_raw", "--inh-caps", "-net_raw", process.execPath, mainJs, "tour"];
  const r = spawnSync("setpriv", args, { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const rows = rowsOf(r.stdout);
  for (const net of ["ip", "ip4", "ip6"]) assert.deepEqual(rows.get(net), ["skipped"]);
  assert.match(r.stdout, /^ip4:icmp skipped: needs CAP_NET_RAW \(run as root\)$/m);
  assert.match(r.stdout, /^raw IP: CAP_NET_RAW is missing, so ip, ip4 and ip6 were skipped$/m);
  assert.match(r.stdout, new RegExp(`^23 stops on 12 networks plus ${ipcSummary}: 20 ok, 0 failed, 3 skipped$`, "m"));
});

/** A TripScope as the tour's: closes what was registered, last first, when told to. */
function scope() {
  const items: AsyncDisposable[] = [];
  return {
    items,
    use<T extends AsyncDisposable>(x: T): T {
      items.push(x);
      return x;
    },
    async close(): Promise<void> {
      for (const x of items.splice(0).reverse()) await x[Symbol.asyncDispose]();
    },
  } satisfies TripScope & { items: AsyncDisposable[]; close(): Promise<void> };
}

test("the exec stop fails a child that exits badly, and kills and waits for one that hangs", async () => {
  const s1 = scope();
  await assert.rejects(childTrip(command("sh", "-c", "cat; exit 4"), s1), { message: "exit status 4" });
  await s1.close();
  // sleep echoes nothing: the stop's timeout (here 200 ms) closes the scope, which kills it.
  const s2 = scope();
  const sleeper = command("sleep", "30");
  const trip = childTrip(sleeper, s2);
  trip.catch(() => {});
  await new Promise((r) => setTimeout(r, 200));
  await within(s2.close(), 5000, "the scope's close");
  await assert.rejects(trip);
  assert.equal(sleeper.processState?.signal(), "SIGKILL");
});

test("the lock stop hands its lock to a waiting child and leaves it free; a missing directory fails it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockit-tour-lock-"));
  try {
    const s = scope();
    const r = await lockTrip("flock", dir, s);
    await s.close();
    assert.equal(String(r.local), join(dir, "tour.lock"));
    assert.match(String(r.remote), /^pid \d+$/);
    assert.ok(r.rttMs > 0 && r.rttMs < 3000, `rtt ${r.rttMs} ms`);
    assert.ok(flockFree(join(dir, "tour.lock")), "free after the stop");
    const s2 = scope();
    const missing = join(dir, "nosuch");
    await assert.rejects(lockTrip("flock", missing, s2), { message: `open ${missing}/tour.lock: no such file or directory` });
    await s2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A name for a stop's POSIX objects, unique to this test process. */
let seq = 0;
const posixName = (what: string): string => `/sockit-tour-test-${process.pid}-${seq++}-${what}`;

test("the queue stop sends and receives one message at priority 7 and unlinks its queue", async () => {
  const name = posixName("queue");
  const s = scope();
  const r = await queueTrip("mq", name, s);
  await s.close();
  assert.equal(String(r.local), name);
  assert.equal(String(r.remote), "26 bytes at priority 7");
  assert.ok(r.rttMs > 0 && r.rttMs < 3000, `rtt ${r.rttMs} ms`);
  await gone(mq.open, name);
});

test("a stop whose open fails with ENOSYS is skipped; other errors fail it", () => {
  const nosys = new PathError("mq_open", "/q", new Errno(constants.errno.ENOSYS));
  assert.throws(() => skipNoSys(nosys, "POSIX message queues"), (err: unknown) => {
    assert.ok(err instanceof SkipStop);
    assert.match(err.message, /^no POSIX message queues on this system \(ENOSYS; \w+\)$/);
    return true;
  });
  const denied = new PathError("mq_open", "/q", new Errno(constants.errno.EACCES));
  assert.throws(() => skipNoSys(denied, "POSIX message queues"), (err: unknown) => err === denied);
});

test("the semaphore stop plays ping-pong with a child and unlinks both semaphores", async () => {
  const name = posixName("sem");
  const s = scope();
  const r = await semTrip("sem", name, s);
  await s.close();
  assert.equal(String(r.local), `${name}-ping`);
  assert.match(String(r.remote), new RegExp(`^${name}-pong \\(pid \\d+\\)$`));
  assert.ok(r.rttMs > 0 && r.rttMs < 3000, `rtt ${r.rttMs} ms`);
  for (const n of [`${name}-ping`, `${name}-pong`]) await gone(sem.open, n);
});

test("the shm stop counts to 200,000 with a child and unlinks the segment and its semaphores", async () => {
  const name = posixName("shm");
  const s = scope();
  const r = await shmTrip("shm", name, s);
  await s.close();
  assert.equal(String(r.local), name);
  assert.match(String(r.remote), /^counter 200000 \(pid \d+\)$/);
  assert.ok(r.rttMs > 0 && r.rttMs < 3000, `rtt ${r.rttMs} ms`);
  await gone(shm.open, name);
  for (const n of [`${name}-go`, `${name}-done`]) await gone(sem.open, n);
});

test("a semaphore or shm stop cut short kills its child and unlinks its names", async () => {
  for (const [trip, name, names] of [
    [semTrip, posixName("sem"), ["-ping", "-pong"]],
    [shmTrip, posixName("shm"), ["-go", "-done"]],
  ] as const) {
    const s = scope();
    const t = trip("x", name, s);
    t.catch(() => {});
    // As the tour's timeout would: once the child is running, before its side is done.
    const child = await waitFor(() => {
      const c = s.items.find((x): x is Child => x instanceof Child);
      return c?.cmd.process != null ? c : null;
    }, "the stop's child");
    await within(s.close(), 5000, "the scope's close");
    await assert.rejects(t);
    assert.equal(child.cmd.processState?.signal(), "SIGKILL");
    for (const n of names) await gone(sem.open, name + n);
    if (trip === shmTrip) await gone(shm.open, name);
  }
});

test("a stop's child that fails says why at once, not after the wait's timeout", async () => {
  const s = scope();
  const child = new NodeChild(s, `fail(new Error("no such luck"));`);
  await child.start();
  const never = new Promise<void>(() => {});
  await within(
    assert.rejects(child.unlessFails(never, "posted"), {
      message: /^the child \(pid \d+\) said "error: no such luck", not "posted"$/,
    }),
    2000,
    "the child's word",
  );
  await assert.rejects(child.child.wait(), { message: "exit status 1" });
  await s.close();
});
