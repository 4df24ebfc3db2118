/**
 * Moving the bytes of `sockit relay`: one pump for both directions and every kind of
 * endpoint, and the counters it feeds (`--stats`, `-v`, `--idle-timeout`). Between two byte
 * streams that are sockit owners (conns, pipes, files, stdio) the pump is `copy()`, so the
 * kernel moves the bytes (splice, sendfile, copy_file_range) without user space; otherwise,
 * and always for messages, it reads into one reused buffer and writes.
 */
import { copyPath, copyTracked, type CopySink, type CopySource, type CopyStep } from "../poll/copy.js";

/** streamBuffer is the bytes read per call from a stream: one reused 64 KiB buffer (Go's io.Copy uses 32 KiB). */
export const streamBuffer = 64 * 1024;

/**
 * Source is one side's reading half. `read` fills `p` and resolves with the count, or null
 * at end of stream; a message source (datagrams, records) returns one whole message per read.
 */
export interface Source {
  read(p: Uint8Array): Promise<number | null>;
  /** Each read is one message, whose boundary the other side must keep. */
  readonly messages: boolean;
  /** The buffer one read needs: {@link streamBuffer}, or room for the largest message. */
  readonly bufferSize: number;
  /** The owner read from, for `copy()`'s kernel paths, where `read` is its plain read. */
  readonly owner?: CopySource;
}

/**
 * Sink is one side's writing half. `write` resolves once all of `p` has been taken (the
 * caller then reuses `p`); on a message sink each write is one message. `closeWrite` passes
 * the other side's end of stream on: shutdown(SHUT_WR) on a socket, close on a pipe or file,
 * nothing where there is no end to pass (datagrams).
 */
export interface Sink {
  write(p: Uint8Array): Promise<void>;
  closeWrite(): Promise<void>;
  /** The longest write of bytes from a stream source: Infinity, or a safe message size. */
  readonly maxWrite: number;
  /** The owner written to, for `copy()`'s kernel paths, where `write` is its plain write. */
  readonly owner?: CopySink;
}

/** PumpError is a failed read of the source or write of the sink, to say which side failed. */
export class PumpError extends Error {
  override readonly name = "PumpError";
  constructor(
    readonly op: "read" | "write",
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * Counter counts one direction's bytes and messages; each count also goes to its `parent`
 * (the totals over every relay of a forking listener) and calls `touched` (the idle timer).
 */
export class Counter {
  bytes = 0;
  messages = 0;
  constructor(
    private readonly parent: Counter | null = null,
    private readonly touched: () => void = () => {},
  ) {}

  /** add counts one read of `n` bytes that has been written on. */
  add(n: number): void {
    this.bytes += n;
    this.messages++;
    this.parent?.add(n);
    this.touched();
  }
}

/**
 * pump copies `src` to `dst` until the source's end of stream, then passes the end on with
 * `dst.closeWrite()`. Each read is written before the next read starts, from one reused
 * buffer. A message source's reads are written whole (a datagram stays a datagram); a stream
 * source's reads are cut at `dst.maxWrite` (each piece one datagram or record on a message
 * sink). It stops, resolving, once `signal` has aborted; a failure rejects with a
 * {@link PumpError} that says whether the read or the write failed.
 *
 * @example
 * await pump(conn1, conn2Sink, new Counter(), ac.signal); // conn1's bytes, then closeWrite
 */
export async function pump(src: Source, dst: Sink, counter: Counter, signal: AbortSignal): Promise<void> {
  if (byCopy(src, dst)) {
    const step: CopyStep = { side: "read" };
    try {
      await copyTracked(dst.owner!, src.owner, { signal, closeWrite: false, onProgress: (n) => counter.add(n) }, step);
    } catch (err) {
      if (signal.aborted) return;
      throw new PumpError(step.side, err);
    }
    return endSink(dst, signal);
  }
  const buf = new Uint8Array(src.bufferSize);
  const cut = src.messages ? Infinity : dst.maxWrite;
  for (;;) {
    let n: number | null;
    try {
      n = await src.read(buf);
    } catch (err) {
      if (signal.aborted) return;
      throw new PumpError("read", err);
    }
    if (n === null || signal.aborted) break;
    try {
      let off = 0;
      do {
        const end = Math.min(n, off + cut);
        await dst.write(buf.subarray(off, end));
        off = end;
      } while (off < n);
    } catch (err) {
      if (signal.aborted) return;
      throw new PumpError("write", err);
    }
    counter.add(n);
  }
  await endSink(dst, signal);
}

/** byCopy says whether the pump from `src` to `dst` is copy(): two byte streams with owners. */
function byCopy(src: Source, dst: Sink): src is Source & { owner: CopySource } {
  return src.owner !== undefined && dst.owner !== undefined && !src.messages && dst.maxWrite === Infinity;
}

/**
 * pumpPath says how {@link pump} moves bytes from `src` to `dst`, for `-v`: copy()'s path
 * ("splice", "sendfile", "copy_file_range", "buffered"), or "messages" when each read is a
 * datagram or record written whole (or bytes cut into them).
 */
export function pumpPath(src: Source, dst: Sink): string {
  if (byCopy(src, dst)) return copyPath(dst.owner, src.owner);
  return src.messages || dst.maxWrite !== Infinity ? "messages" : "buffered";
}

/** Passes the source's end on to `dst`, unless the relay was stopped. */
async function endSink(dst: Sink, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await dst.closeWrite();
  } catch (err) {
    if (!signal.aborted) throw new PumpError("write", err);
  }
}

/** Counters are a relay's two directions: `up` ADDR1 → ADDR2, `down` ADDR2 → ADDR1. */
export interface Counters {
  up: Counter;
  down: Counter;
}

/** rate renders bytes per second for people: "812 B/s", "4.88 MiB/s". */
export function rate(bytes: number, ms: number): string {
  return `${human(ms > 0 ? (bytes * 1000) / ms : 0)}/s`;
}

/** human renders a byte count in binary units: "12 B", "5.00 MiB". */
export function human(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(2)} ${units[i]}`;
}

/** StatsOut is where `--stats` writes: stderr, and whether it is a terminal (then one `\r`-updated line). */
export interface StatsOut {
  write(text: string): void;
  isTTY: boolean;
}

/**
 * StatsReporter prints both directions' bytes and rates every second (the rate over that
 * second), as one line redrawn with `\r` on a terminal and as plain lines otherwise, and a
 * summary line at the end with the totals and the average rates.
 */
export class StatsReporter {
  readonly #started = Date.now();
  readonly #timer: NodeJS.Timeout;
  #last = { up: 0, down: 0, at: this.#started };
  #drawn = false;

  constructor(
    private readonly c: Counters,
    private readonly out: StatsOut,
  ) {
    this.#timer = setInterval(() => this.#tick(), 1000);
    this.#timer.unref();
  }

  #tick(): void {
    const now = Date.now();
    const ms = now - this.#last.at;
    const line =
      `sockit: 1->2 ${this.c.up.bytes} bytes ${rate(this.c.up.bytes - this.#last.up, ms)}, ` +
      `2->1 ${this.c.down.bytes} bytes ${rate(this.c.down.bytes - this.#last.down, ms)}`;
    this.#last = { up: this.c.up.bytes, down: this.c.down.bytes, at: now };
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      this.#drawn = true;
    } else this.out.write(`${line}\n`);
  }

  /** stop ends the ticks and prints the summary. */
  stop(): void {
    clearInterval(this.#timer);
    const ms = Date.now() - this.#started;
    if (this.#drawn) this.out.write("\n");
    this.out.write(
      `sockit: relay done in ${(ms / 1000).toFixed(2)}s: ` +
        `1->2 ${this.c.up.bytes} bytes (${rate(this.c.up.bytes, ms)}), ` +
        `2->1 ${this.c.down.bytes} bytes (${rate(this.c.down.bytes, ms)})\n`,
    );
  }
}
