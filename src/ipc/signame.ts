/**
 * Signal names and numbers: the platform's numbers (from Node's `os.constants.signals`, which
 * differ between Linux and macOS), Go's `syscall.Signal.String()` texts, and the record of the
 * signals sockit's `ignore` has set to SIG_IGN, which children inherit (src/ipc/exec.ts).
 */
import { constants } from "node:os";
import { invalidArg } from "../sys/args.js";
import { binding } from "../sys/binding.js";

/** A signal's name as Node spells it ("SIGINT", "SIGTERM"). */
export type SignalName = NodeJS.Signals;

/** A signal, by name ("SIGTERM") or by the platform's number (15 on Linux). */
export type Signal = SignalName | number;

const numbers = constants.signals as Readonly<Record<string, number>>;
const names = new Map<number, SignalName>();
for (const [name, n] of Object.entries(numbers)) {
  // First name wins for aliases (SIGIOT is SIGABRT, SIGPOLL is SIGIO on Linux).
  if (!names.has(n)) names.set(n, name as SignalName);
}

/**
 * Go's texts for each signal (syscall's signal tables, zerrors_linux and zerrors_darwin), by
 * name, so that they hold whatever the platform's numbering.
 */
const texts: Readonly<Record<string, string>> = {
  SIGHUP: "hangup",
  SIGINT: "interrupt",
  SIGQUIT: "quit",
  SIGILL: "illegal instruction",
  SIGTRAP: "trace/breakpoint trap",
  SIGABRT: process.platform === "darwin" ? "abort trap" : "aborted",
  SIGBUS: "bus error",
  SIGFPE: "floating point exception",
  SIGKILL: "killed",
  SIGUSR1: "user defined signal 1",
  SIGSEGV: "segmentation fault",
  SIGUSR2: "user defined signal 2",
  SIGPIPE: "broken pipe",
  SIGALRM: "alarm clock",
  SIGTERM: "terminated",
  SIGSTKFLT: "stack fault",
  SIGCHLD: "child exited",
  SIGCONT: "continued",
  SIGSTOP: "stopped (signal)",
  SIGTSTP: "stopped",
  SIGTTIN: "stopped (tty input)",
  SIGTTOU: "stopped (tty output)",
  SIGURG: "urgent I/O condition",
  SIGXCPU: "CPU time limit exceeded",
  SIGXFSZ: "file size limit exceeded",
  SIGVTALRM: "virtual timer expired",
  SIGPROF: "profiling timer expired",
  SIGWINCH: "window changed",
  SIGIO: "I/O possible",
  SIGPWR: "power failure",
  SIGSYS: "bad system call",
  SIGEMT: "EMT trap",
  SIGINFO: "information request",
};

/**
 * signalNumber is the platform's number for `sig`, a name or a number. A name the platform
 * lacks, or anything else that is no signal, throws a TypeError.
 *
 * @example
 * signalNumber("SIGTERM"); // 15 on Linux
 */
export function signalNumber(sig: Signal): number {
  if (typeof sig === "number") {
    if (Number.isInteger(sig) && sig > 0 && sig < 65) return sig;
  } else if (typeof sig === "string" && Object.hasOwn(numbers, sig)) {
    return numbers[sig]!;
  }
  throw invalidArg("sig", "a signal name such as \"SIGTERM\" or a signal number", sig);
}

/**
 * nameOfSignal is Node's name for the signal number `n` ("SIGINT"), or null for a number with
 * none (a real-time signal).
 */
export function nameOfSignal(n: number): SignalName | null {
  return names.get(n) ?? null;
}

/**
 * signalName is Go's `Signal.String()` for `sig`: "interrupt" for SIGINT, "terminated" for
 * SIGTERM, "killed" for SIGKILL, and "signal N" for a number Go has no text for.
 *
 * @example
 * signalName("SIGINT"); // "interrupt"
 * signalName(2);        // "interrupt"
 */
export function signalName(sig: Signal): string {
  const n = signalNumber(sig);
  const text = texts[names.get(n) ?? ""];
  return text ?? `signal ${n}`;
}

/** The signals sockit's `ignore` set to SIG_IGN in this process, by number. */
const ignoredHere = new Set<number>();

/**
 * @internal Records that sockit set (`on`) or cleared the SIG_IGN of signal `n`, so that
 * children started later inherit it as Go's do.
 */
export function recordIgnored(n: number, on: boolean): void {
  if (on) ignoredHere.add(n);
  else ignoredHere.delete(n);
}

/**
 * @internal The signals a child keeps at SIG_IGN: those sockit's `ignore` set. Node itself
 * ignores SIGPIPE and SIGXFSZ, which a child gets back at their defaults, as from Go and from
 * Node's own child_process.
 */
export function inheritedIgnores(): Int32Array {
  // Checked against the kernel: a later process.on (libuv's handler) replaces SIG_IGN unseen.
  return Int32Array.from([...ignoredHere].filter((n) => binding.signalDisposition(n, -1) === 1));
}
