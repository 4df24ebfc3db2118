/**
 * The command line of `sockit`: the usage text, the parser, and Go-style durations.
 */
import type { LockKind, LockMode } from "../index.js";

/** The synopsis, printed after a usage error. */
export const synopsis = `usage: sockit dial [-v] [-t DURATION] [-q DURATION] NETWORK ADDRESS
       sockit listen [-v] [-q DURATION] NETWORK ADDRESS
       sockit exec [-v] [--listen NETWORK ADDRESS]... [--dial NETWORK ADDRESS]... -- CMD [ARG]...
       sockit lock [-v] [--shared] [--kind flock|ofd|posix] [-t DURATION] PATH -- CMD [ARG]...
       sockit tour
       sockit help`;

/** The usage text, printed by `sockit help`. */
export const usage = `${synopsis}

dial    connect to ADDRESS and copy stdin to the conn and the conn to stdout
listen  accept one conn on ADDRESS, then copy as dial does; on a datagram network,
        print every datagram that arrives and send stdin to the latest sender
exec    open each --listen and --dial socket in order and run CMD with them as fds 3, 4, ...
        (socket activation: LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID); exit with CMD's status
lock    take a lock on PATH (created if missing), waiting while another holder has it, run
        CMD while holding it, release it when CMD exits, and exit with CMD's status, as
        flock(1) does; a wait that times out exits 1
tour    round-trip a message over every network this machine supports, then through
        a pipe, a FIFO, a child process, a signal, a file lock, a message queue,
        a semaphore and shared memory
help    print this text

  -v             report the addresses on stderr (listen: also each datagram's sender;
                 exec, which always reports its fds: the child's pid, signals passed
                 on to it, and how it ended; lock: the lock taken, and the child as exec)
  -t DURATION    give up dialing (lock: waiting) after DURATION (Go syntax: 500ms, 2s, 1m)
  -q DURATION    quit DURATION after stdin's end (0: at once); without it a stream
                 command ends at the peer's end of stream, a datagram one on SIGINT
  --listen NETWORK ADDRESS, --dial NETWORK ADDRESS
                 exec: listen on ADDRESS (listenPacket on a datagram network), or dial it
  -s, --shared   lock: take a shared lock, which other shared holders may hold too
                 (default: exclusive)
  --kind KIND    lock: flock (the default, what flock(1) takes), ofd (Linux open file
                 description locks) or posix (fcntl record locks, what lockf(3) takes)

networks: tcp, tcp4, tcp6, unix, unixpacket (streams and records: one conn)
          udp, udp4, udp6, unixgram, ip:PROTO, ip4:PROTO, ip6:PROTO (datagrams)
          a unix ADDRESS is a path, or @name for a Linux abstract name`;

/** The options and operands of `dial` and `listen`. */
export interface ConnCommand {
  cmd: "dial" | "listen";
  network: string;
  address: string;
  verbose: boolean;
  /** Dial timeout in milliseconds; 0 for none. */
  timeout: number;
  /** `-q`: milliseconds to go on after stdin's end; null to wait for the peer or a signal. */
  quitAfter: number | null;
}

/** One socket `exec` opens for the child: `--listen NETWORK ADDRESS` or `--dial NETWORK ADDRESS`. */
export interface ExecSocket {
  how: "listen" | "dial";
  network: string;
  address: string;
}

/** The options and operands of `exec`. */
export interface ExecCommand {
  cmd: "exec";
  /** The sockets, in the order given: the child's fds 3, 4, ... */
  sockets: ExecSocket[];
  verbose: boolean;
  /** The command after `--`: its name, then its arguments. Never empty. */
  argv: string[];
}

/** The options and operands of `lock`. */
export interface LockCommand {
  cmd: "lock";
  /** The lock file, created if missing. */
  path: string;
  /** `--shared` takes a shared lock; the default is an exclusive one. */
  mode: LockMode;
  /** `--kind`: flock(2) (the default), an OFD lock or a POSIX record lock. */
  kind: LockKind;
  /** Longest wait for the lock in milliseconds; 0 for none. */
  timeout: number;
  verbose: boolean;
  /** The command after `--`: its name, then its arguments. Never empty. */
  argv: string[];
}

/** A parsed command line. */
export type Command = { cmd: "help" } | { cmd: "tour" } | ConnCommand | ExecCommand | LockCommand;

/** UsageError is a command line the parser rejects; the command exits 2 and prints the synopsis. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * parseArgs turns the arguments after the program name into a {@link Command}; no arguments
 * means help. Options may come anywhere before `--`; `-t` and `-q` take a Go duration.
 *
 * @example
 * parseArgs(["dial", "-v", "tcp", "127.0.0.1:80"]);
 * // { cmd: "dial", network: "tcp", address: "127.0.0.1:80", verbose: true, timeout: 0, quitAfter: null }
 */
export function parseArgs(argv: readonly string[]): Command {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
    case "help":
    case "-h":
    case "--help":
      return { cmd: "help" };
    case "tour":
      if (rest.length > 0) throw new UsageError(`tour takes no arguments`);
      return { cmd: "tour" };
    case "dial":
    case "listen":
      return parseConnCommand(cmd, rest);
    case "exec":
      return parseExecCommand(rest);
    case "lock":
      return parseLockCommand(rest);
  }
  throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
}

/** The options that take a duration: short form, long form, and the commands that have it. */
const durationOptions = [
  { short: "-t", long: "--timeout", field: "timeout", cmds: ["dial", "lock"], zero: false },
  { short: "-q", long: "--quit-after", field: "quitAfter", cmds: ["dial", "listen"], zero: true },
] as const;

function parseConnCommand(cmd: "dial" | "listen", args: readonly string[]): ConnCommand {
  const positional: string[] = [];
  const c: ConnCommand = { cmd, network: "", address: "", verbose: false, timeout: 0, quitAfter: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    const opt = durationOption(cmd, a);
    if (a === "-v" || a === "--verbose") c.verbose = true;
    else if (opt !== undefined) [c[opt.field], i] = durationValue(args, i, opt);
    else if (a.length > 1 && a.startsWith("-")) throw new UsageError(`unknown option ${a} for ${cmd}`);
    else positional.push(a);
  }
  if (positional.length !== 2) {
    throw new UsageError(`${cmd} needs NETWORK and ADDRESS, got ${positional.length} argument(s)`);
  }
  return { ...c, network: positional[0]!, address: positional[1]! };
}

/**
 * parseExecCommand reads `exec`'s options up to the `--` that must come before CMD: `-v`, and
 * `--listen` and `--dial`, each followed by NETWORK and ADDRESS. Everything after `--` is the
 * command, as given; an operand after `--` that looks like an option belongs to it.
 */
function parseExecCommand(args: readonly string[]): ExecCommand {
  const c: ExecCommand = { cmd: "exec", sockets: [], verbose: false, argv: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      c.argv = args.slice(i + 1);
      if (c.argv.length === 0) throw new UsageError("exec needs CMD after --");
      return c;
    }
    if (a === "-v" || a === "--verbose") c.verbose = true;
    else if (a === "--listen" || a === "--dial") {
      const [network, address] = [args[i + 1], args[i + 2]];
      if (network === undefined || address === undefined || network === "--" || address === "--") {
        throw new UsageError(`option ${a} needs NETWORK and ADDRESS`);
      }
      c.sockets.push({ how: a === "--listen" ? "listen" : "dial", network, address });
      i += 2;
    } else if (a.length > 1 && a.startsWith("-")) throw new UsageError(`unknown option ${a} for exec`);
    else throw new UsageError(`exec needs -- before CMD, got ${JSON.stringify(a)}`);
  }
  throw new UsageError("exec needs -- and CMD");
}

/** The lock kinds `--kind` takes. */
const lockKinds: readonly LockKind[] = ["flock", "ofd", "posix"];

/**
 * parseLockCommand reads `lock`'s options and its one operand, PATH, up to the `--` that must
 * come before CMD: `-v`, `-s`/`--shared`, `--kind KIND` and `-t`/`--timeout DURATION`, the
 * last two also as `--kind=KIND` and `--timeout=DURATION`. Everything after `--` is the
 * command, as given.
 */
function parseLockCommand(args: readonly string[]): LockCommand {
  const c: LockCommand = { cmd: "lock", path: "", mode: "exclusive", kind: "flock", timeout: 0, verbose: false, argv: [] };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      if (positional.length !== 1) throw new UsageError(`lock needs one PATH before --, got ${positional.length}`);
      c.argv = args.slice(i + 1);
      if (c.argv.length === 0) throw new UsageError("lock needs CMD after --");
      return { ...c, path: positional[0]! };
    }
    const opt = durationOption("lock", a);
    if (a === "-v" || a === "--verbose") c.verbose = true;
    else if (a === "-s" || a === "--shared") c.mode = "shared";
    else if (opt !== undefined) [c.timeout, i] = durationValue(args, i, opt);
    else if (matches(a, { short: "--kind", long: "--kind" })) {
      const [v, next] = optionValue(args, i, "--kind");
      if (!(lockKinds as readonly (string | undefined)[]).includes(v)) {
        throw new UsageError(`option --kind needs flock, ofd or posix, got ${JSON.stringify(v ?? "")}`);
      }
      c.kind = v as LockKind;
      i = next;
    } else if (a.length > 1 && a.startsWith("-")) throw new UsageError(`unknown option ${a} for lock`);
    else positional.push(a);
  }
  throw new UsageError(positional.length === 0 ? "lock needs PATH, -- and CMD" : "lock needs -- before CMD");
}

/** durationOption is the duration option `a` of `cmd` is, if it is one. */
function durationOption(cmd: string, a: string): (typeof durationOptions)[number] | undefined {
  return durationOptions.find((o) => (o.cmds as readonly string[]).includes(cmd) && matches(a, o));
}

/** durationValue reads the duration of option `opt` at `args[i]`: milliseconds, and where it ended. */
function durationValue(args: readonly string[], i: number, opt: { long: string; zero: boolean }): [number, number] {
  const [v, next] = optionValue(args, i, opt.long);
  if (v === undefined) throw new UsageError(`option ${args[i]} needs a duration`);
  return [parseDuration(v, opt.zero), next];
}

/**
 * optionValue is the value of the option at `args[i]`, given as `--long=VALUE` or as the next
 * argument (undefined when there is none), and the index of the last argument it took.
 */
function optionValue(args: readonly string[], i: number, long: string): [string | undefined, number] {
  const a = args[i]!;
  return a.startsWith(`${long}=`) ? [a.slice(long.length + 1), i] : [args[i + 1], i + 1];
}

function matches(a: string, o: { short: string; long: string }): boolean {
  return a === o.short || a === o.long || a.startsWith(`${o.long}=`);
}

/** Milliseconds per unit of Go's time.ParseDuration. */
const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * parseDuration reads a positive Go duration ("1.5s", "1m30s", "250ms") as milliseconds; a
 * bare number counts seconds, as nc's `-w` does. With `zero`, a zero duration ("0", "0s")
 * is allowed too.
 *
 * @example
 * parseDuration("1m30s"); // 90000
 */
export function parseDuration(s: string, zero = false): number {
  let ms = 0;
  if (/^\d+(\.\d+)?$/.test(s)) ms = Number(s) * 1000;
  else {
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
    let end = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      ms += Number(m[1]) * unitMs[m[2]!]!;
      end = re.lastIndex;
    }
    if (end !== s.length || s === "") throw new UsageError(`invalid duration ${JSON.stringify(s)}`);
  }
  if (!(ms > 0) && !(zero && ms === 0)) {
    throw new UsageError(`duration ${JSON.stringify(s)} must be ${zero ? "zero or positive" : "positive"}`);
  }
  return ms;
}
