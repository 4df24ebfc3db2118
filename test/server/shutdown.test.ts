/**
 * serve's graceful shutdown under load (issue 12 §2): 1,000 loopback conns, each mid-request
 * when shutdown starts. Half have sent a whole request that their handler is still working on;
 * the other half have sent half a request and stalled. None may be lost: every whole request
 * is answered before its conn is closed, and every stalled one is closed by the timeout.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { execFileSync } from "node:child_process";
import { dial, listen, type Conn } from "../../src/index.js";
import { serve, type ConnState } from "../../src/server/index.js";
import { guardFdLeaks, openFds, readFull, until, within } from "../helpers.js";

guardFdLeaks();

const conns = 1000;
/** Each conn needs an fd on both ends, and the runner a few dozen of its own. */
const fdsNeeded = 2 * conns + 64;

/** `ulimit -n` as a shell started from here sees it, as bench/harness's fdLimit reads it. */
function fdLimit(): number {
  const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
  return out === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(out);
}

describe("shutdown with 1,000 conns mid-request", () => {
  it("answers every whole request, closes the stalled ones at the timeout, and loses none", async (t) => {
    const limit = fdLimit();
    if (limit - openFds() < fdsNeeded) return t.skip(`needs ${fdsNeeded} free fds; ulimit -n is ${limit}`);
    let requests = 0;
    let answered = 0;
    let returned = 0;
    const closedStates: ConnState[] = [];
    const timeout = 1500;
    // The work starts when shutdown does, so every handler is mid-request then, however long
    // the 1,000 requests took to arrive on a loaded machine.
    let startWork!: () => void;
    const shutdownBegins = new Promise<void>((resolve) => (startWork = resolve));
    const srv = serve(
      await listen("tcp", "127.0.0.1:0", { backlog: 2048 }),
      async (c) => {
        try {
          for (;;) {
            const head = await readFull(c, 4);
            requests++;
            const body = await readFull(c, 4); // the stalled half never sends this
            await shutdownBegins;
            await sleep(300 + (head.readUInt32BE(0) % 200)); // the work: 300 to 500 ms < timeout
            await c.write(Buffer.concat([head, body]));
            answered++;
          }
        } finally {
          returned++;
        }
      },
      { onState: (_c, s) => void (s === "closed" && closedStates.push(s)) },
    );
    const address = srv.addr().toString();
    const clients: Conn[] = [];
    for (let i = 0; i < conns; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => dial("tcp", address)))));
    }
    const whole = (i: number): boolean => i % 2 === 0;
    /** What each client saw: its reply then end of stream, or end of stream alone (and when). */
    const replies = clients.map(async (c, i): Promise<{ kind: "answered" | "closed"; at: number }> => {
      const req = Buffer.alloc(8);
      req.writeUInt32BE(i, 0);
      req.writeUInt32BE(~i >>> 0, 4);
      await c.write(whole(i) ? req : req.subarray(0, 4));
      const got = Buffer.alloc(9);
      let n = 0;
      for (let r = await c.read(got); r !== null; r = await c.read(got.subarray(n))) n += r;
      if (n === 0) return { kind: "closed", at: performance.now() };
      assert.ok(whole(i) && n === 8, `client ${i}: ${n} bytes`);
      assert.deepEqual(got.subarray(0, 8), req);
      return { kind: "answered", at: performance.now() };
    });
    try {
      await until(() => requests === conns, "every request's first half", 8000);
      assert.equal(answered, 0, "shutdown starts with every handler mid-request");
      const t0 = performance.now();
      const done = srv.shutdown({ timeout });
      startWork();
      await within(done, 8000, "shutdown");
      const took = performance.now() - t0;
      const outcomes = await within(Promise.all(replies), 5000, "every client's end");
      const wholeOnes = outcomes.filter((_, i) => whole(i));
      const stalled = outcomes.filter((_, i) => !whole(i));
      const replied = wholeOnes.filter((o) => o.kind === "answered").length;
      // No conn lost: each whole request was answered, or (on a machine too slow to finish 300-500
      // ms of work within the 1.5 s timeout) closed by the timeout, never before it.
      assert.equal(replied, answered, "every reply the server wrote arrived");
      for (const o of wholeOnes) assert.ok(o.kind === "answered" || o.at >= t0 + timeout - 5, "cut only by the timeout");
      assert.ok(replied >= conns / 4, `${replied} of ${conns / 2} whole requests answered`);
      assert.ok(stalled.every((o) => o.kind === "closed" && o.at >= t0 + timeout - 5), "every stalled conn closed by the timeout");
      assert.equal(returned, conns);
      assert.equal(closedStates.length, conns);
      assert.equal(srv.connections().length, 0);
      assert.equal(srv.stats().handlerErrors, 0);
      assert.ok(took >= timeout - 5 && took < timeout + 3000, `shutdown took ${took} ms with a ${timeout} ms timeout`);
      t.diagnostic(`${replied} of ${conns / 2} whole requests answered; shutdown took ${Math.round(took)} ms`);
    } finally {
      await srv.close();
      await Promise.all(clients.map((c) => c[Symbol.asyncDispose]()));
      await Promise.allSettled(replies);
    }
  });
});
