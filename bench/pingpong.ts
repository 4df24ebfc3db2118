/**
 * Ping-pong: one byte to an echo server and back, again and again, with client and server in
 * one process pinned to one CPU, so that the software's cost per round trip shows rather than
 * cross-CPU wake-ups. The figure is round trips per second.
 */
import net from "node:net";
import { dial, listen, type Conn } from "../src/index.js";
import { Meter, alternate, emit, makeResult, placed, runOnce, type AnyImpl, type BenchOptions, type Role, type Workload } from "./harness.js";
import { listenAddress, nodeConnect, nodeListen, type BenchNet } from "./endpoints.js";

/** Read buffers are 64 KiB on both sides, as Node core's are. */
const readSize = 64 * 1024;

interface PingPongArgs {
  impl: AnyImpl;
  network: BenchNet;
  dir: string;
  warmupMs: number;
  ms: number;
}

/** sockitPingPong measures round trips/s between a sockit client and a sockit echo server. */
async function sockitPingPong(a: PingPongArgs): Promise<number> {
  await using ln = await listen(a.network, listenAddress(a.network, a.dir));
  const accepted = ln.accept();
  await using c = await dial(a.network, ln.addr().toString());
  await using s = await accepted;
  const echoing = echo(s);
  const one = new Uint8Array(1);
  const buf = new Uint8Array(readSize);
  const meter = new Meter(a.warmupMs, a.ms);
  do {
    await c.write(one);
    if ((await c.read(buf)) !== 1) throw new Error("ping-pong: the echo was not one byte");
  } while (meter.tick());
  await c.close();
  await echoing;
  return meter.rate;
}

/** echo writes back what it reads until end of stream. */
async function echo(s: Conn): Promise<void> {
  const buf = new Uint8Array(readSize);
  for (let n = await s.read(buf); n !== null; n = await s.read(buf)) await s.write(buf.subarray(0, n));
}

/**
 * nodePingPong measures the same with Node core on both ends, Nagle off on both sockets
 * (sockit's TCP conns have it off by default).
 */
async function nodePingPong(a: PingPongArgs): Promise<number> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  const c = await nodeConnect(a.network, await nodeListen(server, a.network, a.dir));
  c.setNoDelay(true);
  const one = Buffer.alloc(1);
  const meter = new Meter(a.warmupMs, a.ms);
  c.on("data", (d) => {
    if (d.length !== 1) throw new Error("ping-pong: the echo was not one byte");
    if (meter.tick()) c.write(one);
  });
  c.write(one);
  const rate = await meter.rate;
  c.destroy();
  server.close();
  return rate;
}

/** The child-process side: one trial, answered as `{ rate }`. */
export const roles: Record<string, Role> = {
  pingpong: async (args) => {
    const a = args as unknown as PingPongArgs;
    emit({ rate: a.impl === "sockit" ? await sockitPingPong(a) : await nodePingPong(a) });
  },
};

/** pingpongTrial runs one trial of `impl` in a fresh process on cpu 0; it returns round trips/s. */
export async function pingpongTrial(impl: AnyImpl, network: BenchNet, o: BenchOptions): Promise<number> {
  const args: PingPongArgs = { impl, network, dir: o.dir, warmupMs: o.warmupMs, ms: o.trialMs };
  return (await runOnce<{ rate: number }>("pingpong", args, placed(impl, { cpu: 0 }, o), o)).rate;
}

function pingpong(network: BenchNet): Workload {
  const name = `pingpong-${network}`;
  return {
    names: [name],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, (impl) => pingpongTrial(impl, network, o));
      const pinned = o.taskset ? "client and server on cpu 0" : "unpinned: taskset is missing";
      return [makeResult(name, "round trips/s", "higher", t, 0, { pinned })];
    },
  };
}

/** Ping-pong over tcp and over unix. */
export const workloads: Workload[] = [pingpong("tcp"), pingpong("unix")];
