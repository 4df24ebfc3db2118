/**
 * File, Go's `*os.File` for sockit: an owned fd with reads, writes, deadlines and async
 * iteration, named as Go names it ("|0" and "|1" for a pipe's ends, the path for an opened
 * file). Pipes, FIFOs, ttys and sockets are polled; regular files are not (the kernel will
 * not poll them), so their reads and writes run on the libuv threadpool and take no deadlines.
 */
import { closeSync } from "node:fs";
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { Errno } from "../sys/errors.js";
import { invalidArg, isFd } from "../sys/args.js";
import { FD } from "../poll/fd.js";
import { FDStream } from "../poll/stream.js";
import { PathError, pathError } from "./errors.js";

/**
 * File is an open file descriptor: a pipe end, a FIFO, a device, a regular file, or any fd
 * adopted with `newFile`. Reads return the count or null at end of file; errors are
 * PathErrors in Go's words ("read |0: i/o timeout", "write |1: broken pipe"); a closed File
 * fails every call with ErrFileClosed ("file already closed").
 *
 * @example
 * const [r, w] = await pipe();
 * await w.write(new TextEncoder().encode("hi"));
 * await w.close();
 * for await (const chunk of r) console.log(chunk); // Uint8Array [104, 105]
 * await r.close();
 */
export class File extends FDStream {
  readonly #name: string;

  /** @internal Use pipe, openFile or newFile. */
  constructor(pfd: FD, name: string) {
    super(pfd);
    this.#name = name;
  }

  /** name returns the name the File was opened or made with (Go's `Name`). */
  name(): string {
    return this.#name;
  }

  /** Iterates the bytes that arrive, in right-sized chunks, until end of file or close. */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    return this.chunks();
  }

  /** @internal */
  protected teardown(): void {
    this.pfd.close();
  }

  /** @internal "close |0: file already closed". */
  protected closeError(err: Error): Error {
    return pathError("close", this.#name, err);
  }

  /** @internal "raw-read |0: file already closed", as Go's os rawConn wraps. */
  protected override rawError(op: string, err: Error): Error {
    return pathError(op, this.#name, err);
  }

  /** @internal "read |0: i/o timeout". */
  mapReadError(err: Error): Error {
    return pathError("read", this.#name, err);
  }

  /** @internal "write |1: broken pipe", with the bytes that went out first. */
  mapWriteError(err: Error, written: number): Error {
    const e = pathError("write", this.#name, err);
    e.bytesWritten = written;
    return e;
  }

  /** @internal Go's File.SetDeadline returns the poll layer's error as it is: "use of closed file". */
  protected setError(err: Error): Error {
    return err;
  }
}

/** How an fd's owner treats it: by file type, from fstat. */
interface FileKind {
  /** Whether the kernel can poll it (pipes, FIFOs, sockets, character devices). */
  pollable: boolean;
  isFifo: boolean;
}

const statBuf = new Float64Array(4);

/**
 * fileType is the S_IFMT type of an open fd (fstat) or of a path (stat, following links), or
 * -1 when it cannot be read.
 */
export function fileType(target: number | string): number {
  const rc = typeof target === "number" ? binding.fstat(target, statBuf) : binding.stat(target, statBuf);
  return rc < 0 ? -1 : statBuf[0]! & C.S_IFMT!;
}

/**
 * kindOf tells how to own `fd`: regular files, directories and block devices cannot be
 * polled; everything else can (a device that refuses epoll falls back to the threadpool in
 * the poll layer). An fd fstat cannot read is treated as pollable: its first call fails.
 */
function kindOf(fd: number): FileKind {
  const type = fileType(fd);
  const pollable = type !== C.S_IFREG && type !== C.S_IFDIR && type !== C.S_IFBLK;
  return { pollable, isFifo: type === C.S_IFIFO };
}

/**
 * fileFromFd makes the File that owns `fd`. A pollable fd is made non-blocking (it is read by
 * trying and waiting for readiness); `readsFirstWait` marks a FIFO opened for reading, whose
 * read(2) says end of file until a first writer has come, so its first read waits for data.
 */
export function fileFromFd(fd: number, name: string, readsFirstWait = false): File {
  const kind = kindOf(fd);
  if (kind.pollable) binding.setNonblock(fd, true);
  const pfd = new FD(fd, {
    zeroReadIsEOF: true,
    isStream: true,
    pollable: kind.pollable,
    isFile: true,
    startDrained: readsFirstWait && kind.isFifo,
  });
  return new File(pfd, name);
}

/**
 * fileFromNodeFd makes the File that owns `fd`, an fd Node's fs.open returned, as fileFromFd
 * does. Node keeps such fds on a list and, in a worker, closes every fd still listed at the
 * worker's end (the Worker option `trackUnmanagedFds`, on by default). sockit closes its fds
 * itself, which Node does not see, so the number would stay listed and be closed again then,
 * whatever it names by that time (another thread's fd). So the File owns a dup instead, which
 * the native core records as this thread's, and the original goes back through fs.closeSync,
 * which takes it off Node's list. A failed dup (EMFILE) throws a PathError ("open NAME: too
 * many open files"); `fd` is closed either way.
 */
export function fileFromNodeFd(fd: number, name: string, readsFirstWait = false): File {
  const own = binding.dup(fd);
  closeSync(fd);
  if (own < 0) throw new PathError("open", name, new Errno(-own));
  return fileFromFd(own, name, readsFirstWait);
}

/**
 * newFile takes ownership of the open descriptor `fd` (inherited, received with unixRights,
 * or made by other code) and returns a File named `name` that closes it on close. A pipe,
 * FIFO, socket or character device is put in non-blocking mode, which its other holders see
 * too (it belongs to the open file description). Go: `os.NewFile`, which returns nil for a
 * negative fd; this throws a TypeError for anything but an fd number.
 *
 * Like every fd sockit owns, it is closed when its thread ends (a worker terminated or
 * exiting) if still open. In a worker, an fd from Node's `fs.open` stays on Node's own list,
 * which Node closes at the worker's end too: open such files with `openFile` instead.
 *
 * @example
 * const ln = await fileListener(newFile(3, "listener")); // a socket inherited as fd 3
 */
export function newFile(fd: number, name: string): File {
  if (!isFd(fd)) throw invalidArg("fd", "a file descriptor number", fd);
  if (typeof name !== "string") throw invalidArg("name", "a string", name);
  binding.adopt(fd); // Closed at this thread's end if still open; a closed fd fails its first call.
  return fileFromFd(fd, name);
}
