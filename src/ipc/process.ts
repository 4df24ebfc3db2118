/**
 * Processes: Go's `os.Process` and `os.ProcessState`, and starting one (Go's
 * `os.StartProcess`) on the native core's fork and exec (native/process.c says why not
 * libuv's). A child's exit is waited for on the poll layer: a pidfd polls readable once the
 * child has exited, and the wait4 that reaps it then runs as the FD's raw read (Go 1.19 parks
 * a thread in wait4 instead). Where there is no pidfd (macOS, Linux before 5.3), SIGCHLD wakes
 * the same wait.
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { E, Errno, SyscallError } from "../sys/errors.js";
import { FD } from "../poll/fd.js";
import { ErrProcessDone, ErrProcessReleased, PathError } from "./errors.js";
import { nameOfSignal, signalName, signalNumber, type Signal } from "./signame.js";

const W = {
  status: C.SK_WAIT_STATUS!,
  exited: C.SK_WAIT_EXITED!,
  code: C.SK_WAIT_CODE!,
  signaled: C.SK_WAIT_SIGNALED!,
  signal: C.SK_WAIT_SIGNAL!,
  core: C.SK_WAIT_CORE!,
  stopped: C.SK_WAIT_STOPPED!,
  stopSignal: C.SK_WAIT_STOP_SIGNAL!,
  continued: C.SK_WAIT_CONTINUED!,
  utime: C.SK_WAIT_UTIME_US!,
  stime: C.SK_WAIT_STIME_US!,
  maxrss: C.SK_WAIT_MAXRSS!,
};

/** The resource usage of an exited child (getrusage's fields that Go's `SysUsage` shows most). */
export interface ProcessUsage {
  /** User CPU time, in milliseconds. */
  userTime: number;
  /** System CPU time, in milliseconds. */
  systemTime: number;
  /** Peak resident set size, in KiB on Linux (bytes on macOS), as getrusage reports it. */
  maxRSS: number;
}

/**
 * ProcessState is how a process ended, as its wait reported it: Go's `os.ProcessState`.
 * `toString()` is Go's text, which is also an ExitError's message: "exit status 3",
 * "signal: killed", "signal: segmentation fault (core dumped)".
 *
 * @example
 * const st = await command("false").process!.wait(); // after start()
 * st.exitCode(); // 1
 * st.success();  // false
 */
export class ProcessState {
  readonly #pid: number;
  readonly #w: Float64Array;

  /** @internal Made by a process's wait. */
  constructor(pid: number, w: Float64Array) {
    this.#pid = pid;
    this.#w = w;
  }

  /** pid returns the process id of the exited process. */
  pid(): number {
    return this.#pid;
  }

  /** exited reports whether the process exited on its own (by exit or returning from main). */
  exited(): boolean {
    return this.#w[W.exited] === 1;
  }

  /** exitCode returns the exit status, or -1 if the process was killed by a signal. */
  exitCode(): number {
    return this.#w[W.code]!;
  }

  /** success reports whether the process exited with status 0. */
  success(): boolean {
    return this.exited() && this.exitCode() === 0;
  }

  /**
   * signal returns the signal that killed the process, by Node's name ("SIGKILL"; the number
   * for one without a name), or null if none did. `signalName(st.signal())` is Go's text
   * ("killed"). Go: `Sys().(syscall.WaitStatus).Signal()`.
   */
  signal(): Signal | null {
    if (this.#w[W.signaled] !== 1) return null;
    const n = this.#w[W.signal]!;
    return nameOfSignal(n) ?? n;
  }

  /** sys returns the raw wait status (Go's `syscall.WaitStatus`). */
  sys(): number {
    return this.#w[W.status]!;
  }

  /** userTime returns the process's user CPU time, in milliseconds. */
  userTime(): number {
    return this.#w[W.utime]! / 1000;
  }

  /** systemTime returns the process's system CPU time, in milliseconds. */
  systemTime(): number {
    return this.#w[W.stime]! / 1000;
  }

  /** sysUsage returns the process's resource usage. Go: `SysUsage` gives the whole rusage. */
  sysUsage(): ProcessUsage {
    return { userTime: this.userTime(), systemTime: this.systemTime(), maxRSS: this.#w[W.maxrss]! };
  }

  /** toString is Go's text: "exit status 3", "signal: terminated", " (core dumped)" appended. */
  toString(): string {
    const w = this.#w;
    let s = "";
    if (w[W.exited] === 1) s = `exit status ${w[W.code]}`;
    else if (w[W.signaled] === 1) s = `signal: ${signalName(w[W.signal]!)}`;
    else if (w[W.stopped] === 1) s = `stop signal: ${signalName(w[W.stopSignal]!)}`;
    else if (w[W.continued] === 1) s = "continued";
    if (w[W.core] === 1) s += " (core dumped)";
    return s;
  }
}

/** The syscall Go 1.19 names when a process is waited for twice (it tries waitid first on Linux). */
const secondWaitCall = process.platform === "linux" ? "waitid" : "wait";

/** The children waited for through SIGCHLD, where there is no pidfd, with their wakers. */
const sigchldWaiters = new Map<number, () => void>();

function onSigchld(): void {
  for (const wake of [...sigchldWaiters.values()]) wake();
}

/**
 * ExitWait reaps one child: on a pidfd's FD (its raw read runs the wait4), or, where there is
 * none, on SIGCHLD. Either way the state is read once, and the result kept.
 */
class ExitWait {
  readonly done: Promise<ProcessState>;
  #fd: FD | null = null;
  #timer: NodeJS.Timeout | null = null;
  #refable = true;

  constructor(readonly pid: number) {
    const pidfd = binding.pidfd(pid);
    this.done = pidfd >= 0 ? this.#onPidfd(pidfd) : this.#onSigchld();
  }

  async #onPidfd(pidfd: number): Promise<ProcessState> {
    const fd = (this.#fd = new FD(pidfd, { zeroReadIsEOF: false, isStream: false }));
    fd.setRefable(this.#refable);
    const w = new Float64Array(C.SK_WAIT_COUNT!);
    try {
      await fd.rawRead(() => {
        const rc = binding.wait(this.pid, w);
        return rc === 0 ? -E.EAGAIN! : rc;
      });
    } finally {
      fd.close();
    }
    return new ProcessState(this.pid, w);
  }

  #onSigchld(): Promise<ProcessState> {
    const w = new Float64Array(C.SK_WAIT_COUNT!);
    return new Promise<ProcessState>((resolve, reject) => {
      const check = (): void => {
        const rc = binding.wait(this.pid, w);
        if (rc === 0) return;
        sigchldWaiters.delete(this.pid);
        if (sigchldWaiters.size === 0) process.removeListener("SIGCHLD", onSigchld);
        if (this.#timer !== null) clearInterval(this.#timer);
        if (rc > 0) resolve(new ProcessState(this.pid, w));
        else reject(new SyscallError("wait", new Errno(-rc)));
      };
      if (sigchldWaiters.size === 0) process.on("SIGCHLD", onSigchld);
      sigchldWaiters.set(this.pid, check);
      // Signal handles keep no process alive; this timer does, as a pending wait should.
      this.#timer = setInterval(() => {}, 2 ** 31 - 1);
      if (!this.#refable) this.#timer.unref();
      check(); // The child may have exited before the listener was in place.
    });
  }

  setRefable(on: boolean): void {
    this.#refable = on;
    this.#fd?.setRefable(on);
    if (on) this.#timer?.ref();
    else this.#timer?.unref();
  }
}

/**
 * Process is a started child process: Go's `os.Process`. Its exit is awaited from the start
 * (so no zombie is left whether or not `wait` is called), and a pending wait keeps the
 * parent alive, as Node's child processes do, unless `unref()` is called.
 *
 * @example
 * const cmd = command("sleep", "10");
 * await cmd.start();
 * cmd.process!.signal("SIGTERM");
 * await cmd.wait().catch((e) => e.message); // "signal: terminated"
 */
export class Process {
  /** The process id. Go: `Pid` (-1 once released). */
  pid: number;
  readonly #exit: ExitWait;
  #state: ProcessState | null = null;
  #waited = false;

  /** @internal Made by start. */
  constructor(pid: number) {
    this.pid = pid;
    this.#exit = new ExitWait(pid);
    void this.#exit.done.then(
      (st) => (this.#state = st),
      () => {},
    );
  }

  /**
   * signal sends `sig` ("SIGTERM", or a number) to the process. It throws ErrProcessDone
   * ("os: process already finished") once the process has exited and been reaped, or when the
   * kernel says ESRCH; "os: process already released" after `release()`.
   */
  signal(sig: Signal): void {
    const n = signalNumber(sig);
    if (this.pid === -1) throw ErrProcessReleased;
    if (this.#state !== null) throw ErrProcessDone;
    const rc = binding.kill(this.pid, n);
    if (rc === -E.ESRCH!) throw ErrProcessDone;
    if (rc < 0) throw new Errno(-rc);
  }

  /** kill sends SIGKILL: the process ends at once. Go: `Kill`. */
  kill(): void {
    this.signal("SIGKILL");
  }

  /**
   * wait resolves with the process's state once it has exited. A second wait rejects with
   * "waitid: no child processes" as Go's on Linux ("wait: ..." elsewhere): the first reaped it.
   */
  async wait(): Promise<ProcessState> {
    if (this.#waited) throw new SyscallError(secondWaitCall, new Errno(E.ECHILD!));
    this.#waited = true;
    return await this.#exit.done;
  }

  /**
   * release gives up the Process: later signals fail with "os: process already released".
   * The child is still reaped when it exits. Go: `Release`.
   */
  release(): void {
    this.pid = -1;
  }

  /** ref makes the pending wait keep the parent alive (the default). */
  ref(): this {
    this.#exit.setRefable(true);
    return this;
  }

  /** unref lets the parent exit while the child still runs, as Node's `child.unref()`. */
  unref(): this {
    this.#exit.setRefable(false);
    return this;
  }
}

/** What a child is started with; see {@link Binding.spawn} for the meaning of each part. */
export interface SpawnSpec {
  path: string;
  argv: readonly string[];
  envp: readonly string[];
  dir: string | null;
  fds: Int32Array;
  attr: Int32Array;
  groups: Int32Array;
  ignored: Int32Array;
}

/** spawn's results: the pid and the exec-outcome pipe (read at once, so shared). */
const out = new Int32Array(2);

/**
 * startProcess forks and execs the child and resolves once the exec has happened (Go's
 * os.StartProcess), waiting for the outcome on the poller, never on the event loop's thread.
 * A failure is a PathError: "fork/exec /usr/bin/x: permission denied".
 */
export async function startProcess(spec: SpawnSpec): Promise<Process> {
  const rc = binding.spawn(spec.path, spec.argv, spec.envp, spec.dir, spec.fds, spec.attr, spec.groups, spec.ignored, out);
  if (rc < 0) throw new PathError("fork/exec", spec.path, new Errno(-rc));
  const proc = new Process(out[0]!);
  const outcome = new FD(out[1]!, { zeroReadIsEOF: true, isStream: true, isFile: true });
  // Two native int32s (stage, errno), written at once (less than PIPE_BUF): whole or none.
  const rec = new Int32Array(2);
  let n: number | null;
  try {
    n = await outcome.read(new Uint8Array(rec.buffer), 0, rec.byteLength);
  } finally {
    outcome.close();
  }
  if (n === null) return proc;
  // The child failed before its exec, told why, and exits with 127: reap it, then report.
  await proc.wait();
  throw new PathError("fork/exec", spec.path, new Errno(rec[1]!));
}
