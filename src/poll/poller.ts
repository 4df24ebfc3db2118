/**
 * Poller is the readiness half of an FD: one libuv `uv_poll_t` for one fd, the events it is
 * armed for, and whether it keeps the event loop alive. It knows nothing of operations; the FD
 * that made it decides what to wait for and hears back through `onReady`.
 *
 * A poller is left armed while waiters come and go, because re-arming on every wait costs an
 * epoll_ctl per round trip (DESIGN.md); the owner disarms an event that fires with nobody
 * waiting, since libuv polls level-triggered and an idle armed event would fire every turn.
 *
 * Dispatch. The native core does not call a function per ready fd: it writes each event to
 * this thread's ring (id, events, status; one entry per poller per turn) and hands the ring to
 * `dispatch` after the poll phase, a chunk of entries per call with the chunk's microtasks after
 * it; `dispatch` finds each poller by its id in `pollers` (native/poll.c says why). An id is
 * free again as soon as its poller closes, since closing takes its entry back out of the ring.
 *
 * Keeping the loop alive. A poller is referenced while its FD has a call waiting. Inside a
 * dispatch the call that completes is usually followed, in the same microtasks, by the next
 * call parking on the same fd, so an unref there is put off until the chunk's microtasks
 * are done, and cancelled by the ref that comes first: two native calls per request saved.
 * Outside a dispatch (a timer failing a call at its deadline, say) it happens at once, so no
 * idle poller can hold the loop in its poll phase.
 */
import { binding, bindingError, type PollHandle, type PollLoop } from "../sys/binding.js";
import { C } from "../sys/constants.js";

// Without the native core these are never used: the first syscall fails first.
/** Readable, as a poller's event mask. */
export const READABLE: number = bindingError === null ? binding.POLL_READABLE : 0;
/** Writable, as a poller's event mask. */
export const WRITABLE: number = bindingError === null ? binding.POLL_WRITABLE : 0;

const BATCH = C.SK_POLL_RING_BATCH ?? 0;
const SETTLE = C.SK_POLL_RING_SETTLE ?? 1;
const HEADER = C.SK_POLL_RING_HEADER ?? 2;
/** Events the ring holds before the native core hands it over early. */
const ringEvents = 1024;

/** The open pollers by id; null marks a free id, also listed in `freeIds`. */
const pollers: (Poller | null)[] = [];
const freeIds: number[] = [];
/** The pollers whose unref waits for the end of the dispatch (each with `#unrefLater` set). */
let unrefs: Poller[] = [];
/** How many of `unrefs` no ref has cancelled yet; at 0 the dispatch need not settle. */
let unrefsPending = 0;
let ring: Int32Array | null = null;
let loop: PollLoop | null = null;

/** The thread's poll loop, made on first use; a number is the -errno of its failure. */
function pollLoop(): PollLoop | number {
  if (loop !== null) return loop;
  const r = new Int32Array(HEADER + 3 * ringEvents);
  const l = binding.pollLoop(dispatch, r);
  if (typeof l === "number") return l;
  ring = r;
  return (loop = l);
}

/**
 * The native core's call: the `count` ring entries from entry `first` to hand to their
 * pollers, or `first` -1 once a chunk's microtasks are done, to do the unrefs it put off. An exception from a
 * poller (none is expected: FD.#onReady catches every error) is reported as uncaught, after
 * the other events have been handed on.
 */
function dispatch(first: number, count: number): void {
  const r = ring!;
  if (first < 0) return settle();
  for (let j = HEADER + 3 * first, end = j + 3 * count; j < end; j += 3) {
    const id = r[j]!;
    if (id < 0) continue;
    const p = pollers[id];
    if (p === null || p === undefined) continue;
    try {
      p.onReady(r[j + 1]!, r[j + 2]!);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

function settle(): void {
  const list = unrefs;
  unrefs = [];
  unrefsPending = 0;
  for (const p of list) p.settleRef();
}

/** Poller owns the readiness handle of one fd; see the module comment. */
export class Poller {
  readonly #h: PollHandle;
  readonly #id: number;
  /** The events the handle is armed for. */
  armed = 0;
  /** Whether the native handle is referenced (an unref put off leaves it so). */
  #referenced = false;
  #unrefLater = false;
  /** Called with the events (a READABLE/WRITABLE mask) and status of each readiness. */
  readonly onReady: (events: number, status: number) => void;

  /**
   * open makes a poller for `fd` that calls `onReady(events, status)` on readiness (status < 0
   * when polling failed: libuv reports a socket error as EBADF and stops the handle). Returns
   * -errno when libuv refuses the fd (EPERM for a regular file, EEXIST when watched already).
   */
  static open(fd: number, onReady: (events: number, status: number) => void): Poller | number {
    const l = pollLoop();
    if (typeof l === "number") return l;
    const id = freeIds.pop() ?? pollers.length;
    const h = binding.pollOpen(l, fd, id);
    if (typeof h === "number") {
      if (id < pollers.length) freeIds.push(id);
      return h;
    }
    return (pollers[id] = new Poller(h, id, onReady));
  }

  private constructor(h: PollHandle, id: number, onReady: (events: number, status: number) => void) {
    this.#h = h;
    this.#id = id;
    this.onReady = onReady;
  }

  /** arm polls for exactly `events` (0 stops); returns 0 or -errno. */
  arm(events: number): number {
    if (events === this.armed) return 0;
    const rc = binding.pollUpdate(this.#h, events);
    if (rc === 0) this.armed = events;
    return rc;
  }

  /** failed records that libuv stopped the handle after an error; the next arm restarts it. */
  failed(): void {
    this.armed = 0;
  }

  /**
   * ref chooses whether the handle keeps the event loop alive (uv_ref / uv_unref); inside a
   * dispatch an unref waits for the dispatch's end (see the module comment).
   */
  ref(want: boolean): void {
    if (want) {
      if (this.#unrefLater) this.#cancelUnref();
      if (this.#referenced) return;
      binding.pollRef(this.#h, true);
      this.#referenced = true;
    } else if (this.#referenced && !this.#unrefLater) {
      if (ring![BATCH] === 0) {
        binding.pollRef(this.#h, false);
        this.#referenced = false;
        return;
      }
      this.#unrefLater = true;
      unrefs.push(this);
      unrefsPending++;
      ring![SETTLE] = 1;
    }
  }

  /** Takes back the unref put off; with none left, the dispatch need not settle. */
  #cancelUnref(): void {
    this.#unrefLater = false;
    if (--unrefsPending === 0) {
      unrefs.length = 0;
      ring![SETTLE] = 0;
    }
  }

  /** @internal Does the unref a dispatch put off, unless a ref has cancelled it since. */
  settleRef(): void {
    if (!this.#unrefLater) return;
    this.#unrefLater = false;
    binding.pollRef(this.#h, false);
    this.#referenced = false;
  }

  /** close stops and closes the handle; no callback runs after it, and its id is free again. */
  close(): void {
    binding.pollClose(this.#h);
    this.armed = 0;
    this.#referenced = false;
    if (this.#unrefLater) this.#cancelUnref();
    if (pollers[this.#id] === this) {
      pollers[this.#id] = null;
      freeIds.push(this.#id);
    }
  }
}
