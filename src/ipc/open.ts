/**
 * openFile, Go's `os.OpenFile`, opening any path as a File without ever blocking the event
 * loop or parking a threadpool thread without bound.
 *
 * The open itself runs on the threadpool (Node's fs.open) with O_NONBLOCK added, which makes
 * it bounded work even for a FIFO: opening one for reading returns at once, and opening one
 * for writing fails with ENXIO while it has no reader (fifo(7)). That ENXIO is where Go's open
 * would block: here the open is retried after a pause (1 ms doubling to 50 ms) until a reader
 * comes, the timeout or deadline passes, or the signal aborts. Node's fs.open without
 * O_NONBLOCK would instead hold a threadpool thread until a reader came (nodejs/node#23220).
 */
import { open as fsOpen } from "node:fs";
import { E, Errno } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { invalidArg } from "../sys/args.js";
import { ErrDeadlineExceeded, abortError } from "../poll/errors.js";
import { File, fileFromNodeFd, fileType } from "./file.js";
import { PathError } from "./errors.js";

/** Open for reading only (Go's `os.O_RDONLY`). */
export const O_RDONLY: number = C.O_RDONLY ?? 0;
/** Open for writing only (Go's `os.O_WRONLY`). */
export const O_WRONLY: number = C.O_WRONLY ?? 1;
/** Open for reading and writing (Go's `os.O_RDWR`). */
export const O_RDWR: number = C.O_RDWR ?? 2;
/** Append to the end of the file on each write (Go's `os.O_APPEND`). */
export const O_APPEND: number = C.O_APPEND ?? 0;
/** Create the file if it does not exist, with `perm` (Go's `os.O_CREATE`). */
export const O_CREATE: number = C.O_CREAT ?? 0;
/** With O_CREATE, fail if the file exists (Go's `os.O_EXCL`). */
export const O_EXCL: number = C.O_EXCL ?? 0;
/** Synchronous writes (Go's `os.O_SYNC`). */
export const O_SYNC: number = C.O_SYNC ?? 0;
/** Truncate a regular writable file when opened (Go's `os.O_TRUNC`). */
export const O_TRUNC: number = C.O_TRUNC ?? 0;

/** How `openFile` opens: a shorthand for the access mode, or O_* flags or'ed together. */
export type OpenFlag = "r" | "w" | "rw" | number;

/** Options of {@link openFile}. */
export interface OpenOptions {
  /** Permission bits for a file O_CREATE makes, less the umask; default 0o666 (Go's os.Create). */
  perm?: number;
  /** Longest wait for a FIFO's reader, in milliseconds; absent or 0 means no limit. */
  timeout?: number;
  /** Absolute time (a Date or epoch milliseconds) by which the open must be done. */
  deadline?: Date | number;
  /** Aborting stops a wait for a FIFO's reader. */
  signal?: AbortSignal;
}

const shorthands: Record<string, number> = { r: O_RDONLY, w: O_WRONLY, rw: O_RDWR };

/** The first and longest pauses between tries of a FIFO open that waits for a reader. */
const retryMin = 1;
const retryMax = 50;

/**
 * openFile opens `path` as a File named `path`, Go's `os.OpenFile`. `flag` is "r", "w" or
 * "rw" (the access mode alone), or O_* constants or'ed together (`O_WRONLY | O_CREATE |
 * O_TRUNC`). A FIFO opened for writing waits for a reader, as in Go, without blocking the
 * event loop or a threadpool thread, and honours `timeout`, `deadline` and `signal`; one
 * opened for reading is ready at once, and its first read waits for a writer's data. FIFOs
 * and devices are polled; regular files are read and written on the threadpool. A failure is
 * a PathError: "open /nonexistent: no such file or directory", "open /tmp/app.fifo: i/o
 * timeout", "open /tmp/app.fifo: operation was canceled".
 *
 * @example
 * const out = await openFile("/tmp/app.fifo", "w", { timeout: 2000 }); // waits for a reader
 * const log = await openFile("/tmp/app.log", O_WRONLY | O_CREATE | O_APPEND, { perm: 0o600 });
 */
export async function openFile(path: string, flag: OpenFlag, opts: OpenOptions = {}): Promise<File> {
  if (typeof path !== "string") throw invalidArg("path", "a string", path);
  const flags = typeof flag === "string" ? shorthands[flag] : flag;
  if (flags === undefined || !Number.isInteger(flags)) throw invalidArg("flag", '"r", "w", "rw" or O_* flags', flag);
  const perm = opts.perm ?? 0o666;
  if (!Number.isInteger(perm) || perm < 0) throw invalidArg("perm", "permission bits (an integer)", perm);
  const deadline = deadlineOf(opts);
  const signal = opts.signal ?? null;
  let pause = 0;
  for (;;) {
    if (signal?.aborted) throw new PathError("open", path, abortError(signal.reason));
    const r = await openOnce(path, flags | (C.O_NONBLOCK ?? 0), perm);
    if (typeof r === "number") {
      const readOnly = (flags & (C.O_ACCMODE ?? 3)) === O_RDONLY;
      return fileFromNodeFd(r, path, readOnly);
    }
    // ENXIO also means a unix socket's path, or a missing device: only a FIFO waits.
    if (r.errno !== E.ENXIO || fileType(path) !== C.S_IFIFO) throw new PathError("open", path, r);
    // A FIFO with no reader yet: wait a little and try again.
    pause = pause === 0 ? retryMin : Math.min(pause * 2, retryMax);
    if (deadline !== 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new PathError("open", path, ErrDeadlineExceeded);
      pause = Math.min(pause, left);
    }
    await sleep(pause, signal);
  }
}

/**
 * The earlier of `opts.timeout` (milliseconds from now; 0 or absent for none) and
 * `opts.deadline` (a Date or epoch milliseconds), as epoch ms; 0 for neither. Shared by the
 * ipc calls that wait (openFile of a FIFO, lockFile).
 */
export function deadlineOf(opts: { timeout?: number; deadline?: Date | number }): number {
  let at = 0;
  if (opts.timeout !== undefined && opts.timeout !== 0) {
    if (typeof opts.timeout !== "number" || Number.isNaN(opts.timeout)) throw invalidArg("timeout", "milliseconds", opts.timeout);
    at = Date.now() + opts.timeout;
  }
  if (opts.deadline !== undefined) {
    const d = opts.deadline instanceof Date ? opts.deadline.getTime() : opts.deadline;
    if (typeof d !== "number" || Number.isNaN(d)) throw invalidArg("deadline", "a Date or epoch milliseconds", opts.deadline);
    at = at === 0 ? Math.max(d, 1) : Math.min(at, Math.max(d, 1));
  }
  return at;
}

/** One open(2) on the threadpool: the fd, or the Errno it failed with. */
function openOnce(path: string, flags: number, perm: number): Promise<number | Errno> {
  return new Promise((resolve) => {
    fsOpen(path, flags, perm, (err, fd) => {
      if (err === null) return resolve(fd);
      const n = typeof err.errno === "number" ? Math.abs(err.errno) : E.EIO!;
      resolve(new Errno(n));
    });
  });
}

/** Waits `ms`, or less if `signal` aborts meanwhile (the caller then sees it aborted). */
function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
