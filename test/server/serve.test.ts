/**
 * serve (issue 12 §2): the accept loop, the connection limit, handler errors, the states, the
 * timeouts, close, connections and the wrap pipeline, over real loopback and unix sockets.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  dial, listen, errorIs, ErrDeadlineExceeded, OpError, type Conn,
} from "../../src/index.js";
import { injectFault } from "../../src/sys/fault.js";
import { E } from "../../src/sys/errors.js";
import { serve, type ConnState, type ServerConn } from "../../src/server/index.js";
import { guardFdLeaks, readFull, testUnixAddr, until, within } from "../helpers.js";

guardFdLeaks();

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown): void => void unhandled.push(err);
before(() => process.on("unhandledRejection", onUnhandled));
after(() => {
  process.off("unhandledRejection", onUnhandled);
  assert.deepEqual(unhandled, [], "no unhandled rejection");
});

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** echo writes back what it reads until end of stream. */
async function echo(c: Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  for (let n = await c.read(buf); n !== null; n = await c.read(buf)) await c.write(buf.subarray(0, n));
}

/** roundTrip writes `s` and reads as many bytes back. */
async function roundTrip(c: Conn, s: string): Promise<string> {
  await c.write(enc(s));
  return (await readFull(c, s.length)).toString();
}

describe("serve", () => {
  it("serves each conn in its own task, over tcp and unix", async () => {
    for (const [net, addr] of [["tcp", "127.0.0.1:0"], ["unix", testUnixAddr()]] as const) {
      const srv = serve(await listen(net, addr), echo);
      const cs = await Promise.all([1, 2, 3].map(() => dial(net, srv.addr().toString())));
      assert.deepEqual(await Promise.all(cs.map((c, i) => roundTrip(c, `hello ${i}`))), ["hello 0", "hello 1", "hello 2"]);
      for (const c of cs) await c.close();
      await until(() => srv.stats().open === 0, "handlers to return");
      await srv.shutdown();
      await srv.done;
      assert.equal(srv.stats().accepted, 3);
    }
  });

  it("a handler that throws closes its conn, is reported, and the server keeps serving", async () => {
    const errors: [unknown, ServerConn | null][] = [];
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        const buf = new Uint8Array(16);
        const n = await c.read(buf);
        const req = Buffer.from(buf.subarray(0, n ?? 0)).toString();
        if (req === "sync") throw new Error("boom sync");
        if (req === "async") return Promise.reject(new Error("boom async"));
        await c.write(enc("ok"));
      },
      { onError: (err, conn) => void errors.push([err, conn]) },
    );
    for (const req of ["sync", "async"]) {
      await using c = await dial("tcp", srv.addr().toString());
      await c.write(enc(req));
      assert.equal(await within(c.read(new Uint8Array(4)), 2000, "end of stream after the throw"), null);
    }
    await using good = await dial("tcp", srv.addr().toString());
    assert.equal(await roundTrip(good, "hi"), "ok");
    await until(() => errors.length === 2, "two reports");
    assert.deepEqual(errors.map(([e]) => (e as Error).message), ["boom sync", "boom async"]);
    for (const [, conn] of errors) assert.equal(conn?.state, "closed");
    assert.equal(srv.stats().handlerErrors, 2);
    await srv.close();
  });

  it("a ServerConn's read and write reject a buffer that is not a Uint8Array with a TypeError", async () => {
    const seen: string[] = [];
    const srv = serve(await listen("tcp", "127.0.0.1:0"), async (c) => {
      for (const call of [() => c.read("x" as unknown as Uint8Array), () => c.write(42 as unknown as Uint8Array)]) {
        await call().catch((err: NodeJS.ErrnoException) => seen.push(`${err.name} ${err.code}`));
      }
      await c.write(enc("ok"));
    });
    await using c = await dial("tcp", srv.addr().toString());
    assert.equal((await within(readFull(c, 2), 2000, "the reply")).toString(), "ok");
    assert.deepEqual(seen, ["TypeError ERR_INVALID_ARG_TYPE", "TypeError ERR_INVALID_ARG_TYPE"]);
    await srv.close();
  });

  it("a handler error without onError is counted, not printed, and not an unhandled rejection", async () => {
    const srv = serve(await listen("tcp", "127.0.0.1:0"), async () => {
      throw new Error("quiet");
    });
    await using c = await dial("tcp", srv.addr().toString());
    assert.equal(await within(c.read(new Uint8Array(1)), 2000, "end of stream"), null);
    await until(() => srv.stats().handlerErrors === 1, "the count");
    await srv.close();
  });

  it("maxConns holds: never more than 3 conns accepted at once; the rest are served as slots free", async () => {
    let running = 0;
    let most = 0;
    let served = 0;
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        running++;
        most = Math.max(most, running, srv.connections().length);
        try {
          const buf = await readFull(c, 1);
          await sleep(30);
          await c.write(buf);
          served++;
        } finally {
          running--;
        }
      },
      { maxConns: 3 },
    );
    const clients = await Promise.all(Array.from({ length: 10 }, () => dial("tcp", srv.addr().toString())));
    // Every client is connected (the kernel's backlog holds them) and sends at once.
    const replies = await within(Promise.all(clients.map((c) => roundTrip(c, "x"))), 5000, "10 replies");
    assert.deepEqual(replies, Array(10).fill("x"));
    assert.equal(most, 3);
    assert.equal(served, 10);
    assert.equal(srv.stats().accepted, 10);
    for (const c of clients) await c.close();
    await srv.shutdown();
  });

  it("at maxConns the server does not accept: the next conn waits in the backlog until one closes", async () => {
    const srv = serve(await listen("tcp", "127.0.0.1:0"), echo, { maxConns: 1 });
    const a = await dial("tcp", srv.addr().toString());
    assert.equal(await roundTrip(a, "a"), "a");
    await using b = await dial("tcp", srv.addr().toString());
    await b.write(enc("b"));
    await sleep(100);
    assert.equal(srv.stats().accepted, 1, "b is not accepted while a is served");
    await a.close();
    assert.equal((await within(readFull(b, 1), 2000, "b served")).toString(), "b");
    assert.equal(srv.stats().accepted, 2);
    await srv.close();
  });

  it("onState reports new, idle, active, idle, closed for one request", async () => {
    const states: ConnState[] = [];
    const srv = serve(await listen("tcp", "127.0.0.1:0"), echo, { onState: (_c, s) => void states.push(s) });
    const c = await dial("tcp", srv.addr().toString());
    assert.equal(await roundTrip(c, "ping"), "ping");
    await until(() => states.length === 4, "idle again");
    await c.close();
    await until(() => states.length === 5, "closed");
    assert.deepEqual(states, ["new", "idle", "active", "idle", "closed"]);
    await srv.shutdown();
  });

  it("writev and half-close pass through, tracked as writes", async () => {
    const states: ConnState[] = [];
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        const req = await readFull(c, 2);
        assert.equal(typeof c.writev, "function");
        await c.writev!([enc("<"), req, enc(">")]);
        await c.closeWrite!();
        assert.equal(await c.read(new Uint8Array(1)), null);
      },
      { onState: (_c, s) => void states.push(s) },
    );
    await using c = await dial("tcp", srv.addr().toString());
    await c.write(enc("hi"));
    assert.equal((await readFull(c, 4)).toString(), "<hi>");
    assert.equal(await c.read(new Uint8Array(1)), null, "the server's closeWrite");
    await c.close();
    await until(() => states.at(-1) === "closed", "closed");
    assert.deepEqual(states, ["new", "idle", "active", "idle", "closed"]);
    await srv.shutdown();
  });

  it("idleTimeout closes an idle conn, never a busy one", async () => {
    const states: ConnState[] = [];
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        const buf = new Uint8Array(64);
        for (let n = await c.read(buf); n !== null; n = await c.read(buf)) {
          await sleep(250); // busy for longer than idleTimeout: not idle
          await c.write(buf.subarray(0, n));
        }
      },
      { idleTimeout: 100, onState: (_c, s) => void states.push(s) },
    );
    await using c = await dial("tcp", srv.addr().toString());
    assert.equal(await roundTrip(c, "slow"), "slow");
    const t0 = Date.now();
    assert.equal(await within(c.read(new Uint8Array(1)), 2000, "the idle close"), null);
    const waited = Date.now() - t0;
    assert.ok(waited >= 80 && waited < 1000, `closed after ${waited} ms idle`);
    await until(() => states.at(-1) === "closed", "closed");
    assert.deepEqual(states.slice(-2), ["idle", "closed"]);
    assert.equal(srv.stats().idleClosed, 1);
    assert.equal(srv.stats().handlerErrors, 0, "the handler's ErrClosed after the server's close is not reported");
    await srv.close();
  });

  it("readTimeout fails a stalled read mid-request, but not an idle wait", async () => {
    const errs: unknown[] = [];
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        for (;;) {
          let req: Buffer;
          try {
            req = await readFull(c, 4);
          } catch (err) {
            errs.push(err);
            return;
          }
          await c.write(req);
        }
      },
      { readTimeout: 100, idleTimeout: 5000 },
    );
    await using c = await dial("tcp", srv.addr().toString());
    assert.equal(await roundTrip(c, "abcd"), "abcd");
    await sleep(250); // idle for longer than readTimeout: governed by idleTimeout
    assert.equal(await roundTrip(c, "efgh"), "efgh");
    await c.write(enc("ij")); // half a request, then nothing
    await until(() => errs.length === 1, "the read timeout", 2000);
    assert.ok(errs[0] instanceof OpError && errs[0].timeout(), String(errs[0]));
    assert.ok(errorIs(errs[0], ErrDeadlineExceeded));
    assert.equal(await within(c.read(new Uint8Array(1)), 2000, "end of stream"), null);
    await srv.close();
  });

  it("writeTimeout fails a write the peer does not take", async () => {
    const errs: unknown[] = [];
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        const big = new Uint8Array(1 << 20);
        try {
          for (;;) await c.write(big);
        } catch (err) {
          errs.push(err);
        }
      },
      { writeTimeout: 100 },
    );
    await using c = await dial("tcp", srv.addr().toString());
    await until(() => errs.length === 1, "the write timeout", 3000);
    assert.ok(errorIs(errs[0], ErrDeadlineExceeded), String(errs[0]));
    await srv.close();
  });

  it("a caller's own earlier deadline wins over readTimeout", async () => {
    let err: unknown = null;
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        await readFull(c, 1);
        c.setReadDeadline(Date.now() + 50);
        const t0 = Date.now();
        await readFull(c, 1).catch((e: unknown) => (err = e));
        await c.write(enc(String(Date.now() - t0)));
      },
      { readTimeout: 5000 },
    );
    await using c = await dial("tcp", srv.addr().toString());
    await c.write(enc("x"));
    const took = Number((await within(readFull(c, 2), 2000, "the reply")).toString());
    assert.ok(errorIs(err, ErrDeadlineExceeded));
    assert.ok(took < 1000, `timed out after ${took} ms`);
    await srv.close();
  });

  it("close() closes the listener and every conn at once", async () => {
    let started = 0;
    const srv = serve(await listen("tcp", "127.0.0.1:0"), async (c) => {
      started++;
      await readFull(c, 100); // mid-request: never completes
    });
    const address = srv.addr().toString();
    const cs = await Promise.all([1, 2, 3].map(() => dial("tcp", address)));
    for (const c of cs) await c.write(enc("part"));
    await until(() => started === 3, "three handlers");
    await within(srv.close(), 2000, "close");
    for (const c of cs) assert.equal(await within(c.read(new Uint8Array(1)), 2000, "end of stream"), null);
    await srv.done;
    await assert.rejects(dial("tcp", address), (e: Error) => (e as OpError).code === "ECONNREFUSED");
    assert.equal(srv.connections().length, 0);
    assert.equal(srv.stats().handlerErrors, 0);
    for (const c of cs) await c.close();
  });

  it("connections() lists the live conns with their addresses and states", async () => {
    const srv = serve(await listen("tcp", "127.0.0.1:0"), echo);
    const cs = await Promise.all([1, 2, 3].map(() => dial("tcp", srv.addr().toString())));
    await until(() => srv.connections().length === 3 && srv.connections().every((s) => s.state === "idle"), "three idle conns");
    const peers = srv.connections().map((s) => s.remoteAddr()!.toString()).sort();
    assert.deepEqual(peers, cs.map((c) => c.localAddr()!.toString()).sort());
    assert.equal(srv.connections()[0]!.conn.constructor.name, "TCPConn");
    for (const c of cs) await c.close();
    await until(() => srv.connections().length === 0, "none");
    await srv.shutdown();
  });

  it("shutdown closes idle conns at once, lets a busy handler finish, then resolves", async () => {
    const states: ConnState[] = [];
    let finished = false;
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      async (c) => {
        for (;;) {
          const req = await readFull(c, 4);
          if (req.toString() === "slow") await sleep(200);
          await c.write(req);
          if (req.toString() === "slow") finished = true;
        }
      },
      { onState: (_c, s) => void states.push(s) },
    );
    await using idle = await dial("tcp", srv.addr().toString());
    await using busy = await dial("tcp", srv.addr().toString());
    await until(() => srv.connections().length === 2, "two conns");
    await busy.write(enc("slow"));
    await until(() => srv.connections().some((s) => s.state === "active"), "busy");
    const t0 = Date.now();
    const shut = srv.shutdown({ timeout: 5000 });
    assert.equal(await within(idle.read(new Uint8Array(1)), 1000, "the idle conn closed"), null);
    assert.equal(finished, false);
    assert.equal((await readFull(busy, 4)).toString(), "slow");
    assert.equal(await within(busy.read(new Uint8Array(1)), 1000, "the busy conn closed once idle"), null);
    await within(shut, 2000, "shutdown");
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(finished, true);
    assert.equal(states.filter((s) => s === "closed").length, 2);
    assert.equal(srv.stats().handlerErrors, 0);
    await srv.done;
  });

  it("shutdown's signal closes the rest early; serve's signal starts a shutdown", async () => {
    const ac = new AbortController();
    const srv = serve(await listen("tcp", "127.0.0.1:0"), async (c) => {
      await readFull(c, 100);
    }, { signal: ac.signal });
    await using c = await dial("tcp", srv.addr().toString());
    await c.write(enc("part"));
    await until(() => srv.connections()[0]?.state === "active", "active");
    ac.abort();
    assert.equal(srv.signal.aborted, true);
    await srv.done; // the accept loop has ended
    const stop = new AbortController();
    const shut = srv.shutdown({ signal: stop.signal });
    assert.equal(srv.connections().length, 1, "the busy conn is still served");
    stop.abort();
    await within(shut, 2000, "shutdown after the abort");
    assert.equal(await c.read(new Uint8Array(1)), null);
  });

  it("a listener closed from outside ends the loop cleanly; served conns go on", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const srv = serve(ln, echo);
    await using c = await dial("tcp", srv.addr().toString());
    assert.equal(await roundTrip(c, "a"), "a");
    await ln.close();
    await within(srv.done, 2000, "done");
    assert.equal(await roundTrip(c, "b"), "b");
    await srv.shutdown();
  });
});

describe("serve's accept errors", () => {
  // The kernel will not fail accept(2) with EMFILE or ENFILE when a test wants it (Node cannot
  // lower RLIMIT_NOFILE), so these make the binding's accept return the errno, as Go's tests
  // do through socktest's hooks: the listener and every other call are real.

  it("retries temporary errors (EMFILE, ENFILE) after 5 ms doubling, reporting each", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const undo = [injectFault("accept", E.EMFILE!, 2), injectFault("accept", E.ENFILE!, 1), injectFault("accept", E.EMFILE!, 1)];
    const seen: [string, ServerConn | null][] = [];
    const t0 = performance.now();
    const srv = serve(ln, echo, { onError: (err, conn) => void seen.push([(err as OpError).code!, conn]) });
    try {
      await using c = await dial("tcp", ln.addr().toString());
      assert.equal(await within(roundTrip(c, "after"), 3000, "served after the retries"), "after");
      const took = performance.now() - t0;
      assert.deepEqual(seen, [["EMFILE", null], ["ENFILE", null], ["EMFILE", null], ["EMFILE", null]]);
      assert.ok(took >= 5 + 10 + 20 + 40 - 5, `the pauses add up to 75 ms, not ${took}`);
      assert.equal(srv.stats().acceptRetries, 4);
    } finally {
      for (const u of undo) u();
      await srv.close();
    }
  });

  it("ECONNABORTED never reaches the loop (the poll layer retries it, as Go's)", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const undo = injectFault("accept", E.ECONNABORTED!, 3);
    const seen: unknown[] = [];
    const srv = serve(ln, echo, { onError: (err) => void seen.push(err) });
    try {
      await using c = await dial("tcp", ln.addr().toString());
      assert.equal(await within(roundTrip(c, "x"), 3000, "served"), "x");
      assert.deepEqual(seen, []);
    } finally {
      undo();
      await srv.close();
    }
  });

  it("a shutdown ends a backoff pause", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const undo = injectFault("accept", E.EMFILE!, 1000);
    const srv = serve(ln, echo, { onError: () => {} });
    try {
      await until(() => srv.stats().acceptRetries >= 8, "a long pause"); // 5 ms · 2^7 = 640 ms
      const t0 = Date.now();
      await srv.shutdown();
      assert.ok(Date.now() - t0 < 300);
    } finally {
      undo();
    }
  });

  it("a permanent error ends the loop with that error in done and closes the listener", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const undo = injectFault("accept", E.EINVAL!, 1);
    const reported: unknown[] = [];
    const srv = serve(ln, echo, { onError: (e) => void reported.push(e) });
    try {
      const err = await srv.done.then(() => assert.fail("done resolved"), (e: unknown) => e);
      assert.ok(err instanceof OpError && err.code === "EINVAL", String(err));
      assert.equal((err as Error).message, `accept tcp ${ln.addr()}: accept4: invalid argument`);
      assert.deepEqual(reported, [err]);
      await assert.rejects(dial("tcp", ln.addr().toString()));
    } finally {
      undo();
      await srv.shutdown();
    }
  });
});

describe("serve with wrap", () => {
  /** A line protocol object over a conn: what a codec's framed(conn) would be. */
  class Lines {
    closed = 0;
    #buf = "";
    constructor(readonly conn: Conn) {}
    async readLine(): Promise<string | null> {
      const p = new Uint8Array(256);
      for (;;) {
        const i = this.#buf.indexOf("\n");
        if (i >= 0) {
          const line = this.#buf.slice(0, i);
          this.#buf = this.#buf.slice(i + 1);
          return line;
        }
        const n = await this.conn.read(p);
        if (n === null) return null;
        this.#buf += Buffer.from(p.subarray(0, n)).toString();
      }
    }
    async writeLine(s: string): Promise<void> {
      await this.conn.write(enc(s + "\n"));
    }
    async close(): Promise<void> {
      this.closed++;
      await this.conn.close();
    }
  }

  it("the handler gets wrap(conn); states and timeouts still track its reads; it is closed after", async () => {
    const made: Lines[] = [];
    const states: ConnState[] = [];
    const srv = serve(
      await listen("unix", testUnixAddr()),
      (sc) => {
        const l = new Lines(sc);
        made.push(l);
        return l;
      },
      async (lines) => {
        for (let l = await lines.readLine(); l !== null; l = await lines.readLine()) await lines.writeLine(l.toUpperCase());
      },
      { idleTimeout: 150, onState: (_c, s) => void states.push(s) },
    );
    await using c = await dial("unix", srv.addr().toString());
    await c.write(enc("one\ntwo\n"));
    assert.equal((await readFull(c, 8)).toString(), "ONE\nTWO\n");
    assert.equal(await within(c.read(new Uint8Array(1)), 2000, "the idle close"), null);
    await until(() => states.at(-1) === "closed", "closed");
    assert.equal(made.length, 1);
    assert.equal(made[0]!.closed, 1);
    assert.equal(srv.stats().idleClosed, 1);
    assert.deepEqual(states.slice(0, 3), ["new", "idle", "active"]);
    await srv.shutdown();
  });

  it("a wrap that throws is a handler error", async () => {
    const errs: unknown[] = [];
    const srv = serve(
      await listen("tcp", "127.0.0.1:0"),
      () => {
        throw new Error("bad wrap");
      },
      async () => {},
      { onError: (e) => void errs.push(e) },
    );
    await using c = await dial("tcp", srv.addr().toString());
    assert.equal(await within(c.read(new Uint8Array(1)), 2000, "closed"), null);
    await until(() => errs.length === 1, "reported");
    await srv.close();
  });
});
