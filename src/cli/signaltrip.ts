/**
 * The tour's signal stop: sockit's Go-style `signals.notify` subscribes to SIGUSR2, the tour
 * sends SIGUSR2 to its own process, and the stop waits for the subscription to deliver it;
 * then `stop()` gives the signal back its default disposition.
 */
import { performance } from "node:perf_hooks";
import { signals, signalName } from "../index.js";
import type { TripResult, TripScope } from "./trip.js";

/** The signal sent: one nothing else in the tour uses, and whose default would end the process. */
const sig = "SIGUSR2";

/** signalTrip sends SIGUSR2 to this process and receives it through a subscription. */
export async function signalTrip(_network: string, _address: string, scope: TripScope): Promise<TripResult> {
  const sub = signals.notify(sig);
  scope.use({ [Symbol.asyncDispose]: async () => sub.stop() });
  const t0 = performance.now();
  signals.kill(process.pid, sig);
  const got = await sub.next();
  const rttMs = performance.now() - t0;
  if (got.done === true || got.value !== sig) throw new Error(`expected ${sig}, got ${String(got.value)}`);
  sub.stop();
  return { local: { toString: () => `pid ${process.pid}` }, remote: { toString: () => `${sig} (${signalName(sig)})` }, rttMs };
}
