/**
 * The bench runner, `npm run bench`: runs each workload for sockit and for Node core (`net`,
 * `dgram`) and prints one JSON line per result (docs/bench.md explains them).
 *
 *   node dist/bench/run.js [--quick] [--only NAME]... [--conns N] [--trials N] [--vs-go]
 *
 * `--only` keeps the results whose name starts with NAME ("pingpong", "bulk-unix") or has a
 * "-"-separated part that does ("udp" keeps "pingpong-udp"). The same program is each
 * workload's child process: `run.js --child ROLE ARGS` runs one role. `--vs-go` runs only the
 * vsgo-* workloads (vsgo.ts): sockit, Node core, Go and C reference programs side by side.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, availableParallelism } from "node:os";
import { join } from "node:path";
import { fdLimit, hasTaskset, type BenchOptions, type Role, type Workload } from "./harness.js";
import * as pingpong from "./pingpong.js";
import * as bulk from "./bulk.js";
import * as connect from "./connect.js";
import * as memory from "./memory.js";
import * as pingpongUDP from "./pingpong_udp.js";
import * as recv from "./recv.js";
import * as spawnBench from "./spawn.js";
import * as locks from "./locks.js";
import * as ipc from "./ipc.js";
import * as serveBench from "./serve.js";
import * as framing from "./framing.js";
import * as vsgo from "./vsgo.js";
import * as relay from "./relay.js";

const modules = [pingpong, pingpongUDP, bulk, connect, memory, recv, spawnBench, locks, ipc, serveBench, framing, relay];
const workloads: Workload[] = modules.flatMap((m) => m.workloads);
const roles: Record<string, Role> = Object.assign({}, ...modules.map((m) => m.roles));
// The --vs-go workloads run only with that flag; their children's roles are always known.
Object.assign(roles, vsgo.roles);

const usage = "usage: node dist/bench/run.js [--quick] [--only NAME]... [--conns N] [--trials N] [--vs-go]";

/** What the command line asks for. */
interface Flags {
  quick: boolean;
  only: string[];
  conns: number | null;
  trials: number | null;
  /** `--vs-go`: run the vsgo-* workloads instead of the others. */
  vsGo: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const f: Flags = { quick: false, only: [], conns: null, trials: null, vsGo: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") f.quick = true;
    else if (a === "--only") f.only.push(...value().split(","));
    else if (a === "--conns") f.conns = positiveInt(a, value());
    else if (a === "--trials") f.trials = positiveInt(a, value());
    else if (a === "--vs-go") f.vsGo = true;
    else throw new Error(`unknown argument ${a}`);
  }
  const names = among(f).flatMap((w) => w.names);
  for (const o of f.only) {
    if (!names.some((n) => selects(o, n))) throw new Error(`--only ${o} matches none of ${names.join(", ")}`);
  }
  return f;
}

/** among is the workloads the command line chooses from: the vsgo-* ones with `--vs-go`. */
function among(f: Flags): Workload[] {
  return f.vsGo ? vsgo.workloads : workloads;
}

/**
 * selects reports whether `--only NAME` keeps the result `name`: NAME starts the name, or
 * starts one of its "-"-separated parts ("udp" keeps "pingpong-udp", "unix" keeps
 * "bulk-unix" and "recv-unixgram").
 */
function selects(only: string, name: string): boolean {
  return name.startsWith(only) || name.includes(`-${only}`);
}

/** wanted reports whether the command line keeps the result `name`. */
function wanted(f: Flags, name: string): boolean {
  return f.only.length === 0 || f.only.some((o) => selects(o, name));
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, not ${v}`);
  return n;
}

/** Default connections for the memory workload, lowered to fit the fd limit. */
const defaultConns = 10_000;

function options(f: Flags, dir: string): BenchOptions & { connsWanted: number } {
  const connsWanted = f.conns ?? (f.quick ? 2000 : defaultConns);
  // Each process needs one fd per conn plus a few dozen of its own.
  const conns = Math.max(1, Math.min(connsWanted, fdLimit() - 64));
  return {
    quick: f.quick,
    trials: f.trials ?? (f.quick ? 3 : 5),
    trialMs: f.quick ? 300 : 1000,
    warmupMs: f.quick ? 100 : 250,
    conns,
    connsWanted,
    dir,
    taskset: hasTaskset(),
    twoCpus: availableParallelism() >= 2,
  };
}

async function runAll(f: Flags): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "sockit-bench-"));
  let status = 0;
  try {
    const o = options(f, dir);
    const selected = among(f).filter((w) => w.names.some((n) => wanted(f, n)));
    for (const w of selected) {
      try {
        for (const r of await w.run(o)) {
          if (wanted(f, r.workload)) {
            const lowered = r.conns !== undefined && o.conns < o.connsWanted ? { conns_wanted: o.connsWanted } : {};
            console.log(JSON.stringify({ ...r, ...lowered, quick: o.quick }));
          }
        }
      } catch (err) {
        status = 1;
        for (const name of w.names) console.log(JSON.stringify({ workload: name, error: (err as Error).message }));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return status;
}

/** child runs one role of a workload in this process, then exits once stdout has flushed. */
async function child(role: string | undefined, args: string | undefined): Promise<number> {
  const fn = role === undefined ? undefined : roles[role];
  if (fn === undefined) {
    process.stderr.write(`bench: unknown child role ${role}\n`);
    return 2;
  }
  await fn(JSON.parse(args ?? "{}") as Record<string, unknown>);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "--child") return await child(argv[1], argv[2]);
  let f: Flags;
  try {
    f = parseFlags(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  return await runAll(f);
}

const status = await main(process.argv.slice(2));
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(status);
