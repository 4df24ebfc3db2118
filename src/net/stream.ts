/**
 * Adapters from any stream conn to Web streams, so that code written for them (`fetch`
 * bodies, `pipeTo`) runs over any sockit conn. The Node socket adapter is node/socket.ts.
 */
import { ChunkReader, canHalfClose } from "../poll/stream.js";
import type { Conn } from "./conn.js";

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
