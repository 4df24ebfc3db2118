/**
 * Go's os/signal on Node: `notify` (a Subscription, Go's channel), `notifyContext`, `ignore`,
 * `ignored`, `reset`, and `kill` (os.Process.Signal). sigrelay.ts keeps the table of who wants
 * which signal and the native dispositions; this file is the API and Go's delivery rule.
 */
import { debuglog } from "node:util";
import { binding } from "../sys/binding.js";
import { E, Errno, brand } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { CanceledError } from "../poll/errors.js";
import { ErrProcessDone, contextError } from "./errors.js";
import { inheritedIgnores, nameOfSignal, signalName, signalNumber, type Signal, type SignalName } from "./signame.js";
import {
  allSignals,
  catchableName,
  holdLoop,
  ignoreSignal,
  isIgnored,
  isUncatchable,
  mainThreadOnly,
  namedSignals,
  resetSignal,
  unwatch,
  watch,
  type Relay,
} from "./sigrelay.js";

const debug = debuglog("sockit");

/** NotifyOptions are the options of {@link notify}, after the signals. */
export interface NotifyOptions {
  /**
   * How many signals the subscription holds for a reader that is not waiting (default 1, Go's
   * recommended channel size); one that arrives when it is full is dropped. 0 delivers only
   * to a reader already waiting.
   */
  buffer?: number;
}

/** NotifyContextOptions are the options of {@link notifyContext}, after the signals. */
export interface NotifyContextOptions {
  /** A parent: its abort aborts the context too, with its reason (Go's parent context). */
  signal?: AbortSignal;
}

/** Splits a trailing options object off `args`. */
function splitArgs<O extends object>(args: readonly unknown[]): [Signal[], O | undefined] {
  const last = args[args.length - 1];
  if (typeof last === "object" && last !== null) return [args.slice(0, -1) as Signal[], last as O];
  return [args as Signal[], undefined];
}

/** The canonical names of `sigs`, all checked before any is used; none means every signal. */
function catchable(sigs: readonly Signal[]): readonly SignalName[] {
  return sigs.length === 0 ? allSignals() : sigs.map(catchableName);
}

/** A subscription's state: Go's buffered channel, with its receivers waiting in line. */
class Channel implements Relay {
  readonly wants = new Set<SignalName>();
  queue: SignalName[] = [];
  waiters: ((r: IteratorResult<SignalName, undefined>) => void)[] = [];
  stopped = false;

  constructor(readonly buffer: number) {}

  /** Go's `select { case c <- sig: default: }`: to a waiting receiver, else the buffer, else dropped. */
  deliver(sig: SignalName): void {
    if (this.stopped) return;
    const w = this.waiters.shift();
    if (w !== undefined) {
      holdLoop(-1);
      w({ value: sig, done: false });
    } else if (this.queue.length < this.buffer) {
      this.queue.push(sig);
    } else {
      debug("%s dropped: the subscription's buffer of %d is full", sig, this.buffer);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const name of [...this.wants]) unwatch(this, name);
    this.queue = [];
    const waiters = this.waiters;
    this.waiters = [];
    holdLoop(-waiters.length);
    for (const w of waiters) w({ value: undefined, done: true });
  }
}

/**
 * Subscription receives the signals {@link notify} subscribed it to, Go's channel passed to
 * `signal.Notify`: an async iterator of signal names ("SIGINT"), with Go's delivery rule. A
 * signal arriving while its buffer is full is dropped, so nothing queues without bound. While
 * a receive waits, the process stays alive; an idle subscription does not keep it alive.
 *
 * Breaking out of a `for await` loop leaves the subscription catching its signals, as leaving
 * a Go range loop leaves the channel registered: `stop()` it, or hold it with `using`.
 *
 * @example
 * using sub = signals.notify("SIGINT", "SIGTERM");
 * for await (const sig of sub) {
 *   console.log(`got ${sig}`); // "got SIGINT"
 *   break;
 * }
 *
 * Go: signals are names, not os.Signal values; Stop also ends the iteration and discards what
 * is still buffered (a Go channel is never closed by Stop, and keeps its buffered values).
 */
export class Subscription implements AsyncIterableIterator<SignalName>, Disposable {
  readonly #ch: Channel;

  /** @internal Use {@link notify}. */
  constructor(buffer: number) {
    this.#ch = new Channel(buffer);
  }

  /** signals lists the signals the subscription receives, by canonical name ("SIGABRT" for "SIGIOT"). */
  get signals(): SignalName[] {
    return [...this.#ch.wants];
  }

  /** pending is how many received signals wait in the buffer to be read, Go's `len(c)`. */
  get pending(): number {
    return this.#ch.queue.length;
  }

  /** stopped reports whether `stop()` has run. */
  get stopped(): boolean {
    return this.#ch.stopped;
  }

  /**
   * add subscribes to more signals, as a second `signal.Notify` on the same channel does; none
   * means every signal {@link notify} would catch. A stopped subscription throws.
   *
   * @example
   * const sub = signals.notify("SIGINT");
   * sub.add("SIGHUP"); // now both
   */
  add(...sigs: Signal[]): this {
    mainThreadOnly();
    if (this.#ch.stopped) throw new Error("sockit: add on a stopped Subscription");
    for (const name of catchable(sigs)) watch(this.#ch, name);
    return this;
  }

  /**
   * next receives the next signal: at once if one is buffered, else when one arrives (`done`
   * once the subscription stops). Concurrent receives are served in call order, each signal
   * to one of them, as receivers of one Go channel are.
   *
   * @example
   * const { value } = await sub.next(); // "SIGINT"
   */
  next(): Promise<IteratorResult<SignalName, undefined>> {
    const ch = this.#ch;
    if (ch.queue.length > 0) return Promise.resolve({ value: ch.queue.shift()!, done: false });
    if (ch.stopped) return Promise.resolve({ value: undefined, done: true });
    holdLoop(1);
    return new Promise((resolve) => ch.waiters.push(resolve));
  }

  /**
   * stop unsubscribes from every signal (idempotent): waiting and later receives end, nothing
   * more is delivered, and a signal nobody else listens for gets its default behaviour back
   * (SIGINT kills again; SIGPIPE and SIGXFSZ stay ignored, as Node keeps them).
   *
   * @example
   * sub.stop();
   * await sub.next(); // { value: undefined, done: true }
   *
   * Go: `signal.Stop(c)`. A signal whose Node default was a handler of Node's (the inspector's
   * SIGUSR1, the terminal reset on SIGINT and SIGTERM) gets the system default instead: libuv
   * sets SIG_DFL when its last listener goes.
   */
  stop(): void {
    this.#ch.stop();
  }

  /** Symbol.dispose is `stop()`, for `using sub = signals.notify(...)`. */
  [Symbol.dispose](): void {
    this.#ch.stop();
  }

  /** Symbol.asyncIterator returns the subscription itself: `for await (const sig of sub)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
brand(Subscription, "Subscription");

/**
 * notify subscribes to the signals named (names such as "SIGINT", or numbers): they no longer
 * have their default effect, and each one that arrives goes to every subscription that wants
 * it, each buffering up to `buffer` (default 1) and dropping the rest. With no names it takes
 * every signal Node can catch except SIGSEGV, SIGBUS, SIGFPE and SIGILL (a handler for a real
 * fault would run forever before any JavaScript), SIGPROF (V8's profiler) and, being
 * uncatchable, SIGKILL and SIGSTOP. Built on `process.on`: the program's own listeners keep
 * working, and a process with no subscription keeps Node's default for every signal.
 *
 * SIGKILL, SIGSTOP, a real-time signal (Node has no name to listen for) or anything that is
 * no signal throw a TypeError. Call it on the main thread: Node delivers no signals to
 * workers.
 *
 * @example
 * const sub = signals.notify("SIGINT", "SIGTERM", { buffer: 2 });
 * const { value } = await sub.next(); // "SIGTERM" once one arrives
 * sub.stop();
 *
 * Go: `signal.Notify(c, sig...)`; the channel is the returned Subscription, and a second
 * Notify on it is `add`. Go's no-names form also takes the fault signals (delivered only when
 * sent by kill) and SIGPROF. SIGKILL and SIGSTOP throw rather than being silently useless.
 */
export function notify(...sigs: Signal[]): Subscription;
export function notify(...args: [...sigs: Signal[], opts: NotifyOptions]): Subscription;
export function notify(...args: (Signal | NotifyOptions)[]): Subscription {
  mainThreadOnly();
  const [sigs, opts] = splitArgs<NotifyOptions>(args);
  const buffer = opts?.buffer ?? 1;
  if (!Number.isInteger(buffer) || buffer < 0) throw invalidArg("buffer", "a non-negative integer", buffer);
  const names = catchable(sigs);
  const sub = new Subscription(buffer);
  return sub.add(...names);
}

/**
 * SignalError is the abort reason of a {@link notifyContext} signal once one of its signals
 * arrived: "signal received: interrupt" for SIGINT, with the signal's name in `signal`. It is
 * a CanceledError (code "ABORT_ERR"), so `errorIs(reason, new CanceledError(undefined))`
 * holds, and a dial or accept given the signal rejects with "operation was canceled" whose
 * cause is this error.
 *
 * @example
 * const ctx = signals.notifyContext("SIGINT");
 * ctx.signal.addEventListener("abort", () => {
 *   const e = ctx.signal.reason as SignalError;
 *   console.log(e.message, e.signal); // "signal received: interrupt" "SIGINT"
 * });
 *
 * Go: 1.19's context says only `context.Canceled`, without naming the signal.
 */
export class SignalError extends CanceledError {
  /** The signal that arrived ("SIGINT"). */
  readonly signal: SignalName;

  constructor(sig: SignalName) {
    super(undefined);
    Object.defineProperty(this, "name", { value: "SignalError", enumerable: false, writable: true, configurable: true });
    // Frozen: programs match on this text.
    this.message = `signal received: ${signalName(sig)}`;
    this.signal = sig;
  }
}
brand(SignalError, "SignalError");

/**
 * SignalContext is what {@link notifyContext} returns, Go's `(ctx, stop)`: `using` it stops it.
 *
 * @example
 * using ctx = signals.notifyContext("SIGINT");
 * await dial("tcp", "127.0.0.1:8080", { signal: ctx.signal });
 */
export interface SignalContext extends Disposable {
  /** Aborts on the first arrival of a signal (reason: a SignalError), on the parent's abort, or on stop. */
  readonly signal: AbortSignal;
  /** Aborts `signal` if it is not yet, and stops catching the signals (idempotent). */
  stop(): void;
}

/** A relay that aborts a controller once, and keeps catching until stopped. */
class ContextRelay implements Relay {
  readonly wants = new Set<SignalName>();
  constructor(readonly ctl: AbortController) {}
  deliver(sig: SignalName): void {
    if (!this.ctl.signal.aborted) this.ctl.abort(new SignalError(sig));
  }
}

/**
 * notifyContext returns an AbortSignal that aborts when one of the signals arrives (none:
 * every signal {@link notify} would catch), with a {@link SignalError} as its reason, and the
 * `stop` that releases them. As in Go, the signals stay caught after the first arrival (a
 * second SIGINT does not kill) until `stop()`, which aborts the signal if it is not yet
 * (reason: a CanceledError reading "context canceled") and gives the signals their default
 * behaviour back (a SIGINT then kills). An optional trailing `{ signal }` is a parent whose
 * abort aborts this one with the parent's reason. Waiting on it does not keep the process
 * alive.
 *
 * @example
 * using ctx = signals.notifyContext("SIGINT", "SIGTERM");
 * const conn = await ln.accept({ signal: ctx.signal }); // rejects on Ctrl-C
 *
 * Go: `signal.NotifyContext(parent, sig...)`; the reason names the signal (Go 1.19's ctx.Err()
 * is only context.Canceled).
 */
export function notifyContext(...sigs: Signal[]): SignalContext;
export function notifyContext(...args: [...sigs: Signal[], opts: NotifyContextOptions]): SignalContext;
export function notifyContext(...args: (Signal | NotifyContextOptions)[]): SignalContext {
  mainThreadOnly();
  const [sigs, opts] = splitArgs<NotifyContextOptions>(args);
  const names = catchable(sigs);
  const parent = opts?.signal;
  const ctl = new AbortController();
  const relay = new ContextRelay(ctl);
  for (const name of names) watch(relay, name);
  const onParent = (): void => ctl.abort(parent!.reason);
  if (parent?.aborted === true) ctl.abort(parent.reason);
  else parent?.addEventListener("abort", onParent, { once: true });
  const stop = (): void => {
    parent?.removeEventListener("abort", onParent);
    for (const name of [...relay.wants]) unwatch(relay, name);
    if (!ctl.signal.aborted) ctl.abort(contextError(undefined));
  };
  return { signal: ctl.signal, stop, [Symbol.dispose]: stop };
}

/**
 * The numbers of `sigs` for ignore and reset, checked before any is used. The waiter threads'
 * signal (docs/design.md, "Waiting without an fd") is refused: ignored, no wait could be
 * cancelled; reset to its default, a cancel would kill the process.
 */
function numbersOf(sigs: readonly Signal[]): number[] {
  const ns = sigs.map(signalNumber);
  const i = ns.indexOf(binding.WAITER_SIGNAL);
  if (i >= 0) throw invalidArg("sig", "a signal sockit does not reserve (it interrupts lock and semaphore waits)", sigs[i]);
  return ns;
}

/**
 * ignore takes the signals away from every subscription and sets them to SIG_IGN, which
 * children started later inherit (sockit's `command`; Node's child_process resets them). None
 * means every signal {@link notify} would catch, but SIGCHLD. As Go's, it wins over other
 * listeners: a `process.on` listener for an ignored signal no longer hears it until `reset` or
 * `notify`. `ignore("SIGCHLD")` throws a TypeError: with SIGCHLD ignored the kernel reaps
 * children itself, behind the backs of Node and sockit, whose waits would then fail. SIGKILL
 * and SIGSTOP throw a TypeError too.
 *
 * @example
 * signals.ignore("SIGHUP"); // survive the terminal closing, as nohup does
 * signals.ignored("SIGHUP"); // true
 *
 * Go: `signal.Ignore(sig...)`, which also ignores the fault signals and SIGPROF when none are
 * named; Node's SIGUSR1 (starting the inspector) is ignored like any other.
 */
export function ignore(...sigs: Signal[]): void {
  mainThreadOnly();
  const ns = sigs.length === 0 ? allSignals().map(signalNumber).filter((n) => nameOfSignal(n) !== "SIGCHLD") : numbersOf(sigs);
  for (let i = 0; i < sigs.length; i++) {
    if (isUncatchable(ns[i]!)) throw invalidArg("sig", "a signal that can be ignored (not SIGKILL or SIGSTOP)", sigs[i]);
    if (nameOfSignal(ns[i]!) === "SIGCHLD") {
      throw invalidArg("sig", "a signal other than SIGCHLD (ignored, it makes the kernel reap children behind Node's back)", sigs[i]);
    }
  }
  for (const n of ns) ignoreSignal(n);
}

/**
 * ignored reports whether the signal is set to SIG_IGN now, read from the kernel. Node starts
 * with every signal at its default except SIGPIPE and SIGXFSZ, which it ignores.
 *
 * @example
 * signals.ignored("SIGPIPE"); // true under Node
 * signals.ignored("SIGINT");  // false
 *
 * Go: `signal.Ignored(sig)`. A signal ignored by the parent (nohup's SIGHUP) reads false:
 * Node resets every disposition at start-up.
 */
export function ignored(sig: Signal): boolean {
  return isIgnored(signalNumber(sig));
}

/**
 * reset takes the signals away from every subscription and gives them Node's default back:
 * SIG_DFL for one set to SIG_IGN (by {@link ignore}), SIG_IGN for SIGPIPE and SIGXFSZ, which
 * Node ignores. The disposition is touched only once no listener is left for the signal; the
 * program's own `process.on` listeners keep it caught, and hear it again if it was ignored
 * under them. A handler of Node's or V8's (the inspector's SIGUSR1) stays as it is. None means
 * every signal; SIGKILL and SIGSTOP, which nothing can change, are skipped.
 *
 * @example
 * signals.ignore("SIGHUP");
 * signals.reset("SIGHUP");
 * signals.ignored("SIGHUP"); // false
 *
 * Go: `signal.Reset(sig...)`.
 */
export function reset(...sigs: Signal[]): void {
  mainThreadOnly();
  // All: every named signal, and any other (a real-time one) that ignore set to SIG_IGN.
  const ns = sigs.length === 0 ? [...namedSignals().map(signalNumber), ...inheritedIgnores()] : numbersOf(sigs);
  for (const n of new Set(ns)) if (!isUncatchable(n)) resetSignal(n);
}

/**
 * kill sends `sig` (a name, a number, or 0 to check that the process exists) to the process
 * `pid`, or to the process group `-pid` when negative. A process that is gone (ESRCH) throws
 * {@link ErrProcessDone} ("os: process already finished"); any other failure throws the Errno
 * ("operation not permitted").
 *
 * @example
 * signals.kill(child.pid, "SIGTERM");
 * try { signals.kill(pid, 0); } catch (e) { errorIs(e, ErrProcessDone); } // true once it is gone
 *
 * Go: `os.Process.Signal` (`syscall.Kill` for a group). pid 0 and -1 (the caller's group, every
 * process it may signal) throw a TypeError instead: they are almost always a bug.
 */
export function kill(pid: number, sig: Signal | 0): void {
  if (!Number.isInteger(pid) || pid === 0 || pid === -1 || Math.abs(pid) > 0x7fffffff) {
    throw invalidArg("pid", "a process id, or a negative process group id (not 0 or -1)", pid);
  }
  const rc = binding.kill(pid, sig === 0 ? 0 : signalNumber(sig));
  if (rc === 0) return;
  if (rc === -E.ESRCH!) throw ErrProcessDone;
  throw new Errno(-rc);
}

/**
 * signals is Go's os/signal package as one object, plus `kill`: `notify`, `notifyContext`,
 * `ignore`, `ignored`, `reset` and `kill`, each documented under its own name.
 *
 * @example
 * import { signals } from "sockit";
 * using ctx = signals.notifyContext("SIGINT", "SIGTERM");
 * for await (const conn of ln.iterate({ signal: ctx.signal })) void serve(conn);
 *
 * Go: `signal.Notify(c, os.Interrupt)` is `signals.notify("SIGINT")`.
 */
export const signals = Object.freeze({ notify, notifyContext, ignore, ignored, reset, kill });
