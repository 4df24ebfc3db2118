/**
 * Anonymous and named pipes: Go's `os.Pipe` and `syscall.Mkfifo`.
 */
import { binding } from "../sys/binding.js";
import { Errno, SyscallError } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { File, fileFromFd } from "./file.js";
import { PathError } from "./errors.js";

/**
 * pipe makes a connected pair of Files, Go's `os.Pipe`: bytes written to the second (named
 * "|1") are read from the first ("|0"). Both are non-blocking and close-on-exec (pipe2), so
 * deadlines work: `read |0: i/o timeout`. The reader sees end of file (null) once every
 * writer has closed; a write after the reader has closed fails with `write |1: broken pipe`
 * (never a SIGPIPE death). A failure is a SyscallError: "pipe2: too many open files".
 *
 * @example
 * const [r, w] = await pipe();
 * r.setReadDeadline(Date.now() + 50);
 * await r.read(new Uint8Array(1)).catch((e) => e.message); // "read |0: i/o timeout"
 * await r.close();
 * await w.close();
 */
export async function pipe(): Promise<[File, File]> {
  return pipeSync();
}

/** @internal pipe's work, done at once (for Cmd's pipe methods, synchronous as Go's). */
export function pipeSync(): [File, File] {
  const fds = new Int32Array(2);
  const rc = binding.pipe(fds);
  if (rc < 0) throw new SyscallError("pipe2", new Errno(-rc));
  return [fileFromFd(fds[0]!, "|0"), fileFromFd(fds[1]!, "|1")];
}

/**
 * mkfifo creates a named pipe (FIFO) at `path` with permission bits `mode` (less the umask);
 * open it with `openFile`. A failure is a PathError: "mkfifo /tmp/x: file exists". Go:
 * `syscall.Mkfifo` returns the bare errno.
 *
 * @example
 * await mkfifo("/tmp/app.fifo", 0o600);
 */
export async function mkfifo(path: string, mode: number): Promise<void> {
  if (typeof path !== "string") throw invalidArg("path", "a string", path);
  if (!Number.isInteger(mode) || mode < 0) throw invalidArg("mode", "permission bits (an integer)", mode);
  const rc = binding.mkfifo(path, mode);
  if (rc < 0) throw new PathError("mkfifo", path, new Errno(-rc));
}
