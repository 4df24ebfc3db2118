/**
 * What sockit tells an observer, in one place (undici's model): the `diagnostics_channel`
 * channels it publishes on, the `NODE_DEBUG=sockit` log, and the registry of open fds behind
 * {@link activeHandles}. Nothing here costs a caller that is not observing: a channel's message
 * is built only after `hasSubscribers` says someone listens, the log's lines only when
 * NODE_DEBUG names sockit, and the registry is one Set entry per open fd.
 *
 * The registry holds FDs, never their owners: an owner dropped without `close()` must stay
 * collectable, so that owner.ts's finalizer can close its fd (a Set of owners would keep every
 * forgotten conn, and its fd, for life). What it lists about an owner comes from the FD: the
 * owner's class name and, for sockets, the NetFD (which holds no reference to its owner).
 *
 * The message types name net's classes; those imports are types only, erased at run time, so
 * the poll layer still calls nothing above it.
 */
import { channel } from "node:diagnostics_channel";
import { debuglog } from "node:util";
import { invalidArg } from "../sys/args.js";
import type { FD } from "./fd.js";
import type { Conn } from "../net/conn.js";
import type { Listener } from "../net/listener.js";
import type { PacketConn } from "../net/packetconn.js";

/**
 * debug writes a line to stderr when NODE_DEBUG names sockit (`NODE_DEBUG=sockit node app.js`),
 * as `util.debuglog` does; check {@link debugEnabled} before building costly arguments.
 * @internal
 */
export const debug = debuglog("sockit");

/**
 * debugEnabled is whether NODE_DEBUG names sockit. Node reads NODE_DEBUG once, at start-up,
 * so the answer is read once here too. @internal
 */
export const debugEnabled: boolean = debug.enabled;

/**
 * DialStartMessage is the message of `sockit:dial:start`, published once per user-level dial (`dial()`,
 * `Dialer.dial`) before name resolution; the attempts of a Happy Eyeballs race publish
 * nothing of their own. `network` and `address` are as the caller gave them.
 *
 * The same object is published again on `sockit:dial:end` or `sockit:dial:error`, with the
 * outcome's fields added, so a subscriber can pair start and end by identity.
 *
 * @example
 * import { subscribe } from "node:diagnostics_channel";
 * subscribe("sockit:dial:start", (m) => console.log("dialing", m.network, m.address));
 */
export interface DialStartMessage {
  network: string;
  address: string;
}

/** DialEndMessage is the message of `sockit:dial:end`: the dial's start message, with the conn and the time it took. */
export interface DialEndMessage extends DialStartMessage {
  conn: Conn;
  /** Milliseconds from the start of the dial to its conn (`performance.now()` differences). */
  durationMs: number;
}

/** DialErrorMessage is the message of `sockit:dial:error`: the dial's start message, with the error it rejects with. */
export interface DialErrorMessage extends DialStartMessage {
  /** The OpError (or TypeError, for a bad argument) the dial rejects with. */
  error: Error;
  /** Milliseconds from the start of the dial to its failure. */
  durationMs: number;
}

/**
 * ListenMessage is the message of `sockit:listen`, published when `listen` or `listenPacket` (or a
 * ListenConfig's) has a listening socket: the network and address as given (the listener's
 * `addr()` or `localAddr()` says what the kernel picked), and the listener or packet conn.
 */
export interface ListenMessage {
  network: string;
  address: string;
  listener: Listener | PacketConn;
}

/** AcceptMessage is the message of `sockit:accept`, published when a listener's `accept` (or iteration) has a conn. */
export interface AcceptMessage {
  listener: Listener;
  conn: Conn;
}

/**
 * CloseMessage is the message of `sockit:close`, published when an owner of an fd (a conn, listener, packet
 * conn, File, queue, ...) is closed by its `close()` (or `Symbol.asyncDispose`). Its `stats()`
 * still answers for what the owner did. Fields an owner lacks are null.
 */
export interface CloseMessage {
  /** The object closed. */
  owner: object;
  /** Its class name: "TCPConn", "UnixListener", "UDPConn", "File", ... */
  kind: string;
  /** The network of a socket ("tcp", "unixgram", ...), else null. */
  network: string | null;
  /** The local address of a socket, as its `toString()`, else null. */
  localAddr: string | null;
  /** The remote address of a connected socket, else null. */
  remoteAddr: string | null;
}

/**
 * channels are Node's `diagnostics_channel` objects for the names in docs/observability.md.
 * `channel(name)` returns the one object per name, so subscribing by name (`subscribe("sockit:
 * dial:start", fn)`) and through these is the same. @internal
 */
export const channels = {
  dialStart: channel("sockit:dial:start"),
  dialEnd: channel("sockit:dial:end"),
  dialError: channel("sockit:dial:error"),
  listen: channel("sockit:listen"),
  accept: channel("sockit:accept"),
  close: channel("sockit:close"),
} as const;

/**
 * publishListen publishes a new listener or packet conn on `sockit:listen`, if anyone listens,
 * and gives it back. @internal
 */
export function publishListen<L extends Listener | PacketConn>(network: string, address: string, listener: L): L {
  if (channels.listen.hasSubscribers) channels.listen.publish({ network, address, listener } satisfies ListenMessage);
  return listener;
}

/**
 * OwnerFacts are what an owner's FD knows of it beyond the fd: a socket's network and addresses (NetFD has
 * these fields), or a name. It must not reference the owner, or the owner could never be
 * collected (see the module comment). @internal
 */
export interface OwnerFacts {
  readonly net?: string;
  readonly laddr?: { toString(): string } | null;
  readonly raddr?: { toString(): string } | null;
  readonly name?: string;
}

/**
 * ActiveHandle is an open fd owner, as {@link activeHandles} lists it.
 *
 * Go: no counterpart; Node's `process.getActiveResourcesInfo()` is the nearest (it cannot list
 * sockit's handles: see docs/observability.md).
 */
export interface ActiveHandle {
  /** The owner's class: "TCPConn", "TCPListener", "UnixConn", "UDPConn", "File", "MessageQueue", ... */
  kind: string;
  /** The descriptor number. */
  fd: number;
  /** The network of a socket ("tcp", "unix", ...), else null. */
  network: string | null;
  /** The local address of a socket (`localAddr().toString()`), else null. */
  localAddr: string | null;
  /** The remote address of a connected socket, else null. */
  remoteAddr: string | null;
  /** A File's name, where the owner gives one, else null. */
  name: string | null;
  /**
   * The calls parked waiting for readiness: "read", "write", "accept", "recvmsg", "sendmsg",
   * "raw-read", "raw-write" (at most one per direction; others queue behind them).
   */
  waiting: string[];
  /** Calls queued behind the waiting ones, for their direction's lock. */
  queued: number;
  /** Calls running on another thread: a regular file's reads and writes, lock waits. */
  inflight: number;
  /** Whether a waiting call would keep the process alive: `ref()` (the default), not `unref()`. */
  refed: boolean;
  /** Whether the owner keeps the event loop alive right now: a waiting call while ref'd, or a call on another thread. */
  keepsAlive: boolean;
}

/**
 * openFDs are the FDs open now, in order of opening; each adds itself when made and leaves when closed.
 * @internal
 */
export const openFDs = new Set<FD>();

/**
 * activeHandles lists every fd sockit owns now (conns, listeners, packet conns, Files, queues,
 * ...), oldest first, with what each is and what, if anything, keeps the process alive: the
 * sockit half of "why does my process not exit?". A snapshot; closed owners are gone from it.
 *
 * @example
 * const ln = await listen("tcp", "127.0.0.1:0");
 * const pending = ln.accept();
 * activeHandles(); // [{ kind: "TCPListener", network: "tcp", localAddr: "127.0.0.1:40123", waiting: ["accept"], keepsAlive: true, ... }]
 *
 * Go: none. Node 20's `process.getActiveResourcesInfo()` lists only Node's own handle classes,
 * never an addon's; see docs/observability.md.
 */
export function activeHandles(): ActiveHandle[] {
  const out: ActiveHandle[] = [];
  for (const fd of openFDs) out.push(fd.describe());
  return out;
}

/** addrString returns an address's string, or null for none. @internal */
export function addrString(a: { toString(): string } | null | undefined): string | null {
  return a === null || a === undefined ? null : a.toString();
}

/** publishClose publishes `owner`'s close on `sockit:close`; call it only when the channel has subscribers. @internal */
export function publishClose(owner: object, pfd: FD): void {
  const f = pfd.facts;
  const msg: CloseMessage = {
    owner,
    kind: pfd.kind,
    network: f?.net ?? null,
    localAddr: addrString(f?.laddr),
    remoteAddr: addrString(f?.raddr),
  };
  channels.close.publish(msg);
}

/**
 * FDStats are the counters of one fd owner, as its `stats()` returns them: what its reads and
 * writes moved, and how often and how long they waited for the kernel. Counting costs an
 * integer increment per completed call or wait; the wait times are measured only with
 * {@link setWaitTiming} on, and then the clock is read only when a call has to wait (EAGAIN),
 * never on the fast path.
 *
 * @example
 * await conn.write(new TextEncoder().encode("ping"));
 * conn.stats(); // { bytesWritten: 4, writes: 1, writeWaits: 0, ... }
 *
 * Go: none (Go's net keeps no per-conn counters).
 */
export interface FDStats {
  /** Bytes received by reads (read, readFrom, readMsg, iteration). */
  bytesRead: number;
  /** Bytes the kernel took from writes, a failed write's partial count included. */
  bytesWritten: number;
  /** Read calls completed (end of stream included); a failed one is not counted. */
  reads: number;
  /** Write calls completed. */
  writes: number;
  /**
   * Times a read, accept or other read-side call waited for readiness (the kernel said
   * EAGAIN, or the last read drained the socket): one per wait, so a call can count several.
   */
  readWaits: number;
  /** Times a write-side call (a write the kernel's buffer could not take, a connect) waited. */
  writeWaits: number;
  /** Milliseconds read-side calls spent waiting while {@link setWaitTiming} was on, a wait still going on included. */
  readWaitMs: number;
  /** Milliseconds write-side calls spent waiting while {@link setWaitTiming} was on, a wait still going on included. */
  writeWaitMs: number;
}

/**
 * waitTiming says whether waits for readiness are timed (for FDStats' readWaitMs and writeWaitMs); see
 * {@link setWaitTiming}. @internal
 */
export const waitTiming = { on: false };

/**
 * setWaitTiming turns the timing of waits for readiness on or off, process-wide (this thread):
 * with it on, `stats()`'s `readWaitMs` and `writeWaitMs` add up the time calls spent waiting
 * for the kernel; with it off (the default) they stay as they are, while every count (bytes,
 * calls, waits) is always kept. Off by default because it reads the clock twice per wait: in a
 * 1-byte TCP ping-pong, where every read waits, that is about 4% of the round trips on a
 * 2-vCPU machine (each clock read costs about 45 ns there). A wait already going on when it is
 * turned on is not timed.
 *
 * @example
 * setWaitTiming(true);
 * await conn.read(buf);
 * conn.stats().readWaitMs; // how long that read waited for data
 *
 * Go: none.
 */
export function setWaitTiming(on: boolean): void {
  if (typeof on !== "boolean") throw invalidArg("on", "a boolean", on);
  waitTiming.on = on;
}
