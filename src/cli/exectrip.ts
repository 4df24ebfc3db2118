/**
 * The tour's round trip through a child process: `cat`, started by sockit's Go-style
 * os/exec, echoes a message from its stdin pipe to its stdout pipe; the stop then closes
 * stdin, expects end of file from stdout, and waits for `cat` to exit with status 0.
 */
import { command, type Cmd, type File } from "../index.js";
import { ioTimeout, type TripResult, type TripScope } from "./trip.js";
import { echoed, expectEOF } from "./pipetrip.js";

/**
 * Child kills a started command when the stop is closed early (the tour's timeout), through
 * the Cmd's `signal` (Go's CommandContext: SIGKILL), then waits for it, so that neither a
 * process nor the parent's pipe ends outlive the stop.
 */
export class Child implements AsyncDisposable {
  readonly #abort = new AbortController();
  #waited: Promise<void> | null = null;

  constructor(readonly cmd: Cmd) {
    cmd.signal = this.#abort.signal;
  }

  /** wait waits for the command once, whoever asks first; later calls share the outcome. */
  wait(): Promise<void> {
    this.#waited ??= this.cmd.wait();
    return this.#waited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // After a wait this is a no-op: the Cmd stops watching its signal once the process exited.
    this.#abort.abort();
    if (this.cmd.process !== null) await this.wait().catch(() => {});
  }
}

/** The child's side shown in the table: the stdin pipe's name and the pid, e.g. "|1 (pid 4242)". */
function described(f: File, pid: number): { toString(): string } {
  const s = `${f.name()} (pid ${pid})`;
  return { toString: () => s };
}

/**
 * execTrip round-trips a message through `cat` over its stdin and stdout pipes. The rtt is
 * from the write into stdin to the echo's last byte out of stdout; it does not count the
 * start of the process.
 *
 * @example
 * const r = await execTrip("exec", "", scope); // r.remote is cat's path, "/usr/bin/cat"
 */
export function execTrip(_network: string, _address: string, scope: TripScope): Promise<TripResult> {
  return childTrip(command("cat"), scope);
}

/**
 * childTrip is {@link execTrip} with any command that should echo its stdin and exit 0 at
 * its end; the command is killed when `scope` closes first.
 */
export async function childTrip(cmd: Cmd, scope: TripScope): Promise<TripResult> {
  const child = scope.use(new Child(cmd));
  const stdin = scope.use(child.cmd.stdinPipe());
  const stdout = scope.use(child.cmd.stdoutPipe());
  await child.cmd.start();
  for (const f of [stdin, stdout]) f.setDeadline(Date.now() + ioTimeout);
  const rttMs = await echoed(stdin, stdout, "hello through a child process");
  await stdin.close();
  // Read to the end before waiting: wait closes stdout once cat has exited (as in Go).
  await expectEOF(stdout);
  await child.wait();
  return { local: described(stdin, child.cmd.process!.pid), remote: { toString: () => child.cmd.path }, rttMs };
}
