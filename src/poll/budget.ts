/**
 * The work budget: how many syscalls the poll layer makes before it lets the event loop turn.
 *
 * A call the kernel can satisfy at once settles through a promise, and promise reactions run
 * before the event loop moves on; so a conn that always has data (a flood from a peer) or a
 * loop that retries a failing accept at once would run forever on microtasks alone, and no
 * timer, deadline or other socket would get a turn (measured: a 50 ms heartbeat went 4 s
 * without firing under a UDP flood). libuv bounds the work one wakeup does (uv__read stops
 * after 32 reads); this is the same rule for the whole thread.
 *
 * Every attempt spends one unit. The budget refills when the loop shows it is turning: a poll
 * callback (the loop is in its poll phase) or the check-phase immediate that runs what was
 * deferred. Once it is spent, attempts are queued for that immediate, which runs after this
 * turn's I/O callbacks; an immediate queued while it runs goes to the next turn, after the
 * timers. Traffic that waits for readiness anyway (request-response) refills on every wakeup
 * and never defers, so the fast path costs one decrement.
 *
 * Module state is per thread: each worker loads its own copy of this module.
 */

/**
 * Attempts per turn of the loop: libuv's 32 reads per wakeup, for a few fds at once. At 50 µs
 * of work per item that is 6 ms between timer turns; fewer cost a receive loop more turns.
 */
export const perTurn = 128;

let left = perTurn;
let queue: (() => void)[] = [];
let scheduled = false;

/** spend takes one unit of the budget; false when it is spent and the caller must defer. */
export function spend(): boolean {
  if (left === 0) return false;
  left--;
  return true;
}

/** refill restores the budget: the loop has turned. */
export function refill(): void {
  left = perTurn;
}

/** defer runs `fn` once the event loop has had its turn (check phase, in call order). */
export function defer(fn: () => void): void {
  queue.push(fn);
  if (scheduled) return;
  scheduled = true;
  setImmediate(runDeferred);
}

function runDeferred(): void {
  scheduled = false;
  left = perTurn;
  const q = queue;
  queue = [];
  for (const fn of q) fn();
}
