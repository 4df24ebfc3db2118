/**
 * File locks: `lockFile`, `tryLockFile` and the FileLock they return, over flock(2) and
 * fcntl(2)'s OFD and POSIX record locks (native/lock.c). Go has only the raw syscalls
 * (`syscall.Flock`, `syscall.FcntlFlock`); this is the same kernel object with a conn's shape:
 * async, deadlines, AbortSignal, `Symbol.asyncDispose`, Go-style errors ("lock /run/app.lock:
 * i/o timeout").
 *
 * A lock is tried at once without waiting; only a conflict makes a wait, which runs on a
 * waiter thread (waiter.ts), so the kernel queues it as it queues any blocked locker. A wait
 * that a deadline, an abort or a close ends leaves the lock as it was before the call: if the
 * kernel granted it in the same instant, it is given back before the call rejects.
 */
import { C } from "../sys/constants.js";
import { E, Errno } from "../sys/errors.js";
import { checkInt, invalidArg } from "../sys/args.js";
import { binding } from "../sys/binding.js";
import { LockQueue } from "../poll/lock.js";
import { File, fileFromFd } from "./file.js";
import { ErrFileClosed, PathError } from "./errors.js";
import { O_CREATE, O_RDWR, deadlineOf, openFile } from "./open.js";
import { stopPassed, threadWait } from "./waiter.js";

/**
 * The kind of a file lock:
 * - `"flock"`: BSD whole-file locks (flock(2)), owned by the open file description. The default.
 * - `"ofd"`: Linux byte-range locks owned by the open file description (F_OFD_SETLK, Linux 3.15).
 * - `"posix"`: classic fcntl record locks (F_SETLK), owned by the process: the ones SQLite and
 *   lockf(3) take. Two of them in one process never conflict, and closing any fd of the file
 *   in the process releases all of them (fcntl(2)).
 */
export type LockKind = "flock" | "ofd" | "posix";

/** A lock's mode: many holders may share a `"shared"` lock, one holds an `"exclusive"` one. */
export type LockMode = "shared" | "exclusive";

/** Options of a wait for a lock. */
export interface LockWaitOptions {
  /** Longest wait, in milliseconds; absent or 0 means no limit. */
  timeout?: number;
  /** Absolute time (a Date or epoch milliseconds) by which the lock must be taken. */
  deadline?: Date | number;
  /** Aborting ends the wait; the lock is then as it was before the call. */
  signal?: AbortSignal;
}

/** What {@link tryLockFile} takes: the lock's kind, mode and range. */
export interface LockOptions {
  /** Default `"flock"`. */
  kind?: LockKind;
  /** Default `"exclusive"`. */
  mode?: LockMode;
  /** First byte of the range (ofd and posix only); default 0. */
  start?: number;
  /** Bytes in the range (ofd and posix only); default 0, the whole file however far it grows. */
  len?: number;
  /** Permission bits for a lock file that does not exist yet, less the umask; default 0o666. */
  perm?: number;
}

/** What {@link lockFile} takes: the lock's options and the wait's. */
export interface LockFileOptions extends LockOptions, LockWaitOptions {}

/** A lock in the way of another, as F_GETLK reports it ({@link FileLock.holder}). */
export interface LockHolder {
  mode: LockMode;
  /** First byte of the holder's range. */
  start: number;
  /** Bytes in its range; 0 means to the end of the file. */
  len: number;
  /** The process holding a POSIX lock; null for an OFD lock, which no process owns. */
  pid: number | null;
}

const kinds: Record<LockKind, number> = {
  flock: C.SK_LOCK_FLOCK ?? 0,
  ofd: C.SK_LOCK_OFD ?? 1,
  posix: C.SK_LOCK_POSIX ?? 2,
};
const UNLCK = C.F_UNLCK ?? 2;
const RDLCK = C.F_RDLCK ?? 0;
const WRLCK = C.F_WRLCK ?? 1;
const holderOut = new Float64Array(C.SK_LOCK_HOLDER_COUNT ?? 4);

function typeOf(mode: LockMode): number {
  return mode === "shared" ? RDLCK : WRLCK;
}

function modeOf(type: number): LockMode | null {
  return type === RDLCK ? "shared" : type === WRLCK ? "exclusive" : null;
}

/** Whether a try's -errno means the lock is held elsewhere (fcntl may say EACCES). */
function conflict(rc: number): boolean {
  return rc === -E.EAGAIN! || rc === -E.EWOULDBLOCK! || rc === -E.EACCES!;
}

function checkMode(mode: unknown): LockMode {
  if (mode !== "shared" && mode !== "exclusive") throw invalidArg("mode", '"shared" or "exclusive"', mode);
  return mode;
}

/**
 * FileLock is a lock held on a file through an fd of its own: the file opened from a path, or
 * a dup of a File's fd. `mode` says what it holds now (null once unlocked); `lock`, `tryLock`
 * and `unlock` change it in place (upgrade, downgrade, release), one call at a time in call
 * order; `close` releases it and closes the fd. Errors are PathErrors: "lock /run/app.lock:
 * i/o timeout", "lock /x: resource deadlock avoided", "unlock /x: file already closed".
 *
 * An flock upgrade or downgrade is not atomic (flock(2)): the kernel lets go of the old mode
 * before it takes the new one, so while an upgrade waits, the shared lock is not held. If the
 * wait then fails, FileLock takes the shared lock back if it can without waiting; when it
 * cannot, `mode` is null. OFD and POSIX upgrades keep the old mode while they wait.
 *
 * @example
 * await using lock = await lockFile("/tmp/app.lock", { timeout: 5000 });
 * lock.mode; // "exclusive"
 */
export class FileLock implements AsyncDisposable {
  /** The kind of lock: "flock", "ofd" or "posix". */
  readonly kind: LockKind;
  /** The range's first byte (0 for flock). */
  readonly start: number;
  /** The range's length; 0 is the whole file from `start` on (always, for flock). */
  readonly len: number;
  readonly #file: File;
  readonly #kind: number;
  #type = UNLCK;
  /** Calls that change the lock, in line; `#busy` while one runs. */
  #queue: LockQueue | null = null;
  #busy = false;

  /** @internal Use lockFile or tryLockFile. */
  constructor(file: File, kind: LockKind, start: number, len: number) {
    this.#file = file;
    this.kind = kind;
    this.#kind = kinds[kind];
    this.start = start;
    this.len = len;
  }

  /** What the lock holds now: "shared", "exclusive", or null when it holds nothing. */
  get mode(): LockMode | null {
    return modeOf(this.#type);
  }

  /** name is the locked file's name: the path, or the File's name (Go's `Name`). */
  name(): string {
    return this.#file.name();
  }

  /**
   * file is the lock's own File, open on the locked file (read and write when the path allowed
   * it), for reading and writing what the lock guards. It closes with the lock; closing it
   * first ends the lock's calls with ErrFileClosed.
   */
  file(): File {
    return this.#file;
  }

  /**
   * lock takes the lock in `mode`, or changes it to `mode` in place (an upgrade or a
   * downgrade), waiting while another holder is in the way, until the timeout, deadline or
   * signal of `opts` ends the wait ("lock NAME: i/o timeout", "lock NAME: operation was
   * canceled"); the lock is then as it was before the call. POSIX locks may fail with
   * "resource deadlock avoided" where waiting would deadlock (EDEADLK).
   *
   * @example
   * await lock.lock("exclusive", { timeout: 1000 }); // upgrade a shared lock
   */
  lock(mode: LockMode, opts: LockWaitOptions = {}): Promise<void> {
    const type = typeOf(checkMode(mode));
    const deadline = deadlineOf(opts);
    const signal = opts.signal;
    return this.#serial("lock", async () => {
      const passed = stopPassed(deadline, signal);
      if (passed !== null) throw passed;
      if (this.#try(type)) return;
      await this.#wait(type, deadline, signal);
    }) as Promise<void>;
  }

  /**
   * tryLock takes or changes the lock like {@link FileLock.lock}, but never waits: false when
   * another holder is in the way (the lock then as it was, save a flock upgrade's caveat).
   */
  tryLock(mode: LockMode): Promise<boolean> {
    const type = typeOf(checkMode(mode));
    return this.#serial("lock", async () => this.#try(type));
  }

  /** unlock releases the lock (a no-op when it holds nothing); the fd stays open. */
  unlock(): Promise<void> {
    return this.#serial("unlock", async () => {
      this.#set(UNLCK, "unlock");
    }) as Promise<void>;
  }

  /**
   * holder reports a lock that would be in the way of taking `range` (default: this lock's
   * own) in `mode` (default "exclusive"), or null if none would (F_OFD_GETLK, F_GETLK): its
   * mode, range, and for a POSIX lock the pid holding it. This lock is never in its own way,
   * nor, for POSIX locks, any lock of this process. flock has no such query, and fails with
   * "operation not supported".
   *
   * @example
   * const who = await lock.holder("exclusive", { start: 0, len: 0 }); // anything on the file
   */
  async holder(mode: LockMode = "exclusive", range?: { start: number; len: number }): Promise<LockHolder | null> {
    const type = typeOf(checkMode(mode));
    const start = range === undefined ? this.start : checkInt("start", range.start, 0);
    const len = range === undefined ? this.len : checkInt("len", range.len, 0);
    const fd = this.#fd("holder");
    if (this.kind === "flock") throw new PathError("holder", this.name(), new Errno(E.EOPNOTSUPP!));
    const rc = binding.lockHolder(fd, this.#kind, type, start, len, holderOut);
    if (rc < 0) throw new PathError("holder", this.name(), new Errno(-rc));
    const held = modeOf(holderOut[C.SK_LOCK_HOLDER_TYPE ?? 0]!);
    if (held === null) return null;
    const pid = holderOut[C.SK_LOCK_HOLDER_PID ?? 3]!;
    return {
      mode: held,
      start: holderOut[C.SK_LOCK_HOLDER_START ?? 1]!,
      len: holderOut[C.SK_LOCK_HOLDER_LEN ?? 2]!,
      pid: this.kind === "posix" && pid > 0 ? pid : null,
    };
  }

  /**
   * close releases the lock and closes its fd; a wait in progress ends with "lock NAME: file
   * already closed", having taken nothing. A second close rejects with that error, as a File's
   * does; `Symbol.asyncDispose` is the idempotent form.
   */
  async close(): Promise<void> {
    const pfd = this.#file.pollFD;
    if (!pfd.closed && this.#type !== UNLCK) {
      // Explicitly: an OFD shared with a File's other fds, or another POSIX lock, keeps
      // the lock past the close of this fd alone.
      binding.lockTry(pfd.sysfd, this.#kind, UNLCK, this.start, this.len);
      this.#type = UNLCK;
    }
    await this.#file.close();
  }

  /** Idempotent close, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#file.pollFD.closed) await this.close();
  }

  /** The fd, or the closed error for `op`. */
  #fd(op: string): number {
    const pfd = this.#file.pollFD;
    if (pfd.closed) throw new PathError(op, this.name(), ErrFileClosed);
    return pfd.sysfd;
  }

  /** Runs `fn` after the calls queued before it; its errors become PathErrors of `op`. */
  async #serial<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.#busy) await (this.#queue ??= new LockQueue()).wait();
    else this.#busy = true;
    try {
      this.#fd(op);
      return await fn();
    } catch (err) {
      throw err instanceof PathError || err instanceof TypeError ? err : new PathError(op, this.name(), err as Error);
    } finally {
      const next = this.#queue?.next();
      if (next !== undefined) next();
      else this.#busy = false;
    }
  }

  /** One non-waiting lockTry of `type`; throws its error, or the closed error. */
  #set(type: number, op: string): number {
    const rc = binding.lockTry(this.#fd(op), this.#kind, type, this.start, this.len);
    if (rc === 0) this.#type = type;
    else if (!conflict(rc)) throw new Errno(-rc);
    return rc;
  }

  /**
   * Tries `type` without waiting: true when held. On a conflict, an flock conversion has lost
   * the old mode (the kernel let go of it first), so it is taken back if that needs no wait.
   */
  #try(type: number): boolean {
    if (type === this.#type) return true;
    const prev = this.#type;
    if (this.#set(type, "lock") === 0) return true;
    if (this.kind === "flock" && prev !== UNLCK) this.#restore(prev);
    return false;
  }

  /** After a failed flock conversion: retakes `prev` if free now, else holds nothing. */
  #restore(prev: number): void {
    const fd = this.#file.pollFD.sysfd;
    this.#type = binding.lockTry(fd, this.#kind, prev, this.start, this.len) === 0 ? prev : UNLCK;
  }

  /**
   * Waits on a waiter thread for `type`. The fd is held open for the thread (FD.hold), and a
   * close cancels the wait. When the wait ends early, what the kernel granted meanwhile is
   * given back: the old mode is set again (a downgrade or an unlock, which never waits).
   */
  #wait(type: number, deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const pfd = this.#file.pollFD;
    const fd = pfd.sysfd;
    const before = this.#type;
    // An flock conversion lets go of the old mode before it waits; fcntl's keep it.
    if (this.kind === "flock") this.#type = UNLCK;
    return new Promise<void>((resolve, reject) => {
      threadWait(
        (onDone) => binding.lockWait(fd, this.#kind, type, this.start, this.len, onDone),
        { deadline, signal, hold: (cancel) => pfd.hold(cancel), closed: ErrFileClosed },
        (rc, reason) => {
          if (rc === 0 && reason === null) {
            this.#type = type;
            return resolve();
          }
          if (rc === 0) {
            // Granted as the wait was ending: back to the old mode (a downgrade or an unlock,
            // which never waits), or to nothing if the lock is closing.
            const back = pfd.closed ? UNLCK : before;
            binding.lockTry(fd, this.#kind, back, this.start, this.len);
            this.#type = back;
          } else if (!pfd.closed && this.#type !== before) {
            this.#restore(before); // An flock conversion that failed.
          }
          reject(reason ?? new Errno(-rc));
        },
      );
    });
  }
}

/**
 * lockFile takes a lock on `target`, a path (opened read-write and created if missing, or
 * opened read-only where writing is refused) or an open File (whose fd is duplicated, so the
 * lock has its own), and waits while another holder is in the way, without blocking the event
 * loop or the threadpool, until `timeout`, `deadline` or `signal` ends the wait: then it fails
 * ("lock /run/app.lock: i/o timeout") having taken nothing. Defaults: an exclusive flock.
 *
 * @example
 * await using lock = await lockFile("/tmp/app.lock", { mode: "exclusive", timeout: 5000 });
 */
export async function lockFile(target: string | File, opts: LockFileOptions = {}): Promise<FileLock> {
  const mode = checkMode(opts.mode ?? "exclusive");
  const deadline = deadlineOf(opts);
  const lock = await openLock(target, opts);
  try {
    await lock.lock(mode, { deadline: deadline === 0 ? undefined : deadline, signal: opts.signal });
  } catch (err) {
    await lock[Symbol.asyncDispose]();
    throw err;
  }
  return lock;
}

/**
 * tryLockFile takes a lock on `target` as {@link lockFile} does, but never waits: null when
 * another holder is in the way (and the fd it opened is closed again).
 *
 * @example
 * const lock = await tryLockFile("/tmp/app.lock");
 * if (lock === null) console.log("another instance is running");
 */
export async function tryLockFile(target: string | File, opts: LockOptions = {}): Promise<FileLock | null> {
  const mode = checkMode(opts.mode ?? "exclusive");
  const lock = await openLock(target, opts);
  let held = false;
  try {
    held = await lock.tryLock(mode);
  } finally {
    if (!held) await lock[Symbol.asyncDispose]();
  }
  return held ? lock : null;
}

/** Checks the options and opens the lock's own fd on `target`, holding nothing yet. */
async function openLock(target: string | File, opts: LockOptions): Promise<FileLock> {
  const kind = opts.kind ?? "flock";
  if (!Object.hasOwn(kinds, kind)) throw invalidArg("kind", '"flock", "ofd" or "posix"', kind);
  const start = checkInt("start", opts.start ?? 0, 0);
  const len = checkInt("len", opts.len ?? 0, 0);
  if (kind === "flock" && (start !== 0 || len !== 0)) throw invalidArg("start and len", "0 for a flock (it locks the whole file)", [start, len]);
  if (target instanceof File) {
    const fd = target.fd();
    if (fd < 0) throw new PathError("lock", target.name(), ErrFileClosed);
    const own = binding.dup(fd);
    if (own < 0) throw new PathError("lock", target.name(), new Errno(-own));
    return new FileLock(fileFromFd(own, target.name()), kind, start, len);
  }
  if (typeof target !== "string") throw invalidArg("target", "a path or a File", target);
  const perm = opts.perm ?? 0o666;
  let file: File;
  try {
    file = await openFile(target, O_RDWR | O_CREATE, { perm });
  } catch (err) {
    // A read-only file or file system, or a directory: a shared or flock lock needs no write.
    const errno = ((err as PathError).err as Errno | undefined)?.errno;
    if (errno !== E.EACCES && errno !== E.EROFS && errno !== E.EISDIR && errno !== E.EPERM) throw err;
    file = await openFile(target, "r");
  }
  return new FileLock(file, kind, start, len);
}
