/**
 * The command line of `sockit`: the usage text, the parser, and Go-style durations.
 */
import type { LockKind, LockMode } from "../index.js";
import { parseRelayAddr, type RelayAddr } from "./relay_addr.js";
import { UsageError } from "./usage.js";

/** The subcommands, each with its synopsis, what it does, and the options it takes. */
const commands = {
  dial: {
    synopsis: "sockit dial [-v] [-t DURATION] [-q DURATION] NETWORK ADDRESS",
    about: ["connect to ADDRESS and copy stdin to the conn and the conn to stdout, until both", "have ended"],
    options: ["-v", "-t", "-q"],
  },
  listen: {
    synopsis: "sockit listen [-v] [-k] [-q DURATION] NETWORK ADDRESS",
    about: [
      "accept one conn on ADDRESS (with -k, one after another until a signal), then copy",
      "as dial does; on a datagram network, print every datagram that arrives and send",
      "stdin to the latest sender",
    ],
    options: ["-v", "-k", "-q"],
  },
  exec: {
    synopsis: "sockit exec [-v] [--listen NETWORK ADDRESS]... [--dial NETWORK ADDRESS]... -- CMD [ARG]...",
    about: [
      "open each --listen and --dial socket in order and run CMD with them as fds 3, 4, ...",
      "(socket activation: LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID); exit with CMD's status",
    ],
    options: ["-v", "--listen"],
  },
  lock: {
    synopsis: "sockit lock [-v] [--shared] [--kind flock|ofd|posix] [-t DURATION] PATH -- CMD [ARG]...",
    about: [
      "take a lock on PATH (created if missing), waiting while another holder has it, run",
      "CMD while holding it, release it when CMD exits, and exit with CMD's status, as",
      "flock(1) does; a wait that times out exits 1",
    ],
    options: ["-v", "-t", "-s", "--kind"],
  },
  relay: {
    synopsis: "sockit relay [-v] [--stats] [--idle-timeout D] [--connect-timeout D] [--max N] ADDR1 ADDR2",
    about: [
      "open ADDR1 (a listen address waits for its conn), then ADDR2, and copy both ways,",
      "passing each end of stream on as a half-close, as socat does; exit 0 done, 1 ADDR1's",
      "side failed, 3 ADDR2's (docs/relay.md)",
    ],
    options: ["-v", "--stats", "--idle-timeout", "--connect-timeout", "--max"],
  },
  tour: {
    synopsis: "sockit tour",
    about: [
      "round-trip a message over every network this machine supports, then through",
      "a pipe, a FIFO, a child process, a signal, a file lock, a message queue,",
      "a semaphore and shared memory",
    ],
    options: [],
  },
  doctor: {
    synopsis: "sockit doctor",
    about: ["say what this machine offers sockit, one line each with the reason (IPv6, raw IP,", "abstract names, unixpacket, queues, semaphores, locks, vsock, limits, the native core)"],
    options: [],
  },
  help: { synopsis: "sockit help [COMMAND]", about: ["print this text, or COMMAND's part of it"], options: [] },
} as const;

type CommandName = keyof typeof commands;

/** The options' help, by the name the commands list them under. */
const optionHelp: Record<string, string> = {
  "-v": `  -v             report the addresses on stderr (listen: also each datagram's sender;
                 exec, which always reports its fds: the child's pid, signals passed
                 on to it, and how it ended; lock: the lock taken, and the child as exec;
                 relay: each relay opened and closed, with its addresses and bytes)`,
  "-k": `  -k, --keep-open
                 listen: after a conn ends, accept the next one (stdin goes to the first)`,
  "-t": `  -t DURATION    give up dialing (lock: waiting) after DURATION (Go syntax: 500ms, 2s, 1m)`,
  "-q": `  -q DURATION    quit DURATION after stdin's end (0: at once); without it a stream
                 command ends once both stdin and the conn have ended (stdin a terminal:
                 at the conn's end), a datagram one on SIGINT`,
  "--listen": `  --listen NETWORK ADDRESS, --dial NETWORK ADDRESS
                 exec: listen on ADDRESS (listenPacket on a datagram network), or dial it`,
  "-s": `  -s, --shared   lock: take a shared lock, which other shared holders may hold too
                 (default: exclusive)`,
  "--kind": `  --kind KIND    lock: flock (the default, what flock(1) takes), ofd (Linux open file
                 description locks) or posix (fcntl record locks, what lockf(3) takes)`,
  "--stats": `  --stats        relay: bytes and rate each way every second on stderr, and a summary`,
  "--idle-timeout": `  --idle-timeout DURATION
                 relay: end a relay once no byte has moved for DURATION`,
  "--connect-timeout": `  --connect-timeout DURATION
                 relay: give up a dial (or a FIFO's wait for a reader) after DURATION`,
  "--max": `  --max N        relay: with ADDR1 ...-listen:...,fork, at most N relays at once`,
};

const relayAddrHelp = `addresses: tcp:HOST:PORT tcp4: tcp6: tcp-listen:[HOST:]PORT[,fork] tcp4-listen: tcp6-listen:
           udp:HOST:PORT udp4: udp6: udp-listen:[HOST:]PORT (udp4-listen, udp6-listen)
           unix:PATH unix-listen:PATH[,fork] abstract:NAME abstract-listen:NAME[,fork]
           unixgram:PATH unixgram-listen:PATH unixpacket:PATH unixpacket-listen:PATH[,fork]
           ip4:PROTO:HOST (ip:, ip6:)  stdio or -  exec:CMD ARG... (split on spaces)
           system:SHELL-COMMAND (/bin/sh -c)  file:PATH fifo:PATH (ADDR1 read, ADDR2
           written; ,rdonly or ,wronly to choose)  fd:N (an inherited fd)`;

const networksHelp = `networks: tcp, tcp4, tcp6, unix, unixpacket (streams and records: one conn)
          udp, udp4, udp6, unixgram, ip:PROTO, ip4:PROTO, ip6:PROTO (datagrams)
          a unix ADDRESS is a path, or @name for a Linux abstract name`;

const names = Object.keys(commands) as CommandName[];

/** The synopsis, printed after a usage error. */
export const synopsis = names.map((n, i) => `${i === 0 ? "usage: " : "       "}${commands[n].synopsis}`).join("\n");

/** The usage text, printed by `sockit help`. */
export const usage = [
  synopsis,
  "",
  ...names.map((n) => `${n.padEnd(8)}${commands[n].about.join("\n        ")}`),
  "",
  Object.values(optionHelp).join("\n"),
  "  -h, --help     print the help of a command (sockit dial --help)",
  "  --version      print sockit's version",
  "",
  networksHelp,
].join("\n");

/** commandHelp is one command's part of the usage: its synopsis, what it does, its options. */
export function commandHelp(name: string): string {
  const c = commands[name as CommandName];
  if (c === undefined) return usage;
  const options = c.options.map((o) => optionHelp[o]!);
  return [
    `usage: ${c.synopsis}`,
    "",
    c.about.join("\n"),
    ...(options.length > 0 ? ["", ...options] : []),
    ...(name === "dial" || name === "listen" || name === "exec" ? ["", networksHelp] : []),
    ...(name === "relay" ? ["", relayAddrHelp] : []),
  ].join("\n");
}

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
  /** `listen -k`: accept another conn after each one ends. */
  keepOpen: boolean;
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

/** The options and operands of `relay`. */
export interface RelayCommand {
  cmd: "relay";
  addr1: RelayAddr;
  addr2: RelayAddr;
  verbose: boolean;
  /** `--stats`: report bytes and rates on stderr. */
  stats: boolean;
  /** `--idle-timeout` in milliseconds; 0 for none. */
  idleTimeout: number;
  /** `--connect-timeout` in milliseconds; 0 for none. */
  connectTimeout: number;
  /** `--max`: most relays at once with fork; 0 for no cap. */
  max: number;
}

/** A parsed command line. */
export type Command =
  | { cmd: "help"; topic?: string }
  | { cmd: "version" }
  | { cmd: "tour" }
  | { cmd: "doctor" }
  | ConnCommand
  | ExecCommand
  | LockCommand
  | RelayCommand;

export { UsageError };

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
  // `sockit CMD --help` (before any `--`) is CMD's help, whatever else is on the line.
  const beforeDashes = rest.indexOf("--") < 0 ? rest : rest.slice(0, rest.indexOf("--"));
  if (cmd !== undefined && cmd in commands && (beforeDashes.includes("--help") || beforeDashes.includes("-h"))) {
    return { cmd: "help", topic: cmd };
  }
  switch (cmd) {
    case undefined:
    case "-h":
    case "--help":
      return { cmd: "help" };
    case "help":
      if (rest.length > 1) throw new UsageError("help takes at most one COMMAND");
      if (rest[0] !== undefined && !(rest[0] in commands)) throw new UsageError(`unknown command ${JSON.stringify(rest[0])}`);
      return rest[0] === undefined ? { cmd: "help" } : { cmd: "help", topic: rest[0] };
    case "--version":
    case "-V":
    case "version":
      return { cmd: "version" };
    case "tour":
    case "doctor":
      if (rest.length > 0) throw new UsageError(`${cmd} takes no arguments`);
      return { cmd };
    case "dial":
    case "listen":
      return parseConnCommand(cmd, rest);
    case "exec":
      return parseExecCommand(rest);
    case "lock":
      return parseLockCommand(rest);
    case "relay":
      return parseRelayCommand(rest);
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
  const c: ConnCommand = { cmd, network: "", address: "", verbose: false, timeout: 0, quitAfter: null, keepOpen: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    const opt = durationOption(cmd, a);
    if (a === "-v" || a === "--verbose") c.verbose = true;
    else if (cmd === "listen" && (a === "-k" || a === "--keep-open")) c.keepOpen = true;
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

/**
 * parseRelayCommand reads `relay`'s options (`--NAME VALUE` or `--NAME=VALUE`) and its two
 * addresses; `-` is an address (stdio), and `--` ends the options.
 */
function parseRelayCommand(args: readonly string[]): RelayCommand {
  const c = { verbose: false, stats: false, idleTimeout: 0, connectTimeout: 0, max: 0 };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    const timeout = (["--idle-timeout", "--connect-timeout"] as const).find((n) => matches(a, { short: n, long: n }));
    if (a === "-v" || a === "--verbose") c.verbose = true;
    else if (a === "--stats") c.stats = true;
    else if (timeout !== undefined) {
      const field = timeout === "--idle-timeout" ? "idleTimeout" : "connectTimeout";
      [c[field], i] = durationValue(args, i, { short: timeout, long: timeout, zero: false });
    } else if (matches(a, { short: "--max", long: "--max" })) {
      const [v, next] = optionValue(args, i, "--max");
      if (v === undefined || !/^[1-9]\d*$/.test(v)) throw new UsageError(`option --max needs a positive count, got ${JSON.stringify(v ?? "")}`);
      [c.max, i] = [Number(v), next];
    } else if (a.length > 1 && a.startsWith("-")) throw new UsageError(`unknown option ${a} for relay`);
    else positional.push(a);
  }
  if (positional.length !== 2) throw new UsageError(`relay needs ADDR1 and ADDR2, got ${positional.length} argument(s)`);
  const [addr1, addr2] = [parseRelayAddr(positional[0]!, 1), parseRelayAddr(positional[1]!, 2)];
  if (addr2.how === "listen" && addr2.fork) throw new UsageError("fork is for ADDR1, the address opened first");
  if (addr1.how === "listen" && addr1.fork && (addr2.how === "stdio" || addr2.how === "fd")) {
    throw new UsageError(`with fork, ADDR2 is opened once per conn: ${addr2.text} can be opened only once`);
  }
  return { cmd: "relay", addr1, addr2, ...c };
}

/** durationOption is the duration option `a` of `cmd` is, if it is one. */
function durationOption(cmd: string, a: string): (typeof durationOptions)[number] | undefined {
  return durationOptions.find((o) => (o.cmds as readonly string[]).includes(cmd) && matches(a, o));
}

/** durationValue reads the duration of option `opt` at `args[i]`: milliseconds, and where it ended. */
function durationValue(args: readonly string[], i: number, opt: { short: string; long: string; zero: boolean }): [number, number] {
  const [v, next] = optionValue(args, i, opt.long, opt.short);
  if (v === undefined) throw new UsageError(`option ${args[i]} needs a duration`);
  return [parseDuration(v, opt.zero), next];
}

/**
 * optionValue is the value of the option at `args[i]`, given as `--long=VALUE`, `-s=VALUE` or
 * as the next argument (undefined when there is none), and the index of the last argument it
 * took.
 */
function optionValue(args: readonly string[], i: number, long: string, short = long): [string | undefined, number] {
  const a = args[i]!;
  for (const name of [long, short]) if (a.startsWith(`${name}=`)) return [a.slice(name.length + 1), i];
  return [args[i + 1], i + 1];
}

function matches(a: string, o: { short: string; long: string }): boolean {
  return a === o.short || a === o.long || a.startsWith(`${o.long}=`) || a.startsWith(`${o.short}=`);
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
