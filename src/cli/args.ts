/**
 * The command line of `sockit`: the usage text, the parser, and Go-style durations.
 */

/** The synopsis, printed after a usage error. */
export const synopsis = `usage: sockit dial [-v] [-t DURATION] NETWORK ADDRESS
       sockit listen [-v] NETWORK ADDRESS
       sockit tour
       sockit help`;

/** The usage text, printed by `sockit help`. */
export const usage = `${synopsis}

dial    connect to ADDRESS and copy stdin to the conn and the conn to stdout
listen  accept one conn on ADDRESS, then copy as dial does
tour    round-trip a message over every network this machine supports
help    print this text

  -v             report the addresses on stderr
  -t DURATION    give up dialing after DURATION (Go syntax: 500ms, 2s, 1m)

networks: tcp, tcp4, tcp6, unix (a path, or @name for a Linux abstract name)`;

/** A parsed command line. */
export type Command =
  | { cmd: "help" }
  | { cmd: "tour" }
  | { cmd: "dial" | "listen"; network: string; address: string; verbose: boolean; timeout: number };

/** UsageError is a command line the parser rejects; the command exits 2 and prints the synopsis. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * parseArgs turns the arguments after the program name into a {@link Command}; no arguments
 * means help. Options may come anywhere before `--`; `-t` takes a Go duration.
 *
 * @example
 * parseArgs(["dial", "-v", "tcp", "127.0.0.1:80"]);
 * // { cmd: "dial", network: "tcp", address: "127.0.0.1:80", verbose: true, timeout: 0 }
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
  }
  throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
}

function parseConnCommand(cmd: "dial" | "listen", args: readonly string[]): Command {
  const positional: string[] = [];
  let verbose = false;
  let timeout = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a === "-v" || a === "--verbose") verbose = true;
    else if (cmd === "dial" && (a === "-t" || a === "--timeout")) {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a duration`);
      timeout = parseDuration(v);
    } else if (cmd === "dial" && a.startsWith("--timeout=")) timeout = parseDuration(a.slice("--timeout=".length));
    else if (a.length > 1 && a.startsWith("-")) throw new UsageError(`unknown option ${a} for ${cmd}`);
    else positional.push(a);
  }
  if (positional.length !== 2) {
    throw new UsageError(`${cmd} needs NETWORK and ADDRESS, got ${positional.length} argument(s)`);
  }
  return { cmd, network: positional[0]!, address: positional[1]!, verbose, timeout };
}

/** Milliseconds per unit of Go's time.ParseDuration. */
const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * parseDuration reads a positive Go duration ("1.5s", "1m30s", "250ms") as milliseconds; a
 * bare number counts seconds, as nc's `-w` does.
 *
 * @example
 * parseDuration("1m30s"); // 90000
 */
export function parseDuration(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return positive(Number(s) * 1000, s);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let ms = 0;
  let end = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    ms += Number(m[1]) * unitMs[m[2]!]!;
    end = re.lastIndex;
  }
  if (end !== s.length || s === "") throw new UsageError(`invalid duration ${JSON.stringify(s)}`);
  return positive(ms, s);
}

function positive(ms: number, s: string): number {
  if (!(ms > 0)) throw new UsageError(`duration ${JSON.stringify(s)} must be positive`);
  return ms;
}
