/**
 * Where a child's output goes when it is not an fd: a Node Writable fed chunk by chunk, and
 * the two buffers `output()` uses (all of stdout; the first and last 32 KiB of stderr, as
 * Go's prefixSuffixSaver keeps for ExitError.Stderr).
 */
import { Writable } from "node:stream";
import { invalidArg } from "../sys/args.js";

/** One chunk at a time, the next only once the last was taken. */
export interface Sink {
  write(chunk: Uint8Array): Promise<void>;
}

/** toSink adapts a Node Writable: each write resolves when the stream has taken the chunk. */
export function toSink(w: NodeJS.WritableStream): Sink {
  if (typeof (w as { write?: unknown }).write !== "function") {
    throw invalidArg("stdout/stderr", "null, an fd owner or a Node Writable", w);
  }
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        w.write(chunk, (err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** OutputSaver keeps everything written to it. */
export class OutputSaver {
  readonly #chunks: Uint8Array[] = [];

  writable(): Writable {
    return new Writable({
      write: (chunk: Uint8Array, _enc, cb) => {
        this.#chunks.push(chunk);
        cb();
      },
    });
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.#chunks));
  }
}

/**
 * PrefixSuffixSaver keeps the first and the last `n` bytes written to it, and counts what
 * falls between; `bytes()` joins them with Go's "\n... omitting N bytes ...\n".
 */
export class PrefixSuffixSaver {
  #prefix = Buffer.alloc(0);
  #suffix = Buffer.alloc(0);
  #total = 0;

  constructor(readonly n: number) {}

  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.#take(chunk);
        cb();
      },
    });
  }

  #take(p: Buffer): void {
    this.#total += p.length;
    const room = this.n - this.#prefix.length;
    if (room > 0) {
      this.#prefix = Buffer.concat([this.#prefix, p.subarray(0, room)]);
      p = p.subarray(room);
    }
    if (p.length === 0) return;
    const kept = Buffer.concat([this.#suffix, p]);
    this.#suffix = kept.subarray(Math.max(0, kept.length - this.n));
  }

  bytes(): Uint8Array {
    const omitted = this.#total - this.#prefix.length - this.#suffix.length;
    const mid = omitted > 0 ? Buffer.from(`\n... omitting ${omitted} bytes ...\n`) : Buffer.alloc(0);
    return new Uint8Array(Buffer.concat([this.#prefix, mid, this.#suffix]));
  }
}
