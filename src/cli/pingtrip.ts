/**
 * The tour's round trip over raw IP (ip, ip4, ip6): an ICMP echo request to the loopback
 * address, answered by the kernel itself. Raw sockets need CAP_NET_RAW; without it the stop is
 * skipped, not failed.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { dial, listenPacket, type Conn, type PacketConn } from "../index.js";
import { echoRequest, parseEcho, sameEcho, type Echo } from "./icmp.js";
import { SkipStop, checkMirror, ioTimeout, type TripResult, type TripScope } from "./trip.js";

/** A raw IP conn (IPConn), dialed or from listenPacket. */
type Raw = Conn & PacketConn;

/** The reason shown for a raw stop this process may not run. */
export const noRawReason = "needs CAP_NET_RAW (run as root)";

let seq = 0;

/**
 * pingTrip sends an ICMP echo request from a dialed raw conn to `address` and reads the
 * kernel's echo reply (matched by identifier, sequence and data; the request itself also
 * arrives, on loopback). A raw listener from listenPacket on the same address must see the
 * request go by; the reply's sender must be the dialed conn's remote address.
 *
 * @example
 * const r = await pingTrip("ip4:icmp", "127.0.0.1", scope);
 */
export async function pingTrip(network: string, address: string, scope: TripScope): Promise<TripResult> {
  const version = address.includes(":") ? 6 : 4;
  const ln = scope.use(await raw(() => listenPacket(network, address) as Promise<Raw>));
  const c = scope.use(await raw(() => dial(network, address, { timeout: ioTimeout }) as Promise<Raw>));
  ln.setDeadline(Date.now() + ioTimeout);
  c.setDeadline(Date.now() + ioTimeout);
  const data = new TextEncoder().encode(`hello over ${network} ${randomBytes(4).toString("hex")}`);
  const req: Echo = { version, id: process.pid & 0xffff, seq: ++seq & 0xffff, data };
  const t0 = performance.now();
  await c.write(echoRequest(req));
  const reply = await awaitEcho(c, "reply", req);
  const rttMs = performance.now() - t0;
  const request = await awaitEcho(ln, "request", req);
  checkMirror(c, { local: request.addr, remote: reply.addr });
  const result = { local: c.localAddr(), remote: c.remoteAddr(), rttMs };
  await c.close();
  await ln.close();
  return result;
}

/** raw opens a raw socket, turning a refusal for want of privilege into a {@link SkipStop}. */
async function raw(open: () => Promise<Raw>): Promise<Raw> {
  try {
    return await open();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EPERM" || code === "EACCES") throw new SkipStop(noRawReason, { cause: err });
    throw err;
  }
}

/**
 * awaitEcho reads packets (IPv4 headers stripped by readFrom, as in Go) until the echo
 * `kind` of `want` arrives, and returns its sender; the conn's deadline bounds the wait.
 */
async function awaitEcho(pc: Raw, kind: "request" | "reply", want: Echo) {
  const buf = new Uint8Array(1500);
  for (;;) {
    let got;
    try {
      got = await pc.readFrom(buf);
    } catch (err) {
      const timedOut = (err as { timeout?: () => boolean }).timeout?.() === true;
      if (!timedOut) throw err;
      const why = kind === "reply" ? " (does the kernel answer pings? see net.ipv4.icmp_echo_ignore_all)" : "";
      throw new Error(`no ICMP echo ${kind} within ${ioTimeout} ms${why}`, { cause: err });
    }
    const m = parseEcho(want.version, buf.subarray(0, got.n));
    if (m !== null && m.kind === kind && sameEcho(m.echo, want)) return got;
  }
}
