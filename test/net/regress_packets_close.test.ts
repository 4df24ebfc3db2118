/**
 * Regression: iterating a closed UDP conn threw "use of closed network connection" while a
 * listener's iteration ended cleanly at its close; the docs say packets are iterated "until the
 * conn is closed". A close before or during the loop now ends it; other errors, a passed read
 * deadline among them, still reject.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { listenPacket, dial, errorIs, ErrDeadlineExceeded, OpError, type Datagram } from "../../src/index.js";
import { guardFdLeaks, within, abstractName } from "../helpers.js";

guardFdLeaks();

/** Collects what a loop over `it` yields, and how it ended. */
async function drain<T>(it: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const x of it) items.push(x);
  } catch (error) {
    return { items, error };
  }
  return { items, error: null };
}

it("iterating a UDP conn closed before the loop ends cleanly", async () => {
  const pc = await listenPacket("udp", "127.0.0.1:0");
  await pc.close();
  const r = await within(drain(pc), 5000, "iteration of a closed conn");
  assert.deepEqual(r, { items: [], error: null });
  const p = await within(drain(pc.packets()), 5000, "packets() of a closed conn");
  assert.deepEqual(p, { items: [], error: null });
});

it("iterating a UDP conn ends cleanly when it is closed during the loop", async () => {
  const pc = await listenPacket("udp", "127.0.0.1:0");
  const c = await dial("udp", pc.localAddr()!.toString());
  try {
    const seen: Datagram[] = [];
    const loop = (async () => {
      for await (const d of pc) {
        seen.push(d);
        if (seen.length === 2) setTimeout(() => void pc.close(), 10);
      }
    })();
    await c.write(new Uint8Array([1]));
    await c.write(new Uint8Array([2]));
    await within(loop, 5000, "loop ending at close");
    assert.deepEqual(
      seen.map((d) => [...d.data]),
      [[1], [2]],
    );
  } finally {
    await c.close();
  }
});

it("a unixgram conn's iteration ends cleanly at close too", async () => {
  const pc = await listenPacket("unixgram", abstractName());
  const loop = drain(pc);
  setTimeout(() => void pc.close(), 20);
  assert.deepEqual(await within(loop, 5000, "unixgram loop"), { items: [], error: null });
});

it("a read deadline passing during iteration still rejects the loop", async () => {
  const pc = await listenPacket("udp", "127.0.0.1:0");
  try {
    pc.setReadDeadline(Date.now() + 20);
    const r = await within(drain(pc), 5000, "loop with a read deadline");
    assert.ok(r.error instanceof OpError, `want an OpError, got ${String(r.error)}`);
    assert.ok(errorIs(r.error, ErrDeadlineExceeded));
    assert.match((r.error as OpError).message, /^read udp 127\.0\.0\.1:\d+: i\/o timeout$/);
  } finally {
    await pc.close();
  }
});
