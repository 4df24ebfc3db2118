/**
 * The machinery under signal.ts, Go's os/signal `handlers` table on Node: which relays (the
 * subscriptions) want which signal, one `process.on` listener per caught signal, the native
 * dispositions sockit sets, and the ref'd timer that keeps the loop alive while someone awaits
 * a signal.
 *
 * Signals reach JavaScript through Node's own handling (`process.on`, libuv's uv_signal_t), so
 * sockit and the program's own listeners coexist. Two libuv facts shape the rest
 * (src/unix/signal.c): the first uv_signal_start of a signal installs libuv's handler, and
 * the last uv_signal_stop sets SIG_DFL, whatever the disposition was before.
 */
import { isMainThread } from "node:worker_threads";
import { debuglog } from "node:util";
import { constants } from "node:os";
import { binding } from "../sys/binding.js";
import { syscallError } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { nameOfSignal, recordIgnored, signalNumber, type Signal, type SignalName } from "./signame.js";

const debug = debuglog("sockit");

/** binding.signalDisposition's `set` values and its "was SIG_IGN" result. */
const READ = -1;
const DFL = 0;
const IGN = 1;

/** SIGKILL and SIGSTOP: no handler and no SIG_IGN can be set (sigaction(2)). */
const uncatchable = new Set<string>(["SIGKILL", "SIGSTOP"]);

/**
 * Left out of "every signal": after libuv's handler returns, a real fault (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL) runs its instruction again and faults again, so no JavaScript listener would
 * ever run (Node's process documentation says as much), and V8 owns SIGPROF for its sampling
 * profiler and SIGSEGV for its WebAssembly trap handler.
 */
const notInAll = new Set<string>(["SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGPROF"]);

/**
 * The signals Node itself keeps at SIG_IGN (node.cc, PlatformInit), so that a write to a closed
 * pipe fails with EPIPE and one past RLIMIT_FSIZE with EFBIG instead of killing the process.
 */
const nodeIgnores = new Set<string>(["SIGPIPE", "SIGXFSZ"]);

/** Every signal Node has a name for but SIGKILL and SIGSTOP, by canonical name, in number order. */
let named: readonly SignalName[] | null = null;
let all: readonly SignalName[] | null = null;

/** namedSignals lists every signal Node has a name for, but SIGKILL and SIGSTOP. */
export function namedSignals(): readonly SignalName[] {
  if (named === null) {
    const seen = new Set<SignalName>();
    const numbers = Object.values(constants.signals as Record<string, number>).sort((a, b) => a - b);
    for (const n of numbers) {
      const name = nameOfSignal(n);
      if (name !== null && !uncatchable.has(name)) seen.add(name);
    }
    named = [...seen];
  }
  return named;
}

/** allSignals lists what notify() with no names catches: namedSignals but `notInAll`. */
export function allSignals(): readonly SignalName[] {
  return (all ??= namedSignals().filter((name) => !notInAll.has(name)));
}

/** isUncatchable reports whether `n` is SIGKILL or SIGSTOP. */
export function isUncatchable(n: number): boolean {
  return uncatchable.has(nameOfSignal(n) ?? "");
}

/**
 * catchableName is the canonical name ("SIGABRT" for "SIGIOT") of a signal a listener can be
 * set for; anything else (SIGKILL, SIGSTOP, a real-time signal Node has no name for, no
 * signal at all) throws a TypeError.
 */
export function catchableName(sig: Signal): SignalName {
  const name = nameOfSignal(signalNumber(sig));
  if (name === null) throw invalidArg("sig", "a signal Node has a name for (Node cannot catch real-time signals)", sig);
  if (uncatchable.has(name)) throw invalidArg("sig", "a signal that can be caught (not SIGKILL or SIGSTOP)", sig);
  return name;
}

/** mainThreadOnly throws where Node delivers no signals: a worker. */
export function mainThreadOnly(): void {
  // Node starts its uv_signal_t handles on the main thread only; a worker's process.on for a
  // signal never fires, and its changes to dispositions would fight the main thread's.
  if (!isMainThread) throw new Error("sockit: signals are handled on the main thread only, as Node delivers them");
}

/** isIgnored reports whether signal `n` is at SIG_IGN now, as the kernel says. */
export function isIgnored(n: number): boolean {
  return binding.signalDisposition(n, READ) === IGN;
}

function setDisposition(n: number, to: typeof DFL | typeof IGN): void {
  const rc = binding.signalDisposition(n, to);
  if (rc < 0) throw syscallError("sigaction", rc);
}

/**
 * Relay is what a subscription is to the table: where a caught signal goes, and the signals it
 * wants, which `ignore` and `reset` take away from every relay (Go's `cancel`).
 */
export interface Relay {
  readonly wants: Set<SignalName>;
  deliver(sig: SignalName): void;
}

/** The relays of each caught signal, in subscription order (Go's handlers.m and handlers.ref). */
const table = new Map<SignalName, Set<Relay>>();

/** The one listener sockit adds for each caught signal. */
function dispatch(sig: SignalName): void {
  const relays = table.get(sig);
  // A copy: a delivery runs user code (an abort listener) that may stop or add relays.
  if (relays !== undefined) for (const r of [...relays]) r.deliver(sig);
}

/** watch makes `relay` receive `name`, catching it first if nobody in sockit does yet. */
export function watch(relay: Relay, name: SignalName): void {
  if (relay.wants.has(name)) return;
  let relays = table.get(name);
  if (relays === undefined) {
    const n = signalNumber(name);
    // Set to SIG_IGN under live listeners (by ignore, say), libuv's handler is gone, and only
    // a new first uv_signal_start puts it back.
    const stale = process.listenerCount(name) > 0 && isIgnored(n);
    process.on(name, dispatch);
    if (stale) rearm(name);
    // The handler replaced any SIG_IGN: children no longer inherit one (Go's Notify).
    recordIgnored(n, false);
    table.set(name, (relays = new Set()));
  }
  relays.add(relay);
  relay.wants.add(name);
}

/**
 * unwatch stops `relay` receiving `name`; the last relay of a signal removes sockit's listener,
 * which gives the signal back its default when no other listener is left.
 */
export function unwatch(relay: Relay, name: SignalName): void {
  relay.wants.delete(name);
  const relays = table.get(name);
  if (relays === undefined || !relays.delete(relay) || relays.size > 0) return;
  table.delete(name);
  process.removeListener(name, dispatch);
  // libuv's last uv_signal_stop set SIG_DFL; Node's own default for these is SIG_IGN.
  if (nodeIgnores.has(name) && process.listenerCount(name) === 0) setDisposition(signalNumber(name), IGN);
}

/** cancel takes signal `n` away from every relay and drops sockit's listener for it (Go's cancel). */
function cancel(n: number): void {
  const name = nameOfSignal(n);
  const relays = name === null ? undefined : table.get(name);
  if (name === null || relays === undefined) return;
  for (const r of relays) r.wants.delete(name);
  table.delete(name);
  process.removeListener(name, dispatch);
}

/** ignoreSignal is Go's ignoreSignal after cancel: SIG_IGN, even under other listeners. */
export function ignoreSignal(n: number): void {
  cancel(n);
  setDisposition(n, IGN);
  recordIgnored(n, true);
}

/**
 * resetSignal is Go's disableSignal after cancel, in Node's terms: with listeners left, they
 * get the signal again; with none, Node's default comes back (SIG_IGN for SIGPIPE and
 * SIGXFSZ; else SIG_DFL where it was SIG_IGN, while a handler of Node's or V8's, such as the
 * inspector's SIGUSR1, stays as it is).
 */
export function resetSignal(n: number): void {
  cancel(n);
  recordIgnored(n, false);
  const name = nameOfSignal(n);
  if (name !== null && process.listenerCount(name) > 0) {
    if (isIgnored(n)) rearm(name);
    return;
  }
  if (name !== null && nodeIgnores.has(name)) setDisposition(n, IGN);
  else if (isIgnored(n)) setDisposition(n, DFL);
}

/**
 * rearm puts libuv's handler back for `name`, whose listeners remain while something set
 * SIG_IGN under them: Node stops its uv_signal_t when the last listener goes and starts a new
 * one for the next, so the listeners are taken off and put back in their order (their
 * `removeListener` and `newListener` events fire).
 */
function rearm(name: SignalName): void {
  debug("%s was SIG_IGN under live listeners; re-installing libuv's handler", name);
  const listeners = process.rawListeners(name) as ((...args: unknown[]) => void)[];
  process.removeAllListeners(name);
  for (const l of listeners) process.on(name, l);
}

/** How many receives are waiting for a signal, and the timer that keeps the loop alive for them. */
let waiting = 0;
let keepAlive: NodeJS.Timeout | null = null;

/**
 * holdLoop counts receivers that start (+1) or stop (-1) waiting. Node's signal handles are
 * unref'd, so without this a program whose only work is awaiting a signal would exit; the
 * longest interval Node takes keeps it alive for as long as someone waits, and no longer.
 */
export function holdLoop(delta: number): void {
  waiting += delta;
  if (waiting > 0 && keepAlive === null) {
    keepAlive = setInterval(() => {}, 2 ** 31 - 1);
  } else if (waiting === 0 && keepAlive !== null) {
    clearInterval(keepAlive);
    keepAlive = null;
  }
}
