/**
 * The tour's round trips over the conn networks (tcp*, unix, unixpacket): listen, dial, send,
 * read the echo, and check on the way that the two ends agree about their addresses and that
 * closing cleans up. The datagram and raw IP trips are in packettrip.ts and pingtrip.ts.
 */
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { canHalfClose, dial, listen, type Addr, type Conn, type Listener } from "../index.js";
import { showAddr } from "./table.js";

/** Where a trip registers what it opens, so the tour can close it even when the trip hangs. */
export interface TripScope {
  use<T extends AsyncDisposable>(x: T): T;
}

/** What a trip saw from the dialing side: addresses (or, for pipes, the Files' names). */
export interface TripResult {
  local: Addr | { toString(): string } | null;
  remote: Addr | { toString(): string } | null;
  /** Milliseconds from the write of the message to the last byte of its echo. */
  rttMs: number;
}

/** A round trip over one network; it throws on any failure or disagreement. */
export type Trip = (network: string, address: string, scope: TripScope) => Promise<TripResult>;

/**
 * SkipStop is thrown by a trip that cannot run here for a reason that is no fault of sockit's
 * (no CAP_NET_RAW, say): the tour shows the stop as skipped, with the message as the reason.
 */
export class SkipStop extends Error {
  override readonly name = "SkipStop";
}

/** Dial timeout and conn deadline of a trip, so that no step waits forever. */
export const ioTimeout = 3000;

/** The addresses of the answering side. */
export interface PeerAddrs {
  local: Addr | null;
  remote: Addr | null;
}

/**
 * streamTrip round-trips a message over a stream network: listen on `address`, dial the
 * listener's address, write, read the echo, half-close, and expect end of stream back.
 *
 * @example
 * const r = await streamTrip("tcp", "127.0.0.1:0", scope); // r.rttMs ≈ 0.1
 */
export async function streamTrip(network: string, address: string, scope: TripScope): Promise<TripResult> {
  const { ln, c, served } = await connect(network, address, scope);
  const msg = new TextEncoder().encode(`hello over ${network}`);
  const t0 = performance.now();
  await c.write(msg);
  const got = await readFull(c, msg.length);
  const rttMs = performance.now() - t0;
  expectSame(msg, got);
  return { ...(await finish(c, ln, served, address)), rttMs };
}

/**
 * recordTrip round-trips records over unixpacket: one record and its echo, then two records
 * written back to back, whose echoes must come back as two reads of exactly one record each
 * (not merged, as a stream would merge them); then half-close and end of stream, as for streams.
 */
export async function recordTrip(network: string, address: string, scope: TripScope): Promise<TripResult> {
  const { ln, c, served } = await connect(network, address, scope);
  const enc = new TextEncoder();
  const [first, second, third] = [`hello over ${network}`, "a second record", "and a third"].map((s) => enc.encode(s));
  const buf = new Uint8Array(256);
  const t0 = performance.now();
  await c.write(first!);
  const n = await c.read(buf);
  const rttMs = performance.now() - t0;
  expectSame(first!, buf.subarray(0, n ?? 0));
  await c.write(second!);
  await c.write(third!);
  for (const rec of [second!, third!]) expectSame(rec, buf.subarray(0, (await c.read(buf)) ?? 0));
  return { ...(await finish(c, ln, served, address)), rttMs };
}

/** connect listens, starts the echo, and dials the listener's address. */
async function connect(network: string, address: string, scope: TripScope) {
  const ln = scope.use(await listen(network, address));
  const served = echoOnce(ln, scope);
  // Awaited in finish; until then this keeps a failure that comes first from being unhandled.
  served.catch(() => {});
  const c = scope.use(await dial(network, ln.addr().toString(), { timeout: ioTimeout }));
  c.setDeadline(Date.now() + ioTimeout);
  return { ln, c, served };
}

/**
 * finish half-closes, expects end of stream, checks the addresses against the acceptor's,
 * closes both ends, and checks that the listener removed its socket file.
 */
async function finish(c: Conn, ln: Listener, served: Promise<PeerAddrs>, address: string) {
  await closeWrite(c);
  const more = await c.read(new Uint8Array(1));
  if (more !== null) throw new Error("expected end of stream after the echo, read more bytes");
  checkMirror(c, await served);
  const result = { local: c.localAddr(), remote: c.remoteAddr() };
  await c.close();
  await ln.close();
  if (address.startsWith("/") && existsSync(address)) throw new Error(`closed listener left ${address} behind`);
  return result;
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
  if (!canHalfClose(c)) throw new Error(`${c.constructor.name} cannot half-close`);
  await c.closeWrite();
}

/** expectSame throws unless the echo `got` is the message `sent`. */
export function expectSame(sent: Uint8Array, got: Uint8Array): void {
  if (Buffer.compare(got, sent) !== 0) throw new Error(`echo differs: sent ${quote(sent)}, got ${quote(got)}`);
}

/** checkMirror checks that each end's local address is the other end's remote address. */
export function checkMirror(c: { localAddr(): Addr | null; remoteAddr(): Addr | null }, peer: PeerAddrs): void {
  const pairs: [string, Addr | null, string, Addr | null][] = [
    ["dialer's local", c.localAddr(), "answerer's remote", peer.remote],
    ["dialer's remote", c.remoteAddr(), "answerer's local", peer.local],
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
