/**
 * The body of the `sockit` command, apart from the process: parse the arguments, run the
 * command, and turn failures into one line on stderr and an exit status.
 */
import { writeSync } from "node:fs";
import { debuglog } from "node:util";
import { readFileSync } from "node:fs";
import { commandHelp, parseArgs, synopsis, usage, type Command, type ConnCommand } from "./args.js";
import { ncDial, ncListen, type NcOptions } from "./nc.js";
import { execCommand } from "./exec.js";
import { lockCommand } from "./lock.js";
import { relayCommand } from "./relay.js";
import type { ChildOptions } from "./child.js";
import { tour } from "./tour.js";
import { doctor } from "./doctor.js";
import { oneLine } from "./table.js";

const debug = debuglog("sockit");

/**
 * main runs the command given by `argv` (the arguments after the program name) and resolves
 * with its exit status; it prints errors itself and never throws.
 *
 * @example
 * process.exitCode = await main(["tour"]);
 */
export async function main(argv: readonly string[]): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    printErr(`sockit: ${oneLine(err)}`);
    printErr(synopsis);
    return 2;
  }
  try {
    return await run(cmd);
  } catch (err) {
    debug("%s failed: %o", cmd.cmd, err);
    printErr(`sockit: ${oneLine(err)}`);
    return 1;
  }
}

/** version is the package's version, from its package.json. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function run(cmd: Command): Promise<number> {
  switch (cmd.cmd) {
    case "help":
      printOut(cmd.topic === undefined ? usage : commandHelp(cmd.topic));
      return 0;
    case "version":
      printOut(`sockit ${version()}`);
      return 0;
    case "tour":
      return await tour(printOut);
    case "doctor":
      return await doctor(printOut);
    case "dial":
      return await ncDial(cmd.network, cmd.address, ncOptions(cmd));
    case "listen":
      return await ncListen(cmd.network, cmd.address, ncOptions(cmd));
    case "exec":
      return await execCommand(cmd, childOptions(cmd.verbose));
    case "lock":
      return await lockCommand(cmd, childOptions(cmd.verbose));
    case "relay":
      return await relayCommand(cmd, { log: (line) => printErr(`sockit: ${line}`), stats: stderrStats() });
  }
}

/** The reports of a command that runs a child (`exec`, `lock`): written straight to fd 2. */
function childOptions(verbose: boolean): ChildOptions {
  return { log: (line) => printErrSync(`sockit: ${line}`), verbose };
}

/** Where relay's `--stats` goes: stderr, redrawn in place when it is a terminal. */
function stderrStats(): { write(text: string): void; isTTY: boolean } {
  return { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true };
}

function ncOptions(cmd: ConnCommand): NcOptions {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    log: (line) => printErr(`sockit: ${line}`),
    verbose: cmd.verbose,
    timeout: cmd.timeout,
    quitAfter: cmd.quitAfter,
    keepOpen: cmd.keepOpen,
  };
}

/**
 * printOut writes one line of the command's output to stdout. A reader that went away
 * (`sockit tour | head -1`) is no error of ours: the 'error' event is only logged.
 */
export function printOut(line: string): void {
  const out = process.stdout;
  if (out.listenerCount("error") === 0) out.on("error", (err) => debug("stdout: %s", err.message));
  out.write(line + "\n");
}

/**
 * printErr writes one line to stderr: errors, usage and `-v` reports, each `sockit: `-prefixed.
 */
// Frozen: scripts match on the "sockit: " prefix of error lines and on the exit statuses
// (0 done, 1 failed, 2 usage); docs/cli.md lists them.
export function printErr(line: string): void {
  process.stderr.write(line + "\n");
}

/**
 * printErrSync is {@link printErr} for `exec` and `lock`, written straight to fd 2:
 * `process.stderr` is made only once the child has exited, because making it puts a pipe in
 * non-blocking mode, which the child, sharing the open file description, would see (EAGAIN).
 * A failed write is only logged (a reader that went away, or a non-blocking stderr that is
 * full).
 */
export function printErrSync(line: string): void {
  try {
    writeSync(2, line + "\n");
  } catch (err) {
    debug("stderr: %o", err);
  }
}
