/**
 * Relay: a Node core client writes 1 GiB (128 MiB with `--quick`) in 64 KiB buffers, then
 * ends, through a relay process into a Node core sink that reads and discards. The relays:
 * `sockit relay` (the CLI, the `sockit` figure), a bench child that relays with the library's
 * `copy()` both ways (`copy_in_process`), `socat -b 65536`, and a Node core relay,
 * `s.pipe(d); d.pipe(s)` (the `node` figure); and, to measure them against, the same bytes
 * from the client straight to the sink (`direct`). Every trial is fresh processes: a sink, the
 * relay, a client.
 *
 * The figure is MB/s (10^6 bytes), timed by the sink alone: from its first byte to its last.
 * The client connects, the runner waits until the sink has accepted (so the relay has dialed
 * it and the whole path is up), and only then tells the client to write, so its first byte
 * reaches the sink within microseconds and nothing waits in a buffer before the clock starts.
 * The relay process's CPU time (user + system, from /proc/PID/stat) from the moment it is
 * listening to the sink's last byte is reported per GiB. The sink keeps its side open until
 * that reading is taken, so the relay is still running then (a relay ends once both
 * directions have); then it ends its side and each relay must finish on its own, cleanly.
 */
import net from "node:net";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { constants } from "node:os";
import { copy, dial, listen, type Listener } from "../src/index.js";
import {
  Child,
  clkTck,
  cpuTicks,
  emit,
  makeResult,
  median,
  round,
  stdinEnd,
  type BenchOptions,
  type Role,
  type Workload,
} from "./harness.js";
import { listenAddress, nodeConnect, nodeListen, type BenchNet } from "./endpoints.js";

/** The size of every write of the client. */
const chunkSize = 64 * 1024;
/** The bytes of one transfer: 1 GiB, or 128 MiB with `--quick`. */
const fullBytes = 1 << 30;
const quickBytes = 128 << 20;
const gib = 1 << 30;

/** The ways bytes get from the client to the sink, measured in each round in turn. */
const variants = ["direct", "sockit", "copy", "socat", "node"] as const;
type Variant = (typeof variants)[number];
/** The variants that are a relay process of their own, whose CPU time is measured. */
type RelayVariant = Exclude<Variant, "direct">;

/** How long a spawned relay may take to say it is listening, and to end once the sink has. */
const startTimeoutMs = 10_000;
const finishTimeoutMs = 10_000;
/** The bound on installing socat with apt-get (the whole attempt). */
const installTimeoutMs = 120_000;
/**
 * socat waits this long (`-t`) after one direction's end before it ends the other. Its default,
 * 0.5 s, could end it before the runner reads its CPU time; the sink's own end ends it sooner.
 */
const socatLingerS = 10;

interface SinkArgs {
  network: BenchNet;
  dir: string;
}

interface ClientArgs {
  network: BenchNet;
  address: string;
  bytes: number;
}

interface RelayArgs {
  network: BenchNet;
  dir: string;
  /** The sink's address, in sockit's form. */
  sink: string;
}

/** What a relay child says first: where the client dials, and the pid to read CPU time of. */
interface Listening {
  address: string;
  pid: number;
}

/** The sink's report once its conn has ended: the bytes read and the ms from first to last. */
interface SinkReport {
  bytes?: number;
  ms?: number;
  error?: string;
}

/** One trial's figures: MB/s, and the relay's CPU seconds per GiB (null for direct). */
interface TrialFigures {
  mbps: number;
  cpuPerGiB: number | null;
}

// ---------------------------------------------------------------- the child processes

/**
 * sink accepts one conn and reads it to its end, timing its first and last byte; it says
 * `{ address }`, `{ accepted }` and then `{ bytes, ms }` at the end of the conn. It keeps
 * its own side open (allowHalfOpen) until its stdin closes, then ends it and exits.
 */
async function sink(a: SinkArgs): Promise<void> {
  let conn: net.Socket | null = null;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    if (conn !== null) {
      s.destroy();
      return emit({ error: "relay sink: a second conn" });
    }
    conn = s;
    emit({ accepted: true });
    let bytes = 0;
    let first = 0;
    let last = 0;
    s.on("data", (d: Buffer) => {
      last = performance.now();
      if (bytes === 0) first = last;
      bytes += d.length;
    });
    s.on("end", () => emit({ bytes, ms: last - first }));
    s.on("error", (err) => emit({ error: `relay sink: ${err.message}` }));
  });
  emit({ address: await nodeListen(server, a.network, a.dir) });
  await stdinEnd();
  if (conn !== null) await endSocket(conn);
  server.close();
}

/** endSocket ends a socket's writing side and waits (1 s at most) for it to close. */
async function endSocket(s: net.Socket): Promise<void> {
  if (s.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      s.destroy();
      resolve();
    }, 1000);
    s.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    s.end();
  });
}

/**
 * client connects, says `{ connected }`, waits for the runner's go (its stdin closing: the
 * path to the sink is up), writes `bytes` in 64 KiB buffers as Node programs do (write, and
 * 'drain' when write says so), ends, says `{ written }` and waits for its conn to close.
 */
async function client(a: ClientArgs): Promise<void> {
  const c = await nodeConnect(a.network, a.address);
  const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
  emit({ connected: true });
  await stdinEnd();
  await writeAll(c, a.bytes);
  emit({ written: a.bytes });
  await closed;
}

/** writeAll writes `total` bytes in 64 KiB buffers, then ends the socket and waits for it to flush. */
function writeAll(c: net.Socket, total: number): Promise<void> {
  const chunk = Buffer.alloc(chunkSize, 0x61);
  return new Promise<void>((resolve, reject) => {
    c.once("error", reject);
    let left = total;
    const pump = (): void => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!c.write(piece)) return void c.once("drain", pump);
      }
      c.end(() => resolve());
    };
    pump();
  });
}

/**
 * copyRelay is the in-process sockit relay: it listens, says `{ address, pid }`, accepts one
 * conn, dials the sink with `dial`, and runs `copy()` both ways (each half-closes the other
 * side at its source's end). It says `{ up, down }` (the byte counts) when both are done, or
 * `{ error }`, and exits when its stdin closes.
 */
async function copyRelay(a: RelayArgs): Promise<void> {
  await using ln = await listen(a.network, listenAddress(a.network, a.dir));
  emit({ address: ln.addr().toString(), pid: process.pid } satisfies Listening);
  const stdin = stdinEnd();
  const relaying = relayOneConn(ln, a).then(
    (counts) => counts,
    (err: unknown) => ({ error: `copy relay: ${(err as Error).message}` }),
  );
  const outcome = await Promise.race([relaying, stdin.then(() => null)]);
  if (outcome === null) return;
  emit(outcome);
  await stdin;
}

/** relayOneConn accepts one conn, dials the sink, and copies both ways until both have ended. */
async function relayOneConn(ln: Listener, a: RelayArgs): Promise<{ up: number; down: number }> {
  await using from = await ln.accept();
  await using to = await dial(a.network, a.sink);
  const [up, down] = await Promise.all([copy(to, from), copy(from, to)]);
  return { up, down };
}

/**
 * nodeRelay is the Node core relay: a server that connects each conn to the sink and pipes
 * both ways. It says `{ address, pid }`, then `{ done }` (or `{ error }`) once both sockets
 * have closed, and exits when its stdin closes.
 */
async function nodeRelay(a: RelayArgs): Promise<void> {
  let failure: string | null = null;
  let finished!: () => void;
  const both = new Promise<void>((resolve) => (finished = resolve));
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    const d = a.network === "unix" ? net.connect({ path: a.sink }) : net.connect({ host: "127.0.0.1", port: portOf(a.sink) });
    sockets.push(s, d);
    let open = 2;
    for (const sock of [s, d]) {
      sock.on("error", (err) => {
        failure ??= `node relay: ${err.message}`;
        s.destroy();
        d.destroy();
      });
      sock.once("close", () => --open === 0 && finished());
    }
    s.pipe(d);
    d.pipe(s);
  });
  emit({ address: await nodeListen(server, a.network, a.dir), pid: process.pid } satisfies Listening);
  const stdin = stdinEnd();
  const done = await Promise.race([both.then(() => true), stdin.then(() => false)]);
  if (done) {
    emit(failure === null ? { done: true } : { error: failure });
    await stdin;
  }
  for (const s of sockets) s.destroy();
  server.close();
}

/** portOf is the port of a "127.0.0.1:PORT" address. */
function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** The child-process sides: the sink, the client, and the two relays that are bench children. */
export const roles: Record<string, Role> = {
  "relay-sink": (args) => sink(args as unknown as SinkArgs),
  "relay-client": (args) => client(args as unknown as ClientArgs),
  "relay-copy": (args) => copyRelay(args as unknown as RelayArgs),
  "relay-node": (args) => nodeRelay(args as unknown as RelayArgs),
};

// ---------------------------------------------------------------- the relays, seen from the runner

/** A relay under test, as the runner drives it. */
interface RunningRelay {
  /** Where the client dials. */
  address: string;
  /** The process whose CPU time is the relay's. */
  pid: number;
  /** After the sink has ended: waits for the relay to end by itself, and throws if it failed. */
  finish(): Promise<void>;
  /** Makes sure the relay is gone (in a finally: after finish, or after a failure). */
  stop(): Promise<void>;
  /** How the relay says it moves bytes, where it does (`sockit relay -v`). */
  paths(): string | null;
}

/**
 * SpawnedRelay is a relay command (the sockit CLI, socat) run by the runner, pinned like the
 * bench children; its stderr is kept for its reports and for errors.
 */
class SpawnedRelay {
  readonly #proc: ChildProcess;
  readonly #stderr: string[] = [];
  readonly #watchers: ((line: string) => void)[] = [];
  #code: number | null = null;
  readonly exited: Promise<number>;

  constructor(argv: readonly string[], cpu: number | null, o: BenchOptions) {
    const pin = o.taskset && cpu !== null ? ["taskset", "-c", String(cpu)] : [];
    const [cmd, ...rest] = [...pin, ...argv];
    this.#proc = spawn(cmd!, rest, { stdio: ["ignore", "ignore", "pipe"] });
    this.exited = new Promise((resolve) => {
      const done = (code: number): void => {
        this.#code ??= code;
        resolve(this.#code);
      };
      this.#proc.once("error", (err) => {
        this.#stderr.push(err.message);
        done(-1);
      });
      this.#proc.once("exit", (code, sig) => done(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0)));
    });
    createInterface({ input: this.#proc.stderr! }).on("line", (line) => {
      this.#stderr.push(line);
      for (const w of this.#watchers) w(line);
    });
  }

  /** The command's pid (taskset execs it, so it is the relay's own), or -1 if it never started. */
  get pid(): number {
    return this.#proc.pid ?? -1;
  }

  /** stderr is what the command has printed so far, for error messages. */
  stderr(): string {
    return this.#stderr.slice(-5).join(" | ");
  }

  /** line finds the first stderr line `pattern` matches (now or later), or throws after `ms`. */
  async line(pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
    const seen = this.#stderr.map((l) => l.match(pattern)).find((m) => m !== null);
    if (seen) return seen;
    let timer: NodeJS.Timeout | undefined;
    let watch: ((line: string) => void) | undefined;
    try {
      const m = await Promise.race([
        new Promise<RegExpMatchArray>((resolve) => {
          watch = (l) => {
            const hit = l.match(pattern);
            if (hit) resolve(hit);
          };
          this.#watchers.push(watch);
        }),
        this.exited.then((code) => Promise.reject(new Error(`exited with status ${code}`))),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${pattern} in ${ms} ms`)), ms))),
      ]);
      return m;
    } catch (err) {
      throw new Error(`${this.#proc.spawnfile}: ${(err as Error).message}: ${this.stderr()}`);
    } finally {
      clearTimeout(timer);
      if (watch) this.#watchers.splice(this.#watchers.indexOf(watch), 1);
    }
  }

  /** finish waits for the command to exit by itself, and throws unless it exited 0. */
  async finish(): Promise<void> {
    const code = await within(this.exited, finishTimeoutMs);
    if (code === null) throw new Error(`${this.#proc.spawnfile} did not end within ${finishTimeoutMs} ms of the sink: ${this.stderr()}`);
    if (code !== 0) throw new Error(`${this.#proc.spawnfile} exited with status ${code}: ${this.stderr()}`);
  }

  /** stop ends the command if it still runs: SIGTERM, then SIGKILL after a second. */
  async stop(): Promise<void> {
    if (this.#code !== null || this.#proc.pid === undefined) return;
    this.#proc.kill("SIGTERM");
    if ((await within(this.exited, 1000)) !== null) return;
    this.#proc.kill("SIGKILL");
    await this.exited;
  }
}

/** within resolves with what `p` resolves with, or with null once `ms` have passed first. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The path of sockit's CLI, next to this file in dist/. */
function cliPath(): string {
  return fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
}

/** The relay command line for `sockit relay`, from a listen address to the sink. */
function sockitArgv(network: BenchNet, listenPath: string, sinkAddress: string): string[] {
  const [from, to] = network === "tcp" ? ["tcp-listen:127.0.0.1:0", `tcp:${sinkAddress}`] : [`unix-listen:${listenPath}`, `unix:${sinkAddress}`];
  return [process.execPath, cliPath(), "relay", "-v", from, to];
}

/** The relay command line for socat, with 64 KiB buffers (`-d -d` prints where it listens). */
function socatArgv(network: BenchNet, listenPath: string, sinkAddress: string): string[] {
  const [from, to] =
    network === "tcp"
      ? ["TCP-LISTEN:0,bind=127.0.0.1,reuseaddr", `TCP:${sinkAddress}`]
      : [`UNIX-LISTEN:${listenPath}`, `UNIX-CONNECT:${sinkAddress}`];
  return ["socat", "-d", "-d", "-t", String(socatLingerS), "-b", "65536", from, to];
}

/**
 * startSockitCLI runs `sockit relay -v` and learns its address from its `listening on` line;
 * its `opened` line later says how each direction moves its bytes.
 */
async function startSockitCLI(network: BenchNet, listenPath: string, sinkAddress: string, cpu: number | null, o: BenchOptions): Promise<RunningRelay> {
  const p = new SpawnedRelay(sockitArgv(network, listenPath, sinkAddress), cpu, o);
  try {
    const m = await p.line(/^sockit: listening on (\S+) (.+)$/, startTimeoutMs);
    const address = network === "tcp" ? m[2]! : listenPath;
    let paths: string | null = null;
    void p.line(/ opened: .*\((1->2 [^)]*)\)$/, 60_000).then((hit) => (paths = hit[1]!), () => {});
    return { address, pid: p.pid, finish: () => p.finish(), stop: () => p.stop(), paths: () => paths };
  } catch (err) {
    await p.stop();
    throw err;
  }
}

/** startSocat runs socat and learns its port from its `listening on AF=2 HOST:PORT` notice. */
async function startSocat(network: BenchNet, listenPath: string, sinkAddress: string, cpu: number | null, o: BenchOptions): Promise<RunningRelay> {
  const p = new SpawnedRelay(socatArgv(network, listenPath, sinkAddress), cpu, o);
  try {
    const m = await p.line(network === "tcp" ? /listening on AF=2 [\d.]+:(\d+)/ : /listening on AF=1 /, startTimeoutMs);
    const address = network === "tcp" ? `127.0.0.1:${m[1]!}` : listenPath;
    if (address.endsWith(":0")) throw new Error("socat did not say which port it listens on");
    return { address, pid: p.pid, finish: () => p.finish(), stop: () => p.stop(), paths: () => null };
  } catch (err) {
    await p.stop();
    throw err;
  }
}

/** startChildRelay starts a relay that is a bench child (`relay-copy`, `relay-node`). */
async function startChildRelay(role: string, args: RelayArgs, cpu: number | null, o: BenchOptions): Promise<RunningRelay> {
  const c = new Child(role, args, { cpu }, o);
  try {
    const { address, pid } = await c.next<Listening>();
    const finish = async (): Promise<void> => {
      const m = await c.next<{ error?: string }>();
      if (m.error !== undefined) throw new Error(m.error);
      const code = await c.end();
      if (code !== 0) throw new Error(`bench child ${role} exited with status ${code}`);
    };
    return { address, pid, finish, stop: async () => void (await c.end()), paths: () => null };
  } catch (err) {
    await c.end();
    throw err;
  }
}

/** startRelay starts the relay of `variant` between a fresh listen address and the sink. */
function startRelay(variant: RelayVariant, network: BenchNet, sinkAddress: string, tag: string, cpu: number | null, o: BenchOptions): Promise<RunningRelay> {
  const listenPath = join(o.dir, `relay-${tag}.sock`);
  const args: RelayArgs = { network, dir: o.dir, sink: sinkAddress };
  switch (variant) {
    case "sockit":
      return startSockitCLI(network, listenPath, sinkAddress, cpu, o);
    case "socat":
      return startSocat(network, listenPath, sinkAddress, cpu, o);
    case "copy":
      return startChildRelay("relay-copy", args, cpu, o);
    case "node":
      return startChildRelay("relay-node", args, cpu, o);
  }
}

// ---------------------------------------------------------------- socat

/** Whether socat is here, or why not: decided once per run. */
let socatState: { ok: true } | { ok: false; reason: string } | null = null;

/** onPath reports whether a command is on PATH. */
function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/**
 * socatAvailable finds socat on PATH; where it is missing, apt-get exists and we are root, it
 * installs Debian's package once per run (apt-get update first only if the install fails),
 * within `installTimeoutMs` in all. Otherwise it says why socat is not measured.
 */
function socatAvailable(): { ok: true } | { ok: false; reason: string } {
  if (socatState !== null) return socatState;
  socatState = onPath("socat") ? { ok: true } : installSocat();
  return socatState;
}

/** installSocat runs `apt-get install -y socat` (root only), and says whether socat is there now. */
function installSocat(): { ok: true } | { ok: false; reason: string } {
  if (!onPath("apt-get")) return { ok: false, reason: "socat is not on PATH and there is no apt-get" };
  if (process.getuid?.() !== 0) return { ok: false, reason: "socat is not on PATH and installing it needs root" };
  const deadline = Date.now() + installTimeoutMs;
  const apt = (...args: string[]): number | null => {
    const timeout = Math.max(1, deadline - Date.now());
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    return spawnSync("apt-get", args, { stdio: "ignore", timeout, env }).status;
  };
  let status = apt("install", "-y", "socat");
  if (status !== 0 && Date.now() < deadline) {
    apt("update");
    if (Date.now() < deadline) status = apt("install", "-y", "socat");
  }
  if (onPath("socat")) return { ok: true };
  return { ok: false, reason: `socat is not on PATH and apt-get install -y socat failed (status ${status ?? "timeout"})` };
}

/** socatVersion is socat's version line ("socat version 1.7.4.4 ..."), or null. */
function socatVersion(): string | null {
  const out = spawnSync("socat", ["-V"], { encoding: "utf8" }).stdout ?? "";
  return out.match(/socat version (\S+)/)?.[1] ?? null;
}

// ---------------------------------------------------------------- the trials

/** Where the processes run: the relay alone on one CPU, client and sink together on the other. */
interface Placement {
  ends: number | null;
  relay: number | null;
  pinned: string;
}

/** placement puts the relay on cpu 1 and the client and sink on cpu 0, where taskset and 2 CPUs allow. */
function placement(o: BenchOptions): Placement {
  if (!o.taskset) return { ends: null, relay: null, pinned: "unpinned: taskset is missing" };
  if (!o.twoCpus) return { ends: null, relay: null, pinned: "unpinned: fewer than two cpus" };
  return { ends: 0, relay: 1, pinned: "client and sink on cpu 0, relay on cpu 1 (direct: client and sink on cpu 0, cpu 1 idle)" };
}

/** What every trial of one workload shares. */
interface TrialSetup {
  network: BenchNet;
  bytes: number;
  where: Placement;
  o: BenchOptions;
  /** The sockit CLI's `-v` path report, from the first trial that gave one. */
  paths: string | null;
}

/**
 * trial moves `bytes` once, from a fresh client through a fresh `variant` relay to a fresh
 * sink, and returns the sink's MB/s and the relay's CPU seconds per GiB. Every process is
 * ended (or killed) before it returns, whatever happened.
 */
async function trial(variant: Variant, tag: string, s: TrialSetup): Promise<TrialFigures> {
  const { network, bytes, where, o } = s;
  const sinkChild = new Child("relay-sink", { network, dir: o.dir } satisfies SinkArgs, { cpu: where.ends }, o);
  let relay: RunningRelay | null = null;
  let clientChild: Child | null = null;
  try {
    const sinkAddress = (await expect<{ address: string }>(sinkChild)).address;
    relay = variant === "direct" ? null : await startRelay(variant, network, sinkAddress, tag, where.relay, o);
    const cpuBefore = relay === null ? 0 : cpuTicks(relay.pid);
    const args: ClientArgs = { network, address: relay?.address ?? sinkAddress, bytes };
    clientChild = new Child("relay-client", args, { cpu: where.ends }, o);
    await expect(clientChild);
    await expect(sinkChild);
    // The whole path is up: let the client write.
    const clientExit = clientChild.end();
    const report = await expect<SinkReport>(sinkChild);
    const cpuAfter = relay === null ? 0 : cpuTicks(relay.pid);
    if (report.bytes !== bytes) throw new Error(`relay ${variant}: the sink got ${report.bytes} bytes of ${bytes}`);
    await sinkChild.end();
    await relay?.finish();
    await expect(clientChild);
    if ((await clientExit) !== 0) throw new Error(`relay ${variant}: the client failed`);
    s.paths ??= relay?.paths() ?? null;
    const cpuPerGiB = relay === null ? null : (cpuAfter - cpuBefore) / clkTck / (bytes / gib);
    return { mbps: bytes / 1e6 / (report.ms! / 1000), cpuPerGiB };
  } finally {
    await relay?.stop();
    await sinkChild.end();
    await clientChild?.end();
  }
}

/** expect reads a child's next message and throws if it is an `{ error }`. */
async function expect<T extends object = Record<string, unknown>>(c: Child): Promise<T> {
  const m = await c.next<T & { error?: string }>();
  if (m.error !== undefined) throw new Error(m.error);
  return m;
}

/**
 * runTrials runs `n` rounds of every variant, in turn, reversing the order each round so that
 * drift in the machine's speed weighs on all of them alike.
 */
async function runTrials(n: number, which: readonly Variant[], s: TrialSetup): Promise<Record<Variant, TrialFigures[]>> {
  const out: Record<Variant, TrialFigures[]> = { direct: [], sockit: [], copy: [], socat: [], node: [] };
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? which : [...which].reverse();
    for (const v of order) out[v].push(await trial(v, `${s.network}-${i}-${v}`, s));
  }
  return out;
}

/** ratioOf is a / b to 3 decimals, or null where either is missing. */
function ratioOf(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : round(a / b, 3);
}

/** The result line: MB/s of the CLI relay against the Node relay, with every other figure as extras. */
function result(name: string, t: Record<Variant, TrialFigures[]>, s: TrialSetup, socat: ReturnType<typeof socatAvailable>) {
  const mbps = (v: Variant) => t[v].map((f) => f.mbps);
  const mid = (v: Variant): number | null => (t[v].length === 0 ? null : median(mbps(v)));
  const cpu = (v: RelayVariant) => t[v].map((f) => f.cpuPerGiB!);
  const cpuMid = (v: RelayVariant): number | null => (t[v].length === 0 ? null : round(median(cpu(v)), 3));
  const relays: RelayVariant[] = ["sockit", "copy", "socat", "node"];
  const [direct, sockit, copyFig, socatFig, nodeFig] = [mid("direct"), mid("sockit"), mid("copy"), mid("socat"), mid("node")];
  const [listenAt, sinkAt] = s.network === "tcp" ? ["", "127.0.0.1:SINKPORT"] : ["LISTEN.sock", "SINK.sock"];
  return makeResult(name, "MB/s", "higher", { sockit: mbps("sockit"), node: mbps("node") }, 1, {
    direct: round(direct!, 1),
    direct_trials: mbps("direct").map((x) => round(x, 1)),
    copy_in_process: round(copyFig!, 1),
    copy_trials: mbps("copy").map((x) => round(x, 1)),
    socat: socatFig === null ? null : round(socatFig, 1),
    socat_trials: mbps("socat").map((x) => round(x, 1)),
    ...(socat.ok ? { socat_version: socatVersion() } : { socat_missing: socat.reason }),
    ratio_vs_direct: ratioOf(sockit, direct),
    ratio_vs_socat: ratioOf(sockit, socatFig),
    copy_ratio_vs_direct: ratioOf(copyFig, direct),
    socat_ratio_vs_direct: ratioOf(socatFig, direct),
    node_ratio_vs_direct: ratioOf(nodeFig, direct),
    cpu_s_per_gib: Object.fromEntries(relays.map((v) => [v, cpuMid(v)])),
    cpu_s_per_gib_trials: Object.fromEntries(relays.map((v) => [v, cpu(v).map((x) => round(x, 3))])),
    bytes: s.bytes,
    write_size: chunkSize,
    timing: "sink's first byte to its last; the client starts writing once the sink has accepted the relay's conn",
    sockit_command: ["node dist/src/cli/main.js", ...sockitArgv(s.network, listenAt, sinkAt).slice(2)].join(" "),
    sockit_paths: s.paths,
    socat_command: socatArgv(s.network, listenAt, sinkAt).join(" "),
    node_relay: "net.createServer((s) => { const d = net.connect(sink); s.pipe(d); d.pipe(s); })",
    pinned: s.where.pinned,
  });
}

/** One relay workload: every variant, `o.trials` rounds, over one network. */
function relayWorkload(network: BenchNet): Workload {
  const name = `relay-${network}`;
  return {
    names: [name],
    async run(o: BenchOptions) {
      const socat = socatAvailable();
      const which = variants.filter((v) => v !== "socat" || socat.ok);
      const s: TrialSetup = { network, bytes: o.quick ? quickBytes : fullBytes, where: placement(o), o, paths: null };
      const t = await runTrials(o.trials, which, s);
      return [result(name, t, s, socat)];
    },
  };
}

/** The relays over tcp and over unix. */
export const workloads: Workload[] = [relayWorkload("tcp"), relayWorkload("unix")];
