/**
 * The endpoints of `sockit relay`: each address kind opened as a {@link Source} and a
 * {@link Sink} for the pump, with what its `-v` line shows and how it is closed. Sockets go
 * through sockit's `dial`, `listen` and `listenPacket`; files, FIFOs and inherited fds through
 * `openFile`, `mkfifo` and `newFile`; `exec:` through `command()` and its pipes.
 */
import { fstatSync, lstatSync, openSync, closeSync, unlinkSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { debuglog } from "node:util";
import {
  Errno, PathError, canHalfClose, command, dial, fileConn, listen, listenPacket, mkfifo, newFile, openFile,
  O_CREATE, O_TRUNC, O_WRONLY, type Addr, type Conn, type File, type Listener,
} from "../index.js";
import { Destination, datagramBuffer, type Packets } from "./ncpacket.js";
import { maxMessage, netKind, type NetKind } from "./networks.js";
import { isPacketKind as isPacket, type RelayAddr } from "./relay_addr.js";
import { streamBuffer, type Sink, type Source } from "./relay_pump.js";
import { SocketFile } from "./sockfile.js";
import { showAddr } from "./table.js";

const debug = debuglog("sockit");

/**
 * Endpoint is one open side of a relay. `close(clean)` releases it; after a clean end it
 * rejects if the side failed in a way only its end shows (`exec:`: the child's exit status),
 * otherwise (an abort) it stops what runs (the child gets SIGTERM) and never rejects.
 */
export interface Endpoint {
  readonly source: Source;
  readonly sink: Sink;
  /** The addresses for `-v`: "127.0.0.1:40000 -> 127.0.0.1:8080". */
  readonly detail: string;
  close(clean: boolean): Promise<void>;
}

/** OpenOptions say how an endpoint is opened: the dial timeout, the abort that stops a wait, a listen report. */
export interface OpenOptions {
  connectTimeout: number;
  signal: AbortSignal;
  /** Told each listener's network and address once it listens (`-v`). */
  listening: (network: string, addr: Addr | null) => void;
}

/** openEndpoint opens `a` (a listen address: waits for its one conn, then stops listening). */
export async function openEndpoint(a: RelayAddr, o: OpenOptions): Promise<Endpoint> {
  switch (a.how) {
    case "dial":
      return await dialEndpoint(a.network, a.address, a.kind, o);
    case "listen":
      return isPacket(a.kind) ? await packetListenEndpoint(a.network, a.address, o) : await acceptOne(a.network, a.address, o);
    case "stdio":
      return stdioEndpoint();
    case "exec":
      return await execEndpoint(a.argv);
    case "file":
      return fileRelay(await openFile(a.path, a.dir === "write" ? O_WRONLY | O_CREATE | O_TRUNC : "r"), a.dir === "write", false, null);
    case "fifo":
      return await fifoEndpoint(a.path, a.dir === "write", o);
    case "fd":
      return await fdEndpoint(a.fd, a.dir);
  }
}

/** dispose closes `d` if still open; a failure is only logged, as nothing is left to do. */
export async function dispose(d: AsyncDisposable, what: string): Promise<void> {
  try {
    await d[Symbol.asyncDispose]();
  } catch (err) {
    debug("close %s: %o", what, err);
  }
}

/** dialEndpoint dials a conn or, on a datagram network, a connected packet socket. */
async function dialEndpoint(network: string, address: string, kind: NetKind, o: OpenOptions): Promise<Endpoint> {
  const conn = await dial(network, address, { signal: o.signal, ...(o.connectTimeout > 0 ? { timeout: o.connectTimeout } : {}) });
  return isPacket(kind) ? packetEndpoint(conn as Packets, true, null) : connEndpoint(conn, kind);
}

/**
 * listenOn listens on a conn network, for the caller to accept from; an abort closes it (a
 * unix listener's socket file goes with it, as Go's UnixListener.Close removes it).
 */
export async function listenOn(network: string, address: string, signal: AbortSignal): Promise<Listener> {
  const ln = await listen(network, address);
  signal.addEventListener("abort", () => void dispose(ln, "listener"), { once: true });
  return ln;
}

/** acceptOne accepts one conn and closes the listener at once, as socat does without fork. */
async function acceptOne(network: string, address: string, o: OpenOptions): Promise<Endpoint> {
  const ln = await listen(network, address);
  o.listening(network, ln.addr());
  const stop = (): void => void dispose(ln, "listener");
  o.signal.addEventListener("abort", stop, { once: true });
  try {
    return connEndpoint(await ln.accept(), netKind(network));
  } finally {
    o.signal.removeEventListener("abort", stop);
    await ln[Symbol.asyncDispose]();
  }
}

/** connEndpoint relays over a conn: records stay records on unixpacket; end → closeWrite. */
export function connEndpoint(conn: Conn, kind: NetKind): Endpoint {
  const records = kind === "seqpacket";
  return {
    source: { read: (p) => conn.read(p), messages: records, bufferSize: records ? datagramBuffer : streamBuffer, ...(records ? {} : { owner: conn }) },
    sink: {
      maxWrite: records ? maxMessage : Infinity,
      ...(records ? {} : { owner: conn }),
      write: async (p) => {
        if (p.length > 0 || records) await conn.write(p);
      },
      closeWrite: async () => {
        if (canHalfClose(conn)) await conn.closeWrite();
      },
    },
    detail: `${showAddr(conn.localAddr())} <-> ${showAddr(conn.remoteAddr())}`,
    close: () => dispose(conn, "conn"),
  };
}

/** packetListenEndpoint binds a datagram listener; it answers the latest sender. */
async function packetListenEndpoint(network: string, address: string, o: OpenOptions): Promise<Endpoint> {
  const pc = (await listenPacket(network, address)) as Packets;
  o.listening(network, pc.localAddr());
  return packetEndpoint(pc, false, SocketFile.of(pc.localAddr()));
}

/**
 * packetEndpoint relays datagrams: each read is one datagram from anyone (a connected socket:
 * from its peer), each write one datagram to the peer or the latest sender heard (a
 * listener's writes wait until someone has been heard from). There is no end to pass on.
 */
function packetEndpoint(pc: Packets, connected: boolean, file: SocketFile | null): Endpoint {
  const dest = new Destination(pc, connected);
  return {
    source: {
      read: async (p) => {
        const { n, addr } = await pc.readFrom(p);
        dest.heard(addr);
        return n;
      },
      messages: true,
      bufferSize: datagramBuffer,
    },
    sink: { maxWrite: maxMessage, write: (p) => dest.send(p), closeWrite: async () => {} },
    detail: `${showAddr(pc.localAddr())} <-> ${showAddr(pc.remoteAddr())}`,
    close: async () => {
      await dispose(pc, "packet conn");
      file?.remove();
    },
  };
}

/** byteSource reads a byte stream (a File, a conn): copy()'s owner, or into the pump's 64 KiB buffer. */
function byteSource(r: { read(p: Uint8Array): Promise<number | null> }): Source {
  return { read: (p) => r.read(p), messages: false, bufferSize: streamBuffer, owner: r };
}

/** byteSink writes a byte stream (an empty datagram writes nothing), as copy()'s owner too; `closeWrite` ends it. */
function byteSink(w: { write(p: Uint8Array): Promise<number> }, closeWrite: () => Promise<void>): Sink {
  return {
    maxWrite: Infinity,
    owner: w,
    write: async (p) => {
      if (p.length > 0) await w.write(p);
    },
    closeWrite,
  };
}

/** An endpoint's reading half that is at end of stream at once (a write-only file). */
const emptySource: Source = { read: async () => null, messages: false, bufferSize: 1 };

/** A writing half that takes everything and keeps nothing (a read-only file's other way). */
const discardSink: Sink = { maxWrite: Infinity, write: async () => {}, closeWrite: async () => {} };

/**
 * fileRelay relays a File one way (`writes`: the other side's bytes go into it, else it is
 * read) or, with `both`, both ways. Closing a written File is its end of stream; a File that
 * is also read stays open until the relay ends.
 */
function fileRelay(f: File, writes: boolean, both: boolean, after: (() => void) | null): Endpoint {
  const close = async (): Promise<void> => {
    await f[Symbol.asyncDispose]().catch((err: unknown) => debug("close %s: %o", f.name(), err));
    after?.();
  };
  const sink = byteSink(f, async () => {
    if (!both) await f.close();
  });
  return {
    source: writes && !both ? emptySource : byteSource(f),
    sink: writes || both ? sink : discardSink,
    detail: f.name(),
    close: () => close(),
  };
}

/**
 * fifoEndpoint opens a FIFO, made (0600) if missing and then removed at the end. Opening to
 * write waits for a reader (without blocking the loop), bounded by `--connect-timeout`.
 */
async function fifoEndpoint(path: string, writes: boolean, o: OpenOptions): Promise<Endpoint> {
  let made = false;
  if (lstatSync(path, { throwIfNoEntry: false }) === undefined) {
    await mkfifo(path, 0o600);
    made = true;
  }
  const remove = made ? () => unlinkQuietly(path) : null;
  try {
    const opts = { signal: o.signal, ...(o.connectTimeout > 0 ? { timeout: o.connectTimeout } : {}) };
    return fileRelay(await openFile(path, writes ? "w" : "r", opts), writes, false, remove);
  } catch (err) {
    remove?.();
    throw err;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    debug("remove %s: %o", path, err);
  }
}

/**
 * fdEndpoint adopts an inherited fd. A socket becomes a conn of its kind (fileConn: a stream
 * is half-closed with shutdown, a datagram socket keeps boundaries); anything else is a File,
 * read and written both ways unless `rdonly` or `wronly` was given.
 */
async function fdEndpoint(fd: number, dir: "read" | "write" | "both"): Promise<Endpoint> {
  let socket: boolean;
  try {
    socket = fstatSync(fd).isSocket();
  } catch (err) {
    // Checked before newFile adopts it: "fstat fd:9: bad file descriptor".
    throw new PathError("fstat", `fd:${fd}`, new Errno(Math.abs((err as { errno?: number }).errno ?? osConstants.errno.EBADF)));
  }
  const f = newFile(fd, `fd:${fd}`);
  if (!socket) return fileRelay(f, dir === "write", dir === "both", null);
  try {
    const conn = await fileConn(f);
    const kind = netKind(conn.localAddr()?.network() ?? "unix");
    return isPacket(kind) ? packetEndpoint(conn as Packets, conn.remoteAddr() !== null, null) : connEndpoint(conn, kind);
  } finally {
    await f.close(); // fileConn owns a dup, as Go's FileConn does.
  }
}

/**
 * stdioEndpoint reads fd 0 and writes fd 1, as Files (so the pump treats them as any other
 * fd). The end of stream passed to stdout closes fd 1, which is what its reader sees, and
 * puts /dev/null in its place so that no later socket takes the number 1.
 */
function stdioEndpoint(): Endpoint {
  const stdin = newFile(0, "/dev/stdin");
  const stdout = newFile(1, "/dev/stdout");
  let ended = false;
  const endStdout = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    await stdout[Symbol.asyncDispose]();
    const fd = openSync("/dev/null", "w");
    if (fd !== 1) closeSync(fd);
  };
  return {
    source: byteSource(stdin),
    sink: byteSink(stdout, endStdout),
    detail: "stdin/stdout",
    close: async () => {
      await stdin[Symbol.asyncDispose]().catch((err: unknown) => debug("close stdin: %o", err));
      await endStdout().catch((err: unknown) => debug("close stdout: %o", err));
    },
  };
}

/**
 * execEndpoint starts `argv` with its stdin and stdout on pipes (stderr is sockit's). Its
 * stdout is the source; the other side's end closes its stdin. A clean end waits for the
 * child and fails if it did not exit 0 ("exit status 1"); an abort sends it SIGTERM first.
 */
async function execEndpoint(argv: string[]): Promise<Endpoint> {
  const cmd = command(argv[0]!, ...argv.slice(1));
  cmd.stderr = { fd: 2 };
  const stdin = cmd.stdinPipe();
  const stdout = cmd.stdoutPipe();
  try {
    await cmd.start();
  } catch (err) {
    await Promise.all([dispose(stdin, "stdin pipe"), dispose(stdout, "stdout pipe")]);
    throw err;
  }
  const pid = cmd.process!.pid;
  return {
    source: byteSource(stdout),
    sink: byteSink(stdin, () => stdin.close()),
    detail: `pid ${pid}`,
    close: async (clean) => {
      await stdin[Symbol.asyncDispose]().catch(() => {});
      if (!clean) {
        try {
          cmd.process!.signal("SIGTERM");
        } catch (err) {
          debug("SIGTERM to pid %d: %o", pid, err);
        }
        await cmd.wait().catch((err: unknown) => debug("pid %d: %o", pid, err));
        return;
      }
      await cmd.wait();
    },
  };
}
