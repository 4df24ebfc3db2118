/**
 * `sockit dial` and `sockit listen` on the datagram networks (udp*, unixgram, ip*:proto), as
 * `nc -u` does: each read of stdin goes out as one datagram, and each datagram that arrives is
 * written to stdout as it is. There is no end of stream, so the command runs until SIGINT or
 * SIGTERM (exit 128 + the signal's number), or until `-q` after stdin's end (exit 0).
 */
import { debuglog } from "node:util";
import { dial, listenPacket, type Addr, type Conn, type PacketConn } from "../index.js";
import type { NcOptions } from "./nc.js";
import { maxMessage } from "./networks.js";
import { SignalTrap } from "./signals.js";
import { SocketFile } from "./sockfile.js";
import { ignoreStdoutErrors, stdinPieces, writeOut } from "./stdio.js";
import { showAddr } from "./table.js";

const debug = debuglog("sockit");

/** A datagram conn: UDPConn, UnixConn or IPConn, dialed or from listenPacket. */
export type Packets = Conn & PacketConn;

/**
 * Bytes read per datagram: more than the largest datagram Linux's default buffers let through
 * (unixgram: net.core.wmem_default, 212,992). A longer one is cut, as Go's ReadFrom cuts it.
 */
export const datagramBuffer = 256 * 1024;

/**
 * packetDial dials `address` (a connected socket: only its peer's datagrams arrive) and copies
 * both ways until a signal or `-q`; it resolves with the exit status. On Linux a unixgram
 * client autobinds, so the peer can answer.
 *
 * @example
 * process.exitCode = await packetDial("udp", "127.0.0.1:9000", opts);
 */
export async function packetDial(network: string, address: string, o: NcOptions): Promise<number> {
  const conn = (await dial(network, address, o.timeout > 0 ? { timeout: o.timeout } : {})) as Packets;
  await using _ = conn;
  const trap = new SignalTrap(conn);
  try {
    if (o.verbose) o.log(`connected to ${showAddr(conn.remoteAddr())} from ${showAddr(conn.localAddr())}`);
    return await copyPackets(conn, new Destination(conn, true), o, trap, false);
  } finally {
    trap.remove();
  }
}

/**
 * packetListen binds `address` with listenPacket and prints every datagram that arrives, from
 * anyone; stdin goes to the latest sender that has an address (stdin waits until there is
 * one). With `-v` it reports each datagram's size and sender. On the way out it removes the
 * unixgram socket file it created, unless that file has since been replaced.
 */
export async function packetListen(network: string, address: string, o: NcOptions): Promise<number> {
  const pc = (await listenPacket(network, address)) as Packets;
  const trap = new SignalTrap(pc);
  const file = SocketFile.of(pc.localAddr());
  try {
    if (o.verbose) o.log(`listening on ${network} ${showAddr(pc.localAddr())}`);
    return await copyPackets(pc, new Destination(pc, false), o, trap, o.verbose);
  } finally {
    trap.remove();
    await pc[Symbol.asyncDispose]();
    file?.remove();
  }
}

/**
 * copyPackets runs stdin → datagrams and datagrams → stdout together. It resolves with 0 at
 * `-q` after stdin's end, with the signal's status once the trap has closed the conn, and
 * rejects on any other failure either way.
 */
async function copyPackets(pc: Packets, dest: Destination, o: NcOptions, trap: SignalTrap, report: boolean): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      copyIn(dest, o).then(() => {
        if (o.quitAfter !== null) timer = setTimeout(resolve, o.quitAfter);
      }, reject);
      copyOut(pc, dest, o, report).then(resolve, reject);
    });
    return 0;
  } catch (err) {
    if (trap.status !== 0) return trap.status;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** copyIn sends stdin, each read as one datagram (cut at {@link maxMessage} bytes). */
async function copyIn(dest: Destination, o: NcOptions): Promise<void> {
  let count = 0;
  for await (const piece of stdinPieces(o.stdin, maxMessage)) {
    await dest.send(piece);
    count++;
  }
  debug("stdin: end of file after %d datagrams", count);
}

/** copyOut writes each datagram to stdout, forever: a datagram socket has no end of stream. */
async function copyOut(pc: Packets, dest: Destination, o: NcOptions, report: boolean): Promise<void> {
  ignoreStdoutErrors(o.stdout, debug);
  const buf = new Uint8Array(datagramBuffer);
  for (;;) {
    const { n, addr } = await pc.readFrom(buf);
    dest.heard(addr);
    // An unbound unixgram sender has no address (Go gives nil); nothing can answer it.
    if (report) o.log(`datagram from ${addr === null ? "(unnamed)" : showAddr(addr)}: ${n} byte${n === 1 ? "" : "s"}`);
    if (n > 0) await writeOut(o.stdout, buf.subarray(0, n));
  }
}

/**
 * Destination is where stdin goes (relay: what the other side sends): the dialed peer, or the
 * latest sender a listener heard.
 */
export class Destination {
  #latest: Addr | null = null;
  #resolveKnown!: () => void;
  readonly #known = new Promise<void>((r) => (this.#resolveKnown = r));

  constructor(
    private readonly pc: Packets,
    private readonly connected: boolean,
  ) {}

  /** heard notes the sender of a datagram that arrived; null (unnamed) changes nothing. */
  heard(addr: Addr | null): void {
    if (addr === null) return;
    this.#latest = addr;
    this.#resolveKnown();
  }

  /** send sends one datagram, waiting on a listener until some sender can be answered. */
  async send(p: Uint8Array): Promise<void> {
    if (this.connected) {
      await this.pc.write(p);
      return;
    }
    await this.#known;
    await this.pc.writeTo(p, this.#latest);
  }
}
