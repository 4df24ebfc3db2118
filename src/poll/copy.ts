/**
 * copy: Go's `io.Copy` between sockit owners, with the kernel's fast paths, as Go's
 * ReadFrom/WriteTo take them on Linux: between stream sockets and pipes (in any mix) splice(2)
 * through a pipe of copy's own; from a regular file to a stream socket or pipe sendfile(2);
 * from a regular file to a regular file copy_file_range(2). None moves the bytes through user
 * space. Anything else (a TLS conn, a datagram socket, a system without the call) goes through
 * one reused buffer. Every wait is the owners' own (their deadlines, their close), and an
 * AbortSignal stops the copy.
 *
 * sendfile and copy_file_range read the disk, which may block, so each call is a job of at
 * most 4 MiB on the libuv threadpool (native copy.c), never a call on the event loop's thread;
 * both fds are held open for the job, and a socket that is full sends the copy back to wait
 * for it on the poller.
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { E, syscallError } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { FDOwner } from "./owner.js";
import { abortError } from "./errors.js";
import { readSignal, writeSignal, type SignalReader, type SignalWriter } from "./stream.js";

/** What copy reads from: any owner or conn with Go's Read. */
export interface CopySource {
  read(p: Uint8Array): Promise<number | null>;
}

/** What copy writes to: any owner or conn with Go's Write (and, to pass the end on, closeWrite). */
export interface CopySink {
  write(p: Uint8Array): Promise<number>;
  closeWrite?(): Promise<void>;
}

/** Options of {@link copy}. */
export interface CopyOptions {
  /**
   * Stops the copy, a wait for a silent source or a full destination included; it rejects
   * with the signal's reason (Go's context error). sockit's own streams end the call that
   * waits, so a read stopped this way has taken nothing; a stream of your own (any object with
   * read and write) cannot be stopped, so copy stops waiting for it and leaves its call to
   * finish.
   */
  signal?: AbortSignal;
  /** Half-close `dst` (closeWrite) once `src` has ended, where `dst` can (default true). */
  closeWrite?: boolean;
  /**
   * Called with the bytes of each step as they reach `dst` (a splice, a sendfile job, a write):
   * for progress counters. Beyond Go's io.Copy.
   */
  onProgress?: (n: number) => void;
}

/** The buffer of a buffered copy. */
const bufferSize = 64 * 1024;
/** The largest move per splice: a pipe's default capacity. */
const spliceChunk = 64 * 1024;
/** The largest move per sendfile or copy_file_range job: what bounds its time on a pool thread. */
const jobChunk = 4 << 20;
const statBuf = new Float64Array(4);
const intOut = new Int32Array(1);

/**
 * What an owner's fd is, for choosing a path: the kinds the kernel's copy calls take, a stream
 * socket told apart as TCP ("tcp") or another family ("stream": unix, vsock).
 */
type Kind = "tcp" | "stream" | "pipe" | "file" | null;

/** isSocket says whether a kind is a stream socket's. */
function isSocket(k: Kind): boolean {
  return k === "tcp" || k === "stream";
}

/** kindOf reports whether an owner's fd is a TCP or other stream socket, a pipe, a regular file, or else. */
function kindOf(o: FDOwner | null): Kind {
  if (o === null || C.S_IFSOCK === undefined) return null;
  const fd = o.fd();
  if (fd < 0 || binding.fstat(fd, statBuf) < 0) return null;
  const type = statBuf[0]! & C.S_IFMT!;
  if (type === C.S_IFIFO) return "pipe";
  if (type === C.S_IFREG) return "file";
  if (type !== C.S_IFSOCK) return null;
  if (binding.getsockoptInt(fd, C.SOL_SOCKET!, C.SO_TYPE!, intOut) !== 0 || intOut[0] !== C.SOCK_STREAM) return null;
  const inet = C.SO_DOMAIN !== undefined && binding.getsockoptInt(fd, C.SOL_SOCKET!, C.SO_DOMAIN, intOut) === 0 && (intOut[0] === C.AF_INET || intOut[0] === C.AF_INET6);
  return inet ? "tcp" : "stream";
}

/** How {@link copy} moves bytes from one owner to another: a kernel call, or through a buffer. */
export type CopyPath = "splice" | "sendfile" | "copy_file_range" | "buffered";

/**
 * @internal copyPath says how copy would move `src`'s bytes to `dst` now: splice between stream
 * sockets and pipes, but for a pair of sockets one of which is TCP; sendfile from a regular
 * file to a socket or pipe; copy_file_range between regular files; else buffered (a kernel call
 * the kernel then refuses falls back to buffered too).
 *
 * Go splices TCP to TCP as well. Measured here (bench relay-tcp, 1 GiB over loopback, the relay
 * on its own CPU), splice moved TCP to TCP at 0.67x the direct rate and a 64-128 KiB buffer at
 * 0.79-0.84x, through a 1 MiB pipe no better (0.66x); splice spent a third less CPU, but the
 * rate is what a relay is for. Between unix sockets the two moved bytes alike (1,291 and
 * 1,306 MB/s), and splice at 0.33 CPU s/GiB against 0.42, so unix pairs and pipes splice.
 */
export function copyPath(dst: unknown, src: unknown): CopyPath {
  const from = kindOf(src instanceof FDOwner ? src : null);
  const to = from === null || !(dst instanceof FDOwner) ? null : kindOf(dst);
  if (to === null) return "buffered";
  if (from === "file") return to === "file" ? "copy_file_range" : "sendfile";
  if (to === "file") return "buffered";
  return isSocket(from) && isSocket(to) && (from === "tcp" || to === "tcp") ? "buffered" : "splice";
}

/** The kinds of copy job (native copy.c). */
const SENDFILE = 0;
const COPY_FILE_RANGE = 1;

/** The errors with which the kernel refuses a pair of fds for a copy call, before any byte. */
const refusals = new Set([E.EINVAL, E.ENOSYS, E.EXDEV, E.EOPNOTSUPP, E.EPERM, E.EBADF].filter((e) => e !== undefined).map((e) => -e!));

/**
 * copyCounters gives the kernel copy calls made so far in this process: splices, and the
 * sendfile and copy_file_range jobs (for tests, which check a copy's path without strace).
 */
export function copyCounters(): { splices: number; sendfiles: number; copyFileRanges: number } {
  const out = new Float64Array(3);
  binding.copyCounters(out);
  return { splices: out[0]!, sendfiles: out[1]!, copyFileRanges: out[2]! };
}

/**
 * copy moves the bytes of `src` to `dst` until `src` ends, then half-closes `dst` (where it
 * can), and resolves with the count (Go's `io.Copy`, with `dst.CloseWrite()` after). Between
 * stream sockets and pipes it uses splice(2) (but between a TCP socket and another socket,
 * where a buffer measured faster: docs/relay.md), from a regular file to either sendfile(2), from
 * a regular file to a regular file copy_file_range(2), each from the fds' own offsets;
 * otherwise read and write with one 64 KiB buffer. A failure rejects with the failing side's
 * error; bytes already moved stay moved.
 *
 * @example
 * const n = await copy(upstream, client); // client → upstream, zero-copy for tcp/unix
 */
export async function copy(dst: CopySink, src: CopySource, opts: CopyOptions = {}): Promise<number> {
  return copyTracked(dst, src, opts, { side: "read" });
}

/** @internal Where a copy is: the side its current step works on, so a failure can be placed. */
export interface CopyStep {
  side: "read" | "write";
}

/**
 * @internal copy, with `step.side` naming the side the failing step was on once it rejects
 * (a read or wait of `src`, or a write or wait of `dst`): for `sockit relay`'s exit status.
 */
export async function copyTracked(dst: CopySink, src: CopySource, opts: CopyOptions, step: CopyStep): Promise<number> {
  if (typeof dst?.write !== "function") throw invalidArg("dst", "a writable owner", dst);
  if (typeof src?.read !== "function") throw invalidArg("src", "a readable owner", src);
  const progress = opts.onProgress;
  if (progress !== undefined && typeof progress !== "function") throw invalidArg("onProgress", "a function", progress);
  const run: Run = { signal: opts.signal, progress, step };
  const signal = run.signal;
  if (signal?.aborted) throw abortError(signal.reason);
  let total = 0;
  try {
    const fast = await fastCopy(dst, src, run);
    if (fast !== null) total = fast.moved;
    if (fast === null || fast.unsupported) total += await bufferedCopy(dst, src, run);
    step.side = "write";
    if (opts.closeWrite !== false && typeof dst.closeWrite === "function") await dst.closeWrite();
  } catch (err) {
    // An abort is Go's context error, whichever wait it ended.
    if (signal?.aborted) throw abortError(signal.reason);
    throw err;
  }
  return total;
}

/** fastCopy copies by copyPath's kernel call, or returns null where that is "buffered". */
function fastCopy(dst: CopySink, src: CopySource, run: Run): Promise<Fast> | null {
  if (!(dst instanceof FDOwner) || !(src instanceof FDOwner)) return null;
  switch (copyPath(dst, src)) {
    case "splice":
      return pumpAll(dst, src, run, spliceMover());
    case "sendfile":
      return jobAll(SENDFILE, dst, src, run);
    case "copy_file_range":
      return jobAll(COPY_FILE_RANGE, dst, src, run);
    case "buffered":
      // Between two sockets (TCP and another) through a buffer, at the fds, where the signal
      // ends a wait too; anything else through the owners' own reads and writes.
      return isSocket(kindOf(src)) && isSocket(kindOf(dst)) ? pumpAll(dst, src, run, bufferMover()) : null;
  }
}

/** What every step of one copy shares: its signal, its progress callback, where it is. */
interface Run {
  signal: AbortSignal | undefined;
  progress: ((n: number) => void) | undefined;
  step: CopyStep;
}

/** bufferedCopy is the general path: read into one buffer, write it all, until the end. */
async function bufferedCopy(dst: CopySink, src: CopySource, run: Run): Promise<number> {
  const buf = new Uint8Array(bufferSize);
  const { signal, progress, step } = run;
  const read = signal === undefined ? (p: Uint8Array) => src.read(p) : stoppableRead(src, signal);
  const write = signal === undefined ? (p: Uint8Array) => dst.write(p) : stoppableWrite(dst, signal);
  let total = 0;
  for (;;) {
    if (signal?.aborted) throw abortError(signal.reason);
    step.side = "read";
    const n = await read(buf);
    if (n === null) return total;
    if (n === 0) continue;
    step.side = "write";
    total += await write(buf.subarray(0, n));
    progress?.(n);
  }
}

/** src's read that an abort of `signal` ends: its own (readSignal), else a wait cut short. */
function stoppableRead(src: CopySource, signal: AbortSignal): (p: Uint8Array) => Promise<number | null> {
  const own = (src as Partial<SignalReader>)[readSignal];
  return own !== undefined ? (p) => own.call(src, p, signal) : (p) => untilAbort(src.read(p), signal);
}

/** dst's write that an abort of `signal` ends: its own (writeSignal), else a wait cut short. */
function stoppableWrite(dst: CopySink, signal: AbortSignal): (p: Uint8Array) => Promise<number> {
  const own = (dst as Partial<SignalWriter>)[writeSignal];
  return own !== undefined ? (p) => own.call(dst, p, signal) : (p) => untilAbort(dst.write(p), signal);
}

/**
 * untilAbort is `call`, or its rejection at an abort of `signal` first: for a stream copy cannot
 * stop, whose call is left to finish (its outcome is dropped).
 */
function untilAbort<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal.reason));
    if (signal.aborted) return void (call.catch(noop), onAbort());
    signal.addEventListener("abort", onAbort, { once: true });
    call.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (err: unknown) => (signal.removeEventListener("abort", onAbort), reject(err)),
    );
  });
}

/**
 * What a fast path did: the bytes it moved, and whether the kernel refused the pair before any
 * byte moved (EINVAL, ENOSYS, ...), so the caller can copy the slow way instead, as Go does.
 */
interface Fast {
  moved: number;
  unsupported: boolean;
}

/**
 * Mover is how {@link pumpAll} moves bytes between two pollable fds, step by step: `fill` takes
 * what it can from the source fd (the count, 0 at the end, or -errno), `drain` hands `len` of
 * them, from `off` of the step, to the destination fd; `close` frees what it holds.
 */
interface Mover {
  readonly fillName: string;
  readonly drainName: string;
  fill(fd: number): number;
  drain(fd: number, off: number, len: number): number;
  close(): void;
}

/** spliceMover moves bytes through a pipe of its own with splice(2): never through user space. */
function spliceMover(): Mover {
  const fds = new Int32Array(2);
  const rc = binding.pipe(fds);
  if (rc < 0) throw syscallError("pipe2", rc);
  const [pr, pw] = [fds[0]!, fds[1]!];
  return {
    fillName: "splice",
    drainName: "splice",
    fill: (fd) => binding.splice(fd, pw, spliceChunk),
    drain: (fd, _off, len) => binding.splice(pr, fd, len),
    close: () => {
      binding.close(pr);
      binding.close(pw);
    },
  };
}

/** bufferMover moves bytes between two sockets through one 64 KiB buffer: read(2), then send(2). */
function bufferMover(): Mover {
  const buf = new Uint8Array(bufferSize);
  return {
    fillName: "read",
    drainName: "sendto",
    fill: (fd) => binding.read(fd, buf, 0, buf.length),
    drain: (fd, off, len) => binding.send(fd, buf, off, len),
    close: () => {},
  };
}

/**
 * pumpAll moves everything from src to dst in steps of `mover`: fill (waiting for src to be
 * readable), drain all of it (waiting for dst to be writable), again, each wait ended by the
 * signal, a deadline or a close as the owners' own calls are. A step is always drained before
 * the next fill, so an EAGAIN says which side is not ready.
 */
async function pumpAll(dst: FDOwner, src: FDOwner, run: Run, mover: Mover): Promise<Fast> {
  const { signal, progress, step } = run;
  const rs = src.syscallConn();
  const ws = dst.syscallConn();
  let moved = 0;
  try {
    for (;;) {
      let got = 0;
      let err = 0;
      step.side = "read";
      await rs.read((fd) => {
        const n = mover.fill(fd);
        if (n === -E.EAGAIN!) return false;
        if (n < 0) err = n;
        else got = n;
        return true;
      }, { signal });
      if (err < 0) {
        if (moved === 0 && refusals.has(err)) return { moved, unsupported: true };
        throw syscallError(mover.fillName, err);
      }
      if (got === 0) return { moved, unsupported: false };
      step.side = "write";
      let left = got;
      while (left > 0) {
        await ws.write((fd) => {
          const n = mover.drain(fd, got - left, left);
          if (n === -E.EAGAIN!) return false;
          if (n < 0) err = n;
          else left -= n;
          return err !== 0 || left === 0;
        }, { signal });
        if (err < 0) throw syscallError(mover.drainName, err);
      }
      moved += got;
      progress?.(got);
    }
  } finally {
    mover.close();
  }
}

/**
 * jobAll moves a regular file's bytes from its offset to its end with sendfile or
 * copy_file_range jobs on the threadpool, each holding both fds open; a job that finds `dst`
 * full (EAGAIN, a socket or pipe) waits for it to be writable, through its RawConn, and the
 * next job goes on. A close of either side fails the copy with that side's closed error.
 */
async function jobAll(kind: number, dst: FDOwner, src: FDOwner, run: Run): Promise<Fast> {
  const { signal, progress, step } = run;
  const ws = dst.syscallConn();
  const name = kind === SENDFILE ? "sendfile" : "copy_file_range";
  let moved = 0;
  for (;;) {
    if (signal?.aborted) throw abortError(signal.reason);
    // A job's failure is put on the writing side (a peer gone, a full disk), as Go reports a
    // sendfile's error as the destination conn's; a closed source says so itself.
    step.side = src.pollFD.closed ? "read" : "write";
    const n = await copyJob(kind, src, dst);
    if (n === -E.EAGAIN!) {
      let tried = false;
      // The job found dst full: the first try says so again, and the wait is for writable.
      await ws.write(() => (tried ? true : ((tried = true), false)), { signal });
      continue;
    }
    if (n < 0) {
      if (moved === 0 && refusals.has(n)) return { moved, unsupported: true };
      throw syscallError(name, n);
    }
    if (n === 0) return { moved, unsupported: false };
    moved += n;
    progress?.(n);
  }
}

/**
 * copyJob runs one job of `kind` from `src`'s fd into `dst`'s on the threadpool, each fd held
 * open until it is done (a close meanwhile takes effect after it); resolves with the count
 * or -errno. Throws the owner's closed error if either is closed already.
 */
function copyJob(kind: number, src: FDOwner, dst: FDOwner): Promise<number> {
  const srcFD = src.pollFD;
  const dstFD = dst.pollFD;
  const fdIn = src.fd();
  const fdOut = dst.fd();
  const releaseIn = srcFD.hold(noop);
  let releaseOut: () => void;
  try {
    releaseOut = dstFD.hold(noop);
  } catch (err) {
    releaseIn();
    throw err;
  }
  return new Promise<number>((resolve) => {
    const done = (n: number): void => {
      releaseIn();
      releaseOut();
      resolve(n);
    };
    const rc = binding.copyJob(kind, fdIn, fdOut, jobChunk, done);
    if (rc < 0) done(rc);
  });
}

function noop(): void {}
