/**
 * accept({ signal }) and iterate({ signal }): an abort ends one pending accept (waiting for
 * readiness, or queued behind another accept) or one iteration, never the listener and never
 * the other callers; an aborted signal rejects at once; the backoff pause of an iteration ends
 * on abort; the abort listener goes away once the accept settles.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { dial, listen, OpError, ErrClosed, errorIs, type Conn, type Listener } from "../../src/index.js";
import { injectFault } from "../../src/sys/fault.js";
import { E } from "../../src/sys/errors.js";
import { spend } from "../../src/poll/budget.js";
import { guardFdLeaks, testUnixAddr, settle, within } from "../helpers.js";

guardFdLeaks();

const networks = [
  { network: "tcp", address: () => "127.0.0.1:0" },
  { network: "unix", address: () => testUnixAddr() },
];

/** Dials `ln` once. */
function dialTo(ln: Listener): Promise<Conn> {
  return dial(ln.addr().network(), ln.addr().toString());
}

/** The number of abort listeners on `signal` (the poll layer's own, once a call waits). */
function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, "abort").length;
}

/** Asserts that `p` rejects as an accept canceled by `ac`. */
async function rejectsCanceled(p: Promise<unknown>, ac: AbortController, ln: Listener): Promise<void> {
  const check = assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof OpError, `not an OpError: ${e}`);
    assert.equal(e.op, "accept");
    assert.equal(e.message, `accept ${ln.addr().network()} ${ln.addr()}: operation was canceled`);
    assert.ok(errorIs(e, ac.signal.reason), "errorIs(err, signal.reason)");
    return true;
  });
  await within(check, 2000, "the aborted accept's rejection");
}

for (const n of networks) {
  describe(`accept({ signal }) over ${n.network}`, () => {
    it("an abort rejects a pending accept; the listener accepts afterwards", async () => {
      await using ln = await listen(n.network, n.address());
      const ac = new AbortController();
      const pending = ln.accept({ signal: ac.signal });
      assert.equal(await settle(pending), "pending");
      assert.equal(abortListeners(ac.signal), 1);
      const reason = new Error("shutting down");
      ac.abort(reason);
      await rejectsCanceled(pending, ac, ln);
      await assert.rejects(pending, (e: Error) => errorIs(e, reason));

      const accepting = ln.accept();
      await using c = await dialTo(ln);
      await using s = await within(accepting, 2000, "accept after the abort");
      assert.ok(s.localAddr() !== null && c.localAddr() !== null);
    });

    it("aborting the accept that waits for readiness leaves the queued one to get the conn", async () => {
      await using ln = await listen(n.network, n.address());
      const ac = new AbortController();
      const first = ln.accept({ signal: ac.signal });
      const second = ln.accept();
      assert.equal(await settle(first), "pending");
      ac.abort();
      await rejectsCanceled(first, ac, ln);
      assert.equal(await settle(second), "pending");
      await using c = await dialTo(ln);
      await using s = await within(second, 2000, "the second accept");
      if (n.network === "tcp") assert.equal(s.remoteAddr()?.toString(), c.localAddr()?.toString());
    });

    it("aborting a queued accept leaves its place; the one ahead and the one behind go on", async () => {
      await using ln = await listen(n.network, n.address());
      const ac = new AbortController();
      const first = ln.accept();
      const middle = ln.accept({ signal: ac.signal });
      const last = ln.accept();
      assert.equal(await settle(middle), "pending");
      ac.abort();
      await rejectsCanceled(middle, ac, ln);
      assert.equal(abortListeners(ac.signal), 0);
      await using c1 = await dialTo(ln);
      await using s1 = await within(first, 2000, "the first accept");
      assert.equal(await settle(last), "pending");
      await using c2 = await dialTo(ln);
      await using s2 = await within(last, 2000, "the last accept");
      assert.ok(c1 && s1 && c2 && s2);
    });

    it("an aborted signal rejects at once and takes no place in line", async () => {
      await using ln = await listen(n.network, n.address());
      const waiting = ln.accept();
      const reason = new Error("already");
      const ac = new AbortController();
      ac.abort(reason);
      const t0 = performance.now();
      await rejectsCanceled(ln.accept({ signal: ac.signal }), ac, ln);
      assert.ok(performance.now() - t0 < 100);
      assert.equal(abortListeners(ac.signal), 0);
      await using c = await dialTo(ln);
      await using s = await within(waiting, 2000, "the waiting accept");
      assert.ok(c && s);
    });

    it("a settled accept leaves no listener on its signal, and a later abort does nothing", async () => {
      await using ln = await listen(n.network, n.address());
      const ac = new AbortController();
      const accepting = ln.accept({ signal: ac.signal });
      await using c = await dialTo(ln);
      await using s = await within(accepting, 2000, "accept");
      assert.equal(abortListeners(ac.signal), 0);
      ac.abort();
      const next = ln.accept();
      await using c2 = await dialTo(ln);
      await using s2 = await within(next, 2000, "the next accept");
      assert.ok(c && s && c2 && s2);
    });

    it("a close still rejects an abortable accept with ErrClosed, and drops its listener", async () => {
      const ln = await listen(n.network, n.address());
      const ac = new AbortController();
      const first = ln.accept({ signal: ac.signal });
      const queued = ln.accept({ signal: ac.signal });
      assert.equal(abortListeners(ac.signal), 2);
      await ln.close();
      for (const p of [first, queued]) {
        await within(assert.rejects(p, (e: Error) => errorIs(e, ErrClosed)), 2000, "the closed accept's rejection");
      }
      assert.equal(abortListeners(ac.signal), 0);
    });

    it("an abort while the accept waits for the work budget ends it at its next park", async () => {
      await using ln = await listen(n.network, n.address());
      const ac = new AbortController();
      // Spend the budget (bounded: it runs out 2 ms after its second chunk), so the accept's
      // first try is deferred to the check phase, where no slot or queue holds it.
      for (let i = 0; spend() && i < 1e8; i++);
      const accepting = ln.accept({ signal: ac.signal });
      ac.abort();
      await rejectsCanceled(accepting, ac, ln);
      const next = ln.accept();
      await using c = await dialTo(ln);
      await using s = await within(next, 2000, "the next accept");
      assert.ok(c && s);
    });

    it("AbortSignal.timeout reads as Go's i/o timeout", async () => {
      await using ln = await listen(n.network, n.address());
      const check = assert.rejects(ln.accept({ signal: AbortSignal.timeout(20) }), (e: OpError) => {
        assert.equal(e.message, `accept ${n.network} ${ln.addr()}: i/o timeout`);
        assert.equal(e.timeout(), true);
        return true;
      });
      await within(check, 2000, "the timed-out accept");
    });
  });

  describe(`iterate({ signal }) over ${n.network}`, () => {
    it("ends cleanly on abort, and the listener stays open", async () => {
      await using ln = await listen(n.network, n.address());
      const ac = new AbortController();
      const seen: Conn[] = [];
      const loop = (async () => {
        for await (const c of ln.iterate({ signal: ac.signal })) seen.push(c);
      })();
      const clients = [await dialTo(ln), await dialTo(ln)];
      for (let i = 0; seen.length < 2 && i < 400; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(seen.length, 2);
      ac.abort();
      await within(loop, 2000, "the iteration's end");
      const after = ln.accept();
      clients.push(await dialTo(ln));
      seen.push(await within(after, 2000, "accept after the iteration"));
      for (const c of [...clients, ...seen]) await c.close();
    });

    it("an aborted signal yields nothing", async () => {
      await using ln = await listen(n.network, n.address());
      const ac = new AbortController();
      ac.abort();
      const loop = (async () => {
        for await (const c of ln.iterate({ signal: ac.signal })) assert.fail(`yielded ${c}`);
      })();
      await within(loop, 2000, "the iteration's end");
    });

    it("an abort ends the pause after a temporary error at once", async () => {
      await using ln = await listen(n.network, n.address());
      // Every accept fails with EMFILE: the pauses grow 5, 10, 20 ... 320, 640 ms.
      const undo = injectFault("accept", E.EMFILE!, 1000);
      try {
        const ac = new AbortController();
        const loop = (async () => {
          for await (const c of ln.iterate({ signal: ac.signal })) await c.close();
        })();
        await new Promise((r) => setTimeout(r, 700)); // Inside the 640 ms pause.
        const t0 = performance.now();
        ac.abort();
        await within(loop, 2000, "the iteration's end");
        assert.ok(performance.now() - t0 < 200, `ended ${performance.now() - t0} ms after the abort`);
      } finally {
        undo();
      }
    });
  });
}
