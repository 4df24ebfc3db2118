/**
 * Running commands: Go's `os/exec`. A Cmd is configured through its properties (Go's fields),
 * started on the native core's fork and exec (src/ipc/process.ts), and fed and drained
 * through pipes on the poll layer, with Go's rules for which fds the child gets and when the
 * parent's copies close.
 */
import { closeSync, openSync, constants as fsc } from "node:fs";
import path from "node:path";
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { E, Errno, NetError, brand, errorIs } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { File } from "./file.js";
import { pipeSync } from "./pipe.js";
import { PathError, contextError } from "./errors.js";
import { lookPathResult } from "./lookpath.js";
import { Process, ProcessState, startProcess } from "./process.js";
import { inheritedIgnores, signalNumber, type Signal } from "./signame.js";
import { OutputSaver, PrefixSuffixSaver, toSink } from "./sink.js";

/** Anything that owns an fd and lends its number: a File, a conn, a listener, a packet conn. */
export interface FDHolder {
  fd(): number;
}

/**
 * What a child's stdin can be: null (/dev/null), an fd holder or a stream with a numeric `fd`
 * (process.stdin), passed as the fd itself; or bytes, a string, or any async iterable of
 * chunks (a Node Readable), copied to the child through a pipe.
 */
export type StdinSource = FDHolder | { fd: number } | Uint8Array | string | AsyncIterable<Uint8Array | string> | null;

/**
 * What a child's stdout or stderr can be: null (/dev/null), an fd holder or a stream with a
 * numeric `fd` (process.stdout), passed as the fd itself; or a Node Writable, fed from a pipe.
 */
export type OutputSink = FDHolder | { fd: number } | NodeJS.WritableStream | null;

/** A child's credentials: Go's `syscall.Credential`. */
export interface Credential {
  uid: number;
  gid: number;
  /** Supplementary groups (default none; Go's `Groups`). */
  groups?: readonly number[];
  /** Leave the supplementary groups as they are (Go's `NoSetGroups`). */
  noSetGroups?: boolean;
}

/** Go's `syscall.SysProcAttr`, the fields that Linux and macOS share plus `pdeathsig`. */
export interface SysProcAttr {
  /** Start a new session (setsid). */
  setsid?: boolean;
  /** Put the child in process group `pgid` (0: a new group led by the child). */
  setpgid?: boolean;
  pgid?: number;
  /** The signal the child gets when its parent thread dies (Linux only). */
  pdeathsig?: Signal;
  /** Detach fd 0 from its controlling terminal (TIOCNOTTY). */
  noctty?: boolean;
  /** Make `ctty` (a child fd number) the controlling terminal; needs setsid. */
  setctty?: boolean;
  ctty?: number;
  /** Run as this user and group (needs the privilege to change them). */
  credential?: Credential;
}

/** The properties `with()` sets: Go's Cmd fields. */
export interface CmdOptions {
  env: readonly string[] | null;
  dir: string;
  stdin: StdinSource;
  stdout: OutputSink;
  stderr: OutputSink;
  extraFiles: readonly (FDHolder | null)[];
  sysProcAttr: SysProcAttr | null;
  signal: AbortSignal | null;
  /**
   * sockit's: start the child as systemd would for socket activation: LISTEN_FDS is the
   * number of extraFiles, LISTEN_PID the child's own pid, and with names, LISTEN_FDNAMES.
   */
  socketActivation: boolean | readonly string[];
  /**
   * sockit's: put the extra files into blocking mode in the child, as Go's `File.Fd()` does
   * (default false). The mode belongs to the open file description, which the parent's conn,
   * listener or File shares: set this only when the parent gives those up after `start`,
   * or its own calls on them could block the event loop.
   */
  blockingFiles: boolean;
}

/**
 * ExitError is a command that ran but did not succeed: Go's `exec.ExitError`. Its message is
 * the state's text ("exit status 1", "signal: killed"); `stderr` holds what the command wrote
 * to stderr when `output()` collected it (its first and last 32 KiB).
 *
 * @example
 * try { await command("false").run(); }
 * catch (e) { (e as ExitError).exitCode(); } // 1
 */
export class ExitError extends NetError {
  override readonly name = "ExitError";
  readonly code = "ERR_SOCKIT_EXIT";
  /** The stderr output collected by `output()`, else null. */
  stderr: Uint8Array | null = null;
  constructor(readonly processState: ProcessState) {
    super(processState.toString());
  }
  /** exitCode is the process's exit status, or -1 if a signal ended it. */
  exitCode(): number {
    return this.processState.exitCode();
  }
}
brand(ExitError, "ExitError");

/** Go's plain errors.New texts of os/exec. */
// Frozen: Go's texts.
const errText = {
  noCommand: "exec: no command",
  started: "exec: already started",
  notStarted: "exec: not started",
  waited: "exec: Wait was already called",
  envNul: "exec: environment variable contains NUL",
};

/** A misuse of a Cmd (Go's errors.New values): its message is Go's text. */
export class CmdError extends Error {
  override readonly name = "CmdError";
  readonly code = "ERR_SOCKIT_EXEC";
}

type Stdio = "Stdin" | "Stdout" | "Stderr";

/**
 * Cmd is a command to run, Go's `exec.Cmd`: set its properties (or call `with`), then `run`,
 * or `start` and `wait`. A Cmd runs once.
 *
 * @example
 * const out = await command("echo", "hi").output(); // Uint8Array "hi\n"
 */
export class Cmd {
  /** The program to run: resolved through $PATH by `command` when the name has no slash. */
  path: string;
  /** The arguments, the command's name first. */
  args: string[];
  /** The environment, "KEY=value" entries; null is the parent's. Duplicates: the last wins. */
  env: readonly string[] | null = null;
  /** The working directory; "" is the parent's. */
  dir = "";
  stdin: StdinSource = null;
  stdout: OutputSink = null;
  stderr: OutputSink = null;
  /** Entry i becomes the child's fd 3 + i; null leaves that fd closed. */
  extraFiles: readonly (FDHolder | null)[] = [];
  sysProcAttr: SysProcAttr | null = null;
  /** Go's CommandContext: an abort before the command exits kills it with SIGKILL. */
  signal: AbortSignal | null = null;
  socketActivation: boolean | readonly string[] = false;
  /** Put extraFiles into blocking mode in the child (see {@link CmdOptions.blockingFiles}). */
  blockingFiles = false;
  /** Why the command cannot run (its lookup failed), reported by start. Go: `Err`. */
  err: Error | null = null;
  /** The started process, once `start` has succeeded. */
  process: Process | null = null;
  /** How the process ended, once `wait` has seen it. */
  processState: ProcessState | null = null;

  #starting = false;
  #closeAfterStart: File[] = [];
  #closeAfterWait: File[] = [];
  #copies: (() => Promise<void>)[] = [];
  #running: Promise<Error | null>[] = [];
  #unwatch: (() => void) | null = null;
  #killedByAbort = false;
  #waited = false;

  /** @internal Use {@link command}. */
  constructor(name: string, args: readonly string[]) {
    this.path = name;
    this.args = [name, ...args];
  }

  /** with sets several properties at once and returns the Cmd. */
  with(opts: Partial<CmdOptions>): this {
    return Object.assign(this, opts);
  }

  /**
   * stdinPipe returns a File whose writes reach the child's stdin; close it to send end of
   * file. `wait` closes it after the process exits. Throws `exec: Stdin already set` or
   * `exec: StdinPipe after process started`.
   */
  stdinPipe(): File {
    this.#checkPipe("Stdin", this.stdin);
    const p = this.#childPipe(true);
    this.stdin = p.child;
    return p.parent;
  }

  /**
   * stdoutPipe returns a File that reads what the child writes to stdout. `wait` closes it
   * once the process exits, so read to the end before calling `wait` (and do not use `run`).
   * Throws `exec: Stdout already set` or `exec: StdoutPipe after process started`.
   */
  stdoutPipe(): File {
    return this.#outputPipe("Stdout");
  }

  /** stderrPipe is {@link Cmd.stdoutPipe} for stderr. */
  stderrPipe(): File {
    return this.#outputPipe("Stderr");
  }

  /** The read end of a new pipe whose write end becomes the child's stdout or stderr. */
  #outputPipe(which: "Stdout" | "Stderr"): File {
    this.#checkPipe(which, which === "Stdout" ? this.stdout : this.stderr);
    const p = this.#childPipe(false);
    if (which === "Stdout") this.stdout = p.child;
    else this.stderr = p.child;
    return p.parent;
  }

  /** Go's checks before a pipe method: the stream is unset and the command not started. */
  #checkPipe(which: Stdio, current: unknown): void {
    if (current !== null && current !== undefined) throw new CmdError(`exec: ${which} already set`);
    if (this.process !== null || this.#starting) throw new CmdError(`exec: ${which}Pipe after process started`);
  }

  /**
   * A pipe between the parent and the child, who reads from it (`childReads`) or writes to
   * it. The child's end is blocking (its own open file description, so the parent's end keeps
   * its non-blocking mode) and closes in the parent after start; the parent's end after wait.
   */
  #childPipe(childReads: boolean): { child: File; parent: File } {
    const [r, w] = pipeSync();
    const [child, parent] = childReads ? [r, w] : [w, r];
    binding.setNonblock(child.fd(), false);
    this.#closeAfterStart.push(child);
    this.#closeAfterWait.push(parent);
    return { child, parent };
  }

  /**
   * start starts the command without waiting for it to finish; `process` is set once it
   * resolves. Rejects with the lookup error (`exec: "x": executable file not found in $PATH`),
   * `exec: already started`, Go's context error if `signal` has already aborted, or a
   * PathError from the exec ("fork/exec /bin/x: permission denied").
   */
  async start(): Promise<void> {
    if (this.path === "" && this.err === null) this.err = new CmdError(errText.noCommand);
    if (this.err !== null) {
      this.#closeAll();
      throw this.err;
    }
    if (this.process !== null || this.#starting) throw new CmdError(errText.started);
    if (this.signal?.aborted === true) {
      this.#closeAll();
      throw contextError(this.signal.reason);
    }
    this.#starting = true;
    try {
      await this.#spawn();
    } catch (err) {
      this.#closeAll();
      throw err;
    } finally {
      this.#starting = false;
    }
    for (const f of this.#closeAfterStart) void f[Symbol.asyncDispose]();
    this.#closeAfterStart = [];
    this.#running = this.#copies.map((copy) => copy().then(() => null, (err: Error) => err));
    this.#copies = [];
    this.#watchSignal();
  }

  async #spawn(): Promise<void> {
    const nul = { fd: -1 };
    try {
      const fds = new Int32Array(3 + this.extraFiles.length);
      fds[0] = this.#stdinFd(nul);
      fds[1] = this.#outputFd(this.stdout, nul);
      fds[2] = this.stderr !== null && this.stderr === this.stdout ? fds[1] : this.#outputFd(this.stderr, nul);
      this.extraFiles.forEach((f, i) => (fds[3 + i] = f === null ? -1 : holderFd(f, this.path)));
      const envp = this.environ();
      if (envp.some((kv) => kv.includes("\0"))) throw new CmdError(errText.envNul);
      const attr = this.#attr(envp);
      if (this.dir !== "" && this.sysProcAttr === null) {
        const rc = binding.stat(this.dir, new Float64Array(4));
        if (rc < 0) throw new PathError("chdir", this.dir, new Errno(-rc));
      }
      const cred = this.sysProcAttr?.credential;
      this.process = await startProcess({
        path: this.path,
        argv: this.args.length > 0 ? this.args : [this.path],
        envp,
        dir: this.dir === "" ? null : this.dir,
        fds,
        attr,
        groups: Int32Array.from(cred?.groups ?? []),
        ignored: inheritedIgnores(),
      });
    } finally {
      if (nul.fd >= 0) closeSync(nul.fd);
    }
  }

  /** The native attr slots for sysProcAttr and socket activation (which edits envp). */
  #attr(envp: string[]): Int32Array {
    const a = new Int32Array(C.SK_SPAWN_ATTR_COUNT!);
    a[C.SK_SPAWN_LISTEN_PID!] = -1;
    const s = this.sysProcAttr;
    let flags = 0;
    if (s !== null) {
      if (s.setsid === true) flags |= C.SK_SPAWN_SETSID!;
      if (s.setpgid === true) flags |= C.SK_SPAWN_SETPGID!;
      if (s.noctty === true) flags |= C.SK_SPAWN_NOCTTY!;
      if (s.setctty === true) flags |= C.SK_SPAWN_SETCTTY!;
      a[C.SK_SPAWN_PGID!] = s.pgid ?? 0;
      a[C.SK_SPAWN_CTTY!] = s.ctty ?? 0;
      if (s.pdeathsig !== undefined) {
        if (process.platform !== "linux") throw new CmdError("exec: pdeathsig is supported on Linux only");
        a[C.SK_SPAWN_PDEATHSIG!] = signalNumber(s.pdeathsig);
      }
      if (s.credential !== undefined) {
        flags |= C.SK_SPAWN_CREDENTIAL!;
        if (s.credential.noSetGroups !== true) flags |= C.SK_SPAWN_SETGROUPS!;
        a[C.SK_SPAWN_UID!] = s.credential.uid;
        a[C.SK_SPAWN_GID!] = s.credential.gid;
      }
    }
    if (this.blockingFiles) flags |= C.SK_SPAWN_BLOCKING!;
    a[C.SK_SPAWN_FLAGS!] = flags;
    const act = this.socketActivation;
    if (act !== false) {
      const names = act === true ? [] : act;
      for (const k of ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]) removeEnv(envp, k);
      envp.push(`LISTEN_FDS=${this.extraFiles.length}`);
      if (names.length > 0) envp.push(`LISTEN_FDNAMES=${names.join(":")}`);
      a[C.SK_SPAWN_LISTEN_PID!] = envp.push("LISTEN_PID=") - 1;
    }
    return a;
  }

  /** The child's fd 0. */
  #stdinFd(nul: { fd: number }): number {
    const src = this.stdin;
    if (src === null || src === undefined) return devNull(nul);
    const direct = directFd(src, this.path);
    if (direct !== null) return direct;
    const chunks = stdinChunks(src);
    const { child: r, parent: w } = this.#childPipe(true);
    this.#copies.push(async () => {
      try {
        for await (const c of chunks) await w.write(typeof c === "string" ? Buffer.from(c) : c);
      } catch (err) {
        // Go's skipStdinCopyError: a child that exits before reading all its input is no error.
        if (!errorIs(err, new Errno(E.EPIPE!))) throw err;
      } finally {
        await w[Symbol.asyncDispose]();
      }
    });
    return r.fd();
  }

  /** The child's fd 1 or 2 for `dst`. */
  #outputFd(dst: OutputSink, nul: { fd: number }): number {
    if (dst === null || dst === undefined) return devNull(nul);
    const direct = directFd(dst, this.path);
    if (direct !== null) return direct;
    const sink = toSink(dst as NodeJS.WritableStream);
    const { child: w, parent: r } = this.#childPipe(false);
    this.#copies.push(async () => {
      try {
        for await (const chunk of r) await sink.write(chunk);
      } finally {
        // In case the copy stopped on a write error: the child then sees EPIPE.
        await r[Symbol.asyncDispose]();
      }
    });
    return w.fd();
  }

  /** On abort, kill the process (Go's watchCtx). */
  #watchSignal(): void {
    const sig = this.signal;
    if (sig === null) return;
    const onAbort = (): void => {
      try {
        this.process?.kill();
        this.#killedByAbort = true;
      } catch {
        // Already finished: the wait reports how it ended.
      }
    };
    if (sig.aborted) onAbort();
    else sig.addEventListener("abort", onAbort, { once: true });
    this.#unwatch = () => sig.removeEventListener("abort", onAbort);
  }

  /**
   * wait waits for the command to exit and for its copies to and from it to finish, then
   * closes the parent's pipe ends. It rejects with an ExitError if the command did not
   * succeed, `exec: not started`, `exec: Wait was already called`, or a copy's error (reported
   * only if the command otherwise succeeded).
   */
  async wait(): Promise<void> {
    if (this.process === null) throw new CmdError(errText.notStarted);
    if (this.#waited) throw new CmdError(errText.waited);
    this.#waited = true;
    let state: ProcessState | null = null;
    let waitError: Error | null = null;
    try {
      state = await this.process.wait();
    } catch (err) {
      // The process was waited for already (process.wait()): as Go, still finish the copies
      // and close the parent's ends, then report it.
      waitError = err as Error;
    }
    this.#unwatch?.();
    this.processState = state;
    let copyError: Error | null = null;
    for (const r of await Promise.all(this.#running)) copyError ??= r;
    this.#running = [];
    this.#closeAll();
    if (waitError !== null) throw waitError;
    if (!state!.success()) throw new ExitError(state!);
    if (this.#killedByAbort && this.signal !== null) throw contextError(this.signal.reason);
    if (copyError !== null) throw copyError;
  }

  /** run starts the command and waits for it: `start` then `wait`. */
  async run(): Promise<void> {
    await this.start();
    await this.wait();
  }

  /**
   * output runs the command and resolves with its stdout. If stderr was not set, what the
   * command wrote there (its first and last 32 KiB) is in the ExitError's `stderr`.
   */
  async output(): Promise<Uint8Array> {
    if (this.stdout !== null) throw new CmdError("exec: Stdout already set");
    const out = new OutputSaver();
    this.stdout = out.writable();
    const saver = this.stderr === null ? new PrefixSuffixSaver(32 << 10) : null;
    if (saver !== null) this.stderr = saver.writable();
    try {
      await this.run();
    } catch (err) {
      if (err instanceof ExitError && saver !== null) err.stderr = saver.bytes();
      throw err;
    }
    return out.bytes();
  }

  /** combinedOutput runs the command and resolves with its stdout and stderr, interleaved. */
  async combinedOutput(): Promise<Uint8Array> {
    if (this.stdout !== null) throw new CmdError("exec: Stdout already set");
    if (this.stderr !== null) throw new CmdError("exec: Stderr already set");
    const out = new OutputSaver();
    this.stdout = this.stderr = out.writable();
    await this.run();
    return out.bytes();
  }

  /**
   * environ returns the environment the command would run with: `env`, or the parent's
   * (plus PWD when `dir` is set), duplicates removed with the last one kept. Go: `Environ`.
   */
  environ(): string[] {
    let env: string[];
    if (this.env !== null) env = [...this.env];
    else {
      env = Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ""}`);
      if (this.dir !== "") env.push(`PWD=${path.resolve(this.dir)}`);
    }
    return dedupEnv(env);
  }

  /** toString is the command line: the resolved path and the arguments. Go: `String`. */
  toString(): string {
    if (this.err !== null) return this.args.join(" ");
    return [this.path, ...this.args.slice(1)].join(" ");
  }

  /** Closes every parent-side fd still held for the child (a failed start, or after wait). */
  #closeAll(): void {
    for (const f of [...this.#closeAfterStart, ...this.#closeAfterWait]) void f[Symbol.asyncDispose]();
    this.#closeAfterStart = [];
    this.#closeAfterWait = [];
  }
}

/**
 * command returns the Cmd that runs `name` with `args`, Go's `exec.Command`: a name with no
 * slash is looked up in $PATH now, and a failed lookup is kept in `err` for `start` to
 * report. Set `signal` (Go's CommandContext) to kill the command on abort.
 *
 * @example
 * const cmd = command("sort", "-r");
 * const stdin = cmd.stdinPipe();
 * const stdout = cmd.stdoutPipe();
 * await cmd.start();
 * await stdin.write(new TextEncoder().encode("b\na\n"));
 * await stdin.close();
 * for await (const chunk of stdout) process.stdout.write(chunk); // "b\na\n"
 * await cmd.wait();
 */
export function command(name: string, ...args: string[]): Cmd {
  if (typeof name !== "string") throw invalidArg("name", "a string", name);
  for (const a of args) if (typeof a !== "string") throw invalidArg("args", "strings", a);
  const cmd = new Cmd(name, args);
  // Go's filepath.Base("") is ".": an empty name is no lookup, and start says "no command".
  if (name !== "" && path.basename(name) === name) {
    const r = lookPathResult(name);
    if (r.path !== "") cmd.path = r.path;
    cmd.err = r.err;
  }
  return cmd;
}

/** Go's dedupEnv: the last entry for each key wins, in the order the kept entries came. */
function dedupEnv(env: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = env.length - 1; i >= 0; i--) {
    const kv = env[i]!;
    const eq = kv.indexOf("=");
    if (eq < 0) {
      if (kv !== "") out.push(kv);
      continue;
    }
    const k = kv.slice(0, eq);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(kv);
  }
  return out.reverse();
}

function removeEnv(env: string[], key: string): void {
  for (let i = env.length - 1; i >= 0; i--) if (env[i]!.startsWith(`${key}=`)) env.splice(i, 1);
}

/** Opens /dev/null once per start (read and write), for every std stream left unset. */
function devNull(nul: { fd: number }): number {
  if (nul.fd < 0) nul.fd = openSync("/dev/null", fsc.O_RDWR);
  return nul.fd;
}

/** The fd of an fd holder or of a stream with a numeric fd, else null. */
function directFd(v: object | string, cmdPath: string): number | null {
  if (typeof v !== "object") return null;
  if (typeof (v as FDHolder).fd === "function") return holderFd(v as FDHolder, cmdPath);
  const fd = (v as { fd?: unknown }).fd;
  return typeof fd === "number" && Number.isInteger(fd) && fd >= 0 ? fd : null;
}

/** An fd holder's number; a closed one fails the start as Go's exec of a closed File does. */
function holderFd(h: FDHolder, cmdPath: string): number {
  if (typeof h?.fd !== "function") throw invalidArg("extraFiles", "fd owners (File, conn, listener) or null", h);
  const fd = h.fd();
  if (fd < 0) throw new PathError("fork/exec", cmdPath, new Errno(E.EBADF!));
  return fd;
}

function stdinChunks(src: Exclude<StdinSource, null>): AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> {
  if (typeof src === "string" || src instanceof Uint8Array) return [src];
  if (typeof (src as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    return src as AsyncIterable<Uint8Array | string>;
  }
  throw invalidArg("stdin", "null, an fd owner, bytes, a string or an async iterable", src);
}
