/**
 * systemd's side of a service, for sockit: socket activation (`listenFDs`, sd_listen_fds(3)),
 * readiness and state notifications (`sdNotify`, sd_notify(3)) and the watchdog interval
 * (`sdWatchdogEnabled`, sd_watchdog_enabled(3)). They speak the documented protocols (the
 * LISTEN_* and WATCHDOG_* variables, datagrams to NOTIFY_SOCKET), so they need no libsystemd
 * and work under any supervisor that speaks them (systemd-socket-activate, s6, launchers in
 * tests). Go's standard library has none of this; coreos/go-systemd's `activation` and
 * `daemon` packages are the Go reference.
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { E, Errno, NetError, brand, syscallError } from "../sys/errors.js";
import { invalidArg, isFd } from "../sys/args.js";
import { Sentinel } from "../poll/errors.js";
import { fileListener, filePacketConn, fileConn } from "../net/file_posix.js";
import { dial, listenPacket } from "../net/dial.js";
import { unixRights } from "../net/cmsg.js";
import { UnixAddr } from "../net/addr.js";
import type { Conn } from "../net/conn.js";
import type { Listener } from "../net/listener.js";
import type { PacketConn } from "../net/packetconn.js";
import { File, fileFromFd, fileType } from "./file.js";

/** The first inherited fd, SD_LISTEN_FDS_START of sd-daemon.h: 0, 1 and 2 stay stdio. */
const listenFdsStart = 3;
/** INT_MAX: sd_listen_fds refuses a count whose last fd would not be an int. */
const intMax = 0x7fffffff;

// Frozen: Go's strconv.ErrSyntax and strconv.ErrRange texts, which programs match on.
const errSyntax = new Sentinel("invalid syntax", "ERR_SOCKIT_SYNTAX");
const errRange = new Sentinel("value out of range", "ERR_SOCKIT_RANGE");

/**
 * ActivationError is the error of an activation variable sockit cannot use: a LISTEN_FDS that
 * is no count ("listenfds: LISTEN_FDS=\"two\": invalid syntax", code ERR_SOCKIT_SYNTAX), too
 * big a count (ERR_SOCKIT_RANGE), a count that names an fd which is not open
 * ("listenfds: LISTEN_FDS=\"4\": fd 6: fstat: bad file descriptor", code EBADF), a
 * NOTIFY_SOCKET that is neither a path nor "@name" (EAFNOSUPPORT), or a malformed
 * WATCHDOG_USEC or WATCHDOG_PID. Its `code` is the cause's. Go: go-systemd returns its
 * strconv errors as they are.
 *
 * @example
 * try { await listenFDs(); }
 * catch (e) { if (e instanceof ActivationError) console.error(e.variable, e.value); }
 */
export class ActivationError extends NetError {
  override readonly name = "ActivationError";
  readonly code: string | undefined;
  constructor(
    /** The call: "listenfds", "sdnotify" or "sdwatchdogenabled". */
    readonly op: string,
    /** The variable at fault, e.g. "LISTEN_FDS". */
    readonly variable: string,
    /** Its value, as read before it was unset. */
    readonly value: string,
    /** What is wrong with it. */
    readonly err: Error,
    /** The inherited fd at fault, or -1. */
    readonly fd = -1,
  ) {
    const at = fd >= 0 ? `: fd ${fd}` : "";
    super(`${op}: ${variable}=${JSON.stringify(value)}${at}: ${err.message}`, { cause: err });
    this.code = (err as { code?: string }).code;
  }
}
brand(ActivationError, "ActivationError");

/**
 * ListenFD is one fd `listenFDs` took over: its `name`, the number it was inherited as
 * (`inheritedFd`: 3, 4, ...; closed by now), and the owner that fits what it is, told by
 * `kind`: "listener", "packet", "conn" or "file".
 *
 * - "listener": a listening stream or seqpacket socket (ListenStream=, ListenSequentialPacket=),
 *   as a TCPListener or UnixListener (which never unlinks the socket file: systemd owns it);
 * - "packet": a datagram or raw socket (ListenDatagram=), as a UDPConn, UnixConn or IPConn;
 * - "conn": a connected stream or seqpacket socket (Accept=yes), as a TCPConn or UnixConn;
 * - "file": anything else, as a File: a FIFO (ListenFIFO=), a character device or regular
 *   file (ListenSpecial=), a message queue, a netlink or other socket sockit has no conn for.
 *
 * The name is FileDescriptorName= of the .socket unit, or "unknown" when none was given.
 *
 * @example
 * for (const fd of await listenFDs()) if (fd.kind === "packet") serveStats(fd.conn);
 */
export type ListenFD =
  | { name: string; inheritedFd: number; kind: "listener"; listener: Listener }
  | { name: string; inheritedFd: number; kind: "packet"; conn: PacketConn }
  | { name: string; inheritedFd: number; kind: "conn"; conn: Conn }
  | { name: string; inheritedFd: number; kind: "file"; file: File };

/** Options of {@link listenFDs}. */
export interface ListenFDsOptions {
  /** Unset LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, so children do not see them (default true). */
  unsetEnvironment?: boolean;
}

/** The LISTEN_* variables, read once; `undefined` where unset. */
interface ListenEnv {
  pid: string | undefined;
  fds: string | undefined;
  names: string | undefined;
}

/** takeEnv reads the variables named in `names` and, if `unset`, deletes them. */
function takeEnv(names: readonly string[], unset: boolean): (string | undefined)[] {
  const values = names.map((n) => process.env[n]);
  if (unset) for (const n of names) delete process.env[n];
  return values;
}

/** parseCount parses a decimal count as sd-daemon does (no sign, no spaces), or throws. */
function parseCount(op: string, variable: string, value: string, max: number): number {
  if (!/^[0-9]+$/.test(value)) throw new ActivationError(op, variable, value, errSyntax);
  const n = Number(value);
  if (n > max) throw new ActivationError(op, variable, value, errRange);
  return n;
}

/** isOurPid reports whether `value` is this process's pid (a malformed one is not). */
function isOurPid(value: string | undefined): boolean {
  return value !== undefined && /^[0-9]+$/.test(value) && Number(value) === process.pid;
}

/**
 * countFds is sd_listen_fds's arithmetic: 0 unless LISTEN_PID is this process's pid and
 * LISTEN_FDS is set; a LISTEN_FDS that is no count, or whose last fd would pass INT_MAX, throws.
 */
function countFds(env: ListenEnv): number {
  if (!isOurPid(env.pid) || env.fds === undefined) return 0;
  return parseCount("listenfds", "LISTEN_FDS", env.fds, intMax - listenFdsStart);
}

/** fdNames splits LISTEN_FDNAMES on ":" for `n` fds; a missing or empty name is "unknown". */
function fdNames(names: string | undefined, n: number): string[] {
  const list = names === undefined ? [] : names.split(":");
  return Array.from({ length: n }, (_, i) => (list[i] !== undefined && list[i] !== "" ? list[i]! : "unknown"));
}

const statOut = new Float64Array(4);

/**
 * Whether this thread has taken the fds already. Their numbers are closed then and may name
 * other files since, so a second call that still sees the variables (`unsetEnvironment:
 * false`) must not take those numbers again.
 */
let taken = false;

/** checkOpen throws unless every fd from 3 to 3+n-1 is open, before any is touched. */
function checkOpen(n: number, value: string): void {
  for (let fd = listenFdsStart; fd < listenFdsStart + n; fd++) {
    const rc = binding.fstat(fd, statOut);
    if (rc < 0) throw new ActivationError("listenfds", "LISTEN_FDS", value, syscallError("fstat", rc), fd);
  }
}

/**
 * takeFds replaces the inherited fds 3..3+n-1 with close-on-exec dups (F_DUPFD_CLOEXEC; the
 * native core records them as sockit's) and closes the originals, so no exec'd child inherits
 * them: sd_listen_fds sets FD_CLOEXEC on them for the same reason. The originals are closed
 * whatever happens; on a failed dup the dups made so far are closed too.
 */
function takeFds(n: number, value: string): number[] {
  const own: number[] = [];
  let ok = false;
  try {
    for (let fd = listenFdsStart; fd < listenFdsStart + n; fd++) {
      const d = binding.dup(fd);
      if (d < 0) throw new ActivationError("listenfds", "LISTEN_FDS", value, syscallError("fcntl", d), fd);
      own.push(d);
    }
    ok = true;
    return own;
  } finally {
    if (!ok) for (const d of own) binding.close(d);
    for (let fd = listenFdsStart; fd < listenFdsStart + n; fd++) binding.close(fd);
  }
}

const intOut = new Int32Array(1);

/** sockoptInt reads an int SOL_SOCKET option, or -1 when it cannot be read. */
function sockoptInt(fd: number, name: number): number {
  return binding.getsockoptInt(fd, C.SOL_SOCKET!, name, intOut) < 0 ? -1 : intOut[0]!;
}

/**
 * kindOf tells what `fd` is, by fstat, the socket's family (getsockname), its type (SO_TYPE)
 * and whether it listens (SO_ACCEPTCONN): Go's FileListener and FileConn take only the
 * families and types below, so anything else stays a File.
 */
function kindOf(fd: number): ListenFD["kind"] {
  if (fileType(fd) !== C.S_IFSOCK) return "file";
  const sa = binding.getsockname(fd);
  const family = typeof sa === "number" ? -1 : sa[0];
  const sotype = sockoptInt(fd, C.SO_TYPE!);
  const inet = family === C.AF_INET || family === C.AF_INET6;
  if (!inet && family !== C.AF_UNIX) return "file";
  if (sotype === C.SOCK_DGRAM || (inet && sotype === C.SOCK_RAW)) return "packet";
  if (sotype !== C.SOCK_STREAM && (inet || sotype !== C.SOCK_SEQPACKET)) return "file";
  return sockoptInt(fd, C.SO_ACCEPTCONN!) === 1 ? "listener" : "conn";
}

/**
 * ownFd makes the owner of `fd` (one of takeFds's dups), which it takes over whatever
 * happens: a File for "file"; for a socket, the listener or conn made from a File over it
 * (which owns a dup of its own), after which that File is closed.
 */
async function ownFd(fd: number, name: string, inheritedFd: number): Promise<ListenFD> {
  const kind = kindOf(fd);
  const file = fileFromFd(fd, name);
  if (kind === "file") return { name, inheritedFd, kind, file };
  try {
    if (kind === "listener") return { name, inheritedFd, kind, listener: await fileListener(file) };
    if (kind === "packet") return { name, inheritedFd, kind, conn: await filePacketConn(file) };
    return { name, inheritedFd, kind, conn: await fileConn(file) };
  } finally {
    await file.close();
  }
}

/** closeEntry closes the owner in one ListenFD, ignoring its error (a cleanup path). */
async function closeEntry(e: ListenFD): Promise<void> {
  const owner = e.kind === "listener" ? e.listener : e.kind === "file" ? e.file : e.conn;
  await owner.close().catch(() => {});
}

/**
 * listenFDs takes over the fds systemd passed for socket activation, sd_listen_fds(3)'s
 * protocol: nothing unless LISTEN_PID is this process's pid; then LISTEN_FDS fds from fd 3 on,
 * named by LISTEN_FDNAMES, each as a {@link ListenFD} with the owner that fits it (a listener,
 * a packet conn, a conn or a File). LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are unset
 * whatever the outcome (default `unsetEnvironment: true`). Go: go-systemd's
 * `activation.Files`, `Listeners` and `PacketConns` in one call (an fd can be taken once).
 *
 * The rules are sd_listen_fds's: an unset or malformed LISTEN_PID, or another process's, gives
 * nothing (and the variables are unset all the same); names are LISTEN_FDNAMES split on ":",
 * and a missing or empty one is "unknown", systemd's name for an unnamed fd. Unlike
 * sd_listen_fds, LISTEN_FDS=0, a malformed LISTEN_PID and a LISTEN_FDNAMES with too few names
 * are not errors; go-systemd names an unnamed fd "LISTEN_FD_3" and ignores a malformed
 * LISTEN_FDS, which throws here.
 *
 * Ownership: each inherited fd ends up owned exactly once, by the returned object, through a
 * close-on-exec dup (F_DUPFD_CLOEXEC: the native core has no F_SETFD, and sd_listen_fds sets
 * FD_CLOEXEC so that children do not inherit them); the original number is closed. The fds
 * are checked first: if one is not open, listenFDs throws having touched none. A failure after
 * that (EMFILE) closes every one of them and throws. Sockets are put in non-blocking mode,
 * which the other holders of the same socket (systemd) see too; systemd does not mind. The fds
 * are taken once: a later call gives [] even if the variables were kept, since the inherited
 * numbers are closed by then and may name other files (sd_listen_fds would hand them out again).
 *
 * @throws ActivationError for a LISTEN_FDS that is no count, too big, or names an fd that is
 * not open.
 *
 * @example
 * const fds = await listenFDs();
 * const web = fds.find((fd) => fd.kind === "listener" && fd.name === "web");
 * const ln = web?.kind === "listener" ? web.listener : await listen("tcp", ":8080");
 */
export async function listenFDs(opts: ListenFDsOptions = {}): Promise<ListenFD[]> {
  if (opts === null || typeof opts !== "object") throw invalidArg("opts", "an options object", opts);
  const [pid, fds, names] = takeEnv(["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"], opts.unsetEnvironment ?? true);
  const env: ListenEnv = { pid, fds, names };
  const n = countFds(env);
  if (n === 0 || taken) return [];
  checkOpen(n, env.fds!);
  taken = true;
  const own = takeFds(n, env.fds!);
  const fdNamesList = fdNames(env.names, n);
  const out: ListenFD[] = [];
  let i = 0;
  try {
    for (; i < n; i++) out.push(await ownFd(own[i]!, fdNamesList[i]!, listenFdsStart + i));
    return out;
  } catch (err) {
    // ownFd took own[i] over whatever happened; the ones after it are still bare dups.
    for (const e of out) await closeEntry(e);
    for (let j = i + 1; j < n; j++) binding.close(own[j]!);
    throw err;
  }
}

/** Options of {@link sdNotify}. */
export interface SdNotifyOptions {
  /**
   * Files whose fds go along with the message (SCM_RIGHTS), for FDSTORE=1: any object with
   * `fd()` (File, conns, listeners). Default none.
   */
  files?: ReadonlyArray<{ fd(): number }>;
  /** Unset NOTIFY_SOCKET, so that later calls and children send nothing (default false). */
  unsetEnvironment?: boolean;
}

const te = new TextEncoder();

/** notifyFds reads the fds of `files`, or throws a TypeError for a closed or foreign one. */
function notifyFds(files: ReadonlyArray<{ fd(): number }>): number[] {
  if (!Array.isArray(files)) throw invalidArg("opts.files", "an array", files);
  return files.map((f, i) => {
    const fd = f !== null && typeof f === "object" && typeof f.fd === "function" ? f.fd() : undefined;
    if (!isFd(fd)) throw invalidArg(`opts.files[${i}]`, "an open file (fd() >= 0)", fd ?? f);
    return fd;
  });
}

/**
 * sendNotify sends one datagram to `name`. Without fds it connects and writes, as go-systemd
 * does; with fds it sends from an unconnected socket (autobound on Linux), since a connected
 * unixgram conn refuses writeMsg (ErrWriteToConnected, as in Go).
 */
async function sendNotify(name: string, p: Uint8Array, fds: number[]): Promise<void> {
  if (fds.length === 0) {
    const c = await dial("unixgram", name);
    try {
      await c.write(p);
    } finally {
      await c.close();
    }
    return;
  }
  const c = await listenPacket("unixgram", "");
  try {
    await c.writeMsg(p, unixRights(fds), new UnixAddr({ name, net: "unixgram" }));
  } finally {
    await c.close();
  }
}

/**
 * sdNotify tells the service manager about the service's state, sd_notify(3)'s protocol:
 * `state` ("READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1", or several, one per line) goes
 * as one datagram to the unix socket NOTIFY_SOCKET names, a path or "@name" (abstract). With
 * `files`, their fds go along (SCM_RIGHTS), as sd_pid_notify_with_fds sends them, for
 * "FDSTORE=1". Resolves with false when NOTIFY_SOCKET is unset or empty (nothing is sent), true
 * once the message went out. Go: go-systemd's `daemon.SdNotify(unsetEnvironment, state)`,
 * which returns (false, nil), (false, err) and (true, nil) in the same cases, and sends no fds.
 *
 * With `unsetEnvironment: true` NOTIFY_SOCKET is unset first, whether or not the message goes
 * out (default false, so that later WATCHDOG=1 pings still go out). Failures reject with
 * sockit's errors: without files "dial unixgram /run/x: connect: no such file or directory"
 * (or "connection refused" with nobody bound there), with files the same from
 * "write unixgram @LOCAL->/run/x: sendmsg: ..."; a NOTIFY_SOCKET that is neither a path nor
 * "@name" rejects with an ActivationError (EAFNOSUPPORT), as sd_notify fails then (systemd
 * 254's "vsock:" addresses are not supported; go-systemd would try them as a path).
 *
 * @example
 * await sdNotify("READY=1\nSTATUS=serving on :8080");
 * await sdNotify("FDSTORE=1\nFDNAME=web", { files: [ln] }); // kept by systemd across restarts
 */
export async function sdNotify(state: string, opts: SdNotifyOptions = {}): Promise<boolean> {
  if (typeof state !== "string") throw invalidArg("state", "a string", state);
  if (opts === null || typeof opts !== "object") throw invalidArg("opts", "an options object", opts);
  const fds = notifyFds(opts.files ?? []);
  const [name] = takeEnv(["NOTIFY_SOCKET"], opts.unsetEnvironment ?? false);
  if (name === undefined || name === "") return false;
  if (name[0] !== "/" && name[0] !== "@") {
    throw new ActivationError("sdnotify", "NOTIFY_SOCKET", name, new Errno(E.EAFNOSUPPORT!));
  }
  await sendNotify(name, te.encode(state), fds);
  return true;
}

/** Options of {@link sdWatchdogEnabled}. */
export interface SdWatchdogOptions {
  /** Unset WATCHDOG_USEC and WATCHDOG_PID, so children do not see them (default false). */
  unsetEnvironment?: boolean;
}

/**
 * sdWatchdogEnabled gives the watchdog interval the service manager expects WATCHDOG=1 pings
 * within, in milliseconds, from WATCHDOG_USEC (microseconds), sd_watchdog_enabled(3)'s rules:
 * 0 when it is unset or WATCHDOG_PID names another process. Ping at about half of it. With
 * `unsetEnvironment: true` both variables are unset (default false). Go: go-systemd's
 * `daemon.SdWatchdogEnabled(unsetEnvironment)`, which returns a time.Duration; milliseconds
 * here, as every sockit duration.
 *
 * @throws ActivationError for a WATCHDOG_USEC that is no positive count, or a malformed
 * WATCHDOG_PID.
 *
 * @example
 * const ms = sdWatchdogEnabled();
 * if (ms > 0) setInterval(() => void sdNotify("WATCHDOG=1"), ms / 2).unref();
 */
export function sdWatchdogEnabled(opts: SdWatchdogOptions = {}): number {
  if (opts === null || typeof opts !== "object") throw invalidArg("opts", "an options object", opts);
  const [usec, pid] = takeEnv(["WATCHDOG_USEC", "WATCHDOG_PID"], opts.unsetEnvironment ?? false);
  if (usec === undefined) return 0;
  const op = "sdwatchdogenabled";
  const us = parseCount(op, "WATCHDOG_USEC", usec, Number.MAX_SAFE_INTEGER);
  if (us === 0) throw new ActivationError(op, "WATCHDOG_USEC", usec, errRange);
  if (pid !== undefined) {
    if (!/^[0-9]+$/.test(pid) || Number(pid) === 0) throw new ActivationError(op, "WATCHDOG_PID", pid, errSyntax);
    if (Number(pid) !== process.pid) return 0;
  }
  return us / 1000;
}
