/**
 * POSIX named semaphores (sem_overview(7)): `sem.open`, `sem.unlink` and the Semaphore they
 * give, the same kernel object as C's sem_open and python's ctypes on it (a file in /dev/shm).
 * A semaphore has no fd to poll, so a wait that finds it at zero runs sem_wait on a waiter
 * thread (waiter.ts), ended by its deadline, its signal or close. A wait that ends so has not
 * taken a count: if sem_wait returned in the same instant, the count is posted back before
 * the call rejects.
 */
import { binding, type SemHandle } from "../sys/binding.js";
import { E, Errno } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { ErrFileClosed, PathError } from "./errors.js";
import { O_RDWR, deadlineOf } from "./open.js";
import { checkIPCName, namedOpenFlags, type NamedOpenOptions } from "./ipcname.js";
import { stopPassed, threadWait } from "./waiter.js";

/** Options of {@link sem.open}. */
export interface SemOpenOptions extends NamedOpenOptions {
  /** With `create`: the initial count of a new semaphore (an existing one keeps its own); default 0. */
  value?: number;
}

/** Options of {@link Semaphore.wait}. */
export interface SemWaitOptions {
  /** Longest wait, in milliseconds; absent or 0 means no limit. */
  timeout?: number;
  /** Absolute time (a Date or epoch milliseconds) by which the count must be taken. */
  deadline?: Date | number;
  /** Aborting ends the wait, with no count taken. */
  signal?: AbortSignal;
}

/** sem_overview(7): NAME_MAX - 4 bytes after the "/", since the file is /dev/shm/sem.NAME. */
const maxNameBytes = 251;

/** SEM_VALUE_MAX on Linux and macOS. */
const maxValue = 2 ** 31 - 1;

/**
 * Semaphore is an open named semaphore. `wait` takes one count, waiting while there is none;
 * `tryWait` takes one if there is one; `post` gives one back. Errors are PathErrors naming the
 * call and the semaphore: "sem_wait /pool: i/o timeout", "sem_wait /pool: operation was
 * canceled", "sem_post /pool: file already closed".
 *
 * @example
 * await using s = await sem.open("/pool", { create: true, value: 4 });
 * await s.wait({ timeout: 1000 }); // one of the four
 * s.post();
 */
export class Semaphore implements AsyncDisposable {
  readonly #name: string;
  #handle: SemHandle | null;
  /** The cancels of the waits in flight, which close runs. */
  readonly #waits = new Set<() => void>();

  /** @internal Use sem.open. */
  constructor(handle: SemHandle, name: string) {
    this.#handle = handle;
    this.#name = name;
  }

  /** name returns the semaphore's name, as opened ("/pool"). */
  name(): string {
    return this.#name;
  }

  /**
   * wait takes one count, waiting while the count is zero, until the timeout, deadline or
   * signal ends the wait ("sem_wait /pool: i/o timeout", "... operation was canceled") or the
   * semaphore is closed ("... file already closed"); then no count has been taken. Waits are
   * served in the kernel's order, with every other process's.
   */
  async wait(opts: SemWaitOptions = {}): Promise<void> {
    const deadline = deadlineOf(opts);
    const signal = opts.signal;
    const h = this.#open("sem_wait");
    const passed = stopPassed(deadline, signal);
    if (passed !== null) throw this.#error("sem_wait", passed);
    const rc = binding.semTryWait(h);
    if (rc === 0) return;
    if (rc !== -E.EAGAIN!) throw this.#error("sem_wait", new Errno(-rc));
    return new Promise<void>((resolve, reject) => {
      const hold = (cancel: () => void) => {
        this.#waits.add(cancel);
        return () => this.#waits.delete(cancel);
      };
      threadWait((onDone) => binding.semWait(h, onDone), { deadline, signal, hold, closed: ErrFileClosed }, (rc, reason) => {
        if (rc === 0 && reason === null) return resolve();
        // Taken as the wait was ending: give it back. The native handle is alive until this
        // wait lets go of it, even if close has run.
        if (rc === 0) binding.semPost(h);
        reject(this.#error("sem_wait", reason ?? new Errno(-rc)));
      });
    });
  }

  /** tryWait takes one count if the count is above zero, and reports whether it did. */
  tryWait(): boolean {
    const rc = binding.semTryWait(this.#open("sem_trywait"));
    if (rc === 0) return true;
    if (rc === -E.EAGAIN!) return false;
    throw this.#error("sem_trywait", new Errno(-rc));
  }

  /** post adds one to the count, waking one waiter; "value too large" past 2^31 − 1. */
  post(): void {
    const rc = binding.semPost(this.#open("sem_post"));
    if (rc < 0) throw this.#error("sem_post", new Errno(-rc));
  }

  /** value reads the count now (0 while processes wait on it). */
  value(): number {
    const rc = binding.semGetValue(this.#open("sem_getvalue"));
    if (rc < 0) throw this.#error("sem_getvalue", new Errno(-rc));
    return rc;
  }

  /**
   * close lets go of the semaphore; waits in flight end with "file already closed", having
   * taken nothing. The semaphore itself lives on until `sem.unlink`. A second close rejects
   * with that error; `Symbol.asyncDispose` is the idempotent form.
   */
  async close(): Promise<void> {
    const h = this.#open("close");
    this.#handle = null;
    for (const cancel of [...this.#waits]) cancel();
    binding.semClose(h);
  }

  /** Idempotent close, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#handle !== null) await this.close();
  }

  #open(op: string): SemHandle {
    if (this.#handle === null) throw this.#error(op, ErrFileClosed);
    return this.#handle;
  }

  #error(op: string, err: Error): PathError {
    return new PathError(op, this.#name, err);
  }
}

/**
 * open opens the named semaphore `name` ("/" and up to 251 bytes with no other "/"), creating
 * it with `create` (count `value`; failing if it exists with `exclusive`). Errors are
 * PathErrors of "sem_open": "sem_open /pool: no such file or directory", "... permission denied".
 *
 * @example
 * await using s = await sem.open("/pool", { create: true, value: 4 });
 */
async function open(name: string, opts: SemOpenOptions = {}): Promise<Semaphore> {
  checkIPCName(name, "semaphore", maxNameBytes);
  const { oflag, mode, create } = namedOpenFlags(opts, O_RDWR);
  const value = opts.value ?? 0;
  if (!Number.isInteger(value) || value < 0 || value > maxValue) throw invalidArg("value", `an integer from 0 to ${maxValue}`, value);
  if (opts.value !== undefined && !create) throw invalidArg("value", "used with create", value);
  const h = binding.semOpen(name, oflag, mode, value);
  if (typeof h === "number") throw new PathError("sem_open", name, new Errno(-h));
  return new Semaphore(h, name);
}

/**
 * unlink removes the semaphore `name`; processes that have it open keep using it.
 * "sem_unlink /pool: no such file or directory" if there is none.
 */
async function unlink(name: string): Promise<void> {
  checkIPCName(name, "semaphore", maxNameBytes);
  const rc = binding.semUnlink(name);
  if (rc < 0) throw new PathError("sem_unlink", name, new Errno(-rc));
}

/**
 * sem: POSIX named semaphores, `sem.open` and `sem.unlink`; see {@link Semaphore}.
 *
 * @example
 * import { sem } from "sockit";
 * await using s = await sem.open("/pool", { create: true, value: 2 });
 */
export const sem = { open, unlink } as const;
