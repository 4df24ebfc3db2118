/**
 * The tour's semaphore stop: a ping-pong between the tour and a child process over two named
 * semaphores (sockit's `sem`), both made for the stop at 0. The tour posts "ping"; the child,
 * a `node` running sockit's own `sem`, waits for it and posts "pong"; the tour's wait on
 * "pong" returns. The rtt is that round trip, from the post to the wait's return.
 */
import { performance } from "node:perf_hooks";
import { NodeChild, createdSem } from "./posixtrip.js";
import { ioTimeout, type TripResult, type TripScope } from "./trip.js";

/**
 * The child's side, after posixtrip's prelude, with the names of ping and pong: "ready" once
 * it has both open, "posted" once it has taken ping and posted pong (or "error: MESSAGE").
 */
const ponger = `
try {
  const { sem } = sockit;
  const ping = await sem.open(args[0]);
  const pong = await sem.open(args[1]);
  say("ready");
  await ping.wait({ timeout });
  pong.post();
  say("posted");
  await ping.close();
  await pong.close();
} catch (err) {
  fail(err);
}
`;

/**
 * semTrip plays one ping-pong with a child process over `name`-ping and `name`-pong (the
 * stop's address is "/sockit-tour-PID-…-sem"), checks that both counts are back at 0 and that
 * the child exits 0, and unlinks both semaphores (on failure the scope closes them, which
 * ends the wait, unlinks them, and kills the child).
 *
 * @example
 * const r = await semTrip("sem", "/sockit-tour-4242-1a2b3c4d-sem", scope); // r.local: "/sockit-tour-4242-1a2b3c4d-sem-ping"
 */
export async function semTrip(_network: string, name: string, scope: TripScope): Promise<TripResult> {
  const [ping, pingName] = await createdSem(scope, `${name}-ping`);
  const [pong, pongName] = await createdSem(scope, `${name}-pong`);
  const child = new NodeChild(scope, ponger, ping.name(), pong.name());
  await child.start();
  await child.says("ready");
  // The wait on pong starts first, so that the rtt does not count the start of its thread.
  const ponged = pong.wait({ timeout: ioTimeout });
  ponged.catch(() => {});
  const t0 = performance.now();
  ping.post();
  await child.unlessFails(ponged, "posted");
  const rttMs = performance.now() - t0;
  await child.done();
  for (const s of [ping, pong]) {
    if (s.value() !== 0) throw new Error(`${s.name()} is at ${s.value()} after the ping-pong, not 0`);
  }
  await pingName.remove();
  await pongName.remove();
  return { local: { toString: () => ping.name() }, remote: { toString: () => `${pong.name()} (pid ${child.pid})` }, rttMs };
}
