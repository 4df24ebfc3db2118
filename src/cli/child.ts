/**
 * The child of `exec` and `lock`: started with sockit's own stdin, stdout and stderr, sent the
 * SIGINT and SIGTERM that reach sockit, waited for, and its end told as a shell's exit status.
 */
import { command, signalNumber, type Cmd, type CmdOptions, type ProcessState } from "../index.js";
import type { SignalRelay } from "./signals.js";

/** Where a command that runs a child reports: its own lines, and with `verbose` the child's life. */
export interface ChildOptions {
  /** One line of report, without the "sockit: " prefix. */
  log: (line: string) => void;
  verbose: boolean;
}

/**
 * childCommand is the Cmd that runs `argv` (its name, then its arguments) with sockit's fds 0,
 * 1 and 2 as they are, and `opts` besides.
 *
 * @example
 * const cmd = childCommand(["sh", "-c", "exit 3"]);
 */
export function childCommand(argv: readonly string[], opts: Partial<CmdOptions> = {}): Cmd {
  return command(argv[0]!, ...argv.slice(1)).with({
    // The fds themselves, not process.stdin and friends: making one of those streams puts a
    // pipe in non-blocking mode (libuv's uv_pipe_open), a mode of the open file description,
    // which the child shares, so its reads and writes would fail with EAGAIN. And a
    // process.stdin that reads would take input that is the child's.
    stdin: { fd: 0 },
    stdout: { fd: 1 },
    stderr: { fd: 2 },
    ...opts,
  });
}

/**
 * runChild starts `cmd`, has `relay` pass SIGINT and SIGTERM on to it, runs `started` (where
 * `exec` gives up its copies of the child's sockets), and waits for the child; with `verbose`
 * it reports the start and the end ("pid 4242: exit status 3"). It throws what keeps the child
 * from starting (`exec: "nosuch": executable file not found in $PATH`); the child's own failure
 * is no error, but the ProcessState it resolves with.
 *
 * @example
 * const state = await runChild(childCommand(argv), relay, { log, verbose: true });
 */
export async function runChild(
  cmd: Cmd,
  relay: SignalRelay,
  o: ChildOptions,
  started: () => Promise<void> = async () => {},
): Promise<ProcessState> {
  await cmd.start();
  const child = cmd.process!;
  relay.relayTo(child);
  if (o.verbose) o.log(`started ${cmd.toString()} as pid ${child.pid}`);
  await started();
  try {
    await cmd.wait();
  } catch (err) {
    // An ExitError is the child's own failure, told by the status; anything else is sockit's.
    if (cmd.processState === null) throw err;
  }
  const state = cmd.processState!;
  if (o.verbose) o.log(`pid ${child.pid}: ${state.toString()}`);
  return state;
}

/**
 * exitStatus is a shell's $? for how the child ended: its exit code, or 128 + the signal's number.
 *
 * @example
 * exitStatus(cmd.processState!); // 143 after SIGTERM
 */
export function exitStatus(state: ProcessState): number {
  const sig = state.signal();
  return sig === null ? state.exitCode() : 128 + signalNumber(sig);
}
