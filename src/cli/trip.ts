/**
 * The tour's round trips: listen, dial, send one message, read it back, and check on the way
 * that the two ends agree about their addresses and that closing cleans up.
 */
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { dial, listen, type Addr, type Conn, type Listener } from "../index.js";
import { showAddr } from "./table.js";

/** Where a trip registers what it opens, so the tour can close it even when the trip hangs. */
export interface TripScope {
  use<T extends AsyncDisposable>(x: T): T;
}

/** What a trip saw from the dialing side. */
export interface TripResult {
  local: Addr | null;
  remote: Addr | null;
  /** Milliseconds from the write of the message to the last byte of its echo. */
  rttMs: number;
}

/** A round trip over one network; it throws on any failure or disagreement. */
export type Trip = (network: string, address: string, scope: TripScope) => Promise<TripResult>;

/** Dial timeout and conn deadline of a trip, so that no step waits forever. */
const ioTimeout = 3000;

/**
 * streamTrip round-trips a message over a stream network: listen on `address`, dial the
 * listener's address, write, read the echo, half-close, and expect end of stream back.
 *
 * @example
 * const r = await streamTrip("tcp", "127.0.0.1:0", scope); // r.rttMs ≈ 0.1
 */
export async function streamTrip(network: string, address: string, scope: TripScope): Promise<TripResult> {
  const ln = scope.use(await listen(network, address));
  const served = echoOnce(ln, scope);
  // Awaited below; until then this keeps a failure that comes first from being unhandled.
  served.catch(() => {});
  const c = scope.use(await dial(network, ln.addr().toString(), { timeout: ioTimeout }));
  c.setDeadline(Date.now() + ioTimeout);
  const msg = new TextEncoder().encode(`hello over ${network}`);
  const t0 = performance.now();
  await c.write(msg);
  const got = await readFull(c, msg.length);
  const rttMs = performance.now() - t0;
  if (Buffer.compare(got, msg) !== 0) throw new Error(`echo differs: sent ${quote(msg)}, got ${quote(got)}`);
  await closeWrite(c);
  const more = await c.read(new Uint8Array(1));
  if (more !== null) throw new Error("expected end of stream after the echo, read more bytes");
  const peer = await served;
  checkMirror(c, peer);
  const result = { local: c.localAddr(), remote: c.remoteAddr(), rttMs };
  await c.close();
  await ln.close();
  if (address.startsWith("/") && existsSync(address)) throw new Error(`closed listener left ${address} behind`);
  return result;
}

/** The addresses of the accepting side. */
interface PeerAddrs {
  local: Addr | null;
  remote: Addr | null;
}

/** echoOnce accepts one conn, writes back what it reads until end of stream, and closes it. */
async function echoOnce(ln: Listener, scope: TripScope): Promise<PeerAddrs> {
  const s = scope.use(await ln.accept());
  s.setDeadline(Date.now() + ioTimeout);
  const buf = new Uint8Array(4096);
  for (let n = await s.read(buf); n !== null; n = await s.read(buf)) {
    await s.write(buf.subarray(0, n));
  }
  const addrs = { local: s.localAddr(), remote: s.remoteAddr() };
  await s.close();
  return addrs;
}

/** readFull reads exactly `n` bytes, or fewer if the stream ends first. */
async function readFull(c: Conn, n: number): Promise<Uint8Array> {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const k = await c.read(buf.subarray(got));
    if (k === null) break;
    got += k;
  }
  return buf.subarray(0, got);
}

/** closeWrite half-closes a conn that can; `Conn` itself has no closeWrite (Go's does not). */
async function closeWrite(c: Conn): Promise<void> {
  const hc = c as Conn & { closeWrite?: () => Promise<void> };
  if (typeof hc.closeWrite !== "function") throw new Error(`${c.constructor.name} cannot half-close`);
  await hc.closeWrite();
}

/** checkMirror checks that each end's local address is the other end's remote address. */
function checkMirror(c: Conn, peer: PeerAddrs): void {
  const pairs: [string, Addr | null, string, Addr | null][] = [
    ["dialer's local", c.localAddr(), "acceptor's remote", peer.remote],
    ["dialer's remote", c.remoteAddr(), "acceptor's local", peer.local],
  ];
  for (const [what, a, other, b] of pairs) {
    if (showAddr(a) !== showAddr(b)) {
      throw new Error(`${what} address ${showAddr(a)} is not the ${other} address ${showAddr(b)}`);
    }
  }
}

function quote(p: Uint8Array): string {
  return JSON.stringify(Buffer.from(p).toString("latin1"));
}
