/**
 * File locks, sockit against the best a Node user has without it: proper-lockfile (a lock
 * directory, and a retry loop to wait), in the `node` column of these lines (Node core has no
 * file locks).
 *
 * - `lock-uncontended`: take and release a free lock, one process: sockit's
 *   `lockFile(path)` + `close()` (open, flock, close), proper-lockfile's `lock(path)` +
 *   `release()` (mkdir, stat, rmdir).
 * - `lock-handoff-p50`, `lock-handoff-p99`: two processes (CPU 0 and CPU 1) hand one lock back
 *   and forth; each handoff is timed from the holder's release to the waiter's acquisition
 *   (CLOCK_MONOTONIC, the same clock in both processes). The holder waits 4 ms before each
 *   release, so the waiter is really waiting: sockit in the kernel on a waiter thread,
 *   proper-lockfile in its retry loop, given its fastest setting (a retry every 1 ms; its
 *   default is not to retry at all).
 */
import net from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { writeFileSync } from "node:fs";
import properLockfile from "proper-lockfile";
import { lockFile, type FileLock } from "../src/index.js";
import { Child, Meter, alternate, emit, makeResult, runOnce, stdinEnd, type Impl } from "./harness.js";
import type { BenchOptions, Role, Workload } from "./harness.js";

/**
 * The holder's pause before each release, so that the other side is really waiting: a wait
 * reaches the kernel only once its waiter thread has started, which took over 1 ms in the slow
 * tail here (with a 1 ms pause the p99 then counted thread starts, not handoffs).
 */
const pauseMs = 4;

/** Handoffs per trial, split between the two directions. */
const handoffs = 400;

/** proper-lockfile waiting as fast as it can: a retry every millisecond, for up to a minute. */
const properWait = { realpath: false, retries: { retries: 60_000, factor: 1, minTimeout: 1, maxTimeout: 1 } };

/** One implementation's take and release of the one lock. */
interface Locker {
  acquire(): Promise<void>;
  release(): Promise<void>;
}

/** sockit's: a FileLock kept open, locked and unlocked in place after the first take. */
function sockitLocker(path: string): Locker {
  let lock: FileLock | null = null;
  return {
    async acquire() {
      if (lock === null) lock = await lockFile(path);
      else await lock.lock("exclusive");
    },
    async release() {
      await lock!.unlock();
    },
  };
}

/** proper-lockfile's, waiting with retries. */
function properLocker(path: string): Locker {
  let release: (() => Promise<void>) | null = null;
  return {
    async acquire() {
      release = await properLockfile.lock(path, properWait);
    },
    async release() {
      await release!();
      release = null;
    },
  };
}

function locker(impl: Impl, path: string): Locker {
  return impl === "sockit" ? sockitLocker(path) : properLocker(path);
}

interface UncontendedArgs {
  impl: Impl;
  path: string;
  warmupMs: number;
  ms: number;
}

/** Lock + unlock of a free lock, as a whole (open to close for sockit), per second. */
async function uncontended(a: UncontendedArgs): Promise<number> {
  writeFileSync(a.path, "");
  const meter = new Meter(a.warmupMs, a.ms);
  if (a.impl === "sockit") {
    do await (await lockFile(a.path)).close();
    while (meter.tick());
  } else {
    do await (await properLockfile.lock(a.path, { realpath: false }))();
    while (meter.tick());
  }
  return meter.rate;
}

interface HandoffArgs {
  impl: Impl;
  side: "a" | "b";
  path: string;
  sock: string;
  n: number;
}

/** Line-at-a-time messages over the two sides' control socket. */
function lines(sock: net.Socket): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: sock }).on("line", (l) => {
    const w = waiting.shift();
    if (w !== undefined) w(l);
    else queue.push(l);
  });
  return () => {
    const l = queue.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((r) => waiting.push(r));
  };
}

/**
 * One side of the handoff. Side a takes the lock first and listens for side b's control
 * conn; then in each round the holder waits `pauseMs`, stamps the time, releases and sends the
 * stamp; the waiter, whose acquire returns, stamps its own time, says "got" (after which the
 * former holder starts waiting), and records the difference. Emits `{ us: [...] }`.
 */
async function handoffSide(a: HandoffArgs): Promise<void> {
  const lk = locker(a.impl, a.path);
  const now = () => process.hrtime.bigint();
  let sock: net.Socket;
  let holding = a.side === "a";
  let pending: Promise<void> | null = null;
  if (a.side === "a") {
    writeFileSync(a.path, "");
    await lk.acquire();
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(a.sock, r));
    emit({ ready: true });
    sock = await new Promise<net.Socket>((r) => server.once("connection", r));
    server.close();
  } else {
    sock = net.connect(a.sock);
    await new Promise((r) => sock.once("connect", r));
    pending = lk.acquire();
  }
  const next = lines(sock);
  if (a.side === "b") sock.write("hello\n");
  else if ((await next()) !== "hello") throw new Error("handoff: no hello");
  const us: number[] = [];
  for (let r = 0; r < a.n; r++) {
    if (holding) {
      await new Promise((res) => setTimeout(res, pauseMs));
      const t = now();
      await lk.release();
      sock.write(`t ${t}\n`);
      if ((await next()) !== "got") throw new Error("handoff: no got");
      pending = lk.acquire();
      holding = false;
    } else {
      await pending;
      const got = now();
      sock.write("got\n");
      const m = /^t (\d+)$/.exec(await next());
      if (m === null) throw new Error("handoff: no stamp");
      us.push(Number(got - BigInt(m[1]!)) / 1000);
      holding = true;
    }
  }
  // The last holder lets go; the other side's last acquire then completes, and it lets go too.
  if (holding) await lk.release();
  else {
    await pending;
    await lk.release();
  }
  emit({ us });
  sock.end();
  await stdinEnd();
}

/** The child-process side. */
export const roles: Record<string, Role> = {
  "lock-uncontended": async (args) => emit({ rate: await uncontended(args as unknown as UncontendedArgs) }),
  "lock-handoff": (args) => handoffSide(args as unknown as HandoffArgs),
};

let serial = 0;

/** One handoff trial: both sides' latencies in µs, and their p50 and p99. */
async function handoffTrial(impl: Impl, o: BenchOptions): Promise<{ p50: number; p99: number }> {
  const id = `${process.pid}-${serial++}`;
  const base = { impl, path: join(o.dir, `lock-${id}`), sock: join(o.dir, `lock-${id}.sock`), n: o.quick ? handoffs / 4 : handoffs };
  const cpus = o.twoCpus ? [0, 1] : [null, null];
  const a = new Child("lock-handoff", { ...base, side: "a" } satisfies HandoffArgs, { cpu: cpus[0] }, o);
  let b: Child | null = null;
  try {
    await a.next();
    b = new Child("lock-handoff", { ...base, side: "b" } satisfies HandoffArgs, { cpu: cpus[1] }, o);
    const [ra, rb] = await Promise.all([a.next<{ us: number[] }>(), b.next<{ us: number[] }>()]);
    const us = [...ra.us, ...rb.us].sort((x, y) => x - y);
    return { p50: us[Math.floor(us.length * 0.5)]!, p99: us[Math.min(us.length - 1, Math.floor(us.length * 0.99))]! };
  } finally {
    await Promise.all([a.end(), b?.end()]);
  }
}

const properVersion = (createRequire(import.meta.url)("proper-lockfile/package.json") as { version: string }).version;
const against = { against: `proper-lockfile ${properVersion}, retrying every 1 ms` };

/** The file-lock lines. */
export const workloads: Workload[] = [
  {
    names: ["lock-uncontended"],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, async (impl) => {
        const args: UncontendedArgs = { impl, path: join(o.dir, `lock-u-${serial++}`), warmupMs: o.warmupMs, ms: o.trialMs };
        return (await runOnce<{ rate: number }>("lock-uncontended", args, { cpu: 0 }, o)).rate;
      });
      const extra = { against: `proper-lockfile ${properVersion}`, sockit_is: "lockFile + close", pinned: o.taskset ? "cpu 0" : "unpinned" };
      return [makeResult("lock-uncontended", "lock+unlock/s", "higher", t, 0, extra)];
    },
  },
  {
    names: ["lock-handoff-p50", "lock-handoff-p99"],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, (impl) => handoffTrial(impl, o));
      const pick = (k: "p50" | "p99") => ({ sockit: t.sockit.map((x) => x[k]), node: t.node.map((x) => x[k]) });
      const pinned = o.twoCpus && o.taskset ? "processes on cpu 0 and cpu 1" : "unpinned";
      return [
        makeResult("lock-handoff-p50", "µs release to acquire", "lower", pick("p50"), 1, { ...against, pinned }),
        makeResult("lock-handoff-p99", "µs release to acquire", "lower", pick("p99"), 1, { ...against, pinned }),
      ];
    },
  },
];
