/**
 * `sockit tour`: every one of Go's twelve networks, with raw IP skipped (not failed) where the
 * process lacks CAP_NET_RAW, then pipes, FIFOs, a child process, a signal and a file lock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { command } from "../../src/index.js";
import { childTrip } from "../../src/cli/exectrip.js";
import { lockTrip } from "../../src/cli/locktrip.js";
import type { TripScope } from "../../src/cli/trip.js";
import { sockit } from "./sockit.js";
import { guardFdLeaks, within } from "../helpers.js";
import { flockFree } from "../ipc/filelock_peers.js";

guardFdLeaks();

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

test("tour visits all twelve networks, abstract names too, and passes", async () => {
  const r = await sockit(["tour"]).done;
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, "");
  const rows = rowsOf(r.stdout);
  assert.deepEqual([...rows.keys()], networks);
  for (const net of ["unix", "unixgram", "unixpacket"]) assert.equal(rows.get(net)!.length, 2, `${net}: path and @name`);
  assert.match(r.stdout, /^tcp +stream +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +ok +\d+\.\d{3}$/m);
  assert.match(r.stdout, /^udp +datagram +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +ok +\d+\.\d{3}$/m);
  assert.match(r.stdout, /^unixgram +datagram +@[0-9a-f]{5} +\/\S+\/tour-gram\.sock +ok /m);
  assert.match(r.stdout, /^sockit tour: each network once: .*; then a pipe, a FIFO, a child process, a signal and a file lock$/m);
  assert.match(r.stdout, /^pipe +pipe +\|1 +\|0 +ok /m);
  assert.match(r.stdout, /^exec +process +\|1 \(pid \d+\) +\/\S*\/cat +ok +\d+\.\d{3}$/m);
  const lockRow = /^flock +lock +(\/\S+)\/tour\.lock +pid \d+ +ok +\d+\.\d{3}$/m.exec(r.stdout);
  assert.ok(lockRow !== null, r.stdout);
  assert.equal(existsSync(lockRow[1]!), false, "the tour removes its temporary directory");
  assert.match(r.stdout, /^20 stops on 12 networks plus pipes, FIFOs, a child process, a signal and a file lock: \d+ ok, 0 failed, \d+ skipped$/m);
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
  assert.match(r.stdout, /^20 stops on 12 networks plus pipes, FIFOs, a child process, a signal and a file lock: 17 ok, 0 failed, 3 skipped$/m);
});

/** A TripScope as the tour's: closes what was registered, last first, when told to. */
function scope() {
  const items: AsyncDisposable[] = [];
  return {
    use<T extends AsyncDisposable>(x: T): T {
      items.push(x);
      return x;
    },
    async close(): Promise<void> {
      for (const x of items.splice(0).reverse()) await x[Symbol.asyncDispose]();
    },
  } satisfies TripScope & { close(): Promise<void> };
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
