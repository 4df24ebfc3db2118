/**
 * `sockit tour`: every network Go names, once each: a listener (or the kernel, for raw IP),
 * one dial to it, one message echoed back, and a table of what happened. Each network is one
 * entry of {@link stops}; a new kind of round trip adds one entry to {@link trips}.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { debuglog } from "node:util";
import { formatTable, oneLine, showAddr } from "./table.js";
import { SkipStop, recordTrip, streamTrip, type Trip, type TripScope } from "./trip.js";
import { datagramTrip } from "./packettrip.js";
import { noRawReason, pingTrip } from "./pingtrip.js";
import { fifoTrip, pipeTrip } from "./pipetrip.js";
import { execTrip } from "./exectrip.js";
import { signalTrip } from "./signaltrip.js";
import { lockTrip } from "./locktrip.js";
import { queueTrip } from "./queuetrip.js";
import { semTrip } from "./semtrip.js";
import { shmTrip } from "./shmtrip.js";
import type { NetKind } from "./networks.js";

const debug = debuglog("sockit");

/** What a stop may need from the machine, found once per tour. */
export interface TourEnv {
  /** A fresh temporary directory for socket files, FIFOs and the lock file, removed afterwards. */
  dir: string;
  /**
   * Unique to this run, for names that live outside `dir` (abstract unix names, and the
   * names of message queues, semaphores and shared memory segments).
   */
  id: string;
  /** Whether this machine can listen on the IPv6 loopback, asked of Node core, not sockit. */
  ipv6: boolean;
}

/**
 * What a stop is: a socket kind, or one of the IPC kinds (pipes, FIFOs, child processes,
 * signals, file locks, message queues, semaphores, shared memory).
 */
export type StopKind = NetKind | "pipe" | "fifo" | "process" | "signal" | "lock" | "queue" | "semaphore" | "shm";

/** One network (or IPC kind) the tour visits. */
export interface Stop {
  network: string;
  /** The kind, which says how a message goes round (see {@link trips}). */
  kind: StopKind;
  /** The address to listen on (raw IP: to dial, and to listen on for the request). */
  address(env: TourEnv): string;
  /** Why the stop cannot work on this machine, or null when it should. */
  skip?(env: TourEnv): string | null;
}

/** How each kind of network round-trips a message. */
export const trips = {
  stream: streamTrip,
  seqpacket: recordTrip,
  datagram: datagramTrip,
  raw: pingTrip,
  pipe: pipeTrip,
  fifo: fifoTrip,
  process: execTrip,
  signal: signalTrip,
  lock: lockTrip,
  queue: queueTrip,
  semaphore: semTrip,
  shm: shmTrip,
} satisfies Record<StopKind, Trip>;

const noIPv6 = (env: TourEnv): string | null => (env.ipv6 ? null : "no IPv6 loopback on this machine");
const linuxOnly = (): string | null => (process.platform === "linux" ? null : "abstract names are Linux only");
// Go has no unixpacket on darwin either (SOCK_SEQPACKET is not there for AF_UNIX).
const noDarwin = (): string | null => (process.platform === "darwin" ? "no unixpacket on macOS" : null);
const abstract = (env: TourEnv): string => `@sockit-tour-${env.id}`;
/** The name of the stop's POSIX IPC object (or the stem of its names): "/sockit-tour-PID-…-queue". */
const posixName = (what: string) => (env: TourEnv): string => `/sockit-tour-${env.id}-${what}`;

/** The tour's stops, in the order shown. Adding a network is adding an entry here. */
export const stops: readonly Stop[] = [
  { network: "tcp", kind: "stream", address: () => "127.0.0.1:0" },
  { network: "tcp4", kind: "stream", address: () => "127.0.0.1:0" },
  { network: "tcp6", kind: "stream", address: () => "[::1]:0", skip: noIPv6 },
  { network: "udp", kind: "datagram", address: () => "127.0.0.1:0" },
  { network: "udp4", kind: "datagram", address: () => "127.0.0.1:0" },
  { network: "udp6", kind: "datagram", address: () => "[::1]:0", skip: noIPv6 },
  { network: "unix", kind: "stream", address: (env) => join(env.dir, "tour.sock") },
  { network: "unix", kind: "stream", address: (env) => `${abstract(env)}-stream`, skip: linuxOnly },
  { network: "unixgram", kind: "datagram", address: (env) => join(env.dir, "tour-gram.sock") },
  { network: "unixgram", kind: "datagram", address: (env) => `${abstract(env)}-gram`, skip: linuxOnly },
  { network: "unixpacket", kind: "seqpacket", address: (env) => join(env.dir, "tour-packet.sock"), skip: noDarwin },
  { network: "unixpacket", kind: "seqpacket", address: (env) => `${abstract(env)}-packet`, skip: linuxOnly },
  { network: "ip:icmp", kind: "raw", address: () => "127.0.0.1" },
  { network: "ip4:icmp", kind: "raw", address: () => "127.0.0.1" },
  { network: "ip6:ipv6-icmp", kind: "raw", address: () => "::1", skip: noIPv6 },
  { network: "pipe", kind: "pipe", address: () => "" },
  { network: "fifo", kind: "fifo", address: (env) => env.dir },
  { network: "exec", kind: "process", address: () => "" },
  { network: "signal", kind: "signal", address: () => "" },
  { network: "flock", kind: "lock", address: (env) => env.dir },
  { network: "mq", kind: "queue", address: posixName("queue") },
  { network: "sem", kind: "semaphore", address: posixName("sem") },
  { network: "shm", kind: "shm", address: posixName("shm") },
];

/**
 * The stops that are not networks, by kind: Go's os.Pipe, named pipes, os/exec, os/signal,
 * file locks (syscall.Flock), and POSIX message queues, semaphores and shared memory (which
 * Go has not), with the words the tour's header and summary use for them.
 */
const ipcWords: Partial<Record<StopKind, { header: string; summary: string }>> = {
  pipe: { header: "a pipe", summary: "pipes" },
  fifo: { header: "a FIFO", summary: "FIFOs" },
  process: { header: "a child process", summary: "a child process" },
  signal: { header: "a signal", summary: "a signal" },
  lock: { header: "a file lock", summary: "a file lock" },
  queue: { header: "a message queue", summary: "a message queue" },
  semaphore: { header: "a semaphore", summary: "a semaphore" },
  shm: { header: "shared memory", summary: "shared memory" },
};

/** Longest a stop may take before the tour closes its sockets and calls it failed. */
const stopTimeout = 5000;

/** The outcome of one stop, as shown in the table. */
interface Row {
  network: string;
  kind: StopKind;
  local: string;
  remote: string;
  result: "ok" | "FAIL" | "skipped";
  rtt: string;
  /** The error of a failed stop, or the reason for a skipped one. */
  note: string;
}

/**
 * tour visits every stop, prints the table and a summary with `print`, and resolves with the
 * exit status: 0 when every stop that should work did (a stop skipped for want of privilege
 * or of IPv6 does not count against it), else 1. It removes what it created.
 *
 * @example
 * process.exitCode = await tour((line) => console.log(line));
 */
export async function tour(print: (line: string) => void): Promise<number> {
  const env: TourEnv = {
    dir: mkdtempSync(join(tmpdir(), "sockit-tour-")),
    id: `${process.pid}-${randomBytes(4).toString("hex")}`,
    ipv6: await canListenIPv6(),
  };
  const rows: Row[] = [];
  try {
    for (const stop of stops) rows.push(await visit(stop, env));
  } finally {
    rmSync(env.dir, { recursive: true, force: true });
  }
  report(rows, print);
  return rows.some((r) => r.result === "FAIL") ? 1 : 0;
}

/** visit runs one stop within {@link stopTimeout}, turning any failure into a FAIL row. */
async function visit(stop: Stop, env: TourEnv): Promise<Row> {
  const row: Row = { network: stop.network, kind: stop.kind, local: "", remote: "", result: "skipped", rtt: "", note: "" };
  const why = stop.skip?.(env) ?? null;
  if (why !== null) return { ...row, note: why };
  const address = stop.address(env);
  const scope = new Scope();
  const timer = setTimeout(() => void scope.closeAll(true), stopTimeout);
  try {
    const t = await trips[stop.kind](stop.network, address, scope);
    return { ...row, local: showAddr(t.local), remote: showAddr(t.remote), result: "ok", rtt: t.rttMs.toFixed(3) };
  } catch (err) {
    debug("tour %s %s: %o", stop.network, address, err);
    if (err instanceof SkipStop) return { ...row, remote: address, note: err.message };
    const msg = scope.timedOut ? `timed out after ${stopTimeout} ms` : oneLine(err);
    return { ...row, remote: address, result: "FAIL", note: msg };
  } finally {
    clearTimeout(timer);
    await scope.closeAll(false);
  }
}

/** Scope closes what a stop opened, once, at its end or when it runs out of time. */
class Scope implements TripScope {
  timedOut = false;
  readonly #items: AsyncDisposable[] = [];

  use<T extends AsyncDisposable>(x: T): T {
    this.#items.push(x);
    return x;
  }

  async closeAll(timedOut: boolean): Promise<void> {
    if (timedOut) this.timedOut = true;
    const items = this.#items.splice(0).reverse();
    for (const x of items) {
      try {
        await x[Symbol.asyncDispose]();
      } catch (err) {
        debug("tour: dispose: %o", err);
      }
    }
  }
}

/** report prints the table, the notes of failed and skipped stops, raw IP's privilege, a summary. */
function report(rows: readonly Row[], print: (line: string) => void): void {
  const ipc = Object.values(ipcWords);
  print(
    "sockit tour: each network once: listen, dial, one message echoed back (raw IP: by the kernel); " +
      `then ${andList(ipc.map((w) => w.header))}`,
  );
  print("");
  const columns = [
    { header: "network" },
    { header: "kind" },
    { header: "local address" },
    { header: "remote address" },
    { header: "result" },
    { header: "rtt ms", align: "right" as const },
  ];
  const cells = rows.map((r) => [r.network, r.kind, r.local, r.remote, r.result, r.rtt]);
  for (const line of formatTable(columns, cells)) print(line);
  print("");
  for (const r of rows.filter((r) => r.note !== "")) print(`${r.network} ${r.result}: ${r.note}`);
  print(rawPrivilege(rows));
  const count = (res: Row["result"]): number => rows.filter((r) => r.result === res).length;
  const networks = new Set(rows.filter((r) => !(r.kind in ipcWords)).map((r) => r.network.split(":")[0])).size;
  print(
    `${rows.length} stops on ${networks} networks plus ${andList(ipc.map((w) => w.summary))}: ` +
      `${count("ok")} ok, ${count("FAIL")} failed, ${count("skipped")} skipped`,
  );
}

/** andList joins words as a sentence does: "a, b and c". */
function andList(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** rawPrivilege says whether this process may open raw IP sockets, as the raw stops found. */
function rawPrivilege(rows: readonly Row[]): string {
  const raw = rows.filter((r) => r.kind === "raw");
  if (raw.some((r) => r.note === noRawReason)) return "raw IP: CAP_NET_RAW is missing, so ip, ip4 and ip6 were skipped";
  if (raw.some((r) => r.result === "ok")) return "raw IP: CAP_NET_RAW is available";
  return "raw IP: CAP_NET_RAW unknown (no raw stop got as far as opening a socket)";
}

/** canListenIPv6 asks Node core, not sockit, whether [::1] works here (Go's supportsIPv6 probe). */
function canListenIPv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host: "::1", port: 0, ipv6Only: true }, () => srv.close(() => resolve(true)));
  });
}
