/**
 * The body of the `sockit` command, apart from the process: parse the arguments, run the
 * command, and turn failures into one line on stderr and an exit status.
 */
import { debuglog } from "node:util";
import { parseArgs, synopsis, usage, type Command, type ConnCommand } from "./args.js";
import { ncDial, ncListen, type NcOptions } from "./nc.js";
import { tour } from "./tour.js";
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

async function run(cmd: Command): Promise<number> {
  switch (cmd.cmd) {
    case "help":
      printOut(usage);
      return 0;
    case "tour":
      return await tour(printOut);
    case "dial":
      return await ncDial(cmd.network, cmd.address, ncOptions(cmd));
    case "listen":
      return await ncListen(cmd.network, cmd.address, ncOptions(cmd));
  }
}

function ncOptions(cmd: ConnCommand): NcOptions {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    log: (line) => printErr(`sockit: ${line}`),
    verbose: cmd.verbose,
    timeout: cmd.timeout,
    quitAfter: cmd.quitAfter,
  };
}

/** printOut writes one line of the command's output to stdout. */
export function printOut(line: string): void {
  process.stdout.write(line + "\n");
}

/**
 * printErr writes one line to stderr: errors, usage and `-v` reports, each `sockit: `-prefixed.
 */
// Frozen: scripts match on the "sockit: " prefix of error lines and on the exit statuses
// (0 done, 1 failed, 2 usage); docs/cli.md lists them.
export function printErr(line: string): void {
  process.stderr.write(line + "\n");
}
