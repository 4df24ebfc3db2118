/**
 * `sockit tour`: a listener on every network this machine supports, one dial to each, one
 * message echoed back, and a table of what happened. Each network is one entry of
 * {@link stops}; a new kind of network (datagrams, say) adds one entry to {@link trips}.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { debuglog } from "node:util";
import { formatTable, oneLine, showAddr } from "./table.js";
import { streamTrip, type Trip, type TripScope } from "./trip.js";

const debug = debuglog("sockit");

/** What a stop may need from the machine, found once per tour. */
export interface TourEnv {
  /** A fresh temporary directory for socket files, removed after the tour. */
  dir: string;
  /** Unique to this run, for names that live outside `dir` (abstract unix names). */
  id: string;
  /** Whether this machine can listen on the IPv6 loopback, asked of Node core, not sockit. */
  ipv6: boolean;
}

/** One network the tour visits. */
export interface Stop {
  network: string;
  /** How a message goes round: the key of {@link trips}. */
  kind: keyof typeof trips;
  /** The address to listen on. */
  address(env: TourEnv): string;
  /** Why the stop cannot work on this machine, or null when it should. */
  skip?(env: TourEnv): string | null;
}

/** How each kind of network round-trips a message. */
export const trips = { stream: streamTrip } satisfies Record<string, Trip>;

/** The tour's stops, in the order shown. Adding a network is adding an entry here. */
export const stops: readonly Stop[] = [
  { network: "tcp", kind: "stream", address: () => "127.0.0.1:0" },
  { network: "tcp4", kind: "stream", address: () => "127.0.0.1:0" },
  {
    network: "tcp6",
    kind: "stream",
    address: () => "[::1]:0",
    skip: (env) => (env.ipv6 ? null : "no IPv6 loopback on this machine"),
  },
  { network: "unix", kind: "stream", address: (env) => join(env.dir, "tour.sock") },
  {
    network: "unix",
    kind: "stream",
    address: (env) => `@sockit-tour-${env.id}`,
    skip: () => (process.platform === "linux" ? null : "abstract names are Linux only"),
  },
];

/** Longest a stop may take before the tour closes its sockets and calls it failed. */
const stopTimeout = 5000;

/** The outcome of one stop, as shown in the table. */
interface Row {
  network: string;
  local: string;
  remote: string;
  result: "ok" | "FAIL" | "skipped";
  rtt: string;
  /** The error of a failed stop, or the reason for a skipped one. */
  note: string;
}

/**
 * tour visits every stop, prints the table and a summary with `print`, and resolves with the
 * exit status: 0 when every stop that should work did, else 1. It removes what it created.
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
  const row: Row = { network: stop.network, local: "", remote: "", result: "skipped", rtt: "", note: "" };
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

/** report prints the table, then the notes of failed and skipped stops, then a summary. */
function report(rows: readonly Row[], print: (line: string) => void): void {
  print("sockit tour: a listener on each network, one dial to it, one message echoed back");
  print("");
  const columns = [
    { header: "network" },
    { header: "local address" },
    { header: "remote address" },
    { header: "result" },
    { header: "rtt ms", align: "right" as const },
  ];
  const cells = rows.map((r) => [r.network, r.local, r.remote, r.result, r.rtt]);
  for (const line of formatTable(columns, cells)) print(line);
  const notes = rows.filter((r) => r.note !== "");
  if (notes.length > 0) print("");
  for (const r of notes) print(`${r.network} ${r.result}: ${r.note}`);
  const count = (res: Row["result"]): number => rows.filter((r) => r.result === res).length;
  print("");
  print(`${rows.length} stops: ${count("ok")} ok, ${count("FAIL")} failed, ${count("skipped")} skipped`);
}

/** canListenIPv6 asks Node core, not sockit, whether [::1] works here (Go's supportsIPv6 probe). */
function canListenIPv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host: "::1", port: 0, ipv6Only: true }, () => srv.close(() => resolve(true)));
  });
}
