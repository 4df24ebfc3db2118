/**
 * The tour's shared-memory stop: a counter in a POSIX shared memory segment (sockit's `shm`)
 * that the tour and a child process both map and add to at the same time, 100,000 times each,
 * with `Atomics.add` on an Int32Array over the mapping. Two semaphores (sockit's `sem`) start
 * the child ("go") and say it has finished ("done"); the counter must then be exactly 200,000.
 */
import { performance } from "node:perf_hooks";
import { shm } from "../index.js";
import { NodeChild, created, createdSem } from "./posixtrip.js";
import { ioTimeout, type TripResult, type TripScope } from "./trip.js";

/** How many times each side adds 1 to the counter. */
export const adds = 100_000;

/** The segment's size: one page, of which the counter is the first 4 bytes. */
const size = 4096;

/**
 * The child's side, after posixtrip's prelude, with the names of the segment, "go" and
 * "done": "ready" once it has mapped the segment, "added" once it has added and posted done
 * (or "error: MESSAGE").
 */
const adder = `
try {
  const { sem, shm } = sockit;
  const seg = await shm.open(args[0]);
  const go = await sem.open(args[1]);
  const done = await sem.open(args[2]);
  const counter = new Int32Array(seg.buffer, 0, 1);
  say("ready");
  await go.wait({ timeout });
  for (let i = 0; i < ${adds}; i++) Atomics.add(counter, 0, 1);
  done.post();
  say("added");
  await seg.close();
  await go.close();
  await done.close();
} catch (err) {
  fail(err);
}
`;

/**
 * shmTrip makes the segment `name` (the stop's address, "/sockit-tour-PID-…-shm") and the
 * semaphores `name`-go and `name`-done, starts the child, posts go, adds its own 100,000
 * while the child adds its, waits for done, and checks the counter is 200,000. The rtt is
 * the time the two took, from the post of go to the wait for done returning. It unlinks all
 * three, having closed the segment (the scope does on failure, ends the wait, and kills the
 * child).
 *
 * @example
 * const r = await shmTrip("shm", "/sockit-tour-4242-1a2b3c4d-shm", scope); // r.remote: "counter 200000 (pid 4243)"
 */
export async function shmTrip(_network: string, name: string, scope: TripScope): Promise<TripResult> {
  const open = (n: string) => shm.open(n, { create: true, exclusive: true, size });
  const [seg, segName] = await created(scope, name, "POSIX shared memory", open, shm.unlink);
  const [go, goName] = await createdSem(scope, `${name}-go`);
  const [done, doneName] = await createdSem(scope, `${name}-done`);
  const counter = new Int32Array(seg.buffer, 0, 1);
  if (Atomics.load(counter, 0) !== 0) throw new Error(`the new segment ${name} does not start at 0`);
  const child = new NodeChild(scope, adder, name, go.name(), done.name());
  await child.start();
  await child.says("ready");
  const finished = done.wait({ timeout: ioTimeout });
  finished.catch(() => {});
  const t0 = performance.now();
  go.post();
  for (let i = 0; i < adds; i++) Atomics.add(counter, 0, 1);
  await child.unlessFails(finished, "added");
  const rttMs = performance.now() - t0;
  await child.done();
  const total = Atomics.load(counter, 0);
  if (total !== 2 * adds) throw new Error(`the counter in ${name} is ${total}, not ${2 * adds}`);
  await seg.close();
  for (const n of [segName, goName, doneName]) await n.remove();
  return { local: { toString: () => name }, remote: { toString: () => `counter ${total} (pid ${child.pid})` }, rttMs };
}
