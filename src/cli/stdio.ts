/**
 * The command's side of stdin and stdout: errors in Go's words, writes that wait for stdout,
 * and stdin cut into messages for the message networks.
 */
import type { Readable, Writable } from "node:stream";

/** StdioError is a failed read of stdin or write to stdout, in Go's `*os.PathError` words. */
export class StdioError extends Error {
  override readonly name = "StdioError";
  constructor(op: "read" | "write", path: string, cause: unknown) {
    super(`${op} ${path}: ${describeNodeError(cause)}`, { cause });
  }
}

/** Go's texts for the errors stdio is likely to meet; else Node's own message. */
function describeNodeError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === "EPIPE") return "broken pipe";
  if (code === "ECONNRESET") return "connection reset by peer";
  if (code === "EIO") return "input/output error";
  return err instanceof Error ? err.message : String(err);
}

/**
 * writeOut writes `p` to stdout and resolves once Node has handed it on, so that the caller
 * may reuse `p`; a failure rejects with a {@link StdioError}.
 */
export function writeOut(out: Writable, p: Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    out.write(p, (err) => (err ? reject(new StdioError("write", "/dev/stdout", err)) : resolve()));
  });
}

/**
 * stdinPieces yields what stdin gives, each read cut into pieces of at most `max` bytes
 * (Infinity: whole reads); a failed read throws a {@link StdioError}.
 */
export async function* stdinPieces(stdin: Readable, max: number): AsyncGenerator<Uint8Array, void, undefined> {
  const it = (stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  for (;;) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await it.next();
    } catch (err) {
      throw new StdioError("read", "/dev/stdin", err);
    }
    if (r.done === true) return;
    for (let off = 0; off < r.value.length; off += max) yield r.value.subarray(off, off + max);
  }
}

/** ignoreStdoutErrors keeps a stdout 'error' event from being uncaught; writes see it anyway. */
export function ignoreStdoutErrors(out: Writable, debug: (fmt: string, ...args: unknown[]) => void): void {
  if (out.listenerCount("error") === 0) out.on("error", (err) => debug("stdout: %s", err.message));
}
