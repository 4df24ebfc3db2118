/**
 * What the workloads share: the options of a run, child processes (pinned with taskset where
 * the workload asks), the meter that counts work over a timed window, medians, and the JSON
 * result line. The runner is run.ts; each workload is one file next to this one.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { constants } from "node:os";
import { readFileSync } from "node:fs";
import { debuglog } from "node:util";

const debug = debuglog("sockit");

/** The settings of one bench run, from the command line (see run.ts). */
export interface BenchOptions {
  /** `--quick`: fewer and shorter trials. */
  quick: boolean;
  /** Trials per implementation; each figure is their median. */
  trials: number;
  /** Length of the measured window of a timed trial, in ms. */
  trialMs: number;
  /** Work done before the measured window starts, in ms. */
  warmupMs: number;
  /** Idle connections for the memory workload (already lowered to fit the fd limit). */
  conns: number;
  /** A temporary directory for unix socket files, removed after the run. */
  dir: string;
  /** Whether `taskset` works here; without it nothing is pinned and the JSON says so. */
  taskset: boolean;
  /** Whether the machine has two CPUs for the two-process workloads. */
  twoCpus: boolean;
  /** `--vs-go`: the built reference programs (bench/ref), by implementation. */
  refs?: Partial<Record<RefImpl, string>>;
}

/**
 * One JSON line of output. `ratio` is sockit / node; `better` says which way is good. `node`
 * and `ratio` are null where Node core has no such socket (unixgram, unixpacket).
 */
export interface Result {
  workload: string;
  unit: string;
  sockit: number;
  node: number | null;
  ratio: number | null;
  better: "higher" | "lower";
  trials: number;
  sockit_trials: number[];
  node_trials: number[];
  [extra: string]: unknown;
}

/** A workload: one or more JSON lines of results from one `run`. */
export interface Workload {
  /** The names of its result lines; `--only` matches them by prefix. */
  names: readonly string[];
  run(o: BenchOptions): Promise<Result[]>;
}

/** A child-process entry point: it reads its arguments and talks JSON lines on stdout. */
export type Role = (args: Record<string, unknown>) => Promise<void>;

/** The two implementations measured. */
export const impls = ["sockit", "node"] as const;
export type Impl = (typeof impls)[number];

/** The reference programs of `--vs-go` (bench/ref/ref.go and ref.c). */
export type RefImpl = "go" | "c";

/** Any implementation a trial can run: sockit, Node core, or a reference program. */
export type AnyImpl = Impl | RefImpl;

/** median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** round keeps `digits` decimals. */
export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * makeResult builds a JSON line from the trials of both implementations; the figures are the
 * medians, rounded to `digits` decimals. With no Node trials (a sockit-only workload) `node`
 * and `ratio` are null.
 */
export function makeResult(
  workload: string,
  unit: string,
  better: "higher" | "lower",
  t: Record<Impl, number[]>,
  digits: number,
  extra: Record<string, unknown> = {},
): Result {
  const s = median(t.sockit);
  const n = t.node.length === 0 ? null : median(t.node);
  return {
    workload,
    unit,
    sockit: round(s, digits),
    node: n === null ? null : round(n, digits),
    ratio: n === null ? null : round(s / n, 3),
    better,
    trials: t.sockit.length,
    sockit_trials: t.sockit.map((x) => round(x, digits)),
    node_trials: t.node.map((x) => round(x, digits)),
    ...extra,
  };
}

/**
 * alternate runs `trial` `n` times for each implementation of `which` (default both), swapping
 * which goes first on each round so that drift in the machine's speed falls on both alike.
 */
export async function alternate<T>(
  n: number,
  trial: (impl: Impl) => Promise<T>,
  which: readonly Impl[] = impls,
): Promise<Record<Impl, T[]>> {
  const out: Record<Impl, T[]> = { sockit: [], node: [] };
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? which : [...which].reverse();
    for (const impl of order) out[impl].push(await trial(impl));
  }
  return out;
}

/**
 * Meter counts work over a timed window: `tick(amount)` after each unit of work; ticks during
 * the warm-up are not counted; `tick` returns false once the window is over, and `rate` then
 * resolves with the amount per second.
 */
export class Meter {
  readonly #warmEnd: number;
  #t0 = -1;
  #end = 0;
  #n = 0;
  #resolve!: (rate: number) => void;
  readonly rate = new Promise<number>((r) => (this.#resolve = r));

  constructor(
    warmupMs: number,
    private readonly ms: number,
  ) {
    this.#warmEnd = performance.now() + warmupMs;
  }

  tick(amount = 1): boolean {
    const t = performance.now();
    if (t < this.#warmEnd) return true;
    if (this.#t0 < 0) {
      this.#t0 = t;
      this.#end = t + this.ms;
      return true;
    }
    this.#n += amount;
    if (t < this.#end) return true;
    this.#resolve(this.#n / ((t - this.#t0) / 1000));
    return false;
  }
}

/** Longest wait for a child's next message before it counts as hung. */
const childTimeout = 60_000;

/** Where a child process runs: a CPU to pin it to (if taskset works), and V8 flags. */
export interface ChildPlacement {
  cpu?: number | null;
  exposeGC?: boolean;
  /**
   * A reference program to run instead of this runner (see `placed`): it gets the role, then
   * each argument as `--key value`.
   */
  program?: string;
}

/**
 * placed is `where` for a child of `impl`: sockit and Node core run as this runner's children,
 * a reference program as the program `--vs-go` built for it (in `o.refs`).
 */
export function placed(impl: AnyImpl, where: ChildPlacement, o: BenchOptions): ChildPlacement {
  if (impl === "sockit" || impl === "node") return where;
  const program = o.refs?.[impl];
  if (program === undefined) throw new Error(`the ${impl} reference program was not built`);
  return { ...where, program };
}

/** refArgv is a reference program's command line: the role, then `--key value` per argument. */
function refArgv(program: string, role: string, args: object): string[] {
  return [program, role, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])];
}

/**
 * Child is a bench child process (this same program with `--child ROLE ARGS`): it answers
 * with JSON lines on stdout, read in order with `next()`; closing its stdin (`end()`) tells
 * it to finish.
 */
export class Child {
  readonly #proc: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiting: ((line: string | null) => void)[] = [];
  #closed = false;
  readonly exited: Promise<number>;

  constructor(
    private readonly role: string,
    args: object,
    where: ChildPlacement,
    o: BenchOptions,
  ) {
    const node = [process.execPath, ...(where.exposeGC ? ["--expose-gc"] : []), runnerPath()];
    const argv = where.program ? refArgv(where.program, role, args) : [...node, "--child", role, JSON.stringify(args)];
    const pin = o.taskset && where.cpu != null ? ["taskset", "-c", String(where.cpu)] : [];
    const [cmd, ...rest] = [...pin, ...argv];
    this.#proc = spawn(cmd!, rest, { stdio: ["pipe", "pipe", "inherit"] });
    // A child that already exited makes closing its stdin fail with EPIPE; that is harmless.
    this.#proc.stdin!.on("error", () => {});
    this.exited = new Promise((resolve) =>
      this.#proc.once("exit", (code, sig) => resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0))),
    );
    const rl = createInterface({ input: this.#proc.stdout! });
    rl.on("line", (line) => this.#push(line));
    rl.on("close", () => this.#push(null));
  }

  #push(line: string | null): void {
    debug("child %s says %s", this.role, line ?? "(end of output)");
    if (line === null) this.#closed = true;
    const w = this.#waiting.shift();
    if (w !== undefined) w(line);
    else if (line !== null) this.#lines.push(line);
  }

  /**
   * next resolves with the child's next message. It rejects if the child ends first, or kills
   * the child and rejects if no message comes within `childTimeout`, so a hang cannot stall
   * the whole run.
   */
  async next<T = Record<string, unknown>>(): Promise<T> {
    let line = this.#lines.shift() ?? null;
    if (line === null && !this.#closed) {
      let timer: NodeJS.Timeout | undefined;
      line = await new Promise<string | null>((resolve) => {
        this.#waiting.push(resolve);
        timer = setTimeout(() => {
          this.#proc.kill("SIGKILL");
          resolve(null);
        }, childTimeout);
      });
      clearTimeout(timer);
    }
    if (line === null) throw new Error(`bench child ${this.role} ended or hung without answering`);
    return JSON.parse(line) as T;
  }

  /**
   * end closes the child's stdin, its signal to finish, and waits for it to exit; a child
   * still running after `childTimeout` is killed, so none outlives the run.
   */
  async end(): Promise<number> {
    this.#proc.stdin!.end();
    const timer = setTimeout(() => this.#proc.kill("SIGKILL"), childTimeout);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** runOnce runs a child that sends one message, returns it, and waits for the child to exit. */
export async function runOnce<T>(role: string, args: object, where: ChildPlacement, o: BenchOptions): Promise<T> {
  const c = new Child(role, args, where, o);
  const msg = await c.next<T>();
  const code = await c.end();
  if (code !== 0) throw new Error(`bench child ${role} exited with status ${code}`);
  return msg;
}

function runnerPath(): string {
  return fileURLToPath(new URL("./run.js", import.meta.url));
}

/** emit sends one message from a child to the runner. */
export function emit(msg: object): void {
  process.stdout.write(JSON.stringify(msg) + "\n");
}

/** stdinEnd resolves when the runner closes the child's stdin. */
export function stdinEnd(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.on("data", () => {});
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
}

/** hasTaskset reports whether `taskset -c 0` works here. */
export function hasTaskset(): boolean {
  return spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" }).status === 0;
}

/**
 * fdLimit is the open-file limit a child will have: `ulimit -n` as a shell started from here
 * sees it (Node raises its soft limit to the hard one at start-up, and children inherit it).
 */
export function fdLimit(): number {
  try {
    const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    return out === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(out);
  } catch {
    return 1024;
  }
}

/** The clock ticks per second of /proc's CPU times (sysconf(_SC_CLK_TCK); 100 on Linux). */
export const clkTck = 100;

/** cpuTicks reads a process's user + system CPU time, in clock ticks, from /proc/PID/stat. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime and stime: fields 14 and 15 of proc(5)
}

/** settledMemory collects garbage until it settles and reads the process's memory. */
export async function settledMemory(): Promise<{ rss: number; heap: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(50);
  }
  const m = process.memoryUsage();
  // `external` already counts ArrayBuffer backing stores.
  return { rss: m.rss, heap: m.heapUsed + m.external };
}
