/**
 * `sockit dial` and `sockit listen`: nc over sockit. On the conn networks (tcp*, unix,
 * unixpacket) stdin goes to the conn and the conn to stdout; at stdin's end the conn is
 * half-closed (closeWrite), and the command is done once the conn reaches end of stream and
 * stdout has taken every byte. The datagram networks are in ncpacket.ts.
 */
import type { Readable, Writable } from "node:stream";
import { debuglog } from "node:util";
import { canHalfClose, dial, listen, OpError, type Conn } from "../index.js";
import { showAddr } from "./table.js";
import { isMessageKind, maxMessage, netKind } from "./networks.js";
import { SignalTrap } from "./signals.js";
import { StdioError, ignoreStdoutErrors, stdinPieces, writeOut } from "./stdio.js";
import { packetDial, packetListen } from "./ncpacket.js";

export { StdioError } from "./stdio.js";

const debug = debuglog("sockit");

/** The streams and settings a copy runs with (the process's own, outside tests). */
export interface NcOptions {
  stdin: Readable;
  stdout: Writable;
  /** Where `-v` reports go. */
  log: (line: string) => void;
  /** Report the addresses (`-v`). */
  verbose: boolean;
  /** Dial timeout in milliseconds; 0 for none. */
  timeout: number;
  /** `-q`: end this many milliseconds after stdin's end; null for never. */
  quitAfter: number | null;
  /** `listen -k`: accept the next conn after each one ends, until a signal. */
  keepOpen?: boolean;
}

/**
 * ncDial connects to `address` on `network` and copies until the conn's end of stream (a
 * datagram network: until a signal or `-q`); it resolves with the exit status. It throws
 * sockit's error (for example "dial tcp 127.0.0.1:1: connect: connection refused").
 *
 * @example
 * process.exitCode = await ncDial("tcp", "127.0.0.1:8080", { stdin: process.stdin, ... });
 */
export async function ncDial(network: string, address: string, o: NcOptions): Promise<number> {
  const kind = netKind(network);
  if (kind === "datagram" || kind === "raw") return await packetDial(network, address, o);
  const conn = await dial(network, address, o.timeout > 0 ? { timeout: o.timeout } : {});
  await using _ = conn;
  if (o.verbose) o.log(`connected to ${showAddr(conn.remoteAddr())} from ${showAddr(conn.localAddr())}`);
  await copyBothWays(conn, isMessageKind(kind) ? maxMessage : Infinity, o);
  return 0;
}

/**
 * ncListen listens on `address`. On a conn network it accepts one conn, stops listening (a
 * unix socket file is removed then) and copies until both directions have ended; with
 * `keepOpen` it goes on listening and serves one conn after another (stdin goes to the first;
 * the later ones get its end at once), until a signal. SIGINT or SIGTERM while waiting for a
 * conn closes the listener, so no socket file is left behind, and resolves with the status the
 * signal would have given (128 + its number). A datagram network is served by
 * {@link packetListen}. Otherwise it resolves with 0.
 */
export async function ncListen(network: string, address: string, o: NcOptions): Promise<number> {
  const kind = netKind(network);
  if (kind === "datagram" || kind === "raw") return await packetListen(network, address, o);
  const ln = await listen(network, address);
  let current: Conn | null = null;
  // A signal closes the listener and, with -k, the conn being served.
  const trap = new SignalTrap({
    async [Symbol.asyncDispose]() {
      await ln[Symbol.asyncDispose]();
      if (o.keepOpen) await current?.[Symbol.asyncDispose]();
    },
  });
  try {
    if (o.verbose) o.log(`listening on ${network} ${showAddr(ln.addr())}`);
    for (;;) {
      let conn: Conn;
      try {
        conn = await ln.accept();
      } catch (err) {
        if (trap.status !== 0) return trap.status;
        throw err;
      }
      if (!o.keepOpen) {
        trap.remove();
        await ln[Symbol.asyncDispose]();
      }
      await using _ = conn;
      current = conn;
      if (o.verbose) o.log(`connection from ${showAddr(conn.remoteAddr())} to ${showAddr(conn.localAddr())}`);
      try {
        await copyBothWays(conn, isMessageKind(kind) ? maxMessage : Infinity, o);
      } catch (err) {
        if (trap.status !== 0) return trap.status;
        throw err;
      }
      current = null;
      if (!o.keepOpen) return 0;
      if (trap.status !== 0) return trap.status;
    }
  } finally {
    trap.remove();
    await ln[Symbol.asyncDispose]();
  }
}

/**
 * copyBothWays runs stdin → conn and conn → stdout together and resolves when both are done:
 * stdin has ended (and the conn is half-closed) and the conn has reached end of stream with
 * stdout flushed. The peer's half-close does not stop the sending direction, as with nc and
 * socat: a peer that ends its side early still gets all of stdin. Two things end it sooner:
 * `-q` after stdin's end, and, when stdin is a terminal, the peer's end of stream (nobody is
 * typing for a peer that has gone). A failure either way rejects at once. Each write to the
 * conn is at most `maxWrite` bytes (one record on unixpacket).
 */
function copyBothWays(conn: Conn, maxWrite: number, o: NcOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const interactive = (o.stdin as { isTTY?: boolean }).isTTY === true;
  return new Promise<void>((resolve, reject) => {
    let pending = 2;
    const oneDone = (): void => {
      if (--pending === 0) resolve();
    };
    copyIn(conn, o.stdin, maxWrite).then(() => {
      if (o.quitAfter !== null) timer = setTimeout(resolve, o.quitAfter);
      oneDone();
    }, reject);
    copyOut(conn, o.stdout).then(() => (interactive ? resolve() : oneDone()), reject);
  }).finally(() => clearTimeout(timer));
}

/** copyIn writes stdin to the conn, then half-closes the conn at stdin's end. */
async function copyIn(conn: Conn, stdin: Readable, maxWrite: number): Promise<void> {
  let total = 0;
  try {
    for await (const piece of stdinPieces(stdin, maxWrite)) total += await conn.write(piece);
  } catch (err) {
    throw err instanceof OpError || err instanceof StdioError ? err : new StdioError("read", "/dev/stdin", err);
  }
  debug("stdin: end of file after %d bytes; half-closing", total);
  if (canHalfClose(conn)) await conn.closeWrite();
}

/** copyOut copies the conn to stdout until end of stream, waiting for each write to land. */
async function copyOut(conn: Conn, stdout: Writable): Promise<void> {
  ignoreStdoutErrors(stdout, debug);
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    // The buffer is reused only after the write callback, so Node may keep a reference.
    await writeOut(stdout, buf.subarray(0, n));
    total += n;
  }
  debug("conn: end of stream after %d bytes", total);
}
