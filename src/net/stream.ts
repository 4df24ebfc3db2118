/**
 * Adapters from any stream conn to Node's streams and to Web streams, so that code written for
 * streams (`tls.connect({ socket })`, HTTP clients, `pipeline`) runs over any sockit conn.
 */
import { Duplex } from "node:stream";
import { ChunkReader, canHalfClose } from "../poll/stream.js";
import type { Conn } from "./conn.js";

/**
 * toDuplex wraps a conn in a Node `Duplex`. Ending the writable side half-closes the conn
 * (closeWrite) where it can; destroying the stream closes the conn. The conn belongs to the
 * stream from then on.
 *
 * @example
 * const socket = toDuplex(await dial("tcp", "example.test:443"));
 * const secure = tls.connect({ socket, servername: "example.test" });
 */
export function toDuplex(conn: Conn): Duplex {
  const chunks = new ChunkReader((p) => conn.read(p));
  let reading = false;
  return new Duplex({
    allowHalfOpen: true,
    read() {
      if (reading) return;
      reading = true;
      chunks.next().then(
        (chunk) => {
          reading = false;
          this.push(chunk === null ? null : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        },
        (err: Error) => {
          reading = false;
          this.destroy(err);
        },
      );
    },
    write(chunk: Buffer, _enc, cb) {
      conn.write(chunk).then(() => cb(), cb);
    },
    writev(chunks, cb) {
      const all = Buffer.concat(chunks.map((c) => c.chunk as Buffer));
      conn.write(all).then(() => cb(), cb);
    },
    final(cb) {
      if (!canHalfClose(conn)) return cb();
      conn.closeWrite().then(() => cb(), cb);
    },
    destroy(err, cb) {
      conn[Symbol.asyncDispose]().then(
        () => cb(err),
        () => cb(err),
      );
    },
  });
}

/** The Web streams of a conn: bytes in, bytes out. */
export interface ConnStreams {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/**
 * toWebStreams gives a conn's two directions as Web streams. Closing the writable half-closes
 * the conn where it can; cancelling the readable or aborting the writable closes the conn.
 *
 * @example
 * const { readable, writable } = toWebStreams(conn);
 * await readable.pipeTo(writable); // an echo
 */
export function toWebStreams(conn: Conn): ConnStreams {
  const close = () => conn[Symbol.asyncDispose]();
  const chunks = new ChunkReader((p) => conn.read(p));
  const readable = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const chunk = await chunks.next();
      if (chunk === null) ctl.close();
      else ctl.enqueue(chunk);
    },
    cancel: close,
  });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      await conn.write(chunk);
    },
    async close() {
      if (canHalfClose(conn)) await conn.closeWrite();
    },
    abort: close,
  });
  return { readable, writable };
}
