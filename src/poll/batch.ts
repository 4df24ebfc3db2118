/**
 * The batch operations: recvmmsg(2) and sendmmsg(2) of up to SK_MMSG_MAX messages per
 * syscall, run by the FD's one loop as every other operation (op.ts).
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { E } from "../sys/errors.js";
import { Op, R, W, type ReadErrorMapper } from "./op.js";

/** The most messages one recvmmsg or sendmmsg takes (native msg.c). */
export const mmsgMax: number = C.SK_MMSG_MAX ?? 64;
/** The `info` slots of one received message (native binding.h). */
const infoCount: number = C.SK_RECVMSG_INFO_COUNT ?? 7;
const infoN: number = C.SK_RECVMSG_INFO_N ?? 6;
const fromSize: number = C.SK_RECVMSG_FROM_SIZE ?? 110;

/**
 * What a batch read needs beyond its buffers: where the kernel leaves each sender and its
 * facts (`from`, `info`, room for {@link mmsgMax} messages), and how the messages are filled
 * in, which runs while the read lock is held, since the next batch reuses the scratch.
 */
export interface BatchReader extends ReadErrorMapper {
  readonly from: Uint8Array;
  readonly info: Int32Array;
  /** Fills in messages [0, count) from the scratch: message i at `from`/`info` slot i. */
  fill(count: number): void;
}

/**
 * A recvmmsg(2) of up to `bufs.length` (at most {@link mmsgMax}) messages, each into its own
 * buffer; the value is how many arrived. A batch that came back short leaves the fd drained.
 * Where the kernel has no recvmmsg, one recvmsg receives one message.
 */
export class BatchReadOp extends Op {
  readonly dir = R;
  constructor(
    resolve: (v: number) => void,
    reject: (err: Error) => void,
    readonly bufs: Uint8Array[],
    readonly reader: BatchReader,
  ) {
    super(resolve as (v: never) => void, reject);
  }

  attempt(fd: number): number {
    const r = this.reader;
    const n = binding.recvmmsg(fd, this.bufs, this.bufs.length, 0, r.from, r.info);
    if (n !== -E.ENOSYS!) return n;
    const b = this.bufs[0]!;
    const one = binding.recvmsg(fd, b, 0, b.length, null, 0, r.from, r.info);
    return one < 0 ? one : 1;
  }

  override get opName(): string {
    return "recvmmsg";
  }

  override drainedBy(n: number): boolean {
    return n < this.bufs.length;
  }

  override moved(n: number): number {
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += this.reader.info[i * infoCount + infoN]!;
    return bytes;
  }

  override value(n: number): number {
    this.reader.fill(n);
    return n;
  }

  override mapError(err: Error): Error {
    return this.reader.mapReadError(err);
  }
}

/** batchScratch makes the `from` and `info` a {@link BatchReader} needs for a full batch. */
export function batchScratch(): { from: Uint8Array; info: Int32Array } {
  return { from: new Uint8Array(mmsgMax * fromSize), info: new Int32Array(mmsgMax * infoCount) };
}

/** The strides of a batch read's scratch: message i's facts are at `i * fromStride` and `i * infoStride`. */
export const fromStride = fromSize;
export const infoStride = infoCount;

/**
 * A sendmmsg(2) of all of `bufs`, message i to the encoded address `sas[i]` (null when
 * connected), as many calls as it takes ({@link mmsgMax} messages at most each), waiting for
 * writability when none fit; the value is the count. Each datagram goes whole or not at all.
 * Where the kernel has no sendmmsg, one sendmsg sends one message per try.
 */
export class BatchWriteOp extends Op {
  readonly dir = W;
  /** Messages sent so far. */
  #sent = 0;
  readonly #bytes: number;
  constructor(
    resolve: (v: number) => void,
    reject: (err: Error) => void,
    readonly bufs: Uint8Array[],
    readonly sas: (Uint8Array | null)[],
  ) {
    super(resolve as (v: never) => void, reject);
    let bytes = 0;
    for (const b of bufs) bytes += b.length;
    this.#bytes = bytes;
  }

  attempt(fd: number): number {
    const i = this.#sent;
    const count = Math.min(mmsgMax, this.bufs.length - i);
    const bufs = i === 0 ? this.bufs : this.bufs.slice(i, i + count);
    const sas = i === 0 ? this.sas : this.sas.slice(i, i + count);
    const n = binding.sendmmsg(fd, bufs, count, sas, 0);
    if (n !== -E.ENOSYS!) return n;
    const b = bufs[0]!;
    const one = binding.sendmsg(fd, b, 0, b.length, null, sas[0]!);
    return one < 0 ? one : 1;
  }

  override get opName(): string {
    return "sendmmsg";
  }

  override advance(n: number): boolean {
    this.#sent += n;
    return this.#sent >= this.bufs.length;
  }

  override moved(): number {
    return this.#bytes;
  }

  override value(): number {
    return this.bufs.length;
  }
}

