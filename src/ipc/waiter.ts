/**
 * Waits on waiter threads (native/waiter.c): the blocking calls no poller can serve, a held
 * file lock's or a semaphore's, each on a thread of its own, with a bound. At most
 * `maxWaiters` run at once in each environment (the main thread's, each worker's); a wait past
 * that queues in call order and starts when a running one ends. A queued wait is cancelled as
 * a running one is, and never takes a thread. docs/design.md ("Waiting without an fd") gives
 * the reasons.
 */
import { binding, type WaiterHandle } from "../sys/binding.js";
import { E } from "../sys/errors.js";
import { LockQueue } from "../poll/lock.js";
import { LongTimer } from "../poll/deadline.js";
import { ErrDeadlineExceeded, abortError } from "../poll/errors.js";

/** The most waiter threads one environment runs at once; later waits queue. */
export const maxWaiters = 64;

let running = 0;
const queued = new LockQueue();

/** A wait started by {@link startWaiter}. */
export interface Waiter {
  /**
   * cancel asks the wait to stop: a queued one leaves the line, a running one's call is
   * interrupted. `done` still runs once, with -EINTR, or with the result the call reached
   * first (the caller then undoes what it took). Idempotent.
   */
  cancel(): void;
}

/**
 * startWaiter runs `start` once a waiter thread is free: it begins one native wait
 * (`binding.lockWait(..., onDone)`) and returns its handle, or -errno when no thread could be
 * made. `done(rc)` runs exactly once, never synchronously: with the call's result, with -EINTR
 * when a cancel stopped it (queued or running), or with the failed start's -errno.
 */
export function startWaiter(
  start: (onDone: (rc: number) => void) => WaiterHandle | number,
  done: (rc: number) => void,
): Waiter {
  let handle: WaiterHandle | null = null;
  let finished = false;
  let cancelled = false;
  const finish = (rc: number): void => {
    if (finished) return;
    finished = true;
    done(rc);
  };
  const run = (): void => {
    running++;
    let r: WaiterHandle | number;
    try {
      r = start((rc) => {
        handle = null;
        running--;
        startQueued();
        finish(rc);
      });
    } catch (err) {
      running--;
      startQueued();
      throw err;
    }
    if (typeof r === "number") {
      running--;
      startQueued();
      queueMicrotask(() => finish(r as number));
      return;
    }
    handle = r;
    if (cancelled) binding.waiterCancel(r);
  };
  if (running < maxWaiters) run();
  else queued.enqueue(run);
  return {
    cancel(): void {
      if (finished || cancelled) return;
      cancelled = true;
      if (handle !== null) binding.waiterCancel(handle);
      else if (queued.remove(run)) queueMicrotask(() => finish(-E.EINTR!));
    },
  };
}

/** Starts queued waits while threads are free. */
function startQueued(): void {
  while (running < maxWaiters) {
    const run = queued.next();
    if (run === undefined) return;
    run();
  }
}

/**
 * stopPassed is the error of a wait whose stop has come before it began: the signal's abort,
 * else a deadline (epoch ms, 0 for none) already past; null when neither. Such a wait fails
 * at once, even where the resource is free, as Go's calls do with a done context.
 */
export function stopPassed(deadline: number, signal: AbortSignal | undefined): Error | null {
  if (signal?.aborted === true) return abortError(signal.reason);
  if (deadline !== 0 && deadline <= Date.now()) return ErrDeadlineExceeded;
  return null;
}

/** What may end a {@link threadWait} early. */
export interface ThreadWaitStops {
  /** Epoch ms after which the wait ends with ErrDeadlineExceeded; 0 for none. */
  deadline: number;
  /** Aborting ends the wait with abortError(reason). */
  signal?: AbortSignal | undefined;
  /**
   * The owner's hold (FD.hold, or the like): called with the cancel its close must run, it
   * returns the release, which threadWait calls after `settle`.
   */
  hold: (cancel: () => void) => () => void;
  /** The error a close of the owner ends the wait with. */
  closed: Error;
}

/**
 * threadWait runs one native wait on a waiter thread (startWaiter) until it returns, or until
 * the deadline, the signal or the owner's close tells it to stop. `settle(rc, reason)` runs
 * once the thread is done, with the call's result and the reason it was told to stop (null if
 * it was not), while the hold is still in place: rc 0 with a reason means the kernel granted
 * it in the same instant, and the caller gives it back before rejecting. The caller's undo
 * thus happens before anything else can see the resource, and "the resource not taken" holds.
 */
export function threadWait(
  start: (onDone: (rc: number) => void) => WaiterHandle | number,
  stops: ThreadWaitStops,
  settle: (rc: number, reason: Error | null) => void,
): void {
  let reason: Error | null = null;
  const stop = (err: Error): void => {
    if (reason !== null) return;
    reason = err;
    waiter.cancel();
  };
  const signal = stops.signal;
  const timer = stops.deadline === 0 ? null : new LongTimer(() => stop(ErrDeadlineExceeded)).start(stops.deadline);
  const onAbort = (): void => stop(abortError(signal!.reason));
  signal?.addEventListener("abort", onAbort, { once: true });
  const release = stops.hold(() => stop(stops.closed));
  const waiter = startWaiter(start, (rc) => {
    timer?.stop();
    signal?.removeEventListener("abort", onAbort);
    try {
      settle(rc, reason);
    } finally {
      release();
    }
  });
}
