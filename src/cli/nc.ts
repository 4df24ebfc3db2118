/**
 * `sockit dial` and `sockit listen`: nc over sockit. Stdin goes to the conn and the conn to
 * stdout; at stdin's end the conn is half-closed (closeWrite), and the command is done once the
 * conn reaches end of stream and stdout has taken every byte.
 */
import { constants as osConstants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { debuglog } from "node:util";
import { dial, listen, OpError, type Conn, type Listener } from "../index.js";
import { showAddr } from "./table.js";

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
}

/** StdioError is a failed read of stdin or write to stdout, in Go's `*os.PathError` words. */
export class StdioError extends Error {
  override readonly name = "StdioError";
  constructor(op: "read" | "write", path: string, cause: unknown) {
    super(`${op} ${path}: ${describeNodeError(cause)}`, { cause });
  }
}

/** Go's texts for the errors stdio is likely to meet; else Node's own message. */
function describeNodeError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === "EPIPE") return "broken pipe";
  if (code === "ECONNRESET") return "connection reset by peer";
  if (code === "EIO") return "input/output error";
  return err instanceof Error ? err.message : String(err);
}

/**
 * ncDial connects to `address` on `network` and copies until the conn's end of stream. It
 * throws sockit's error (for example "dial tcp 127.0.0.1:1: connect: connection refused").
 *
 * @example
 * await ncDial("tcp", "127.0.0.1:8080", { stdin: process.stdin, stdout: process.stdout, ... });
 */
export async function ncDial(network: string, address: string, o: NcOptions): Promise<void> {
  const conn = await dial(network, address, o.timeout > 0 ? { timeout: o.timeout } : {});
  await using _ = conn;
  if (o.verbose) o.log(`connected to ${showAddr(conn.remoteAddr())} from ${showAddr(conn.localAddr())}`);
  await copyBothWays(conn, o);
}

/**
 * ncListen listens on `address`, accepts one conn, stops listening (a unix socket file is
 * removed then) and copies until the conn's end of stream. SIGINT or SIGTERM while waiting
 * closes the listener, so no socket file is left behind, and resolves with the status the
 * signal would have given (128 + its number); otherwise it resolves with 0.
 */
export async function ncListen(network: string, address: string, o: NcOptions): Promise<number> {
  const ln = await listen(network, address);
  const trap = new SignalTrap(ln);
  let conn: Conn;
  try {
    if (o.verbose) o.log(`listening on ${network} ${showAddr(ln.addr())}`);
    conn = await ln.accept();
  } catch (err) {
    if (trap.status !== 0) return trap.status;
    throw err;
  } finally {
    trap.remove();
    await ln[Symbol.asyncDispose]();
  }
  await using _ = conn;
  if (o.verbose) o.log(`connection from ${showAddr(conn.remoteAddr())} to ${showAddr(conn.localAddr())}`);
  await copyBothWays(conn, o);
  return 0;
}

/**
 * SignalTrap closes a listener on SIGINT or SIGTERM, which makes its pending accept reject,
 * and remembers the exit status the signal would have given.
 */
class SignalTrap {
  /** 128 + the signal's number once one was caught, else 0. */
  status = 0;
  readonly #handler = (sig: NodeJS.Signals): void => {
    debug("caught %s while listening; closing the listener", sig);
    this.status = 128 + (osConstants.signals[sig] ?? 0);
    void this.ln[Symbol.asyncDispose]();
  };

  constructor(private readonly ln: Listener) {
    process.on("SIGINT", this.#handler);
    process.on("SIGTERM", this.#handler);
  }

  remove(): void {
    process.off("SIGINT", this.#handler);
    process.off("SIGTERM", this.#handler);
  }
}

/**
 * copyBothWays runs stdin → conn and conn → stdout together and resolves when the conn has
 * reached end of stream and stdout has flushed; a failure either way rejects at once. Stdin
 * may still be open then: as with nc, the peer's end of stream ends the copy.
 */
function copyBothWays(conn: Conn, o: NcOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    copyIn(conn, o.stdin).catch(reject);
    copyOut(conn, o.stdout).then(resolve, reject);
  });
}

/** The interface of conns that can half-close (TCPConn, UnixConn). */
interface HalfCloser {
  closeWrite(): Promise<void>;
}

function canHalfClose(c: Conn): c is Conn & HalfCloser {
  return typeof (c as Partial<HalfCloser>).closeWrite === "function";
}

/** copyIn writes stdin to the conn, then half-closes the conn at stdin's end. */
async function copyIn(conn: Conn, stdin: Readable): Promise<void> {
  let total = 0;
  try {
    for await (const chunk of stdin as AsyncIterable<Uint8Array>) {
      total += await conn.write(chunk);
    }
  } catch (err) {
    throw err instanceof OpError ? err : new StdioError("read", "/dev/stdin", err);
  }
  debug("stdin: end of file after %d bytes; half-closing", total);
  if (canHalfClose(conn)) await conn.closeWrite();
}

/** copyOut copies the conn to stdout until end of stream, waiting for each write to land. */
async function copyOut(conn: Conn, stdout: Writable): Promise<void> {
  // Stdout errors also arrive on each write's callback; this listener only keeps Node from
  // treating the 'error' event as uncaught.
  stdout.on("error", (err) => debug("stdout: %s", err.message));
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

function writeOut(out: Writable, p: Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    out.write(p, (err) => (err ? reject(new StdioError("write", "/dev/stdout", err)) : resolve()));
  });
}
