/**
 * `sockit lock`: run a command while holding a file lock, as flock(1) does. The lock is taken
 * with sockit's lockFile (a wait that a timeout or SIGINT/SIGTERM can end), the command runs
 * with sockit's stdio as `exec` runs it, and the lock is released once it has exited. The
 * lock's fd is close-on-exec, so the command does not hold the lock itself (`flock -o`): a
 * daemon it leaves behind does not keep the lock after sockit exits.
 */
import { lockFile, type FileLock } from "../index.js";
import type { LockCommand } from "./args.js";
import { childCommand, exitStatus, runChild, type ChildOptions } from "./child.js";
import { SignalRelay } from "./signals.js";

/**
 * lockCommand takes the lock `c` asks for on `c.path`, runs `c.argv` while holding it, releases
 * it, and resolves with the child's exit status, or 128 + the number of the signal that killed
 * it. It throws sockit's error for a lock it cannot take ("lock /run/app.lock: i/o timeout" once
 * `c.timeout` has passed, "open /nosuch/x: no such file or directory") or a command that cannot
 * start; SIGINT or SIGTERM during the wait resolves with 130 or 143, and no child is started.
 *
 * @example
 * process.exitCode = await lockCommand(parseArgs(["lock", "/tmp/x.lock", "--", "make"]) as LockCommand, opts);
 */
export async function lockCommand(c: LockCommand, o: ChildOptions): Promise<number> {
  const relay = new SignalRelay(o.verbose ? o.log : () => {});
  let lock: FileLock | null = null;
  try {
    lock = await lockFile(c.path, { mode: c.mode, kind: c.kind, timeout: c.timeout, signal: relay.signal });
    // A signal as the lock was granted: stop, as during the wait.
    if (relay.status !== 0) return relay.status;
    if (o.verbose) o.log(`locked ${c.path} (${c.mode} ${c.kind})`);
    return exitStatus(await runChild(childCommand(c.argv), relay, o));
  } catch (err) {
    // The signal ended the wait ("operation was canceled"): stop as the signal would have.
    if (relay.status !== 0) return relay.status;
    throw err;
  } finally {
    relay.remove();
    await lock?.[Symbol.asyncDispose]();
  }
}
