/**
 * Idle memory: a client process dials N TCP conns to a server process, which accepts and
 * holds them; nothing is sent. Each process reports its resident set size once garbage
 * collection has settled, minus what it had before the first conn, divided by N: bytes of RSS
 * per idle conn, for the server and for the client. Lower is better.
 *
 * Node core sockets start reading as soon as they connect, which costs no buffer until data
 * comes; a sockit conn does nothing until asked. So the server also reports, for sockit, the
 * cost once every conn has a 1-byte read pending (`sockit_pending_read`), the state of a
 * server waiting for requests, not counting the buffers such a server would hand in.
 */
import net from "node:net";
import { dial, listen, type Conn } from "../src/index.js";
import {
  Child,
  alternate,
  emit,
  makeResult,
  median,
  round,
  settledMemory,
  stdinEnd,
  type BenchOptions,
  type Impl,
  type Role,
  type Workload,
} from "./harness.js";
import { nodeConnect, nodeListen } from "./endpoints.js";

/** How many dials a client has in flight at once. */
const dialConcurrency = 64;

interface MemArgs {
  impl: Impl;
  conns: number;
  dir: string;
  /** The server's address, for the client. */
  address?: string;
}

/** A memory figure: bytes per conn of RSS and of the JS heap (V8 heap plus external). */
interface PerConn {
  rss: number;
  heap: number;
}

async function perConn(base: PerConn, n: number): Promise<PerConn> {
  const m = await settledMemory();
  return { rss: (m.rss - base.rss) / n, heap: (m.heap - base.heap) / n };
}

/** sockitServer: accept N, report; start a 1-byte read on each, report again; wait. */
async function sockitServer(a: MemArgs): Promise<void> {
  await using ln = await listen("tcp", "127.0.0.1:0");
  const base = await settledMemory();
  emit({ address: ln.addr().toString() });
  const conns: Conn[] = [];
  while (conns.length < a.conns) conns.push(await ln.accept());
  emit(await perConn(base, a.conns));
  const reads = conns.map((c) => c.read(new Uint8Array(1)).catch(() => null));
  emit(await perConn(base, a.conns));
  await stdinEnd();
  for (const c of conns) await c.close();
  await Promise.all(reads);
}

/** nodeServer: accept N with Node core, report, wait. */
async function nodeServer(a: MemArgs): Promise<void> {
  const conns: net.Socket[] = [];
  let all!: () => void;
  const accepted = new Promise<void>((r) => (all = r));
  const server = net.createServer((s) => {
    s.on("error", () => {});
    if (conns.push(s) === a.conns) all();
  });
  const address = await nodeListen(server, "tcp", a.dir);
  const base = await settledMemory();
  emit({ address });
  await accepted;
  emit(await perConn(base, a.conns));
  await stdinEnd();
  for (const s of conns) s.destroy();
  server.close();
}

/** client dials N conns, `dialConcurrency` at a time, with `dialOne`; reports; waits. */
async function client<C>(a: MemArgs, dialOne: () => Promise<C>, closeOne: (c: C) => unknown): Promise<void> {
  const base = await settledMemory();
  const conns: C[] = [];
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < a.conns) {
      started++;
      conns.push(await dialOne());
    }
  };
  await Promise.all(Array.from({ length: dialConcurrency }, worker));
  emit(await perConn(base, a.conns));
  await stdinEnd();
  for (const c of conns) await closeOne(c);
}

/** The child-process side: `mem-server` and `mem-client` report and hold until stdin closes. */
export const roles: Record<string, Role> = {
  "mem-server": async (args) => {
    const a = args as unknown as MemArgs;
    await (a.impl === "sockit" ? sockitServer(a) : nodeServer(a));
  },
  "mem-client": async (args) => {
    const a = args as unknown as MemArgs;
    const address = a.address!;
    if (a.impl === "sockit") await client(a, () => dial("tcp", address), (c) => c.close());
    else await client(a, () => nodeConnect("tcp", address), (c) => c.destroy());
  },
};

/** The figures of one trial: server, client, and (sockit only) server with reads pending. */
interface MemTrial {
  server: PerConn;
  client: PerConn;
  pending: PerConn | null;
}

/** trial runs one server and one client process to the end and collects their reports. */
async function trial(impl: Impl, o: BenchOptions): Promise<MemTrial> {
  const args: MemArgs = { impl, conns: o.conns, dir: o.dir };
  const server = new Child("mem-server", args, { exposeGC: true }, o);
  let clientChild: Child | null = null;
  try {
    const { address } = await server.next<{ address: string }>();
    clientChild = new Child("mem-client", { ...args, address }, { exposeGC: true }, o);
    const clientFig = await clientChild.next<PerConn>();
    const serverFig = await server.next<PerConn>();
    const pending = impl === "sockit" ? await server.next<PerConn>() : null;
    return { server: serverFig, client: clientFig, pending };
  } finally {
    await Promise.all([server.end(), clientChild?.end()]);
  }
}

/** Memory of idle TCP conns, one line for the server process and one for the client. */
export const workloads: Workload[] = [
  {
    names: ["idle-memory-server", "idle-memory-client"],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, (impl) => trial(impl, o));
      const pick = (f: (m: MemTrial) => number): Record<Impl, number[]> => ({
        sockit: t.sockit.map(f),
        node: t.node.map(f),
      });
      const extra = { conns: o.conns };
      const heap = (side: "server" | "client") => ({
        sockit_heap: round(median(t.sockit.map((m) => m[side].heap))),
        node_heap: round(median(t.node.map((m) => m[side].heap))),
      });
      const pending = round(median(t.sockit.map((m) => m.pending!.rss)));
      return [
        makeResult("idle-memory-server", "bytes RSS/conn", "lower", pick((m) => m.server.rss), 0, {
          ...extra,
          sockit_pending_read: pending,
          ...heap("server"),
        }),
        makeResult("idle-memory-client", "bytes RSS/conn", "lower", pick((m) => m.client.rss), 0, {
          ...extra,
          ...heap("client"),
        }),
      ];
    },
  },
];
