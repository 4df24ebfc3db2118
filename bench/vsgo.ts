/**
 * `--vs-go`: the bulk, ping-pong, datagram-flood and connect workloads measured four ways in
 * one run: sockit, Node core, and the reference programs in Go (bench/ref/ref.go) and C
 * (bench/ref/ref.c), built into the run's directory at the start. Each workload keeps its own
 * file's definition, placement, warm-up and window: sockit and Node core run that file's
 * child roles, and the reference programs implement the same roles with the same arguments.
 * Trials interleave the four, and each trial records the host's steal time and load, so a
 * figure taken on a busy or stolen-from machine shows as such.
 */
import dgram from "node:dgram";
import { once } from "node:events";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dial, errorIs, listenPacket, ErrClosed } from "../src/index.js";
import { Meter, emit, makeResult, median, round, stdinEnd } from "./harness.js";
import type { AnyImpl, BenchOptions, Impl, RefImpl, Result, Role, Workload } from "./harness.js";
import type { BenchNet } from "./endpoints.js";
import * as bulk from "./bulk.js";
import * as connect from "./connect.js";
import * as pingpong from "./pingpong.js";
import * as recv from "./recv.js";

/** The package's root directory, where bench/ref lives (this file runs from dist/bench). */
const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A max steal above this share of the CPU time, in %, marks a line `noisy`. */
const noisyStealPct = 5;

/** Others' CPU use above this share of the CPU time, in %, in any trial marks a line `contended`. */
const contendedOtherPct = 10;

// ---------------------------------------------------------------------------------------------
// Building the reference programs.

/** A reference program's build: its path, or why there is none; and the toolchain's version. */
interface RefBuild {
  path: string | null;
  missing?: string;
  version?: string;
}

type RefBuilds = Record<RefImpl, RefBuild>;

/** The builds of the current run, made once per run directory. */
let builds: { dir: string; refs: RefBuilds } | null = null;

/**
 * refBuilds builds both reference programs into `o.dir` the first time a run asks, and says
 * on stderr which it skips and why (the JSON lines say it too).
 */
function refBuilds(o: BenchOptions): RefBuilds {
  if (builds?.dir !== o.dir) {
    builds = { dir: o.dir, refs: { go: buildGo(o.dir), c: buildC(o.dir) } };
    for (const [ref, b] of Object.entries(builds.refs)) {
      if (b.missing !== undefined) process.stderr.write(`bench: --vs-go runs without the ${ref} reference program: ${b.missing}\n`);
    }
  }
  return builds.refs;
}

/** buildGo runs `go build` on ref.go (standard library only) with its caches in `dir`. */
function buildGo(dir: string): RefBuild {
  const out = join(dir, "ref-go");
  const env = { ...process.env, GOCACHE: join(dir, "go-cache"), GOPATH: join(dir, "go-path"), CGO_ENABLED: "0", GOFLAGS: "" };
  return build("go", ["build", "-o", out, "bench/ref/ref.go"], out, env);
}

/** buildC compiles ref.c as C11 with the warnings on. */
function buildC(dir: string): RefBuild {
  const out = join(dir, "ref-c");
  return build("cc", ["-std=c11", "-O2", "-Wall", "-Wextra", "-pthread", "-o", out, "bench/ref/ref.c"], out, process.env);
}

/** build runs one compiler in the package root; a missing or failing compiler is the reason. */
function build(tool: "go" | "cc", argv: string[], out: string, env: NodeJS.ProcessEnv): RefBuild {
  const version = toolVersion(tool);
  if (version === null) return { path: null, missing: `${tool}: not found` };
  const r = spawnSync(tool, argv, { cwd: packageRoot, env, encoding: "utf8", timeout: 300_000 });
  if (r.error !== undefined) return { path: null, missing: `${tool}: ${r.error.message}`, version };
  if (r.status !== 0) return { path: null, missing: `${tool} failed: ${r.stderr.trim().slice(0, 500)}`, version };
  return { path: out, version };
}

/** toolVersion is the first line of `go version` or `cc --version`, or null without the tool. */
function toolVersion(tool: "go" | "cc"): string | null {
  const r = spawnSync(tool, [tool === "go" ? "version" : "--version"], { encoding: "utf8", timeout: 30_000 });
  if (r.error !== undefined || r.status !== 0) return null;
  return r.stdout.split("\n")[0]!.trim();
}

// ---------------------------------------------------------------------------------------------
// The host's steal time and load around each trial.

/** The machine's CPU time from /proc/stat's `cpu` line, in clock ticks. */
interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
}

/** What the host did during one trial: shares of its CPU time, and the 1-min load average. */
interface HostLoad {
  steal_pct: number | null;
  busy_pct: number | null;
  other_pct: number | null;
  loadavg_1m: number | null;
  /** TCP sockets in TIME_WAIT when the trial started. */
  time_wait: number | null;
}

/** A reading of the machine's CPU times and of the bench's own share of them. */
interface HostReading {
  cpu: CpuTimes | null;
  own: number | null;
  timeWait: number | null;
}

/** cpuTimes reads the machine's CPU times from /proc/stat. */
function cpuTimes(): CpuTimes {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
}

/** statTicks reads fields of /proc/PID/stat: the parent's pid, and utime + stime + cutime + cstime. */
function statTicks(pid: string): { ppid: number; ticks: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 4 and 14 to 17 of proc(5): ppid, utime, stime, cutime, cstime.
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
}

/**
 * ownTicks is the CPU time of the bench, in clock ticks: this process, its children that have
 * exited (the runner has waited for each by the end of a trial) and those still running
 * (bulk's sinks).
 */
function ownTicks(): number {
  let ticks = statTicks("self").ticks;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const s = orNull(() => statTicks(pid)); // null: the process is gone
    if (s?.ppid === process.pid) ticks += s.ticks;
  }
  return ticks;
}

/** hostReading reads the machine's CPU times, the bench's own and the TIME_WAIT count; null where /proc has none. */
function hostReading(): HostReading {
  return { cpu: orNull(cpuTimes), own: orNull(ownTicks), timeWait: orNull(timeWait) };
}

/**
 * timeWait reads how many TCP sockets are in TIME_WAIT (/proc/net/sockstat), or null. Once
 * there are net.ipv4.tcp_max_tw_buckets of them, closed conns skip TIME_WAIT, which makes
 * connect + close several times faster: connect's lines show it for each trial.
 */
function timeWait(): number | null {
  const m = /^TCP:.* tw (\d+)/m.exec(readFileSync("/proc/net/sockstat", "utf8"));
  return m === null ? null : Number(m[1]);
}

/** loadavg1 reads the 1-min load average from /proc/loadavg. */
function loadavg1(): number | null {
  return orNull(() => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]));
}

/** orNull is what `read` returns, or null where it throws (no such file in /proc). */
function orNull<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/**
 * hostLoad is what the machine did between two readings, each as a % of all CPUs' time:
 * steal (time the hypervisor gave to other guests), busy (time neither idle nor stolen, the
 * bench's own processes included) and other (busy less the bench's own processes: everything
 * else running on the machine).
 */
function hostLoad(before: HostReading, after: HostReading): HostLoad {
  const [b, a] = [before.cpu, after.cpu];
  const dt = b && a ? a.total - b.total : 0;
  const [loadavg_1m, time_wait] = [loadavg1(), before.timeWait];
  if (!b || !a || dt <= 0) return { steal_pct: null, busy_pct: null, other_pct: null, loadavg_1m, time_wait };
  const steal = a.steal - b.steal;
  const busy = dt - (a.idle - b.idle) - steal;
  const own = before.own !== null && after.own !== null ? after.own - before.own : null;
  return {
    steal_pct: round((100 * steal) / dt, 1),
    busy_pct: round((100 * busy) / dt, 1),
    other_pct: own === null ? null : round((100 * Math.max(0, busy - own)) / dt, 1),
    loadavg_1m,
    time_wait,
  };
}

/** A trial's figure and what the host did meanwhile. */
interface Sampled {
  value: number;
  host: HostLoad;
}

/** sampled runs one trial between two readings of the host's CPU times. */
async function sampled(trial: () => Promise<number>): Promise<Sampled> {
  const before = hostReading();
  const value = await trial();
  return { value, host: hostLoad(before, hostReading()) };
}

// ---------------------------------------------------------------------------------------------
// UDP floods for sockit and Node core (recv.ts has only the unix datagram sockets).

/** Read buffers are 64 KiB, as in recv.ts and as libuv's UDP receive buffers are. */
const readSize = 64 * 1024;

/** Sends a Node core sender keeps queued at once (its callbacks refill the queue). */
const nodeSendsInFlight = 64;

interface UDPReceiverArgs {
  impl: Impl;
  warmupMs: number;
  ms: number;
}

interface UDPSenderArgs {
  impl: Impl;
  address: string;
}

/** sockitUDPReceiver binds, answers `{ address }`, counts `read()`s over the window, answers `{ rate }`. */
async function sockitUDPReceiver(a: UDPReceiverArgs): Promise<void> {
  await using pc = await listenPacket("udp4", "127.0.0.1:0");
  emit({ address: pc.localAddr()!.toString() });
  const buf = new Uint8Array(readSize);
  // The window is timed from the first message, once the sender is under way.
  await pc.read(buf);
  const meter = new Meter(a.warmupMs, a.ms);
  do await pc.read(buf);
  while (meter.tick());
  emit({ rate: await meter.rate });
  await stdinEnd();
}

/** sockitUDPSender writes 64-byte datagrams on a dialed UDPConn until its stdin closes. */
async function sockitUDPSender(a: UDPSenderArgs): Promise<void> {
  const c = await dial("udp4", a.address);
  let stopping = false;
  void stdinEnd().then(() => {
    stopping = true;
    return c.close();
  });
  const msg = new Uint8Array(recv.messageSize);
  try {
    for (;;) await c.write(msg);
  } catch (err) {
    // Closed by the runner, or the receiver closed first: either way the trial is over.
    const code = (err as { code?: unknown }).code;
    if (!stopping && !errorIs(err, ErrClosed) && code !== "ECONNREFUSED") throw err;
  }
}

/** nodeUDPReceiver does the same with a bound `dgram` socket, counting 'message' events. */
async function nodeUDPReceiver(a: UDPReceiverArgs): Promise<void> {
  const sock = dgram.createSocket("udp4");
  sock.bind(0, "127.0.0.1");
  await once(sock, "listening");
  emit({ address: `127.0.0.1:${sock.address().port}` });
  const rate = await new Promise<number>((resolve) => {
    let meter: Meter | null = null;
    const onMessage = (): void => {
      if (meter === null) {
        // The first message starts the warm-up, as in recv.ts.
        meter = new Meter(a.warmupMs, a.ms);
        void meter.rate.then(resolve);
      } else if (!meter.tick()) sock.off("message", onMessage);
    };
    sock.on("message", onMessage);
  });
  emit({ rate });
  await stdinEnd();
  sock.close();
}

/**
 * nodeUDPSender sends 64-byte datagrams on a connect()ed `dgram` socket until its stdin
 * closes, keeping up to `nodeSendsInFlight` sends queued, as a Node program bounds its queue
 * (`send` never pushes back). The callbacks of sends done at once come on the next tick, so the
 * queue is refilled from setImmediate: refilled from the callbacks, it would starve the event
 * loop and never see stdin close.
 */
async function nodeUDPSender(a: UDPSenderArgs): Promise<void> {
  const sock = dgram.createSocket("udp4");
  // A receiver that closed first makes the next send fail with ECONNREFUSED: the trial is over.
  sock.on("error", () => {});
  sock.connect(Number(a.address.slice(a.address.lastIndexOf(":") + 1)), "127.0.0.1");
  await once(sock, "connect");
  let stopping = false;
  let inFlight = 0;
  let refill: NodeJS.Immediate | null = null;
  const msg = Buffer.alloc(recv.messageSize);
  const pump = (): void => {
    refill = null;
    while (!stopping && inFlight < nodeSendsInFlight) {
      inFlight++;
      sock.send(msg, sent);
    }
  };
  const sent = (): void => {
    inFlight--;
    refill ??= setImmediate(pump);
  };
  pump();
  await stdinEnd();
  stopping = true;
  sock.close();
}

/** The child-process side: the UDP flood's receiver and sender, sockit's or Node core's. */
export const roles: Record<string, Role> = {
  "udp-receiver": async (args) => {
    const a = args as unknown as UDPReceiverArgs;
    await (a.impl === "sockit" ? sockitUDPReceiver(a) : nodeUDPReceiver(a));
  },
  "udp-sender": async (args) => {
    const a = args as unknown as UDPSenderArgs;
    await (a.impl === "sockit" ? sockitUDPSender(a) : nodeUDPSender(a));
  },
};

/**
 * udpTrial runs one UDP flood of `impl`: sockit and Node core with the roles above, a
 * reference program with recv.ts's roles on network udp.
 */
function udpTrial(impl: AnyImpl, o: BenchOptions): Promise<number> {
  const name = "vsgo-recv-udp";
  if (impl === "sockit" || impl === "node") {
    const receiver = { role: "udp-receiver", args: { impl, warmupMs: o.warmupMs, ms: o.trialMs } satisfies UDPReceiverArgs };
    const sender = (address: string) => ({ role: "udp-sender", args: { impl, address } satisfies UDPSenderArgs });
    return recv.floodTrial({ name, receiver, sender }, impl, o);
  }
  const receiver = { role: "recv-receiver", args: { network: "udp", readWith: "read", warmupMs: o.warmupMs, ms: o.trialMs } };
  const sender = (address: string) => ({ role: "recv-sender", args: { network: "udp", address } });
  return recv.floodTrial({ name, receiver, sender }, impl, o);
}

// ---------------------------------------------------------------------------------------------
// The workloads.

/** The implementations in the order of a round. */
const vsImpls: readonly AnyImpl[] = ["sockit", "node", "go", "c"];

/** The trials of one workload: `trial` runs one; `close` ends what the trials shared. */
interface Session {
  trial(impl: AnyImpl): Promise<number>;
  close(): Promise<void>;
}

/** One `--vs-go` workload. */
interface VsSpec {
  name: string;
  unit: string;
  digits: number;
  /** Whether Node core has this socket. */
  node: boolean;
  /** Whether the line shows each trial's TIME_WAIT count (connect). */
  timeWait?: boolean;
  extra(o: BenchOptions): Record<string, unknown>;
  open(o: BenchOptions, impls: readonly AnyImpl[]): Promise<Session>;
}

/** stateless is a session whose trials share nothing. */
function stateless(o: BenchOptions, trial: (impl: AnyImpl, o: BenchOptions) => Promise<number>): Promise<Session> {
  return Promise.resolve({ trial: (impl) => trial(impl, o), close: async () => {} });
}

/** onCpu0 is the `pinned` field of the single-process workloads. */
function onCpu0(o: BenchOptions): string {
  return o.taskset ? "client and server on cpu 0" : "unpinned: taskset is missing";
}

/** bulkSession starts one sink per implementation (as bulk.ts does), shared by its trials. */
async function bulkSession(network: BenchNet, o: BenchOptions, impls: readonly AnyImpl[]): Promise<Session> {
  const sinks = new Map<AnyImpl, bulk.Sink>();
  const close = async (): Promise<void> => void (await Promise.all([...sinks.values()].map((s) => s.child.end())));
  try {
    for (const impl of impls) sinks.set(impl, await bulk.startSink(impl, network, o));
  } catch (err) {
    await close();
    throw err;
  }
  return { trial: (impl) => bulk.bulkTrial(impl, network, sinks.get(impl)!.address, o), close };
}

function bulkSpec(network: BenchNet): VsSpec {
  return {
    name: `vsgo-bulk-${network}`,
    unit: "MB/s",
    digits: 1,
    node: true,
    extra: (o) => ({ write_size: bulk.chunkSize, pinned: bulk.pinning(o) }),
    open: (o, impls) => bulkSession(network, o, impls),
  };
}

function pingpongSpec(network: BenchNet): VsSpec {
  return {
    name: `vsgo-pingpong-${network}`,
    unit: "round trips/s",
    digits: 0,
    node: true,
    extra: (o) => ({ pinned: onCpu0(o) }),
    open: (o) => stateless(o, (impl) => pingpong.pingpongTrial(impl, network, o)),
  };
}

const udpSpec: VsSpec = {
  name: "vsgo-recv-udp",
  unit: "datagrams received/s",
  digits: 0,
  node: true,
  extra: (o) => ({ message_size: recv.messageSize, receiver: "read", pinned: recv.pinning(o) }),
  open: (o) => stateless(o, udpTrial),
};

function recvSpec(network: recv.RecvNet): VsSpec {
  return {
    name: `vsgo-recv-${network}`,
    unit: "datagrams received/s",
    digits: 0,
    node: false,
    extra: (o) => ({ message_size: recv.messageSize, receiver: "read", note: recv.note, pinned: recv.pinning(o) }),
    // Node core has none of these sockets, so only sockit and the reference programs run.
    open: (o) => stateless(o, (impl) => recv.recvTrial(network, "read", o, impl as "sockit" | RefImpl)),
  };
}

const connectSpec: VsSpec = {
  name: "vsgo-connect-tcp",
  unit: "conns/s",
  digits: 0,
  node: true,
  timeWait: true,
  extra: (o) => ({ pinned: onCpu0(o) }),
  open: (o) => stateless(o, connect.connectTrial),
};

/**
 * interleave runs `n` rounds of one trial per implementation, in `order` on even rounds and
 * reversed on odd ones (as harness.ts's `alternate` does), so drift weighs on all alike.
 */
async function interleave(n: number, order: readonly AnyImpl[], s: Session): Promise<Map<AnyImpl, Sampled[]>> {
  const out = new Map<AnyImpl, Sampled[]>(order.map((impl) => [impl, []]));
  for (let i = 0; i < n; i++) {
    for (const impl of i % 2 === 0 ? order : [...order].reverse()) out.get(impl)!.push(await sampled(() => s.trial(impl)));
  }
  return out;
}

/** perImpl maps each implementation that ran to a list taken from its trials. */
function perImpl<T>(runs: Map<AnyImpl, Sampled[]>, f: (s: Sampled) => T): Record<string, T[]> {
  return Object.fromEntries([...runs].map(([impl, ts]) => [impl, ts.map(f)]));
}

/** refFields are a reference program's figure, trials, ratio and (if it did not run) why. */
function refFields(ref: RefImpl, b: RefBuild, ts: Sampled[] | undefined, sockit: number, digits: number): Record<string, unknown> {
  const fig = ts === undefined ? null : median(ts.map((t) => t.value));
  return {
    [ref]: fig === null ? null : round(fig, digits),
    [`ratio_vs_${ref}`]: fig === null ? null : round(sockit / fig, 3),
    [`${ref}_trials`]: (ts ?? []).map((t) => round(t.value, digits)),
    ...(b.missing === undefined ? {} : { [`${ref}_missing`]: b.missing }),
  };
}

/** maxOf is the largest of the trials' non-null figures, or null if there are none. */
function maxOf(runs: Map<AnyImpl, Sampled[]>, f: (s: Sampled) => number | null): number | null {
  const xs = [...runs.values()].flat().map(f).filter((x): x is number => x !== null);
  return xs.length === 0 ? null : Math.max(...xs);
}

/**
 * hostFields are each trial's steal, busy and other shares and load; the maxima; `noisy`
 * when the hypervisor stole more than 5% in a trial, `contended` when other processes used
 * more than 10%.
 */
function hostFields(runs: Map<AnyImpl, Sampled[]>, withTimeWait: boolean): Record<string, unknown> {
  const maxSteal = maxOf(runs, (t) => t.host.steal_pct);
  const maxOther = maxOf(runs, (t) => t.host.other_pct);
  return {
    steal_pct: perImpl(runs, (t) => t.host.steal_pct),
    busy_pct: perImpl(runs, (t) => t.host.busy_pct),
    other_pct: perImpl(runs, (t) => t.host.other_pct),
    loadavg_1m: perImpl(runs, (t) => t.host.loadavg_1m),
    ...(withTimeWait ? { time_wait: perImpl(runs, (t) => t.host.time_wait) } : {}),
    max_steal_pct: maxSteal,
    max_other_pct: maxOther,
    noisy: maxSteal !== null && maxSteal > noisyStealPct,
    contended: maxOther !== null && maxOther > contendedOtherPct,
  };
}

/** vsResult is the JSON line of one workload: the four figures, their ratios and the host's load. */
function vsResult(spec: VsSpec, o: BenchOptions, refs: RefBuilds, runs: Map<AnyImpl, Sampled[]>): Result {
  const values = (impl: AnyImpl): number[] => (runs.get(impl) ?? []).map((t) => t.value);
  const sockit = median(values("sockit"));
  return makeResult(spec.name, spec.unit, "higher", { sockit: values("sockit"), node: values("node") }, spec.digits, {
    ...refFields("go", refs.go, runs.get("go"), sockit, spec.digits),
    ...refFields("c", refs.c, runs.get("c"), sockit, spec.digits),
    ...spec.extra(o),
    ...hostFields(runs, spec.timeWait === true),
    ...(refs.go.version === undefined ? {} : { go_version: refs.go.version }),
    ...(refs.c.version === undefined ? {} : { cc_version: refs.c.version }),
  });
}

/** vsWorkload runs one spec: build (once per run), open, interleave, close, one JSON line. */
function vsWorkload(spec: VsSpec): Workload {
  return {
    names: [spec.name],
    async run(o: BenchOptions) {
      const refs = refBuilds(o);
      const ro: BenchOptions = { ...o, refs: { go: refs.go.path ?? undefined, c: refs.c.path ?? undefined } };
      const order = vsImpls.filter((impl) => (impl === "node" ? spec.node : impl === "sockit" || refs[impl].path !== null));
      const session = await spec.open(ro, order);
      try {
        return [vsResult(spec, o, refs, await interleave(o.trials, order, session))];
      } finally {
        await session.close();
      }
    },
  };
}

/** The `--vs-go` workloads, run only with that flag (see run.ts). */
export const workloads: Workload[] = [
  bulkSpec("tcp"),
  bulkSpec("unix"),
  pingpongSpec("tcp"),
  pingpongSpec("unix"),
  udpSpec,
  recvSpec("unixgram"),
  recvSpec("unixpacket"),
  connectSpec,
].map(vsWorkload);
