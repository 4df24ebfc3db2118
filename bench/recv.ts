/**
 * Datagrams received per second over unixgram and unixpacket, sockit only (Node core has no
 * such sockets). A sender process blasts 64-byte messages with `write` on a dialed conn as
 * fast as the kernel takes them; a receiver process counts what `read` gives over the
 * measured window. Sender on CPU 0, receiver on CPU 1. On unixgram the receiver is a
 * listenPacket conn, and a second set of trials counts with `readFrom` (which also decodes each
 * sender's address); on unixpacket it is the conn accepted from a listener.
 */
import { join } from "node:path";
import { dial, errorIs, listen, listenPacket, ErrClosed, type Conn, type Datagram, type UnixAddr, type UnixConn } from "../src/index.js";
import { Child, Meter, alternate, emit, makeResult, median, placed, round, stdinEnd } from "./harness.js";
import type { AnyImpl, BenchOptions, RefImpl, Role, Workload } from "./harness.js";

/** Bytes per message. */
export const messageSize = 64;

/** The networks measured, and how the receiver reads. */
export type RecvNet = "unixgram" | "unixpacket";
export type ReadWith = "read" | "readFrom";

interface ReceiverArgs {
  network: RecvNet;
  readWith: ReadWith;
  path: string;
  warmupMs: number;
  ms: number;
}

interface SenderArgs {
  network: RecvNet;
  address: string;
}

/** receiver binds, answers `{ address }`, counts over the window, answers `{ rate }`, waits. */
async function receiver(a: ReceiverArgs): Promise<void> {
  // A listenPacket unixgram conn iterates datagrams, an accepted unixpacket conn records.
  let conn: UnixConn<Datagram<UnixAddr>> | UnixConn;
  if (a.network === "unixgram") {
    conn = await listenPacket("unixgram", a.path);
    emit({ address: a.path });
  } else {
    await using ln = await listen("unixpacket", a.path);
    emit({ address: a.path });
    conn = await ln.accept();
  }
  await using _ = conn;
  const buf = new Uint8Array(64 * 1024);
  const readOne = a.readWith === "read" ? () => conn.read(buf) : () => conn.readFrom(buf);
  // The window is timed from the first message, once the sender is under way.
  await readOne();
  const meter = new Meter(a.warmupMs, a.ms);
  do await readOne();
  while (meter.tick());
  emit({ rate: await meter.rate });
  await stdinEnd();
}

/** sender writes 64-byte messages until its stdin closes (or the receiver goes away). */
async function sender(a: SenderArgs): Promise<void> {
  const c: Conn = await dial(a.network, a.address);
  let stopping = false;
  void stdinEnd().then(() => {
    stopping = true;
    return c.close();
  });
  const msg = new Uint8Array(messageSize);
  try {
    for (;;) await c.write(msg);
  } catch (err) {
    // Closed by the runner, or the receiver closed first: either way the trial is over.
    const code = (err as { code?: unknown }).code;
    if (!stopping && !errorIs(err, ErrClosed) && code !== "ECONNREFUSED" && code !== "EPIPE") throw err;
  }
}

/** The child-process side: `recv-receiver` and `recv-sender`. */
export const roles: Record<string, Role> = {
  "recv-receiver": (args) => receiver(args as unknown as ReceiverArgs),
  "recv-sender": (args) => sender(args as unknown as SenderArgs),
};

let serial = 0;

/**
 * A flood trial's two children: a receiver, and a sender that writes to the address the
 * receiver answers.
 */
export interface Flood {
  name: string;
  receiver: { role: string; args: object };
  sender: (address: string) => { role: string; args: object };
}

/** floodTrial runs one receiver and one sender of `impl` and returns the receiver's rate. */
export async function floodTrial(flood: Flood, impl: AnyImpl, o: BenchOptions): Promise<number> {
  const cpus = o.twoCpus ? { sender: 0, receiver: 1 } : { sender: null, receiver: null };
  const recv = new Child(flood.receiver.role, flood.receiver.args, placed(impl, { cpu: cpus.receiver }, o), o);
  let send: Child | null = null;
  try {
    const { address } = await recv.next<{ address: string }>();
    const s = flood.sender(address);
    send = new Child(s.role, s.args, placed(impl, { cpu: cpus.sender }, o), o);
    const { rate } = await recv.next<{ rate: number }>();
    const codes = [await send.end(), await recv.end()];
    if (codes.some((c) => c !== 0)) throw new Error(`${flood.name}: a child exited with status ${codes.join(", ")}`);
    return rate;
  } finally {
    await Promise.all([send?.end(), recv.end()]);
  }
}

/**
 * recvTrial runs one receiver and one sender over `network`, sockit's or a reference
 * program's, and returns the receiver's rate.
 */
export function recvTrial(network: RecvNet, readWith: ReadWith, o: BenchOptions, impl: "sockit" | RefImpl = "sockit"): Promise<number> {
  const path = join(o.dir, `recv-${process.pid}-${serial++}.sock`);
  const args: ReceiverArgs = { network, readWith, path, warmupMs: o.warmupMs, ms: o.trialMs };
  return floodTrial(
    {
      name: `recv-${network}`,
      receiver: { role: "recv-receiver", args },
      sender: (address) => ({ role: "recv-sender", args: { network, address } satisfies SenderArgs }),
    },
    impl,
    o,
  );
}

/** pinning says where the sender and receiver ran, for the JSON line. */
export function pinning(o: BenchOptions): string {
  if (!o.taskset) return "unpinned: taskset is missing";
  return o.twoCpus ? "sender on cpu 0, receiver on cpu 1" : "unpinned: fewer than two cpus";
}

export const note = "Node core has no unixgram or unixpacket sockets";

function recv(network: RecvNet): Workload {
  const name = `recv-${network}`;
  return {
    names: [name],
    async run(o: BenchOptions) {
      const t = await alternate(o.trials, () => recvTrial(network, "read", o), ["sockit"]);
      const extra: Record<string, unknown> = { message_size: messageSize, receiver: "read", note, pinned: pinning(o) };
      if (network === "unixgram") {
        const rf = await alternate(o.trials, () => recvTrial(network, "readFrom", o), ["sockit"]);
        extra.sockit_readfrom = round(median(rf.sockit));
        extra.sockit_readfrom_trials = rf.sockit.map((x) => round(x));
      }
      return [makeResult(name, "datagrams received/s", "higher", t, 0, extra)];
    },
  };
}

/** unixgram and unixpacket messages received per second. */
export const workloads: Workload[] = [recv("unixgram"), recv("unixpacket")];
