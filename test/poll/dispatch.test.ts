/**
 * The poll loop's dispatch (native/poll.c, src/poll/poller.ts): readiness reaches JavaScript
 * through a ring, a chunk of events per call, so these check what a callback per fd gave for
 * free: an event reaches only the poller it was for, even when its id is reused in the same
 * turn; more ready fds than the ring holds are all delivered; the loop stays alive for as long
 * as a poller is referenced, however the refs and unrefs of one turn interleave (lifetime.test.ts).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { binding } from "../../src/sys/binding.js";
import { Poller, READABLE } from "../../src/poll/poller.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

/** A non-blocking pipe as [read end, write end]. */
function pipe(): [number, number] {
  const out = new Int32Array(2);
  const r = binding.pipe(out);
  assert.equal(r, 0, `pipe: ${r}`);
  return [out[0]!, out[1]!];
}

/** Resolves after `turns` turns of the event loop (a setImmediate each). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function open(fd: number, onReady: (events: number, status: number) => void): Poller {
  const p = Poller.open(fd, onReady);
  assert.ok(p instanceof Poller, `Poller.open: ${String(p)}`);
  return p;
}

it("an event of a poller closed in the same turn never reaches the poller that reuses its id", async () => {
  const [r1, w1] = pipe();
  const [r2, w2] = pipe();
  const [r3, w3] = pipe(); // never written: r3 is never readable
  const calls: string[] = [];
  let a: Poller | null = null;
  let b: Poller | null = null;
  let c: Poller | null = null;
  // Whichever of the two ready pollers comes first closes the other, whose event is then
  // still in the ring, and opens a third on an fd that is not ready, taking the freed id.
  const first = (me: string) => () => {
    calls.push(me);
    if (c !== null) return;
    const other = me === "a" ? b! : a!;
    other.close();
    c = open(r3, () => calls.push("c"));
    c.arm(READABLE);
    (me === "a" ? a! : b!).arm(0);
  };
  a = open(r1, first("a"));
  b = open(r2, first("b"));
  a.arm(READABLE);
  b.arm(READABLE);
  // Both fds become ready before the loop polls, so both events land in one turn's ring.
  binding.write(w1, new Uint8Array([1]), 0, 1);
  binding.write(w2, new Uint8Array([1]), 0, 1);
  await turns(5);
  assert.equal(calls.length, 1, `callbacks: ${calls.join(",")}`);
  assert.ok(calls[0] === "a" || calls[0] === "b");
  for (const p of [a, b, c as Poller | null]) p?.close();
  for (const fd of [r1, w1, r2, w2, r3, w3]) binding.close(fd);
});

it("more ready fds than the ring holds are all delivered, each once, in one turn", async () => {
  const n = 1500; // the ring holds 1,024 events
  const fds: [number, number][] = [];
  const pollers: Poller[] = [];
  const seen = new Uint32Array(n);
  try {
    for (let i = 0; i < n; i++) {
      const pair = pipe();
      fds.push(pair);
      const p = open(pair[0], (events, status) => {
        assert.equal(status, 0);
        assert.equal(events & READABLE, READABLE);
        seen[i]!++;
        p.arm(0);
      });
      pollers.push(p);
      p.arm(READABLE);
      binding.write(pair[1], new Uint8Array([1]), 0, 1);
    }
    await turns(3);
    const missing = seen.reduce((m, v) => m + (v === 0 ? 1 : 0), 0);
    const repeated = seen.reduce((m, v) => m + (v > 1 ? 1 : 0), 0);
    assert.equal(missing, 0, `${missing} fds got no event`);
    assert.equal(repeated, 0, `${repeated} fds got an event after disarming`);
  } finally {
    for (const p of pollers) p.close();
    for (const [r, w] of fds) {
      binding.close(r);
      binding.close(w);
    }
  }
});
