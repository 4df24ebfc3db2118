#!/usr/bin/env node
/**
 * The `sockit` command: `dial` and `listen` work as nc does, `exec` runs a command with
 * sockets as systemd's socket activation does, `lock` runs one holding a file lock as
 * flock(1) does, `tour` round-trips a message over every network, `help` prints the usage.
 * Failures print one line, `sockit: <error>`, on stderr and exit 1; usage errors exit 2. See
 * docs/cli.md. The work is in command.ts; this file only ties it to the process.
 */
import { debuglog } from "node:util";
import { main, printErr } from "./command.js";
import { oneLine } from "./table.js";

const debug = debuglog("sockit");

/**
 * flush resolves once `stream` has handed everything written so far to the kernel. A failure
 * (a reader that went away) was the writes' to report; here it is only logged.
 */
function flush(stream: NodeJS.WriteStream, name: string): Promise<void> {
  if (stream.listenerCount("error") === 0) stream.on("error", (err) => debug("%s: %s", name, err.message));
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/**
 * Anything that escapes main is a bug in sockit or in this command: say so in one line (the
 * stack goes to NODE_DEBUG=sockit) rather than print a trace.
 */
function onInternalError(err: unknown): void {
  debug("internal error: %o", err);
  printErr(`sockit: internal error: ${oneLine(err)}`);
  process.exit(1);
}

/**
 * Runs the command and exits with its status once stdout and stderr have flushed. Exiting
 * explicitly also ends a read of stdin that is still waiting: a conn's end of stream finishes
 * `dial` and `listen` even while stdin stays open, as with nc.
 */
async function runProcess(): Promise<void> {
  process.on("uncaughtException", onInternalError);
  process.on("unhandledRejection", onInternalError);
  // process.stdout is not touched before the command runs: `exec` hands fd 1 to its child,
  // and making the stream would put a pipe there in non-blocking mode (printOut, nc's copy
  // and flush each make sure a reader that went away is no uncaught error).
  const status = await main(process.argv.slice(2));
  await Promise.all([flush(process.stdout, "stdout"), flush(process.stderr, "stderr")]);
  process.exit(status);
}

await runProcess();
