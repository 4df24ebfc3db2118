/**
 * The work budget: how much the poll layer does before it lets the event loop turn.
 *
 * A call the kernel can satisfy at once settles through a promise, and promise reactions run
 * before the event loop moves on; so a conn that always has data (a flood from a peer) or a
 * loop that retries a failing accept at once would run forever on microtasks alone, and no
 * timer, deadline or other socket would get a turn (measured: a 50 ms heartbeat went 4 s
 * without firing under a UDP flood). libuv bounds the work one wakeup does (uv__read stops
 * after 32 reads); this bounds the work of the whole thread between turns of the loop.
 *
 * The bound is time, checked in chunks: every attempt spends one unit of a chunk of 64, and a
 * spent chunk reads the clock once. The first chunk after a refill starts the clock; further
 * chunks are granted while less than `slice` ms have passed since, and then attempts are
 * deferred to a check-phase immediate, which runs after this turn's I/O callbacks (an
 * immediate queued while it runs waits for the next turn, after the timers). Counting alone
 * (one loop turn per 64 or 128 attempts) cost fast bursts of small records about a tenth of
 * their rate; time lets a burst of cheap calls run on while still bounding slow ones (at 50 µs
 * of work per item the loop turns every 2 ms).
 *
 * The budget refills when the loop shows it is turning: a poll callback (the loop is in its
 * poll phase) or the immediate that runs what was deferred. Traffic that waits for readiness
 * anyway (request-response) refills on every wakeup and never reads the clock.
 *
 * Module state is per thread: each worker loads its own copy of this module.
 */

/** Attempts per chunk, between two looks at the clock. */
export const chunk = 64;
/** Longest run, in milliseconds, after the first chunk, before the loop must turn. */
export const slice = 2;

let left = chunk;
/** When the second chunk began (performance.now()), or 0 while the first is being spent. */
let since = 0;
let queue: (() => void)[] = [];
let scheduled = false;

/** spend takes one unit of the budget; false when it is spent and the caller must defer. */
export function spend(): boolean {
  if (left > 0) {
    left--;
    return true;
  }
  const now = performance.now();
  if (since === 0) since = now;
  else if (now - since >= slice) return false;
  left = chunk - 1;
  return true;
}

/** refill restores the budget: the loop has turned. */
export function refill(): void {
  left = chunk;
  since = 0;
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
  refill();
  const q = queue;
  queue = [];
  for (const fn of q) fn();
}
