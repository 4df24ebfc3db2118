/**
 * POSIX shared memory (shm_overview(7)): `shm.open`, `shm.unlink` and the SharedMemory they
 * give, a named segment (a file in /dev/shm) mapped into this process as an ArrayBuffer that
 * every process mapping the same name sees and changes. The same object as C's shm_open and
 * python's `multiprocessing.shared_memory`.
 *
 * Memory safety: the mapping belongs to V8's ArrayBuffer, whose finalizer unmaps it only when
 * nothing can reach it. `close()` detaches the buffer, so every view of it has length 0 from
 * then on (reads by index give undefined, writes by index do nothing; Atomics, DataView, fill
 * and set throw a TypeError)
 * and the bytes are unmapped once V8 lets go. A view kept past close never touches unmapped
 * memory; the process cannot crash through one.
 */
import { binding } from "../sys/binding.js";
import { Errno } from "../sys/errors.js";
import { checkInt, invalidArg } from "../sys/args.js";
import { FD } from "../poll/fd.js";
import { FDOwner } from "../poll/owner.js";
import { PathError, pathError } from "./errors.js";
import { O_RDONLY, O_RDWR } from "./open.js";
import { checkIPCName, namedOpenFlags, type NamedOpenOptions } from "./ipcname.js";

/** Options of {@link shm.open}. */
export interface ShmOpenOptions extends NamedOpenOptions {
  /** Set the segment's size in bytes (ftruncate): grown with zeros, or cut. A new one has size 0 until sized. */
  size?: number;
  /**
   * Open the segment read-only. Its buffer is then a private copy-on-write view: it shows the
   * segment's bytes, and a write changes only this process's copy of that page (which then no
   * longer follows the segment); it never faults, and never reaches the segment.
   */
  readOnly?: boolean;
}

const statOut = new Float64Array(4);

/**
 * SharedMemory is an open shared memory segment. `buffer` maps it on first use (its size
 * then is the segment's) and is the same ArrayBuffer after; `truncate` sizes the segment
 * before that. Errors are PathErrors naming the call and the segment: "shm_open /frames: no
 * such file or directory", "truncate /frames: the segment is mapped already".
 *
 * @example
 * await using seg = await shm.open("/frames", { create: true, size: 1 << 20 });
 * const counter = new Int32Array(seg.buffer, 0, 1);
 * Atomics.add(counter, 0, 1); // seen by every process that maps "/frames"
 */
export class SharedMemory extends FDOwner {
  readonly #name: string;
  readonly #writable: boolean;
  #buffer: ArrayBuffer | null = null;

  /** @internal Use shm.open. */
  constructor(pfd: FD, name: string, writable: boolean) {
    super(pfd);
    this.#name = name;
    this.#writable = writable;
  }

  /** name returns the segment's name, as opened ("/frames"). */
  name(): string {
    return this.#name;
  }

  /** size is the segment's size in bytes now (fstat), which other processes may change. */
  get size(): number {
    const rc = binding.fstat(this.#fd("fstat"), statOut);
    if (rc < 0) throw pathError("fstat", this.#name, new Errno(-rc));
    return statOut[3]!;
  }

  /**
   * buffer is the segment mapped as an ArrayBuffer, shared with every process that maps it:
   * made on first use at the segment's size then, the same object afterwards. It is an
   * ArrayBuffer, not a SharedArrayBuffer (N-API cannot make one over outside memory), so
   * `Atomics.add`, `load`, `store`, `compareExchange` and the rest work on an Int32Array (or
   * BigInt64Array) over it, while `Atomics.wait` and `notify` do not: use a semaphore to
   * wait across processes. With `readOnly`, the buffer is a private copy-on-write view (see
   * {@link ShmOpenOptions.readOnly}). As in C, a segment that another process cuts shorter
   * while it is mapped faults (SIGBUS) where the cut pages are touched: agree on a size.
   */
  get buffer(): ArrayBuffer {
    if (this.#buffer !== null) return this.#buffer;
    const fd = this.#fd("mmap");
    const size = this.size;
    const ab = binding.shmMap(fd, size, this.#writable);
    if (typeof ab === "number") throw pathError("mmap", this.#name, new Errno(-ab));
    this.#buffer = ab;
    return ab;
  }

  /**
   * truncate sets the segment's size (ftruncate), before the first use of `buffer`: a mapping
   * does not follow a size change, so afterwards it fails.
   */
  truncate(size: number): void {
    checkInt("size", size, 0);
    const fd = this.#fd("truncate");
    if (this.#buffer !== null) throw pathError("truncate", this.#name, new Error("the segment is mapped already"));
    const rc = binding.shmTruncate(fd, size);
    if (rc < 0) throw pathError("truncate", this.#name, new Errno(-rc));
  }

  #fd(op: string): number {
    try {
      return this.pfd.sysfd;
    } catch (err) {
      throw pathError(op, this.#name, err as Error);
    }
  }

  /** @internal Closes the fd and detaches the buffer; the bytes go when V8 lets go of them. */
  protected teardown(): void {
    if (this.#buffer !== null) binding.shmDetach(this.#buffer);
    this.pfd.close();
  }

  /** @internal "close /frames: file already closed". */
  protected closeError(err: Error): Error {
    return pathError("close", this.#name, err);
  }
}

/**
 * open opens the segment `name` ("/" and up to 255 bytes with no other "/"), creating it with
 * `create` (failing if it exists with `exclusive`) and sizing it with `size`. Errors are
 * PathErrors of "shm_open" or "truncate": "shm_open /frames: permission denied".
 *
 * @example
 * await using seg = await shm.open("/frames", { create: true, size: 4096 });
 */
async function open(name: string, opts: ShmOpenOptions = {}): Promise<SharedMemory> {
  checkIPCName(name, "segment", 255);
  const writable = opts.readOnly !== true;
  const { oflag, mode } = namedOpenFlags(opts, writable ? O_RDWR : O_RDONLY);
  const size = opts.size === undefined ? null : checkInt("size", opts.size, 0);
  if (!writable && size !== null) throw invalidArg("size", "left out for a read-only segment", size);
  const fd = binding.shmOpen(name, oflag, mode);
  if (fd < 0) throw new PathError("shm_open", name, new Errno(-fd));
  const seg = new SharedMemory(new FD(fd, { zeroReadIsEOF: true, isStream: true, pollable: false, isFile: true }), name, writable);
  if (size !== null) {
    try {
      seg.truncate(size);
    } catch (err) {
      await seg.close();
      throw err;
    }
  }
  return seg;
}

/**
 * unlink removes the segment `name`; processes that have it mapped keep their mapping.
 * "shm_unlink /frames: no such file or directory" if there is none.
 */
async function unlink(name: string): Promise<void> {
  checkIPCName(name, "segment", 255);
  const rc = binding.shmUnlink(name);
  if (rc < 0) throw new PathError("shm_unlink", name, new Errno(-rc));
}

/**
 * shm: POSIX shared memory, `shm.open` and `shm.unlink`; see {@link SharedMemory}.
 *
 * @example
 * import { shm } from "sockit";
 * await using seg = await shm.open("/frames", { create: true, size: 4096 });
 */
export const shm = { open, unlink } as const;

