/**
 * The IPC objects beside file locks (locks.ts), each between two processes on CPU 0 and CPU 1:
 *
 * - `mq-messages`: 64-byte messages received per second through a POSIX message queue (sockit's
 *   `mq`), against Node core's nearest, a unix stream socket carrying 64-byte records (`net`,
 *   the receiver counting bytes / 64), and, as `sockit_unixgram`, a unix datagram socket
 *   (sockit's; Node core has none), the nearest with message boundaries. A sender loops on
 *   `send`/`write`; the receiver counts over the window.
 * - `sem-handoff`: round trips per second between two processes over two named semaphores
 *   (A posts one, B's wait returns and B posts the other, A's wait returns), sockit only: Node
 *   core has no semaphore. Every wait finds the count at zero, so every one runs on a waiter
 *   thread.
 * - `shm-atomics`: `Atomics.add` increments per second on one Int32 of a shared segment by both
 *   processes at once (sockit's `shm`), sockit only; the count is checked to be exact.
 */
import net from "node:net";
import { join } from "node:path";
import { dial, listenPacket, mq, sem, shm } from "../src/index.js";
import { Child, Meter, alternate, emit, makeResult, median, round, stdinEnd } from "./harness.js";
import type { BenchOptions, Role, Workload } from "./harness.js";

const messageSize = 64;
let serial = 0;

/** What carries the messages: a queue, a unix stream socket (Node core), a unixgram socket (sockit). */
type Via = "mq" | "stream" | "unixgram";

interface MQArgs {
  via: Via;
  /** The queue's name, or the unix socket's path. */
  address: string;
  warmupMs: number;
  ms: number;
}

/** Receives (the queue is made here), answers `{ ready }`, then `{ rate }` over the window. */
async function mqReceiver(a: MQArgs): Promise<void> {
  if (a.via === "unixgram") {
    await using pc = await listenPacket("unixgram", a.address);
    emit({ ready: true });
    const buf = new Uint8Array(messageSize);
    await pc.read(buf);
    const meter = new Meter(a.warmupMs, a.ms);
    do await pc.read(buf);
    while (meter.tick());
    emit({ rate: await meter.rate });
  } else if (a.via === "mq") {
    await using q = await mq.open(a.address, { create: true, exclusive: true, maxMsg: 10, msgSize: messageSize });
    emit({ ready: true });
    const buf = new Uint8Array(messageSize);
    await q.receive(buf);
    const meter = new Meter(a.warmupMs, a.ms);
    do await q.receive(buf);
    while (meter.tick());
    emit({ rate: await meter.rate });
    await mq.unlink(a.address);
  } else {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(a.address, r));
    emit({ ready: true });
    const s = await new Promise<net.Socket>((r) => server.once("connection", r));
    server.close();
    let meter: Meter | null = null;
    let spare = 0;
    const rate = await new Promise<number>((resolve) => {
      s.on("data", (d: Buffer) => {
        const n = Math.floor((spare + d.length) / messageSize);
        spare = (spare + d.length) % messageSize;
        meter ??= new Meter(a.warmupMs, a.ms);
        if (!meter.tick(n)) {
          s.destroy();
          void meter.rate.then(resolve);
        }
      });
    });
    emit({ rate });
  }
  await stdinEnd();
}

/** Sends 64-byte messages until its stdin closes or the receiver goes. */
async function mqSender(a: MQArgs): Promise<void> {
  let stopping = false;
  const msg = new Uint8Array(messageSize);
  if (a.via === "unixgram") {
    const c = await dial("unixgram", a.address);
    void stdinEnd().then(() => {
      stopping = true;
      return c.close();
    });
    try {
      for (;;) await c.write(msg);
    } catch (err) {
      if (!stopping && (err as { code?: string }).code !== "ECONNREFUSED") throw err;
    }
  } else if (a.via === "mq") {
    const q = await mq.open(a.address);
    void stdinEnd().then(() => {
      stopping = true;
      return q.close();
    });
    try {
      for (;;) await q.send(msg);
    } catch (err) {
      if (!stopping) throw err;
    }
  } else {
    const c = net.connect(a.address);
    c.on("error", () => {});
    await new Promise((r) => c.once("connect", r));
    const chunk = Buffer.alloc(messageSize);
    const pump = () => {
      while (!stopping && c.write(chunk));
    };
    c.on("drain", pump);
    pump();
    await stdinEnd();
    stopping = true;
    c.destroy();
  }
}

interface PairArgs {
  role: "a" | "b";
  names: [string, string];
  warmupMs: number;
  ms: number;
}

/** Side a posts names[0] and waits names[1]; side b the other way round; a counts round trips. */
async function semSide(a: PairArgs): Promise<void> {
  const create = a.role === "a";
  const [mine, theirs] = a.role === "a" ? a.names : [a.names[1], a.names[0]];
  await using post = await sem.open(mine, create ? { create: true, value: 0 } : {});
  await using wait = await sem.open(theirs, create ? { create: true, value: 0 } : {});
  emit({ ready: true });
  if (a.role === "b") {
    void stdinEnd().then(() => wait.close());
    try {
      for (;;) {
        await wait.wait();
        post.post();
      }
    } catch {
      return; // closed by the runner
    }
  }
  await new Promise((r) => setTimeout(r, 50)); // b is under way
  const meter = new Meter(a.warmupMs, a.ms);
  do {
    post.post();
    await wait.wait();
  } while (meter.tick());
  emit({ rate: await meter.rate });
  for (const n of a.names) await sem.unlink(n);
  await stdinEnd();
}

interface ShmArgs {
  role: "a" | "b";
  name: string;
  /** Two semaphores: b to a ("ready", then "done"), and a to b ("go"). */
  toA: string;
  toB: string;
  n: number;
}

/** Both sides add 1, `n` times, to word 0 of the segment, started together; a reports. */
async function shmSide(a: ShmArgs): Promise<void> {
  const create = a.role === "a";
  const opts = create ? { create: true, value: 0 } : {};
  await using seg = await shm.open(a.name, create ? { create: true, size: 4096 } : {});
  await using toA = await sem.open(a.toA, opts);
  await using toB = await sem.open(a.toB, opts);
  const word = new Int32Array(seg.buffer, 0, 1);
  emit({ ready: true });
  if (a.role === "a") {
    await toA.wait(); // b is ready
    toB.post();
  } else {
    toA.post();
    await toB.wait();
  }
  const t0 = performance.now();
  for (let i = 0; i < a.n; i++) Atomics.add(word, 0, 1);
  const ms = performance.now() - t0;
  if (a.role === "b") {
    toA.post(); // done: a may read the total
    emit({ ms });
  } else {
    await toA.wait();
    emit({ ms, total: Atomics.load(word, 0) });
    await shm.unlink(a.name);
    await sem.unlink(a.toA);
    await sem.unlink(a.toB);
  }
  await stdinEnd();
}

/** The child-process side. */
export const roles: Record<string, Role> = {
  "mq-receiver": (args) => mqReceiver(args as unknown as MQArgs),
  "mq-sender": (args) => mqSender(args as unknown as MQArgs),
  "sem-side": (args) => semSide(args as unknown as PairArgs),
  "shm-side": (args) => shmSide(args as unknown as ShmArgs),
};

function cpus(o: BenchOptions): [number | null, number | null] {
  return o.twoCpus ? [0, 1] : [null, null];
}

function pinning(o: BenchOptions): string {
  return o.twoCpus && o.taskset ? "processes on cpu 0 and cpu 1" : "unpinned";
}

/** Starts both children (`a` first, which makes the objects), returns the first's next message. */
async function pair<T>(role: string, argsA: object, argsB: object, o: BenchOptions): Promise<{ a: T; b: Child }> {
  const [ca, cb] = cpus(o);
  const a = new Child(role, argsA, { cpu: ca }, o);
  let b: Child | null = null;
  try {
    await a.next();
    b = new Child(role, argsB, { cpu: cb }, o);
    await b.next();
    const msg = await a.next<T>();
    return { a: msg, b };
  } finally {
    await a.end();
    if (b !== null) await b.end();
  }
}

async function mqTrial(via: Via, o: BenchOptions): Promise<number> {
  const id = `${process.pid}-${serial++}`;
  const address = via === "mq" ? `/sockit-bench-${id}` : join(o.dir, `mq-${id}.sock`);
  const args: MQArgs = { via, address, warmupMs: o.warmupMs, ms: o.trialMs };
  const [ca, cb] = cpus(o);
  const recv = new Child("mq-receiver", args, { cpu: cb }, o);
  let send: Child | null = null;
  try {
    await recv.next();
    send = new Child("mq-sender", args, { cpu: ca }, o);
    return (await recv.next<{ rate: number }>()).rate;
  } finally {
    await Promise.all([send?.end(), recv.end()]);
  }
}

/** The IPC lines. */
export const workloads: Workload[] = [
  {
    names: ["mq-messages"],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, (impl) => mqTrial(impl === "sockit" ? "mq" : "stream", o));
      const dgram = await alternate(o.trials, () => mqTrial("unixgram", o), ["sockit"]);
      const extra = {
        message_size: messageSize,
        against: "a unix stream socket with 64-byte records (Node core net)",
        sockit_unixgram: round(median(dgram.sockit)),
        sockit_unixgram_trials: dgram.sockit.map((x) => round(x)),
        pinned: pinning(o),
      };
      return [makeResult("mq-messages", "messages received/s", "higher", t, 0, extra)];
    },
  },
  {
    names: ["sem-handoff"],
    async run(o: BenchOptions) {
      const t = await alternate(
        o.trials,
        async () => {
          const id = `${process.pid}-${serial++}`;
          const names: [string, string] = [`/sockit-bench-${id}-a`, `/sockit-bench-${id}-b`];
          const base = { names, warmupMs: o.warmupMs, ms: o.trialMs };
          const { a } = await pair<{ rate: number }>("sem-side", { ...base, role: "a" }, { ...base, role: "b" }, o);
          return a.rate;
        },
        ["sockit"],
      );
      const note = "Node core has no semaphores";
      return [makeResult("sem-handoff", "round trips/s", "higher", t, 0, { note, pinned: pinning(o) })];
    },
  },
  {
    names: ["shm-atomics"],
    async run(o: BenchOptions) {
      const n = o.quick ? 2_000_000 : 10_000_000;
      const t = await alternate(
        o.trials,
        async () => {
          const id = `${process.pid}-${serial++}`;
          const base = { name: `/sockit-bench-${id}-shm`, toA: `/sockit-bench-${id}-a`, toB: `/sockit-bench-${id}-b`, n };
          const { a } = await pair<{ ms: number; total: number }>("shm-side", { ...base, role: "a" }, { ...base, role: "b" }, o);
          if (a.total !== 2 * n) throw new Error(`shm-atomics: the count is ${a.total}, not ${2 * n}`);
          return n / (a.ms / 1000);
        },
        ["sockit"],
      );
      const note = "Node core has no shared memory between processes";
      return [makeResult("shm-atomics", "Atomics.add/s per process, both adding", "higher", t, 0, { note, pinned: pinning(o), adds_per_process: n })];
    },
  },
];
