/**
 * Regression: a dial `timeout` or `deadline` more than 2^31 − 1 ms away went straight to
 * setTimeout, which Node clamps to 1 ms with a TimeoutOverflowWarning: the dial failed at once
 * with "i/o timeout". Conn deadlines chained long timers; the dialer's did not. Both now use the
 * poll layer's LongTimer.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { dial, listen, Dialer, TCPConn } from "../../src/index.js";
import { LongTimer, Deadline } from "../../src/poll/deadline.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

/** Runs `f` and returns the process warnings emitted meanwhile (and a turn of the loop after). */
async function warningsDuring(f: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const onWarning = (w: Error) => seen.push(w);
  process.on("warning", onWarning);
  try {
    await f();
    // Warnings are emitted on process.nextTick; a 1 ms timer that fired would also show by now.
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off("warning", onWarning);
  }
  return seen;
}

it("a dial timeout and deadline past 2^31 - 1 ms do not fire at once or warn", async () => {
  const ln = await listen("tcp", "127.0.0.1:0");
  try {
    const warnings = await warningsDuring(async () => {
      const accepted = ln.accept();
      const opts = { timeout: 2 ** 31 + 1000, deadline: Date.now() + 2 ** 32 };
      const c = await within(dial("tcp", ln.addr().toString(), opts), 5000, "dial with a long timeout");
      await (await accepted).close();
      assert.ok(c instanceof TCPConn);
      await c.close();
      // The same through a Dialer, and with only one of the two set.
      for (const o of [{ timeout: 2 ** 31 + 1000 }, { deadline: new Date(Date.now() + 2 ** 32) }, { timeout: 2 ** 40 }]) {
        const acc = ln.accept();
        const d = await within(new Dialer(o).dial("tcp", ln.addr().toString()), 5000, `dial ${JSON.stringify(o)}`);
        await (await acc).close();
        await d.close();
      }
    });
    assert.deepEqual(
      warnings.map((w) => `${w.name}: ${w.message}`),
      [],
      "no TimeoutOverflowWarning",
    );
  } finally {
    await ln.close();
  }
});

it("a LongTimer past 2^31 - 1 ms stays armed and does not warn; a near one fires", async () => {
  let fired = 0;
  const warnings = await warningsDuring(async () => {
    const far = new LongTimer(() => fired++).start(Date.now() + 2 ** 31 + 1000);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(far.armed, true);
    far.stop();
    assert.equal(far.armed, false);
    const near = new LongTimer(() => fired++).unref().start(Date.now() + 5);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(near.armed, false);
  });
  assert.equal(fired, 1);
  assert.deepEqual(warnings, []);
});

it("a conn Deadline past 2^31 - 1 ms does not expire (the shared timer, through Deadline)", async () => {
  let expired = 0;
  const warnings = await warningsDuring(async () => {
    const d = new Deadline(() => expired++);
    d.set(Date.now() + 2 ** 32);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(d.expired, false);
    d.set(Date.now() - 1);
    assert.equal(d.expired, true, "a passed deadline expires at once");
    d.clear();
  });
  assert.equal(expired, 1);
  assert.deepEqual(warnings, []);
});
