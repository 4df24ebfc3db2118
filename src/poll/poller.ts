/**
 * Poller is the readiness half of an FD: one libuv `uv_poll_t` for one fd, the events it is
 * armed for, and whether it keeps the event loop alive. It knows nothing of operations; the FD
 * that made it decides what to wait for and hears back through `onReady`.
 *
 * A poller is left armed while waiters come and go, because re-arming on every wait costs an
 * epoll_ctl per round trip (DESIGN.md); the owner disarms an event that fires with nobody
 * waiting, since libuv polls level-triggered and an idle armed event would fire every turn.
 */
import { binding, bindingError, type PollHandle } from "../sys/binding.js";

// Without the native core these are never used: the first syscall fails first.
/** Readable, as a poller's event mask. */
export const READABLE: number = bindingError === null ? binding.POLL_READABLE : 0;
/** Writable, as a poller's event mask. */
export const WRITABLE: number = bindingError === null ? binding.POLL_WRITABLE : 0;

/** Poller owns the readiness handle of one fd; see the module comment. */
export class Poller {
  readonly #h: PollHandle;
  /** The events the handle is armed for. */
  armed = 0;
  #referenced = false;

  /**
   * open makes a poller for `fd` that calls `onReady(events, status)` on readiness (status < 0
   * when polling failed: libuv reports a socket error as EBADF and stops the handle). Returns
   * -errno when libuv refuses the fd (EPERM for a regular file, EEXIST when watched already).
   */
  static open(fd: number, onReady: (events: number, status: number) => void): Poller | number {
    const h = binding.pollOpen(fd, onReady);
    return typeof h === "number" ? h : new Poller(h);
  }

  private constructor(h: PollHandle) {
    this.#h = h;
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

  /** ref chooses whether the handle keeps the event loop alive (uv_ref / uv_unref). */
  ref(want: boolean): void {
    if (want === this.#referenced) return;
    binding.pollRef(this.#h, want);
    this.#referenced = want;
  }

  /** close stops and closes the handle; no callback runs after it. */
  close(): void {
    binding.pollClose(this.#h);
    this.armed = 0;
    this.#referenced = false;
  }
}
