/**
 * Serve: a framed echo server with 1,000 concurrent clients. Each client conn sends a request
 * (a 4-byte big-endian length, then 64 bytes), waits for the server to send the frame back,
 * and sends the next, so 1,000 requests are always in flight. The server is sockit's
 * `serve` over `framed(lengthField())` conns (with the options: maxConns, idleTimeout,
 * readTimeout) or the same server on
 * Node core's `net.createServer` (with its idle timeout, `socket.setTimeout`); the load
 * generator is one Node core process, the same for both, so the figures compare the servers.
 * Server on CPU 1, load on CPU 0. The figures are requests/s and the 99th percentile of the
 * request latency (from the client's write to its read of the whole reply) in the window, and
 * the server process's CPU time (user + system) per request in the window.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import { framed, lengthField, listen, type FramedConn } from "../src/index.js";
import { serve } from "../src/server/index.js";
import { Child, alternate, clkTck, cpuTicks, emit, fdLimit, makeResult, runOnce, stdinEnd, type BenchOptions, type Impl, type Role, type Workload } from "./harness.js";
import { nodeConnect, nodeListen } from "./endpoints.js";

/** The bytes of a request after its length field. */
const payload = 64;
/** Concurrent client conns (lowered to fit the fd limit). */
const wantedConns = 1000;
/** The warm-up and the measured window of a trial (but for --quick), in ms. */
const steadyWarmupMs = 1000;
const steadyMs = 2000;
/** The longest frame the servers take (Node core reads into 64 KiB buffers). */
const maxFrame = 64 * 1024;

interface ServerArgs {
  impl: Impl;
  dir: string;
}

interface LoadArgs {
  address: string;
  /** The server's pid, whose CPU time per request the load measures from /proc. */
  serverPid: number;
  conns: number;
  warmupMs: number;
  ms: number;
}

/**
 * frames calls `each` with every whole frame (length field included) at the front of
 * `buf[0, end)`, and returns how many bytes it used.
 */
function frames(buf: Uint8Array, end: number, each: (frame: Uint8Array) => void): number {
  let off = 0;
  while (end - off >= 4) {
    const len = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
    if (end - off - 4 < len) break;
    each(buf.subarray(off, off + 4 + len));
    off += 4 + len;
  }
  return off;
}

/**
 * sockitEcho is one conn's handler, written as the docs show: the server hands it a framed conn
 * (`serve(ln, framed(lengthField()), handler)`), it takes each frame that is already buffered
 * without waiting (`tryRead`) and waits only when none is, and writes each frame back (the
 * encoder puts the length in front again).
 */
async function sockitEcho(f: FramedConn): Promise<void> {
  for (;;) {
    const frame = f.tryRead() ?? (await f.read());
    if (frame === null) return;
    await f.write(frame);
  }
}

/** sockitServer serves until its stdin closes; it answers `{ address }` first. */
async function sockitServer(): Promise<void> {
  const ln = await listen("tcp", "127.0.0.1:0", { backlog: 2048 });
  const srv = serve(ln, framed(lengthField({ length: 4, maxFrameLength: maxFrame })), sockitEcho, { maxConns: 10_000, idleTimeout: 30_000, readTimeout: 5_000, onError: () => {} });
  emit({ address: ln.addr().toString(), pid: process.pid });
  await stdinEnd();
  await srv.close();
}

/** nodeServer is the same server on Node core: 'data' events, frames echoed with write(). */
async function nodeServer(a: ServerArgs): Promise<void> {
  const server = net.createServer({ noDelay: true }, (s) => {
    s.setTimeout(30_000, () => s.destroy());
    s.on("error", () => {});
    let pending: Buffer | null = null;
    s.on("data", (d: Buffer) => {
      const buf = pending === null ? d : Buffer.concat([pending, d]);
      const used = frames(buf, buf.length, (f) => s.write(f));
      pending = used === buf.length ? null : buf.subarray(used);
    });
  });
  server.maxConnections = 10_000;
  emit({ address: await nodeListen(server, "tcp", a.dir), pid: process.pid });
  await stdinEnd();
  server.close();
}

/**
 * load runs `conns` closed-loop clients against `address` and answers `{ rate, p99 }`:
 * requests/s and the 99th percentile latency in ms, over the window after the warm-up, and
 * the server's CPU time per request in that window (µs), which contention from other
 * processes on the machine does not change as it changes the rates.
 */
async function load(a: LoadArgs): Promise<void> {
  const socks: net.Socket[] = [];
  for (let i = 0; i < a.conns; i += 100) {
    const batch = Math.min(100, a.conns - i);
    socks.push(...(await Promise.all(Array.from({ length: batch }, () => nodeConnect("tcp", a.address)))));
  }
  const req = Buffer.alloc(4 + payload, 7);
  req.writeUInt32BE(payload, 0);
  const t0 = performance.now() + a.warmupMs;
  const t1 = t0 + a.ms;
  const lat: number[] = [];
  let count = 0;
  let open = socks.length;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  // The server's CPU time at the first reply in the window and at the first one after it.
  let cpu0 = -1;
  let cpu1 = -1;
  for (const s of socks) {
    s.setNoDelay(true);
    s.on("error", () => {});
    let got = 0;
    let sent = performance.now();
    s.on("data", (d: Buffer) => {
      got += d.length;
      if (got < req.length) return;
      got -= req.length;
      const now = performance.now();
      if (now >= t0 && now < t1) {
        if (cpu0 < 0) cpu0 = cpuTicks(a.serverPid);
        count++;
        lat.push(now - sent);
      }
      if (now >= t1) {
        if (cpu1 < 0) cpu1 = cpuTicks(a.serverPid);
        s.destroy();
        if (--open === 0) done();
        return;
      }
      sent = now;
      s.write(req);
    });
    s.write(req);
  }
  await finished;
  lat.sort((x, y) => x - y);
  const cpuUs = ((cpu1 - cpu0) * 1e6) / clkTck / Math.max(count, 1);
  emit({ rate: count / (a.ms / 1000), p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] ?? 0, cpuUs });
}

/** The child-process sides: `serve-server` serves until its stdin closes; `serve-load` is one trial. */
export const roles: Record<string, Role> = {
  "serve-server": async (args) => {
    const a = args as unknown as ServerArgs;
    await (a.impl === "sockit" ? sockitServer() : nodeServer(a));
  },
  "serve-load": async (args) => {
    await load(args as unknown as LoadArgs);
  },
};

/** One trial: a fresh server process, and a load process against it. */
async function trial(impl: Impl, conns: number, o: BenchOptions, cpus: { load: number | null; server: number | null }) {
  const server = new Child("serve-server", { impl, dir: o.dir } satisfies ServerArgs, { cpu: cpus.server }, o);
  try {
    const { address, pid } = await server.next<{ address: string; pid: number }>();
    // A server's steady state, not its first second: 1,000 conns that just connected need a
    // second of traffic before either server's JIT has settled (sockit's deeper code longer).
    const warmupMs = o.quick ? Math.max(o.warmupMs, 250) : Math.max(o.warmupMs, steadyWarmupMs);
    const args: LoadArgs = { address, serverPid: pid, conns, warmupMs, ms: o.quick ? o.trialMs : Math.max(o.trialMs, steadyMs) };
    return await runOnce<{ rate: number; p99: number; cpuUs: number }>("serve-load", args, { cpu: cpus.load }, o);
  } finally {
    await server.end();
  }
}

/** A framed echo server with 1,000 clients: requests/s and p99 latency. */
export const workloads: Workload[] = [
  {
    names: ["serve-echo-tcp", "serve-echo-tcp-p99", "serve-echo-tcp-cpu"],
    async run(o: BenchOptions) {
      const conns = Math.max(1, Math.min(wantedConns, fdLimit() - 64));
      const cpus = o.twoCpus ? { load: 0, server: 1 } : { load: null, server: null };
      const t = await alternate(o.trials, (impl) => trial(impl, conns, o, cpus));
      const pick = (k: "rate" | "p99" | "cpuUs") => ({ sockit: t.sockit.map((r) => r[k]), node: t.node.map((r) => r[k]) });
      const pinned = !o.taskset ? "unpinned: taskset is missing" : o.twoCpus ? "load on cpu 0, server on cpu 1" : "unpinned: fewer than two cpus";
      const extra = { conns, request_bytes: 4 + payload, client: "node net, the same for both", pinned };
      return [
        makeResult("serve-echo-tcp", "requests/s", "higher", pick("rate"), 0, extra),
        makeResult("serve-echo-tcp-p99", "ms", "lower", pick("p99"), 2, extra),
        makeResult("serve-echo-tcp-cpu", "server CPU µs/request", "lower", pick("cpuUs"), 2, extra),
      ];
    },
  },
];
