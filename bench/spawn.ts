/**
 * Child processes started, run to exit and reaped per second: sockit's `command("true").run()`
 * (fork and exec in the native core, the exit awaited on a pidfd) against Node core's
 * `child_process.spawn("true")` to its "exit" event. One at a time, in one child process
 * pinned to CPU 0, so the figure is the cost of a start and a reap, not of parallelism.
 */
import { spawn } from "node:child_process";
import { command } from "../src/index.js";
import { Meter, alternate, emit, makeResult, runOnce, type BenchOptions, type Impl, type Role, type Workload } from "./harness.js";

interface SpawnArgs {
  impl: Impl;
  warmupMs: number;
  ms: number;
}

/** The program each trial runs: true(1), found once so that no trial pays for a $PATH search. */
const program = "/bin/true";

async function sockitSpawn(a: SpawnArgs): Promise<number> {
  const meter = new Meter(a.warmupMs, a.ms);
  do await command(program).run();
  while (meter.tick());
  return await meter.rate;
}

function nodeOnce(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(program, [], { stdio: "ignore" });
    c.once("error", reject);
    c.once("exit", () => resolve());
  });
}

async function nodeSpawn(a: SpawnArgs): Promise<number> {
  const meter = new Meter(a.warmupMs, a.ms);
  do await nodeOnce();
  while (meter.tick());
  return await meter.rate;
}

/** The child-process side: one trial, answered as `{ rate }`. */
export const roles: Record<string, Role> = {
  spawn: async (args) => {
    const a = args as unknown as SpawnArgs;
    emit({ rate: a.impl === "sockit" ? await sockitSpawn(a) : await nodeSpawn(a) });
  },
};

/** Processes started and reaped per second. */
export const workloads: Workload[] = [
  {
    names: ["spawn-true"],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, async (impl) => {
        const args: SpawnArgs = { impl, warmupMs: o.warmupMs, ms: o.trialMs };
        return (await runOnce<{ rate: number }>("spawn", args, { cpu: 0 }, o)).rate;
      });
      const pinned = o.taskset ? "on cpu 0" : "unpinned: taskset is missing";
      return [makeResult("spawn-true", "processes/s", "higher", t, 0, { program, pinned })];
    },
  },
];
