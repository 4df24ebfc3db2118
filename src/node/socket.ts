/**
 * ConnSocket: a sockit stream conn behind the face of a Node `net.Socket`, so that Node's
 * `http`, `https`, `http2`, `tls` and the libraries written against `net.Socket` run over any
 * network sockit can dial or listen on. The conn does the I/O; this object adds what Node's
 * socket adds on top of a stream: idle timeouts with the 'timeout' event, keep-alive and
 * no-delay, ref and unref, addresses in Node's form, byte counts, and Node's end-of-stream
 * rules (a socket whose peer ends it ends its own side too, unless `allowHalfOpen`).
 */
import { Duplex } from "node:stream";
import { ChunkReader, canHalfClose } from "../poll/stream.js";
import { IPPortAddr } from "../net/addr.js";
import type { Addr } from "../net/errors.js";
import type { Conn } from "../net/conn.js";
import { MSG_TRUNC } from "../net/cmsg.js";
import type { ReadMsgResult } from "../net/packetconn.js";

/** Options of {@link toSocket}. */
export interface ToSocketOptions {
  /**
   * Keep the writable side open after the peer ends its side (Node's `allowHalfOpen`). False,
   * the default as in Node, ends this side as soon as the peer's end arrives.
   */
  allowHalfOpen?: boolean;
}

/** What a TCP conn adds that a socket passes on; other conns lack these. */
interface TCPOptions {
  setNoDelay(noDelay: boolean): void;
  setKeepAlive(keepAlive: boolean): void;
  setKeepAlivePeriod(ms: number): void;
  setLinger(sec: number): void;
}

/** What every sockit owner has for keeping the process alive. */
interface Refable {
  ref(): unknown;
  unref(): unknown;
}

/**
 * A unixpacket conn carries records, not bytes: a read takes one whole record (a longer one
 * than the buffer would lose its tail) and a write of more than the kernel's largest record
 * fails (EMSGSIZE). As a byte stream, a socket over one reads into a buffer this large and
 * writes records no larger than `recordSize`, which a peer reading the same way never truncates.
 */
const recordBuffer = 256 * 1024;
const recordSize = 64 * 1024;

interface RecordConn {
  readMsg(p: Uint8Array, oob: Uint8Array): Promise<ReadMsgResult>;
}

/** isRecordConn reports whether `conn` is a unixpacket conn, whose reads and writes are records. */
function isRecordConn(conn: Conn): conn is Conn & RecordConn {
  return conn.localAddr()?.network() === "unixpacket" && typeof (conn as Partial<RecordConn>).readMsg === "function";
}

/** recordReader reads records whole, failing on one longer than its buffer rather than losing bytes. */
function recordReader(conn: Conn & RecordConn): () => Promise<Uint8Array | null> {
  const buf = new Uint8Array(recordBuffer);
  const noOob = new Uint8Array(0);
  return async () => {
    const { n, flags } = await conn.readMsg(buf, noOob);
    if (n === 0) return null;
    if ((flags & MSG_TRUNC) !== 0) throw new RangeError(`sockit: a unixpacket record longer than ${recordBuffer} bytes cannot be read as a stream`);
    return buf.slice(0, n);
  };
}

function has<K extends keyof TCPOptions>(conn: object, name: K): conn is Pick<TCPOptions, K> {
  return typeof (conn as Partial<TCPOptions>)[name] === "function";
}

/** inet gives an IP address in Node's form ("127.0.0.1", "::1", "fe80::1%eth0"), or undefined for others. */
function inet(a: Addr | null): { address: string; family: "IPv4" | "IPv6"; port: number } | undefined {
  if (!(a instanceof IPPortAddr) || a.ip === null) return undefined;
  const v4 = a.ip.to4();
  const address = v4 !== null ? v4.toString() : a.zone === "" ? a.ip.toString() : `${a.ip.toString()}%${a.zone}`;
  return { address, family: v4 !== null ? "IPv4" : "IPv6", port: a.port };
}

/**
 * ConnSocket is what {@link toSocket} returns: a Node `Duplex` with the members of
 * `net.Socket` that Node's HTTP, TLS and HTTP/2 code and `net`-expecting libraries use. The
 * conn belongs to the socket: destroying the socket closes it. Its `conn` is the sockit conn,
 * for what a `net.Socket` cannot say (deadlines, unix addresses, peer credentials).
 */
export class ConnSocket extends Duplex {
  /** The sockit conn under this socket. */
  readonly conn: Conn;
  /** A connected conn is never connecting (Node's `socket.connecting`). */
  readonly connecting = false;
  /** A connected conn is never pending (Node's `socket.pending`). */
  readonly pending = false;
  /** Bytes received so far. */
  bytesRead = 0;
  #written = 0;
  #reading = false;
  readonly #next: () => Promise<Uint8Array | null>;
  readonly #maxWrite: number;
  #timeoutMs = 0;
  #timer: NodeJS.Timeout | null = null;

  /** @internal Use {@link toSocket}. */
  constructor(conn: Conn, opts: ToSocketOptions = {}) {
    super({ allowHalfOpen: opts.allowHalfOpen === true, emitClose: false });
    this.conn = conn;
    if (isRecordConn(conn)) {
      this.#next = recordReader(conn);
      this.#maxWrite = recordSize;
    } else {
      const chunks = new ChunkReader((p) => conn.read(p));
      this.#next = () => chunks.next();
      this.#maxWrite = Infinity;
    }
  }

  /** Bytes sent so far, the ones still queued in this stream included (as Node counts them). */
  get bytesWritten(): number {
    return this.#written + this.writableLength;
  }

  /** The idle timeout set by {@link ConnSocket.setTimeout}, in ms; undefined when none (Node's `socket.timeout`). */
  get timeout(): number | undefined {
    return this.#timeoutMs === 0 ? undefined : this.#timeoutMs;
  }

  /** The peer's IP address, for IP conns ("127.0.0.1", "::1"); undefined for others, as Node's for pipes. */
  get remoteAddress(): string | undefined {
    return inet(this.conn.remoteAddr())?.address;
  }

  /** The peer's port, for IP conns. */
  get remotePort(): number | undefined {
    return inet(this.conn.remoteAddr())?.port;
  }

  /** "IPv4" or "IPv6" for IP conns. */
  get remoteFamily(): string | undefined {
    return inet(this.conn.remoteAddr())?.family;
  }

  /** The local IP address, for IP conns. */
  get localAddress(): string | undefined {
    return inet(this.conn.localAddr())?.address;
  }

  /** The local port, for IP conns. */
  get localPort(): number | undefined {
    return inet(this.conn.localAddr())?.port;
  }

  /** The local family, for IP conns. */
  get localFamily(): string | undefined {
    return inet(this.conn.localAddr())?.family;
  }

  /** "open", "readOnly", "writeOnly" or "closed", by Node's rules. */
  get readyState(): "open" | "readOnly" | "writeOnly" | "closed" {
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }

  /** address gives the local address as Node's `socket.address()`: `{ address, family, port }` for IP conns, `{}` for others. */
  address(): { address: string; family: string; port: number } | Record<string, never> {
    return inet(this.conn.localAddr()) ?? {};
  }

  /**
   * setTimeout emits 'timeout' after `ms` without reads or writes; the socket stays open (the
   * listener decides). 0 turns it off. `callback` is added as a 'timeout' listener (0 removes it).
   * The timer never keeps the process alive, as Node's does not.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`The value of "msecs" is out of range. It must be a non-negative finite number. Received ${String(ms)}`);
    }
    this.#timeoutMs = ms;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (ms > 0 && !this.destroyed) {
      this.#timer = setTimeout(() => this.emit("timeout"), ms).unref();
    }
    if (callback !== undefined) {
      if (ms === 0) this.removeListener("timeout", callback);
      else this.once("timeout", callback);
    }
    return this;
  }

  /** @internal Node's own hook for activity; restarts the idle timer. */
  _unrefTimer(): void {
    this.#timer?.refresh();
  }

  /** setNoDelay turns Nagle's algorithm off (true, the default) on TCP conns; other conns ignore it. */
  setNoDelay(noDelay = true): this {
    if (has(this.conn, "setNoDelay") && !this.destroyed) this.conn.setNoDelay(noDelay);
    return this;
  }

  /**
   * setKeepAlive turns TCP keep-alive on or off; `initialDelay` (ms, rounded up to seconds) is
   * the idle time before the first probe and between probes (Go's keep-alive period). Other
   * conns ignore it.
   */
  setKeepAlive(enable = false, initialDelay = 0): this {
    if (!has(this.conn, "setKeepAlive") || this.destroyed) return this;
    this.conn.setKeepAlive(enable);
    if (enable && initialDelay > 0 && has(this.conn, "setKeepAlivePeriod")) this.conn.setKeepAlivePeriod(initialDelay);
    return this;
  }

  /** ref makes pending reads keep the process alive (the default). */
  ref(): this {
    (this.conn as Partial<Refable>).ref?.();
    return this;
  }

  /** unref lets the process exit while this socket waits for data, as Node's `socket.unref()`. */
  unref(): this {
    (this.conn as Partial<Refable>).unref?.();
    return this;
  }

  /** destroySoon ends the writable side and destroys the socket once everything is written. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  /** resetAndDestroy closes a TCP conn with a reset (RST) instead of a FIN, then destroys the socket. */
  resetAndDestroy(): this {
    if (has(this.conn, "setLinger") && !this.destroyed) {
      try {
        this.conn.setLinger(0);
      } catch {
        // Already closed underneath: destroy as usual.
      }
    }
    return this.destroy();
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.#next().then(
      (chunk) => {
        this.#reading = false;
        if (this.destroyed) return;
        if (chunk === null) {
          this.push(null);
          return;
        }
        this.bytesRead += chunk.byteLength;
        this.#timer?.refresh();
        this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      },
      (err: Error) => {
        this.#reading = false;
        if (!this.destroyed) this.destroy(err);
      },
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#send(chunk, cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.#send(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
  }

  #send(chunk: Buffer, cb: (err?: Error | null) => void): void {
    this.#timer?.refresh();
    const done = (n: number): void => {
      this.#written += n;
      this.#timer?.refresh();
    };
    if (chunk.length <= this.#maxWrite) {
      this.conn.write(chunk).then((n) => (done(n), cb()), cb);
      return;
    }
    (async () => {
      for (let off = 0; off < chunk.length; off += this.#maxWrite) {
        done(await this.conn.write(chunk.subarray(off, off + this.#maxWrite)));
      }
    })().then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!canHalfClose(this.conn)) return cb();
    // As Node's net.Socket: a shutdown that fails (the peer is gone: ENOTCONN) is no error.
    this.conn.closeWrite().then(
      () => cb(),
      () => cb(),
    );
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.conn[Symbol.asyncDispose]().then(
      () => this.#closed(err, cb),
      () => this.#closed(err, cb),
    );
  }

  /** closed finishes a destroy: the error (if any) first, then 'close' with Node's hadError. */
  #closed(err: Error | null, cb: (err?: Error | null) => void): void {
    cb(err);
    process.nextTick(() => this.emit("close", err !== null));
  }
}

/**
 * toSocket wraps a stream conn in a {@link ConnSocket}, a `net.Socket` look-alike that Node's
 * `http`, `https`, `tls` and `http2` accept: `setTimeout` with 'timeout', `setKeepAlive`,
 * `setNoDelay`, `ref`/`unref`, `remoteAddress`/`remotePort`/`remoteFamily`, `localAddress`,
 * `address()`, `bytesRead`/`bytesWritten`, `destroySoon`, `resetAndDestroy`, `readyState`,
 * and Node's end-of-stream rule (`allowHalfOpen` false unless asked). The conn belongs to the
 * socket from then on.
 *
 * @example
 * const socket = toSocket(await dial("unix", "@my-service"));
 * http.get({ path: "/", createConnection: () => socket }, (res) => res.resume());
 */
export function toSocket(conn: Conn, opts: ToSocketOptions = {}): ConnSocket {
  return new ConnSocket(conn, opts);
}

/**
 * toDuplex is {@link toSocket}, under the name of sockit's first adapter: a Node `Duplex` over
 * a conn, with the socket's members. Ending the writable side half-closes the conn where it
 * can; destroying the stream closes the conn.
 *
 * @example
 * const socket = toDuplex(await dial("tcp", "example.test:443"));
 * const secure = tls.connect({ socket, servername: "example.test" });
 */
export function toDuplex(conn: Conn, opts: ToSocketOptions = {}): ConnSocket {
  return toSocket(conn, opts);
}
