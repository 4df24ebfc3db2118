/**
 * Framing: 64-byte messages, each after a 4-byte big-endian length, sent one way as fast as a
 * Node socket can write them (pre-encoded 64 KiB blocks, so the sender's cost is the same for
 * every reader) to a reader that splits them into messages. The sender is its own process on
 * cpu 1, the reader on cpu 0; the figure is messages read per second. Readers: sockit's
 * `framed(conn, lengthField())`, the usual Node code (a 'data' handler that concatenates
 * Buffers and slices frames off), and `it-length-prefixed` over the Node socket (with a 4-byte
 * length decoder), the most used framing package on npm, reported in extra fields.
 */
import net from "node:net";
import { debuglog } from "node:util";
import * as lp from "it-length-prefixed";
import { listen } from "../src/index.js";
import { framed } from "../src/codec/framed.js";
import { lengthField } from "../src/codec/lengthfield.js";
import { Child, Meter, alternate, emit, makeResult, median, round, stdinEnd, type BenchOptions, type Impl, type Role, type Workload } from "./harness.js";
import { listenAddress, nodeConnect, nodeListen, type BenchNet } from "./endpoints.js";

const debug = debuglog("sockit");

/** The payload of every message. */
const messageSize = 64;
const frameSize = 4 + messageSize;
/** Messages per 64 KiB block the sender writes. */
const perBlock = Math.floor((64 * 1024) / frameSize);
/** The meters are ticked once per this many messages, for every reader alike. */
const tickEvery = 64;

/**
 * The readers measured: the harness's two (sockit's loop tries `tryRead()` before it awaits
 * `read()`, as docs/framing.md shows), sockit with `await read()` alone, and it-length-prefixed.
 */
type Reader = Impl | "await" | "ilp";

interface ReaderArgs {
  reader: Reader;
  network: BenchNet;
  dir: string;
  warmupMs: number;
  ms: number;
}

/** One block of `perBlock` frames, each a 4-byte length and 64 bytes. */
function block(): Buffer {
  const b = Buffer.alloc(perBlock * frameSize, 0x61);
  for (let i = 0; i < perBlock; i++) b.writeUInt32BE(messageSize, i * frameSize);
  return b;
}

/** Counts messages and ticks the meter every `tickEvery`; false once the window is over. */
class Counter {
  #n = 0;
  constructor(private readonly meter: Meter) {}
  add(): boolean {
    if (++this.#n < tickEvery) return true;
    this.#n = 0;
    return this.meter.tick(tickEvery);
  }
}

/**
 * sockitReader: a sockit listener; the accepted conn is read through `framed`, frames already
 * buffered taken with `tryRead()` (no promise), or each with `await read()` for "await".
 */
async function sockitReader(a: ReaderArgs): Promise<number> {
  const tryFirst = a.reader === "sockit";
  await using ln = await listen(a.network, listenAddress(a.network, a.dir));
  emit({ address: ln.addr().toString() });
  await using f = framed(await ln.accept(), lengthField({ length: 4, maxFrameLength: 1 << 16 }));
  const meter = new Meter(a.warmupMs, a.ms);
  const count = new Counter(meter);
  for (;;) {
    const frame = (tryFirst ? f.tryRead() : undefined) ?? (await f.read());
    if (frame === null) throw new Error("framing: the sender ended early");
    if (frame.length !== messageSize) throw new Error("framing: a message of the wrong size");
    if (!count.add()) break;
  }
  return meter.rate;
}

/** nodeReader: what Node programs do, a 'data' handler that concatenates and slices. */
async function nodeReader(a: ReaderArgs): Promise<number> {
  let meter!: Meter;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const server = net.createServer((s) => {
    s.on("error", () => {});
    meter = new Meter(a.warmupMs, a.ms);
    const count = new Counter(meter);
    let pending: Buffer = Buffer.alloc(0);
    s.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let off = 0;
      while (pending.length - off >= 4) {
        const len = pending.readUInt32BE(off);
        if (pending.length - off - 4 < len) break;
        const msg = pending.subarray(off + 4, off + 4 + len);
        off += 4 + len;
        if (msg.length !== messageSize) throw new Error("framing: a message of the wrong size");
        if (!count.add()) {
          s.destroy();
          return done();
        }
      }
      pending = pending.subarray(off);
    });
  });
  emit({ address: await nodeListen(server, a.network, a.dir) });
  await finished;
  server.close();
  return meter.rate;
}

/** What it-length-prefixed hands a length decoder (a Uint8ArrayList). */
type LengthInput = Parameters<NonNullable<lp.DecoderOptions["lengthDecoder"]>>[0];

/** A 4-byte big-endian length for it-length-prefixed (its default is a varint). */
const uint32Decoder = Object.assign(
  (data: LengthInput): number => {
    if (data.byteLength < 4) throw new RangeError("need 4 bytes");
    return data.getUint32(0);
  },
  { bytes: 4 },
);

/** ilpReader: it-length-prefixed's decode over the Node socket as an async iterable. */
async function ilpReader(a: ReaderArgs): Promise<number> {
  let accepted!: (s: net.Socket) => void;
  const conn = new Promise<net.Socket>((r) => (accepted = r));
  const server = net.createServer((s) => {
    s.on("error", () => {});
    accepted(s);
  });
  emit({ address: await nodeListen(server, a.network, a.dir) });
  const s = await conn;
  const meter = new Meter(a.warmupMs, a.ms);
  const count = new Counter(meter);
  for await (const msg of lp.decode(s as AsyncIterable<Uint8Array>, { lengthDecoder: uint32Decoder })) {
    if (msg.byteLength !== messageSize) throw new Error("framing: a message of the wrong size");
    if (!count.add()) break;
  }
  s.destroy();
  server.close();
  return meter.rate;
}

/** The sender: writes blocks until its conn breaks, then waits for the runner to end it. */
async function sender(args: { network: BenchNet; address: string }): Promise<void> {
  const c = await nodeConnect(args.network, args.address);
  c.setNoDelay(true);
  const b = block();
  let open = true;
  c.on("error", (err) => debug("framing sender: %s", err.message));
  c.on("close", () => (open = false));
  const pump = (): void => {
    while (open) if (!c.write(b)) return void c.once("drain", pump);
  };
  pump();
  emit({ sending: true });
  await stdinEnd();
  c.destroy();
}

/** The child-process side: `framing-read` is one trial's reader, `framing-send` its sender. */
export const roles: Record<string, Role> = {
  "framing-read": async (args) => {
    const a = args as unknown as ReaderArgs;
    const rate = a.reader === "node" ? await nodeReader(a) : a.reader === "ilp" ? await ilpReader(a) : await sockitReader(a);
    emit({ rate });
  },
  "framing-send": async (args) => sender(args as unknown as { network: BenchNet; address: string }),
};

/** One trial: a reader child (cpu 0) that announces its address, a sender child (cpu 1) for it. */
async function trial(reader: Reader, network: BenchNet, o: BenchOptions): Promise<number> {
  const cpus = o.twoCpus ? { reader: 0, sender: 1 } : { reader: null, sender: null };
  const args: ReaderArgs = { reader, network, dir: o.dir, warmupMs: o.warmupMs, ms: o.trialMs };
  const r = new Child("framing-read", args, { cpu: cpus.reader }, o);
  const { address } = await r.next<{ address: string }>();
  const s = new Child("framing-send", { network, address }, { cpu: cpus.sender }, o);
  try {
    await s.next();
    return (await r.next<{ rate: number }>()).rate;
  } finally {
    await s.end();
    const code = await r.end();
    if (code !== 0) throw new Error(`bench child framing-read exited with status ${code}`);
  }
}

function framing(network: BenchNet): Workload {
  const name = `framing-${network}`;
  return {
    names: [name],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, (impl) => trial(impl, network, o));
      const ilp: number[] = [];
      const awaitRead: number[] = [];
      for (let i = 0; i < o.trials; i++) {
        awaitRead.push(await trial("await", network, o));
        ilp.push(await trial("ilp", network, o));
      }
      const pinned = !o.taskset ? "unpinned: taskset is missing" : o.twoCpus ? "reader on cpu 0, sender on cpu 1" : "unpinned: fewer than two cpus";
      const m = median(ilp);
      return [
        makeResult(name, "messages/s", "higher", t, 0, {
          message_size: messageSize,
          sockit_reader: "tryRead() ?? await read()",
          node_reader: "'data' handler, Buffer.concat + readUInt32BE + subarray",
          sockit_await_read: round(median(awaitRead)),
          sockit_await_read_trials: awaitRead.map((x) => round(x)),
          ratio_await_read_vs_node: round(median(awaitRead) / median(t.node), 3),
          it_length_prefixed: round(m),
          it_length_prefixed_trials: ilp.map((x) => round(x)),
          ratio_vs_it_length_prefixed: round(median(t.sockit) / m, 3),
          pinned,
        }),
      ];
    },
  };
}

/** Framing over tcp and over unix. */
export const workloads: Workload[] = [framing("tcp"), framing("unix")];
