/**
 * The tour's message-queue stop: a POSIX message queue (sockit's `mq`) made for the stop under
 * a name unique to the tour, one message through it, and the queue closed and unlinked.
 */
import { performance } from "node:perf_hooks";
import { mq } from "../index.js";
import { created } from "./posixtrip.js";
import { expectSame, ioTimeout, type TripResult, type TripScope } from "./trip.js";

/** The priority the message is sent at, which the receive must report. */
const priority = 7;

/**
 * queueTrip creates the queue `name` (the stop's address, "/sockit-tour-PID-…-queue"), waits
 * to receive from it while it is empty, sends one message at priority 7, and checks the bytes
 * and the priority that arrive; the rtt is from the send to the received message. It then
 * checks the queue is empty, closes it and unlinks it (the scope unlinks it on failure). It
 * skips the stop where mq.open fails with ENOSYS: no message queues (not Linux).
 *
 * @example
 * const r = await queueTrip("mq", "/sockit-tour-4242-1a2b3c4d-queue", scope); // r.remote: "26 bytes at priority 7"
 */
export async function queueTrip(_network: string, name: string, scope: TripScope): Promise<TripResult> {
  const open = (n: string) => mq.open(n, { create: true, exclusive: true, maxMsg: 1, msgSize: 64 });
  const [q, named] = await created(scope, name, "POSIX message queues", open, mq.unlink);
  q.setDeadline(Date.now() + ioTimeout);
  const msg = new TextEncoder().encode("hello over a message queue");
  const buf = new Uint8Array(q.attributes().msgSize);
  // Receive first, so that the message wakes a wait on an empty queue.
  const received = q.receive(buf);
  received.catch(() => {});
  const t0 = performance.now();
  await q.send(msg, { priority });
  const got = await received;
  const rttMs = performance.now() - t0;
  expectSame(msg, buf.subarray(0, got.n));
  if (got.priority !== priority) throw new Error(`received at priority ${got.priority}, sent at ${priority}`);
  const left = q.attributes().curMsgs;
  if (left !== 0) throw new Error(`${left} messages left in ${name} after the receive`);
  await q.close();
  await named.remove();
  return { local: { toString: () => name }, remote: { toString: () => `${got.n} bytes at priority ${got.priority}` }, rttMs };
}
