/**
 * Connect: dial a TCP listener, accept the conn, close both ends, and again, one conn at a
 * time, with client and server in one process pinned to one CPU. The figure is conns per
 * second. Each trial is a new process with a new listening port; TIME_WAIT is left to the
 * kernel (Linux reuses those ports for loopback conns: net.ipv4.tcp_tw_reuse = 2).
 */
import net from "node:net";
import { dial, listen } from "../src/index.js";
import { Meter, alternate, emit, makeResult, placed, runOnce, type AnyImpl, type BenchOptions, type Role, type Workload } from "./harness.js";
import { nodeListen } from "./endpoints.js";

interface ConnectArgs {
  impl: AnyImpl;
  dir: string;
  warmupMs: number;
  ms: number;
}

/** sockitConnect: dial and accept together, then close the dialed end and the accepted end. */
async function sockitConnect(a: ConnectArgs): Promise<number> {
  await using ln = await listen("tcp", "127.0.0.1:0");
  const address = ln.addr().toString();
  const meter = new Meter(a.warmupMs, a.ms);
  do {
    const [c, s] = await Promise.all([dial("tcp", address), ln.accept()]);
    await c.close();
    await s.close();
  } while (meter.tick());
  return await meter.rate;
}

/** nodeConnect: the same with Node core; a round ends when both ends have been destroyed. */
async function nodeConnect(a: ConnectArgs): Promise<number> {
  const server = net.createServer();
  const address = await nodeListen(server, "tcp", a.dir);
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  const meter = new Meter(a.warmupMs, a.ms);
  let ends = 0;
  const ended = (): void => {
    if (++ends < 2) return;
    if (meter.tick()) start();
  };
  const start = (): void => {
    ends = 0;
    const c = net.connect({ host: "127.0.0.1", port }, () => {
      c.destroy();
      ended();
    });
    c.on("error", (err) => process.stderr.write(`connect: ${err.message}\n`));
  };
  server.on("connection", (s) => {
    s.destroy();
    ended();
  });
  start();
  const rate = await meter.rate;
  server.close();
  return rate;
}

/** The child-process side: one trial, answered as `{ rate }`. */
export const roles: Record<string, Role> = {
  connect: async (args) => {
    const a = args as unknown as ConnectArgs;
    emit({ rate: a.impl === "sockit" ? await sockitConnect(a) : await nodeConnect(a) });
  },
};

/** connectTrial runs one trial of `impl` in a fresh process on cpu 0; it returns conns/s. */
export async function connectTrial(impl: AnyImpl, o: BenchOptions): Promise<number> {
  const args: ConnectArgs = { impl, dir: o.dir, warmupMs: o.warmupMs, ms: o.trialMs };
  return (await runOnce<{ rate: number }>("connect", args, placed(impl, { cpu: 0 }, o), o)).rate;
}

/** TCP connect + accept + close per second. */
export const workloads: Workload[] = [
  {
    names: ["connect-tcp"],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, (impl) => connectTrial(impl, o));
      const pinned = o.taskset ? "client and server on cpu 0" : "unpinned: taskset is missing";
      return [makeResult("connect-tcp", "conns/s", "higher", t, 0, { pinned })];
    },
  },
];
