/**
 * The tour's file-lock stop: two holders contend for one lock file in the tour's temporary
 * directory. The tour takes an exclusive flock with lockFile; a second holder, a child node
 * process using sockit's own lockFile, finds it held, says so, and waits; the tour releases,
 * and the rtt is the handoff: from the release to the waiter's word that it holds the lock.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { command, lockFile, tryLockFile, type Errno, type File, type PathError } from "../index.js";
import { Child } from "./exectrip.js";
import { expectEOF } from "./pipetrip.js";
import { SkipStop, ioTimeout, type TripResult, type TripScope } from "./trip.js";

/**
 * The waiter, run by `node --input-type=module -e` with sockit's index.js URL and the lock's
 * path: "waiting" once it finds the lock held, then "locked" once it holds it, one write each
 * (or "free", or "error: MESSAGE"); it lets go and exits 0.
 */
const waiterScript = `
const say = (line) => process.stdout.write(line + "\\n");
try {
  const { lockFile, tryLockFile } = await import(process.argv[1]);
  const path = process.argv[2];
  const free = await tryLockFile(path);
  if (free !== null) {
    say("free");
    await free.close();
  } else {
    say("waiting");
    const lock = await lockFile(path, { timeout: ${ioTimeout} });
    say("locked");
    await lock.close();
  }
} catch (err) {
  say("error: " + err.message);
}
`;

/** Errors that say the file system has no flock locks (some network file systems). */
const noLocks = new Set(["ENOLCK", "EOPNOTSUPP", "ENOSYS"]);

/**
 * lockTrip hands an exclusive flock on `dir`/tour.lock (the stop's address is the tour's
 * temporary directory) over to a waiting child process, and checks that the lock is free once
 * the child has exited. It skips the stop where the file system has no flock locks.
 *
 * @example
 * const r = await lockTrip("flock", env.dir, scope); // r.remote is the waiter, "pid 4242"
 */
export async function lockTrip(_network: string, dir: string, scope: TripScope): Promise<TripResult> {
  const path = join(dir, "tour.lock");
  const held = scope.use(await lockFile(path, { timeout: ioTimeout }).catch(skipNoLocks));
  const index = new URL("../index.js", import.meta.url).href;
  const child = scope.use(new Child(command(process.execPath, "--input-type=module", "-e", waiterScript, index, path)));
  const stdout = scope.use(child.cmd.stdoutPipe());
  await child.cmd.start();
  stdout.setDeadline(Date.now() + ioTimeout);
  await expectLine(stdout, "waiting");
  const t0 = performance.now();
  await held.close();
  await expectLine(stdout, "locked");
  const rttMs = performance.now() - t0;
  // Read to the end before waiting: wait closes stdout once the child has exited (as in Go).
  await expectEOF(stdout);
  await child.wait();
  const again = await tryLockFile(path);
  if (again === null) throw new Error(`${path} is still locked after the waiter exited`);
  await again.close();
  return { local: { toString: () => path }, remote: { toString: () => `pid ${child.cmd.process!.pid}` }, rttMs };
}

/** skipNoLocks turns a lock that the file system cannot take into a skipped stop. */
function skipNoLocks(err: unknown): never {
  const code = ((err as PathError).err as Errno | undefined)?.code;
  if (code !== undefined && noLocks.has(code)) throw new SkipStop(`no flock locks in the temporary directory (${code})`);
  throw err;
}

/**
 * expectLine reads one line from the waiter and throws unless it is `want`. The waiter writes
 * each line at once and then waits for the tour, so one line never shares a read with the next.
 */
async function expectLine(f: File, want: string): Promise<void> {
  const buf = new Uint8Array(256);
  let text = "";
  while (!text.endsWith("\n")) {
    const n = await f.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  const got = text.replace(/\n$/, "");
  if (got !== want) throw new Error(`the waiting holder said ${JSON.stringify(got)}, not "${want}"`);
}
