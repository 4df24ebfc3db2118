/**
 * `sockit exec`: open sockets and run a command with them, as systemd's socket activation
 * does (sd_listen_fds(3)). Each `--listen` or `--dial` becomes the child's fd 3, 4, ..., in
 * order, with LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID set; stdin, stdout and stderr are
 * sockit's own. sockit closes its copies once the child has started, passes SIGINT and
 * SIGTERM on to it, and exits with its status, as a shell does.
 */
import { debuglog } from "node:util";
import { dial, listen, listenPacket, UnixListener, type FDHolder, type ProcessState } from "../index.js";
import type { ExecCommand, ExecSocket } from "./args.js";
import { childCommand, exitStatus, runChild, type ChildOptions } from "./child.js";
import { netKind } from "./networks.js";
import { SignalRelay } from "./signals.js";
import { SocketFile } from "./sockfile.js";
import { showAddr } from "./table.js";

const debug = debuglog("sockit");

/** Where `exec` reports: every fd it opened, and with `verbose` the child's life. */
export type ExecOptions = ChildOptions;

/** A socket opened for the child: its owner, its name, the line that reports it, its socket file. */
interface Opened {
  owner: FDHolder & AsyncDisposable;
  /** Its LISTEN_FDNAMES entry. */
  name: string;
  report: string;
  /** The unix socket file sockit bound, removed once the child has exited. */
  file: SocketFile | null;
}

/**
 * execCommand opens `c.sockets` in order, runs `c.argv` with them as fds 3, 4, ... and
 * resolves with the child's exit status, or 128 + the number of the signal that killed it.
 * It throws sockit's error for a socket that cannot be opened ("listen tcp 127.0.0.1:80:
 * bind: permission denied") or a command that cannot start (`exec: "nosuch": executable file
 * not found in $PATH`); SIGINT or SIGTERM before the child has started resolves with 130 or
 * 143, and no child is started.
 *
 * @example
 * process.exitCode = await execCommand(parseArgs(["exec", "--listen", "tcp", ":0", "--", "srv"]), opts);
 */
export async function execCommand(c: ExecCommand, o: ExecOptions): Promise<number> {
  const relay = new SignalRelay(o.verbose ? o.log : () => {});
  const opened: Opened[] = [];
  try {
    for (const s of c.sockets) {
      opened.push(await open(s, 3 + opened.length, relay.signal));
      if (relay.status !== 0) return relay.status;
    }
    for (const x of opened) o.log(x.report);
    return exitStatus(await run(c.argv, opened, relay, o));
  } catch (err) {
    // A dial that the signal aborted; a failure after it is no more news than the signal.
    if (relay.status !== 0) return relay.status;
    throw err;
  } finally {
    relay.remove();
    await closeAll(opened);
    for (const x of opened) x.file?.remove();
  }
}

/** run starts the child with the sockets, closes sockit's copies once it has, and waits for it. */
function run(
  argv: readonly string[],
  opened: readonly Opened[],
  relay: SignalRelay,
  o: ExecOptions,
): Promise<ProcessState> {
  const cmd = childCommand(argv, {
    extraFiles: opened.map((x) => x.owner),
    socketActivation: opened.map((x) => x.name),
    // sockit gives its copies up once the child has started (below), so the child may have
    // them in blocking mode, as Go's os/exec and systemd-socket-activate hand them over.
    blockingFiles: true,
  });
  // The child has its own copies now. Closing ours leaves it the only holder, so its close of
  // a conn reaches the peer and its close of a listener stops the listening; unix listeners
  // keep their socket files (setUnlinkOnClose(false) in open) until the child is done.
  return runChild(cmd, relay, o, () => closeAll(opened));
}

/**
 * open opens one socket as the child's fd `fd`: listen or listenPacket by the network's kind,
 * or dial (which `signal` can abort). Unknown networks go the stream way, where sockit
 * reports Go's "unknown network" error.
 */
async function open(s: ExecSocket, fd: number, signal: AbortSignal): Promise<Opened> {
  const kind = netKind(s.network);
  const name = fdName(s.network);
  const at = `fd ${fd}:`;
  if (s.how === "dial") {
    const conn = await dial(s.network, s.address, { signal });
    const [remote, local] = [showAddr(conn.remoteAddr()), showAddr(conn.localAddr())];
    const report = `${at} connected to ${s.network} ${remote} from ${local}`;
    return { owner: holder(conn), name, report, file: null };
  }
  if (kind === "datagram" || kind === "raw") {
    const pc = await listenPacket(s.network, s.address, { signal });
    const report = `${at} listening on ${s.network} ${showAddr(pc.localAddr())}`;
    return { owner: holder(pc), name, report, file: SocketFile.of(pc.localAddr()) };
  }
  const ln = await listen(s.network, s.address, { signal });
  if (ln instanceof UnixListener) ln.setUnlinkOnClose(false);
  const report = `${at} listening on ${s.network} ${showAddr(ln.addr())}`;
  return { owner: holder(ln), name, report, file: SocketFile.of(ln.addr()) };
}

/** holder checks that a socket lends its fd, as every one of sockit's does. */
function holder(x: AsyncDisposable): FDHolder & AsyncDisposable {
  if (typeof (x as Partial<FDHolder>).fd !== "function") throw new Error(`${x.constructor.name} has no fd`);
  return x as FDHolder & AsyncDisposable;
}

/**
 * fdName is the LISTEN_FDNAMES entry of a socket: its network. systemd's names may not hold
 * a colon, the list's separator (fdname_is_valid), so raw IP's "ip4:icmp" becomes "ip4-icmp".
 */
function fdName(network: string): string {
  return network.replaceAll(":", "-");
}

/** closeAll closes sockit's copies of the sockets; closing twice is no error. */
async function closeAll(opened: readonly Opened[]): Promise<void> {
  for (const x of opened) {
    try {
      await x.owner[Symbol.asyncDispose]();
    } catch (err) {
      debug("exec: close: %o", err);
    }
  }
}
