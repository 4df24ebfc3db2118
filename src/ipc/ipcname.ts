/**
 * What the named IPC objects (message queues, semaphores, shared memory segments) share: the
 * rules of their names and the flags of their opens.
 */
import { invalidArg } from "../sys/args.js";
import { O_CREATE, O_EXCL } from "./open.js";

/** The options of every named object's open. */
export interface NamedOpenOptions {
  /** Create the object if it does not exist (O_CREAT). */
  create?: boolean;
  /** With `create`, fail if it exists ("file exists", O_EXCL). */
  exclusive?: boolean;
  /** Permission bits of an object `create` makes, less the umask; default 0o600. */
  mode?: number;
}

/**
 * checkIPCName checks a name of the form the kernel and glibc take (mq_overview(7),
 * sem_overview(7), shm_overview(7)): "/" and 1 to `maxBytes` bytes with no other "/" and no
 * NUL, and not "/." or "/.." (which name the directory itself under /dev/shm). Anything else
 * is a TypeError naming `what`, before any syscall.
 */
export function checkIPCName(name: unknown, what: string, maxBytes: number): string {
  const rest = typeof name === "string" ? name.slice(1) : "";
  if (
    typeof name !== "string" ||
    !name.startsWith("/") ||
    rest.length === 0 ||
    rest.includes("/") ||
    rest.includes("\0") ||
    rest === "." ||
    rest === ".." ||
    Buffer.byteLength(rest) > maxBytes
  ) {
    throw invalidArg("name", `a ${what} name: "/" and 1 to ${maxBytes} bytes with no other "/"`, name);
  }
  return name;
}

/** The open(2)-style flags and mode of `opts` with the access mode `access`, checked. */
export function namedOpenFlags(opts: NamedOpenOptions, access: number): { oflag: number; mode: number; create: boolean } {
  const create = opts.create === true;
  const exclusive = opts.exclusive === true;
  if (exclusive && !create) throw invalidArg("exclusive", "used with create", exclusive);
  const mode = opts.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw invalidArg("mode", "permission bits", mode);
  return { oflag: access | (create ? O_CREATE : 0) | (exclusive ? O_EXCL : 0), mode, create };
}
