/**
 * `sockit relay ADDR1 ADDR2`: socat over every endpoint sockit has. ADDR1 is opened first (a
 * listen address waits for its conn), then ADDR2; bytes flow both ways at once, each
 * direction's end of stream passed on as a half-close, until both directions have ended, a
 * side fails, `--idle-timeout` passes, or SIGINT/SIGTERM. `,fork` on a listening ADDR1 runs
 * one relay per accepted conn. The exit status says which side failed. Addresses are in
 * relay_addr.ts, endpoints in relay_end.ts, the byte copy in relay_pump.ts; see docs/relay.md.
 */
import { debuglog } from "node:util";
import type { Addr, Conn, Listener } from "../index.js";
import type { RelayCommand } from "./args.js";
import type { RelayAddr } from "./relay_addr.js";
import { connEndpoint, dispose, listenOn, openEndpoint, type Endpoint } from "./relay_end.js";
import { Counter, PumpError, StatsReporter, pump, pumpPath, type Counters, type StatsOut } from "./relay_pump.js";
import { SignalTrap } from "./signals.js";
import { showAddr, oneLine } from "./table.js";

const debug = debuglog("sockit");

/** relayStatus holds the exit statuses (frozen: scripts match on them; docs/relay.md lists them). */
export const relayStatus = { done: 0, addr1: 1, usage: 2, addr2: 3 } as const;

/** RelayOptions says where the command reports: `log` for `sockit: ` lines, `stats` for `--stats`. */
export interface RelayOptions {
  log: (line: string) => void;
  stats: StatsOut;
}

/** RelayError is one side's failure: "relay: ADDR2 tcp:127.0.0.1:9: dial tcp ...". */
export class RelayError extends Error {
  override readonly name = "RelayError";
  constructor(
    readonly side: 1 | 2,
    text: string,
    cause: unknown,
  ) {
    // Frozen: scripts match on "relay: ADDR1 " and "relay: ADDR2 ".
    super(`relay: ADDR${side} ${text}: ${oneLine(cause instanceof PumpError ? cause.cause : cause)}`, { cause });
  }

  /** The exit status: 1 for ADDR1's side, 3 for ADDR2's. */
  get status(): number {
    return this.side === 1 ? relayStatus.addr1 : relayStatus.addr2;
  }
}

/** One relay's state: its abort, its counters, and why it ended early. */
interface Session {
  id: number;
  ac: AbortController;
  counters: Counters;
  idled: boolean;
  /** Called on each byte count; the idle timer sets it once the relay runs. */
  touch: () => void;
}

/**
 * relayCommand runs `sockit relay` and resolves with its exit status, having printed any
 * failure as one line: 0 done, 1 ADDR1's side failed, 3 ADDR2's, 128 + N after signal N.
 *
 * @example
 * process.exitCode = await relayCommand(cmd, { log: (l) => printErr(`sockit: ${l}`), stats });
 */
export async function relayCommand(c: RelayCommand, o: RelayOptions): Promise<number> {
  const all = new AbortController();
  const trap = new SignalTrap({ [Symbol.asyncDispose]: async () => all.abort() });
  const totals: Counters = { up: new Counter(), down: new Counter() };
  const stats = c.stats ? new StatsReporter(totals, o.stats) : null;
  try {
    if (c.addr1.how === "listen" && c.addr1.fork) await forkingRelay(c, o, all.signal, totals);
    else await oneRelay(c, o, all.signal, totals);
    return trap.status !== 0 ? trap.status : relayStatus.done;
  } catch (err) {
    if (trap.status !== 0) return trap.status;
    if (!(err instanceof RelayError)) throw err;
    o.log(err.message);
    return err.status;
  } finally {
    trap.remove();
    stats?.stop();
  }
}

/** oneRelay opens ADDR1 then ADDR2 and relays between them once. */
async function oneRelay(c: RelayCommand, o: RelayOptions, signal: AbortSignal, totals: Counters): Promise<void> {
  const s = newSession(1, signal, totals);
  const e1 = await open(c.addr1, 1, c, s.ac.signal, o);
  let e2: Endpoint;
  try {
    e2 = await open(c.addr2, 2, c, s.ac.signal, o);
  } catch (err) {
    await e1.close(false);
    throw err;
  }
  await relayPair(s, e1, e2, c, o);
}

/**
 * forkingRelay listens on ADDR1 and runs one relay per accepted conn, each with ADDR2 opened
 * anew, at most `--max` at a time (accept waits while at the cap). A relay's failure is
 * reported and ends only that relay; the command runs until a signal or the listener fails.
 */
async function forkingRelay(c: RelayCommand, o: RelayOptions, signal: AbortSignal, totals: Counters): Promise<void> {
  const a = c.addr1 as Extract<RelayAddr, { how: "listen" }>;
  let ln: Listener;
  try {
    ln = await listenOn(a.network, a.address, signal);
  } catch (err) {
    throw new RelayError(1, a.text, err);
  }
  if (c.verbose) o.log(`listening on ${a.network} ${showAddr(ln.addr())}`);
  const running = new Set<Promise<void>>();
  let id = 0;
  try {
    for (;;) {
      while (c.max > 0 && running.size >= c.max) await Promise.race(running);
      let conn: Conn;
      try {
        conn = await ln.accept();
      } catch (err) {
        if (signal.aborted) return;
        throw new RelayError(1, a.text, err);
      }
      const s = newSession(++id, signal, totals);
      const r = forkOne(s, connEndpoint(conn, a.kind), c, o).finally(() => running.delete(r));
      running.add(r);
    }
  } finally {
    await dispose(ln, "listener");
    await Promise.all(running);
  }
}

/** forkOne opens ADDR2 for one accepted conn and relays; failures are reported, not thrown. */
async function forkOne(s: Session, e1: Endpoint, c: RelayCommand, o: RelayOptions): Promise<void> {
  try {
    const e2 = await open(c.addr2, 2, c, s.ac.signal, o).catch(async (err: unknown) => {
      await e1.close(false);
      throw err;
    });
    await relayPair(s, e1, e2, c, o);
  } catch (err) {
    if (s.ac.signal.aborted && !(err instanceof RelayError)) return;
    o.log(oneLine(err));
  }
}

/** open opens one side, turning its failure into that side's RelayError. */
async function open(a: RelayAddr, side: 1 | 2, c: RelayCommand, signal: AbortSignal, o: RelayOptions): Promise<Endpoint> {
  try {
    const listening = (network: string, addr: Addr | null): void => {
      if (c.verbose) o.log(`listening on ${network} ${showAddr(addr)}`);
    };
    return await openEndpoint(a, { connectTimeout: c.connectTimeout, signal, listening });
  } catch (err) {
    throw new RelayError(side, a.text, err);
  }
}

/** newSession makes a relay's state; its abort follows the command's. */
function newSession(id: number, parent: AbortSignal, totals: Counters): Session {
  const ac = new AbortController();
  const s: Session = { id, ac, idled: false, counters: totals, touch: () => {} };
  s.counters = { up: new Counter(totals.up, () => s.touch()), down: new Counter(totals.down, () => s.touch()) };
  const stop = (): void => ac.abort();
  parent.addEventListener("abort", stop, { once: true });
  ac.signal.addEventListener("abort", () => parent.removeEventListener("abort", stop), { once: true });
  return s;
}

/**
 * idleTimer aborts the session once `ms` pass without a byte moving either way, counting from
 * the start of the transfer (socat's -T: a wait for a conn is not idleness). 0: no timer.
 */
function idleTimer(s: Session, ms: number): void {
  if (ms <= 0) return;
  let last = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = last + ms - Date.now();
    if (left > 0) {
      timer = setTimeout(check, left);
      return;
    }
    s.idled = true;
    s.ac.abort();
  };
  timer = setTimeout(check, ms);
  s.ac.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  s.touch = () => (last = Date.now());
}

/**
 * relayPair runs both directions at once until both have ended (each end passed on by the
 * pump), the session aborts (idle, signal), or one fails; then it closes both sides. A
 * failure rejects with the RelayError of the side whose read or write failed.
 */
async function relayPair(s: Session, e1: Endpoint, e2: Endpoint, c: RelayCommand, o: RelayOptions): Promise<void> {
  const { text: t1 } = c.addr1;
  const { text: t2 } = c.addr2;
  if (c.verbose) {
    o.log(`relay ${s.id} opened: ${t1} ${e1.detail} | ${t2} ${e2.detail} (1->2 ${pumpPath(e1.source, e2.sink)}, 2->1 ${pumpPath(e2.source, e1.sink)})`);
  }
  idleTimer(s, c.idleTimeout);
  const side = (err: unknown, from: 1 | 2): RelayError => {
    const failed = err instanceof PumpError && err.op === "write" ? ((3 - from) as 1 | 2) : from;
    return new RelayError(failed, failed === 1 ? t1 : t2, err);
  };
  let clean = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let pending = 2;
      const one = (): void => void (--pending === 0 && resolve());
      pump(e1.source, e2.sink, s.counters.up, s.ac.signal).then(one, (err: unknown) => reject(side(err, 1)));
      pump(e2.source, e1.sink, s.counters.down, s.ac.signal).then(one, (err: unknown) => reject(side(err, 2)));
      s.ac.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    clean = !s.ac.signal.aborted;
    if (s.idled && c.verbose) o.log(`relay ${s.id}: idle for ${c.idleTimeout} ms; closing`);
  } finally {
    s.ac.abort();
    await closeBoth(e1, e2, clean, t1, t2);
    if (c.verbose) o.log(`relay ${s.id} closed: 1->2 ${s.counters.up.bytes} bytes, 2->1 ${s.counters.down.bytes} bytes`);
  }
}

/** closeBoth closes both sides; after a clean end a side's own failure (exit status) is thrown. */
async function closeBoth(e1: Endpoint, e2: Endpoint, clean: boolean, t1: string, t2: string): Promise<void> {
  const [r1, r2] = await Promise.allSettled([e1.close(clean), e2.close(clean)]);
  if (r1.status === "rejected") throw new RelayError(1, t1, r1.reason);
  if (r2.status === "rejected") throw new RelayError(2, t2, r2.reason);
  debug("relay closed");
}
