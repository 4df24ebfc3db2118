/**
 * POSIX message queues (mq_overview(7)): `mq.open`, `mq.unlink` and the MessageQueue they
 * give. Go has none (GO-REFERENCE §D.4); Node has none. On Linux a queue's descriptor is an fd
 * the kernel polls (readable while a message waits, writable while there is room), so a queue
 * is owned by the poll layer like any fd: `receive` on an empty queue and `send` on a full one
 * wait for readiness, never a thread, and honour the read and write deadlines, an AbortSignal
 * per call and close. Messages keep their boundaries and priorities (highest first); one
 * longer than the queue's message size is refused, never cut.
 */
import { readFileSync } from "node:fs";
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { E, Errno } from "../sys/errors.js";
import { checkInt, invalidArg, isBytes } from "../sys/args.js";
import { FD, Op, R, W } from "../poll/fd.js";
import { FDDeadlines } from "../poll/stream.js";
import { PathError, pathError } from "./errors.js";
import { O_RDONLY, O_RDWR, O_WRONLY } from "./open.js";
import { checkIPCName, namedOpenFlags, type NamedOpenOptions } from "./ipcname.js";

/** Options of {@link mq.open}. */
export interface MQOpenOptions extends NamedOpenOptions {
  /** With `create`: the most messages the queue holds (default: /proc/sys/fs/mqueue/msg_default). */
  maxMsg?: number;
  /** With `create`: the largest message in bytes (default: /proc/sys/fs/mqueue/msgsize_default). */
  msgSize?: number;
  /** "r" to only receive, "w" to only send; default "rw". */
  access?: "r" | "w" | "rw";
}

/** A queue's attributes (mq_getattr). */
export interface MQAttributes {
  /** The most messages the queue holds. */
  maxMsg: number;
  /** The largest message, in bytes: a receive buffer must hold this many. */
  msgSize: number;
  /** Messages in the queue now. */
  curMsgs: number;
}

/** What {@link MessageQueue.receive} resolves with. */
export interface MQReceived {
  /** The message's length, in bytes, at the start of the buffer. */
  n: number;
  /** Its priority: higher ones are received first, and equal ones in the order sent. */
  priority: number;
}

/** A message from iterating a queue: a copy of its bytes, and its priority. */
export interface MQMessage {
  data: Uint8Array;
  priority: number;
}

const attrOut = new Float64Array(C.SK_MQ_ATTR_COUNT ?? 4);
const prioOut = new Float64Array(1);
/** mq_overview(7): a name is "/" and up to NAME_MAX (255) more bytes, with no other "/". */
const maxNameBytes = 255;
/** Linux's hard ceilings of a queue's maxMsg and msgSize (HARD_MSGMAX, HARD_MSGSIZEMAX). */
const hardMsgMax = 65536;
const hardMsgSizeMax = 16 * 1024 * 1024;
/** The priorities every system has (mq_send(3): 0 to MQ_PRIO_MAX - 1, at least 32; 32768 on Linux). */
const maxPriority = process.platform === "linux" ? 32767 : 31;

/**
 * The limits an EINVAL from mq_open may come from, read for its message: the per-queue
 * ceilings in /proc/sys/fs/mqueue (which root may pass, up to the kernel's hard limits).
 */
function limitsNote(maxMsg: number, msgSize: number): string {
  const msgMax = mqueueSetting("msg_max");
  const sizeMax = mqueueSetting("msgsize_max");
  const over: string[] = [];
  // A process with CAP_SYS_RESOURCE may pass the ceilings, up to the kernel's own.
  if (maxMsg > msgMax) over.push(`maxMsg ${maxMsg} is over /proc/sys/fs/mqueue/msg_max (${msgMax}; ${hardMsgMax} when privileged)`);
  if (msgSize > sizeMax) over.push(`msgSize ${msgSize} is over /proc/sys/fs/mqueue/msgsize_max (${sizeMax}; ${hardMsgSizeMax} when privileged)`);
  return over.length === 0 ? "" : ` (${over.join("; ")})`;
}

/**
 * A queue call under the poller, one object per call holding what it needs, so that a send or
 * a receive costs one promise and no closures: EAGAIN (a full queue for a send, an empty one
 * for a receive) waits until the fd is writable or readable. Errors read "CALL NAME: ...".
 */
abstract class QueueOp extends Op {
  constructor(
    resolve: (v: never) => void,
    reject: (err: Error) => void,
    readonly call: string,
    readonly name: string,
    readonly abort: AbortSignal | undefined,
  ) {
    super(resolve, reject);
  }

  override get signal(): AbortSignal | undefined {
    return this.abort;
  }

  override mapError(err: Error): Error {
    return pathError(this.call, this.name, err);
  }
}

/** mq_send of one message. */
class SendOp extends QueueOp {
  readonly dir = W;
  constructor(
    resolve: (v: void) => void,
    reject: (err: Error) => void,
    name: string,
    abort: AbortSignal | undefined,
    readonly msg: Uint8Array,
    readonly prio: number,
  ) {
    super(resolve as (v: never) => void, reject, "mq_send", name, abort);
  }

  attempt(fd: number): number {
    return binding.mqSend(fd, this.msg, 0, this.msg.length, this.prio);
  }

  override value(): undefined {
    return undefined;
  }
}

/** mq_receive of one message into `buf`. */
class ReceiveOp extends QueueOp {
  readonly dir = R;
  constructor(
    resolve: (v: MQReceived) => void,
    reject: (err: Error) => void,
    name: string,
    abort: AbortSignal | undefined,
    readonly buf: Uint8Array,
  ) {
    super(resolve as (v: never) => void, reject, "mq_receive", name, abort);
  }

  attempt(fd: number): number {
    return binding.mqReceive(fd, this.buf, 0, this.buf.length, prioOut);
  }

  /** Made at once after the attempt, holding the read lock: the next receive reuses prioOut. */
  override value(n: number): MQReceived {
    return { n, priority: prioOut[0]! };
  }
}

/**
 * MessageQueue is an open POSIX message queue. `send` and `receive` move one whole message;
 * `receive` on an empty queue and `send` on a full one wait, until the read or write deadline
 * (`setReadDeadline`, `setWriteDeadline`), the call's `signal`, or close ends the wait with
 * the message neither taken nor added. Errors are PathErrors naming the call and the queue:
 * "mq_receive /jobs: i/o timeout", "mq_send /jobs: message too long", "mq_send /jobs: file
 * already closed".
 *
 * @example
 * await using q = await mq.open("/jobs", { create: true, maxMsg: 10, msgSize: 8192 });
 * await q.send(new TextEncoder().encode("job 1"), { priority: 5 });
 * const buf = new Uint8Array(q.attributes().msgSize);
 * const { n, priority } = await q.receive(buf); // 5, "job 1"
 */
export class MessageQueue extends FDDeadlines implements AsyncIterable<MQMessage> {
  readonly #name: string;

  /** @internal Use mq.open. */
  constructor(pfd: FD, name: string) {
    super(pfd);
    this.#name = name;
  }

  /** name returns the queue's name, as opened ("/jobs"). */
  name(): string {
    return this.#name;
  }

  /**
   * send adds `msg` to the queue at `priority` (0 by default; up to 32767 on Linux), waiting
   * while the queue is full. A message longer than the queue's message size fails with
   * "message too long" and adds nothing.
   */
  send(msg: Uint8Array, opts: { priority?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (!isBytes(msg)) return Promise.reject(invalidArg("msg", "a Uint8Array", msg));
    const prio = opts.priority ?? 0;
    if (!Number.isInteger(prio) || prio < 0 || prio > maxPriority) {
      return Promise.reject(invalidArg("priority", `an integer from 0 to ${maxPriority}`, prio));
    }
    const signal = opts.signal;
    return this.pfd.run<void>((res, rej) => new SendOp(res, rej, this.#name, signal, msg, prio), signal);
  }

  /**
   * receive takes the oldest message of the highest priority into `buf`, waiting while the
   * queue is empty. `buf` must hold the queue's message size (`attributes().msgSize`), as
   * mq_receive requires: a smaller one fails with "message too long" and takes nothing.
   */
  receive(buf: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<MQReceived> {
    if (!isBytes(buf)) return Promise.reject(invalidArg("buf", "a Uint8Array", buf));
    const signal = opts.signal;
    return this.pfd.run<MQReceived>((res, rej) => new ReceiveOp(res, rej, this.#name, signal, buf), signal);
  }

  /** attributes reads the queue's size limits and how many messages it holds now. */
  attributes(): MQAttributes {
    let rc: number;
    try {
      rc = binding.mqGetattr(this.pfd.sysfd, attrOut);
    } catch (err) {
      throw pathError("mq_getattr", this.#name, err as Error);
    }
    if (rc < 0) throw pathError("mq_getattr", this.#name, new Errno(-rc));
    return {
      maxMsg: attrOut[C.SK_MQ_ATTR_MAXMSG ?? 1]!,
      msgSize: attrOut[C.SK_MQ_ATTR_MSGSIZE ?? 2]!,
      curMsgs: attrOut[C.SK_MQ_ATTR_CURMSGS ?? 3]!,
    };
  }

  /**
   * Iterates the messages as they arrive, each a copy with its priority, until the queue is
   * closed; breaking out of the loop leaves it open.
   *
   * @example
   * for await (const { data, priority } of q) console.log(priority, data);
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<MQMessage, void, undefined> {
    const buf = new Uint8Array(this.attributes().msgSize);
    for (;;) {
      let got: MQReceived;
      try {
        got = await this.receive(buf);
      } catch (err) {
        if (this.pfd.closed) return;
        throw err;
      }
      yield { data: buf.slice(0, got.n), priority: got.priority };
    }
  }

  /** @internal */
  protected teardown(): void {
    this.pfd.close();
  }

  /** @internal "close /jobs: file already closed". */
  protected closeError(err: Error): Error {
    return pathError("close", this.#name, err);
  }

  /** @internal Deadlines on a closed queue: the poll layer's error as it is, as a File's. */
  protected setError(err: Error): Error {
    return err;
  }
}

/**
 * open opens the queue `name` ("/" and up to 255 bytes with no other "/"), creating it with
 * `create` (and failing if it exists with `exclusive`). A queue created with `maxMsg` and
 * `msgSize` beyond the system's ceilings fails with "invalid argument" and says which
 * ceiling (/proc/sys/fs/mqueue/msg_max, msgsize_max, which only CAP_SYS_RESOURCE passes);
 * another user's queue without access
 * fails with "permission denied". Errors are PathErrors of "mq_open".
 *
 * @example
 * await using q = await mq.open("/jobs", { create: true, mode: 0o600, maxMsg: 10, msgSize: 8192 });
 */
async function open(name: string, opts: MQOpenOptions = {}): Promise<MessageQueue> {
  checkIPCName(name, "queue", maxNameBytes);
  const access = opts.access ?? "rw";
  const accessFlags = { r: O_RDONLY, w: O_WRONLY, rw: O_RDWR }[access];
  if (accessFlags === undefined) throw invalidArg("access", '"r", "w" or "rw"', access);
  const { oflag, mode, create } = namedOpenFlags(opts, accessFlags);
  let maxMsg = 0;
  let msgSize = 0;
  if (opts.maxMsg !== undefined || opts.msgSize !== undefined) {
    if (!create) throw invalidArg("maxMsg and msgSize", "used with create", [opts.maxMsg, opts.msgSize]);
    // mq_open takes both or neither: the one left out is the system's default.
    maxMsg = opts.maxMsg === undefined ? defaultLimit("msg_default", 10) : checkInt("maxMsg", opts.maxMsg, 1);
    msgSize = opts.msgSize === undefined ? defaultLimit("msgsize_default", 8192) : checkInt("msgSize", opts.msgSize, 1);
  }
  const fd = binding.mqOpen(name, oflag, mode, maxMsg, msgSize);
  if (fd < 0) {
    const err = new PathError("mq_open", name, new Errno(-fd));
    if (fd === -E.EINVAL! && maxMsg > 0) err.message += limitsNote(maxMsg, msgSize);
    throw err;
  }
  const pfd = new FD(fd, { zeroReadIsEOF: false, isStream: false, isFile: true });
  return new MessageQueue(pfd, name);
}

/** A setting of /proc/sys/fs/mqueue (a positive integer), or NaN where it cannot be read. */
function mqueueSetting(file: string): number {
  try {
    const n = Number(readFileSync(`/proc/sys/fs/mqueue/${file}`, "utf8"));
    return Number.isSafeInteger(n) && n > 0 ? n : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** A default attribute of new queues, from /proc/sys/fs/mqueue, else the kernel's own default. */
function defaultLimit(file: string, fallback: number): number {
  const n = mqueueSetting(file);
  return Number.isNaN(n) ? fallback : n;
}

/**
 * unlink removes the queue `name`: it goes once every process that has it open closes it.
 * "mq_unlink /jobs: no such file or directory" if there is none.
 */
async function unlink(name: string): Promise<void> {
  checkIPCName(name, "queue", maxNameBytes);
  const rc = binding.mqUnlink(name);
  if (rc < 0) throw new PathError("mq_unlink", name, new Errno(-rc));
}

/**
 * mq: POSIX message queues, `mq.open` and `mq.unlink`; see {@link MessageQueue}.
 *
 * @example
 * import { mq } from "sockit";
 * await using q = await mq.open("/jobs", { create: true });
 */
export const mq = { open, unlink } as const;
