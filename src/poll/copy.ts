/**
 * copy: Go's `io.Copy` between sockit owners, with the kernel's fast path. Between stream
 * sockets and pipes (in any mix) the bytes move with splice(2) through a pipe of copy's own,
 * never through user space, as Go's TCPConn.ReadFrom does on Linux; anything else (a regular file, a TLS
 * conn, a datagram socket, a system without splice) goes through one reused buffer. Every wait
 * is the owners' own (their deadlines, their close), and an AbortSignal stops the copy.
 *
 * Go: sendfile(2) for a regular file to a socket and copy_file_range(2) between files are not
 * used: both read the disk on the calling thread, which here is the event loop's; files take
 * the buffered path, whose reads run on the threadpool.
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { E, syscallError } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { FDOwner } from "./owner.js";
import { abortError } from "./errors.js";

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
  /** Stops the copy; it rejects with the signal's reason (Go's context error). */
  signal?: AbortSignal;
  /** Half-close `dst` (closeWrite) once `src` has ended, where `dst` can (default true). */
  closeWrite?: boolean;
}

/** The largest move per splice: a pipe's default capacity. */
const spliceChunk = 64 * 1024;
const statBuf = new Float64Array(4);
const intOut = new Int32Array(1);

/** spliceable reports whether an owner's fd is a stream socket or a pipe, splice's two kinds. */
function spliceable(o: unknown): o is FDOwner {
  if (!(o instanceof FDOwner) || C.S_IFSOCK === undefined) return false;
  const fd = o.fd();
  if (fd < 0 || binding.fstat(fd, statBuf) < 0) return false;
  const type = statBuf[0]! & C.S_IFMT!;
  if (type === C.S_IFIFO) return true;
  if (type !== C.S_IFSOCK) return false;
  return binding.getsockoptInt(fd, C.SOL_SOCKET!, C.SO_TYPE!, intOut) === 0 && intOut[0] === C.SOCK_STREAM;
}

/** copyCounters gives the number of splice calls made so far in this process (for tests). */
export function copyCounters(): { splices: number } {
  const out = new Float64Array(1);
  binding.copyCounters(out);
  return { splices: out[0]! };
}

/**
 * copy moves the bytes of `src` to `dst` until `src` ends, then half-closes `dst` (where it
 * can), and resolves with the count (Go's `io.Copy`, with `dst.CloseWrite()` after). Between
 * stream sockets and pipes it uses splice(2); otherwise read and write with one 64 KiB buffer.
 * A failure rejects with the failing side's error; bytes already moved stay moved.
 *
 * @example
 * const n = await copy(upstream, client); // client → upstream, zero-copy for tcp/unix
 */
export async function copy(dst: CopySink, src: CopySource, opts: CopyOptions = {}): Promise<number> {
  if (typeof dst?.write !== "function") throw invalidArg("dst", "a writable owner", dst);
  if (typeof src?.read !== "function") throw invalidArg("src", "a readable owner", src);
  const signal = opts.signal;
  if (signal?.aborted) throw abortError(signal.reason);
  let total = 0;
  try {
    if (spliceable(src) && spliceable(dst)) {
      const r = await spliceAll(dst, src, signal);
      total = r.moved;
      if (!r.unsupported) return await finish(dst, total, opts);
    }
    total += await bufferedCopy(dst, src, signal);
  } catch (err) {
    // An abort is Go's context error, whichever wait it ended.
    if (signal?.aborted) throw abortError(signal.reason);
    throw err;
  }
  return finish(dst, total, opts);
}

async function finish(dst: CopySink, total: number, opts: CopyOptions): Promise<number> {
  if (opts.closeWrite !== false && typeof dst.closeWrite === "function") await dst.closeWrite();
  return total;
}

/** bufferedCopy is the general path: read into one buffer, write it all, until the end. */
async function bufferedCopy(dst: CopySink, src: CopySource, signal: AbortSignal | undefined): Promise<number> {
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  for (;;) {
    if (signal?.aborted) throw abortError(signal.reason);
    const n = await src.read(buf);
    if (n === null) return total;
    if (n > 0) total += await dst.write(buf.subarray(0, n));
  }
}

/**
 * spliceAll moves everything with splice through a pipe of its own: fill it from src (waiting
 * for src to be readable), drain it into dst (waiting for dst to be writable), again. With the
 * pipe always empty before a fill and full of the filled bytes before a drain, an EAGAIN says
 * which side is not ready. `unsupported` is true when the kernel refused the pair before any
 * byte moved (EINVAL, ENOSYS), so the caller can copy the slow way instead, as Go does.
 */
async function spliceAll(dst: FDOwner, src: FDOwner, signal: AbortSignal | undefined): Promise<{ moved: number; unsupported: boolean }> {
  const rs = src.syscallConn();
  const ws = dst.syscallConn();
  const fds = new Int32Array(2);
  const rc = binding.pipe(fds);
  if (rc < 0) throw syscallError("pipe2", rc);
  const [pr, pw] = [fds[0]!, fds[1]!];
  let moved = 0;
  try {
    for (;;) {
      let got = 0;
      let err = 0;
      await rs.read((fd) => {
        const n = binding.splice(fd, pw, spliceChunk);
        if (n === -E.EAGAIN!) return false;
        if (n < 0) err = n;
        else got = n;
        return true;
      }, { signal });
      if (err < 0) {
        if (moved === 0 && (err === -E.EINVAL! || err === -E.ENOSYS!)) return { moved, unsupported: true };
        throw syscallError("splice", err);
      }
      if (got === 0) return { moved, unsupported: false };
      let left = got;
      while (left > 0) {
        await ws.write((fd) => {
          const n = binding.splice(pr, fd, left);
          if (n === -E.EAGAIN!) return false;
          if (n < 0) err = n;
          else left -= n;
          return err !== 0 || left === 0;
        }, { signal });
        if (err < 0) throw syscallError("splice", err);
      }
      moved += got;
    }
  } finally {
    binding.close(pr);
    binding.close(pw);
  }
}
