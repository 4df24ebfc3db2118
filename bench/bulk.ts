/**
 * Bulk throughput: a client writes 64 KiB buffers as fast as the kernel takes them into a sink
 * that reads 64 KiB at a time and discards; client and sink are separate processes, pinned to
 * different CPUs. The figure is MB/s (10^6 bytes) written during the measured window, taken
 * once the socket buffers are full, so bytes in flight are the same at both ends of it.
 */
import net from "node:net";
import { debuglog } from "node:util";
import { dial, listen, type Conn } from "../src/index.js";
import {
  Child,
  Meter,
  alternate,
  emit,
  impls,
  makeResult,
  placed,
  runOnce,
  stdinEnd,
  type AnyImpl,
  type BenchOptions,
  type Impl,
  type Role,
  type Workload,
} from "./harness.js";
import { listenAddress, nodeConnect, nodeListen, type BenchNet } from "./endpoints.js";

const debug = debuglog("sockit");

/** The size of every write and every read, on both implementations. */
export const chunkSize = 64 * 1024;

interface SinkArgs {
  impl: AnyImpl;
  network: BenchNet;
  dir: string;
}

interface ClientArgs {
  impl: AnyImpl;
  network: BenchNet;
  address: string;
  warmupMs: number;
  ms: number;
}

/** sockitSink accepts conns and reads each to its end; it answers `{ address }`, then serves. */
async function sockitSink(a: SinkArgs): Promise<void> {
  await using ln = await listen(a.network, listenAddress(a.network, a.dir));
  emit({ address: ln.addr().toString() });
  const serving = (async () => {
    for await (const c of ln) void discard(c);
  })();
  await stdinEnd();
  await ln.close();
  await serving;
}

async function discard(c: Conn): Promise<void> {
  const buf = new Uint8Array(chunkSize);
  try {
    while ((await c.read(buf)) !== null);
  } catch (err) {
    // A client that stops at the end of its window may reset the conn; that is expected.
    debug("sink: %s", (err as Error).message);
  } finally {
    await c[Symbol.asyncDispose]();
  }
}

/** nodeSink is the Node core sink: every socket flows, and its data is dropped. */
async function nodeSink(a: SinkArgs): Promise<void> {
  const server = net.createServer((s) => {
    s.on("error", () => {});
    s.resume();
  });
  emit({ address: await nodeListen(server, a.network, a.dir) });
  await stdinEnd();
  server.close();
}

/** sockitClient writes 64 KiB buffers, one after the other, and counts bytes per second. */
async function sockitClient(a: ClientArgs): Promise<number> {
  await using c = await dial(a.network, a.address);
  const chunk = new Uint8Array(chunkSize);
  const meter = new Meter(a.warmupMs, a.ms);
  while (meter.tick(await c.write(chunk)));
  return await meter.rate;
}

/**
 * nodeClient writes the same 64 KiB buffer while Node accepts it and waits for 'drain' when
 * Node says to, as a Node program does.
 */
async function nodeClient(a: ClientArgs): Promise<number> {
  const c = await nodeConnect(a.network, a.address);
  c.on("error", () => {});
  const chunk = Buffer.alloc(chunkSize);
  const meter = new Meter(a.warmupMs, a.ms);
  const pump = (): void => {
    for (;;) {
      const more = c.write(chunk);
      if (!meter.tick(chunk.length)) return;
      if (!more) return void c.once("drain", pump);
    }
  };
  pump();
  const rate = await meter.rate;
  c.destroy();
  return rate;
}

/** The child-process side: `sink` serves until its stdin closes; `bulk` is one trial. */
export const roles: Record<string, Role> = {
  sink: async (args) => {
    const a = args as unknown as SinkArgs;
    await (a.impl === "sockit" ? sockitSink(a) : nodeSink(a));
  },
  bulk: async (args) => {
    const a = args as unknown as ClientArgs;
    const bytesPerSec = a.impl === "sockit" ? await sockitClient(a) : await nodeClient(a);
    emit({ rate: bytesPerSec / 1e6 });
  },
};

/** Clients on cpu 0, sinks on cpu 1 (unpinned with fewer than two cpus). */
function cpus(o: BenchOptions): { client: number | null; sink: number | null } {
  return o.twoCpus ? { client: 0, sink: 1 } : { client: null, sink: null };
}

/** A sink process serving every trial of one implementation, and the address it listens on. */
export interface Sink {
  child: Child;
  address: string;
}

/** startSink starts `impl`'s sink on cpu 1 and waits for its address. */
export async function startSink(impl: AnyImpl, network: BenchNet, o: BenchOptions): Promise<Sink> {
  const child = new Child("sink", { impl, network, dir: o.dir } satisfies SinkArgs, placed(impl, { cpu: cpus(o).sink }, o), o);
  try {
    return { child, address: (await child.next<{ address: string }>()).address };
  } catch (err) {
    await child.end();
    throw err;
  }
}

/** bulkTrial runs one client of `impl` on cpu 0 against the sink at `address`; it returns MB/s. */
export async function bulkTrial(impl: AnyImpl, network: BenchNet, address: string, o: BenchOptions): Promise<number> {
  const args: ClientArgs = { impl, network, address, warmupMs: o.warmupMs, ms: o.trialMs };
  return (await runOnce<{ rate: number }>("bulk", args, placed(impl, { cpu: cpus(o).client }, o), o)).rate;
}

function bulk(network: BenchNet): Workload {
  const name = `bulk-${network}`;
  return {
    names: [name],
    async run(o: BenchOptions) {
      // One sink per implementation serves every trial.
      const sinks = new Map<Impl, Sink>();
      try {
        for (const impl of impls) sinks.set(impl, await startSink(impl, network, o));
        const t = await alternate(o.trials, (impl) => bulkTrial(impl, network, sinks.get(impl)!.address, o));
        return [makeResult(name, "MB/s", "higher", t, 1, { write_size: chunkSize, pinned: pinning(o) })];
      } finally {
        await Promise.all([...sinks.values()].map((s) => s.child.end()));
      }
    },
  };
}

/** pinning says where the bulk processes ran, for the JSON line. */
export function pinning(o: BenchOptions): string {
  if (!o.taskset) return "unpinned: taskset is missing";
  return o.twoCpus ? "client on cpu 0, sink on cpu 1" : "unpinned: fewer than two cpus";
}

/** Bulk throughput over tcp and over unix. */
export const workloads: Workload[] = [bulk("tcp"), bulk("unix")];
