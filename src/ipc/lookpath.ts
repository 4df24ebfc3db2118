/**
 * Finding a command: Go's `exec.LookPath` and its errors (`exec.Error`, `ErrNotFound`,
 * `ErrDot`), for `command` (src/ipc/exec.ts).
 */
import path from "node:path";
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { Errno, NetError, brand } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { Sentinel } from "../poll/errors.js";
import { PathError } from "./errors.js";

/** ErrNotFound: no executable of that name on $PATH. Go: `exec.ErrNotFound`. */
// Frozen: Go's text.
export const ErrNotFound = new Sentinel("executable file not found in $PATH", "ENOENT");

/**
 * ErrDot: the executable was found through a PATH entry relative to the current directory
 * ("." or an empty entry), which Go 1.19 refuses to run. Go: `exec.ErrDot`.
 */
// Frozen: Go's text.
export const ErrDot = new Sentinel("cannot run executable found relative to current directory", "ERR_SOCKIT_EXEC_DOT");

/** Go's fs.ErrPermission, for a file that exists but is no executable. */
const errPermission = new Sentinel("permission denied", "EACCES");

/**
 * ExecError is a command that could not be found, Go's `exec.Error`:
 * `exec: "nosuch": executable file not found in $PATH`. `name` is the command as given and
 * `err` the reason (ErrNotFound, ErrDot, or the stat error), also the standard `cause`.
 *
 * @example
 * try { await command("nosuch").run(); }
 * catch (e) { errorIs(e, ErrNotFound); } // true
 */
export class ExecError extends NetError {
  override readonly name = "ExecError";
  readonly code: string | undefined;
  constructor(
    /** The command's name as given to command or lookPath. */
    readonly file: string,
    /** Why it could not be run. */
    readonly err: Error,
  ) {
    super(`exec: ${JSON.stringify(file)}: ${err.message}`, { cause: err });
    this.code = (err as { code?: string }).code;
  }
}
brand(ExecError, "ExecError");

const statBuf = new Float64Array(4);

/** Go's findExecutable: null when `file` is a regular file with an execute bit, else why not. */
function findExecutable(file: string): Error | null {
  const rc = binding.stat(file, statBuf);
  if (rc < 0) return new PathError("stat", file, new Errno(-rc));
  const mode = statBuf[0]!;
  if ((mode & C.S_IFMT!) !== C.S_IFDIR && (mode & 0o111) !== 0) return null;
  return errPermission;
}

/**
 * The result of {@link lookPath}: the path found, and the error Go would return beside it
 * (ErrDot comes with a path).
 */
export interface LookPathResult {
  path: string;
  err: ExecError | null;
}

/** @internal lookPath without the throw, for command(): Go's (path, err) pair. */
export function lookPathResult(file: string): LookPathResult {
  if (file.includes("/")) {
    const err = findExecutable(file);
    return err === null ? { path: file, err: null } : { path: "", err: new ExecError(file, err) };
  }
  for (let dir of (process.env.PATH ?? "").split(path.delimiter)) {
    // Unix shell semantics: an empty entry means ".".
    if (dir === "") dir = ".";
    const p = path.join(dir, file);
    if (findExecutable(p) !== null) continue;
    if (!path.isAbsolute(p)) return { path: p, err: new ExecError(file, ErrDot) };
    return { path: p, err: null };
  }
  return { path: "", err: new ExecError(file, ErrNotFound) };
}

/**
 * lookPath searches the directories of $PATH for an executable named `file` and returns its
 * path; a name with a slash is tried as it is. It throws an ExecError:
 * `exec: "nosuch": executable file not found in $PATH`, or, for a name found only through a
 * PATH entry relative to the current directory ("." or an empty entry), one wrapping ErrDot.
 * The stats run on the event loop's thread, as a shell's lookup does: a few path lookups.
 *
 * @example
 * lookPath("sh"); // "/usr/bin/sh"
 *
 * Go: `exec.LookPath`, which returns the path and the error together; this throws.
 */
export function lookPath(file: string): string {
  if (typeof file !== "string") throw invalidArg("file", "a string", file);
  const r = lookPathResult(file);
  if (r.err !== null) throw r.err;
  return r.path;
}
