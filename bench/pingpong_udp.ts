/**
 * UDP ping-pong: a 64-byte datagram to an echo socket and back, again and again, with client
 * and echo in one process pinned to one CPU, as the stream ping-pong does. The figure is round
 * trips per second. sockit's echo is a listenPacket conn answering with readFrom/writeTo and
 * its client a dialed (connected) UDPConn with write/read; Node core's are the same shapes
 * with `dgram`: a bound socket answering each 'message' with send(msg, port, address), and a
 * connect()ed socket that sends the next ping from its 'message' handler.
 */
import dgram from "node:dgram";
import { once } from "node:events";
import { dial, errorIs, listenPacket, ErrClosed, type UDPConn } from "../src/index.js";
import { Meter, alternate, emit, makeResult, runOnce, type BenchOptions, type Impl, type Role, type Workload } from "./harness.js";

/** Bytes per datagram, both ways. */
const datagramSize = 64;

/** Read buffers are 64 KiB on both sides, as libuv's UDP receive buffers are. */
const readSize = 64 * 1024;

interface UDPPingPongArgs {
  impl: Impl;
  warmupMs: number;
  ms: number;
}

/** sockitPingPong measures round trips/s between a dialed UDPConn and a listenPacket echo. */
async function sockitPingPong(a: UDPPingPongArgs): Promise<number> {
  await using pc = await listenPacket("udp4", "127.0.0.1:0");
  const echoing = echo(pc);
  await using c = await dial("udp4", pc.localAddr()!.toString());
  const ping = new Uint8Array(datagramSize);
  const buf = new Uint8Array(readSize);
  const meter = new Meter(a.warmupMs, a.ms);
  do {
    await c.write(ping);
    if ((await c.read(buf)) !== datagramSize) throw new Error("udp ping-pong: the echo was not 64 bytes");
  } while (meter.tick());
  await pc.close();
  await echoing;
  return await meter.rate;
}

/** echo answers each datagram to its sender until the conn is closed. */
async function echo(pc: UDPConn): Promise<void> {
  const buf = new Uint8Array(readSize);
  try {
    for (;;) {
      const { n, addr } = await pc.readFrom(buf);
      await pc.writeTo(buf.subarray(0, n), addr);
    }
  } catch (err) {
    if (!errorIs(err, ErrClosed)) throw err;
  }
}

/** nodePingPong measures the same with Node core `dgram` on both ends. */
async function nodePingPong(a: UDPPingPongArgs): Promise<number> {
  const server = dgram.createSocket("udp4");
  server.on("message", (msg, r) => server.send(msg, r.port, r.address));
  server.bind(0, "127.0.0.1");
  await once(server, "listening");
  const c = dgram.createSocket("udp4");
  c.connect(server.address().port, "127.0.0.1");
  await once(c, "connect");
  const ping = Buffer.alloc(datagramSize);
  const meter = new Meter(a.warmupMs, a.ms);
  c.on("message", (d) => {
    if (d.length !== datagramSize) throw new Error("udp ping-pong: the echo was not 64 bytes");
    if (meter.tick()) c.send(ping);
  });
  c.send(ping);
  const rate = await meter.rate;
  c.close();
  server.close();
  return rate;
}

/** The child-process side: one trial, answered as `{ rate }`. */
export const roles: Record<string, Role> = {
  "pingpong-udp": async (args) => {
    const a = args as unknown as UDPPingPongArgs;
    emit({ rate: a.impl === "sockit" ? await sockitPingPong(a) : await nodePingPong(a) });
  },
};

/** UDP ping-pong, sockit against Node core `dgram`. */
export const workloads: Workload[] = [
  {
    names: ["pingpong-udp"],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, async (impl) => {
        const args: UDPPingPongArgs = { impl, warmupMs: o.warmupMs, ms: o.trialMs };
        return (await runOnce<{ rate: number }>("pingpong-udp", args, { cpu: 0 }, o)).rate;
      });
      const pinned = o.taskset ? "client and echo on cpu 0" : "unpinned: taskset is missing";
      return [makeResult("pingpong-udp", "round trips/s", "higher", t, 0, { datagram_size: datagramSize, pinned })];
    },
  },
];
