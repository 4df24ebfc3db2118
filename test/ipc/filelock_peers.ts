/**
 * Independent lockers for the file lock tests: a python3 process taking flock, OFD or POSIX
 * locks through its `fcntl` module (and `flock(1)` from util-linux), so sockit's locks are
 * checked against the kernel's view from another process, not only against themselves.
 */
import { spawnSync } from "node:child_process";
import { PythonPeer, within } from "../helpers.js";

/**
 * The locker: takes a lock of (kind, mode, start, len) on a path, waiting if need be, prints
 * "locked PID", and holds it until a line "unlock" on stdin (or stdin's end), then prints
 * "unlocked" and exits. With "try" as the mode suffix it does not wait: it prints "busy" and
 * exits when the lock is held elsewhere. "wait:START:LEN" after a first lock makes it then
 * wait for a second range (the deadlock test's other half), printing "waiting" first.
 */
const lockerScript = String.raw`
import fcntl, os, struct, sys
kind, path, mode, start, length = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
then = sys.argv[6] if len(sys.argv) > 6 else ""
nb = mode.endswith("-try")
excl = mode.startswith("exclusive")
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
def take(start, length, wait):
    if kind == "flock":
        fcntl.flock(fd, (fcntl.LOCK_EX if excl else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB))
    elif kind == "posix":
        fcntl.lockf(fd, (fcntl.LOCK_EX if excl else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB), length, start, 0)
    else:
        lk = struct.pack("hhqqii", fcntl.F_WRLCK if excl else fcntl.F_RDLCK, 0, start, length, 0, 0)
        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW if wait else fcntl.F_OFD_SETLK, lk)
try:
    take(start, length, not nb)
except (BlockingIOError, PermissionError):
    print("busy", flush=True)
    sys.exit(0)
print("locked", os.getpid(), flush=True)
if then.startswith("wait:"):
    _, s2, l2 = then.split(":")
    print("waiting", flush=True)
    try:
        take(int(s2), int(l2), True)
        print("got", flush=True)
    except OSError as e:
        print("error", e.errno, flush=True)
for line in sys.stdin:
    if line.strip() == "unlock":
        break
os.close(fd)
print("unlocked", flush=True)
`;

/** A python3 process holding (or trying) a lock; see lockerScript. */
export class Locker {
  readonly peer: PythonPeer;

  constructor(kind: string, path: string, mode: string, start = 0, len = 0, then = "") {
    this.peer = new PythonPeer(lockerScript, [kind, path, mode, String(start), String(len), then]);
  }

  /** The first line: "locked PID" or "busy". */
  first(): Promise<string> {
    return within(this.peer.ready, 10_000, "the python locker's first line");
  }

  /** The pid the locker reported with "locked". */
  async pid(): Promise<number> {
    const line = await this.first();
    const m = /^locked (\d+)$/.exec(line);
    if (m === null) throw new Error(`the locker said ${JSON.stringify(line)}, not "locked PID"`);
    return Number(m[1]);
  }

  /** Waits until the locker has printed `line`. */
  async saw(line: string, ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    while (!this.peer.lines.includes(line)) {
      if (Date.now() > until) throw new Error(`the locker never said ${line}: ${this.peer.lines.join(" | ")} ${this.peer.stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Releases the lock and waits for the locker to exit cleanly. */
  async unlock(): Promise<void> {
    this.peer.proc.stdin.end("unlock\n");
    await within(this.peer.done(), 10_000, "the python locker to exit");
  }

  /** Kills the locker with SIGKILL (the kernel then releases its locks) and waits for it. */
  async kill(): Promise<void> {
    this.peer.proc.kill("SIGKILL");
    await within(this.peer.exited, 10_000, "the killed locker to exit");
  }
}

/** Whether `flock -n PATH true` (util-linux flock(1)) finds the file free: its exit is 0. */
export function flockFree(path: string, shared = false): boolean {
  const r = spawnSync("flock", [...(shared ? ["-s"] : []), "-n", path, "true"], { timeout: 10_000 });
  if (r.error !== undefined) throw r.error;
  return r.status === 0;
}
