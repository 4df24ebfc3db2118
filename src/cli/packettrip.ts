/**
 * The tour's round trip over the datagram networks (udp*, unixgram): listenPacket, dial the
 * listener's address, send one datagram, and read the echo the listener sends back with
 * writeTo to the sender readFrom gave.
 */
import { performance } from "node:perf_hooks";
import { dial, listenPacket, UnixAddr, type Conn, type PacketConn } from "../index.js";
import { checkMirror, expectSame, ioTimeout, type PeerAddrs, type TripResult, type TripScope } from "./trip.js";

/** A datagram conn: UDPConn or UnixConn, dialed or from listenPacket. */
type Packets = Conn & PacketConn;

/**
 * datagramTrip round-trips one datagram: the dialed conn writes it, the listener echoes it to
 * its sender, and the dialed conn must read back exactly that datagram; the two ends must then
 * agree about their addresses. A unixgram client autobinds on Linux (sockit's dial does that,
 * so the listener can answer); elsewhere the trip binds it to a file next to the listener's.
 *
 * @example
 * const r = await datagramTrip("udp", "127.0.0.1:0", scope);
 */
export async function datagramTrip(network: string, address: string, scope: TripScope): Promise<TripResult> {
  const pc = scope.use((await listenPacket(network, address)) as Packets);
  pc.setDeadline(Date.now() + ioTimeout);
  const served = echoOne(pc);
  // Awaited below; until then this keeps a failure that comes first from being unhandled.
  served.catch(() => {});
  const c = scope.use((await dial(network, pc.localAddr()!.toString(), dialOptions(network, address))) as Packets);
  c.setDeadline(Date.now() + ioTimeout);
  const msg = new TextEncoder().encode(`hello over ${network}`);
  // One byte to spare, so that a longer datagram than the one sent would show.
  const buf = new Uint8Array(msg.length + 1);
  const t0 = performance.now();
  await c.write(msg);
  const n = await c.read(buf);
  const rttMs = performance.now() - t0;
  expectSame(msg, buf.subarray(0, n ?? 0));
  checkMirror(c, await served);
  const result = { local: c.localAddr(), remote: c.remoteAddr(), rttMs };
  await c.close();
  await pc.close();
  return result;
}

/** echoOne reads one datagram and writes it back to its sender. */
async function echoOne(pc: Packets): Promise<PeerAddrs> {
  const buf = new Uint8Array(4096);
  const { n, addr } = await pc.readFrom(buf);
  if (addr === null) throw new Error("the datagram came from an unnamed socket, which nothing can answer");
  await pc.writeTo(buf.subarray(0, n), addr);
  return { local: pc.localAddr(), remote: addr };
}

/**
 * dialOptions gives a unixgram client off Linux a name to be answered at (no autobind there);
 * elsewhere only the timeout.
 */
function dialOptions(network: string, address: string): { timeout: number; localAddr?: UnixAddr } {
  if (network !== "unixgram" || process.platform === "linux" || address.startsWith("@")) return { timeout: ioTimeout };
  return { timeout: ioTimeout, localAddr: new UnixAddr({ name: `${address}.client`, net: network }) };
}
