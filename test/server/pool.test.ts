/**
 * pool (issue 12 §2): the bound on conns, FIFO waiters, an abort while waiting, idle close,
 * destroy on a throw in use(), close(), and a failed dial, against a real serve() echo server
 * on loopback whose stats say what the pool did from the server's side.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Dialer, errorIs, listen, OpError, type Conn } from "../../src/index.js";
import { pool, serve, ErrPoolClosed, type Server, type ServerConn } from "../../src/server/index.js";
import { guardFdLeaks, readFull, settle, until, within } from "../helpers.js";

guardFdLeaks();

const dialer = new Dialer({ timeout: 5000 });

/** An echo server on loopback. */
async function echoServer(): Promise<Server<ServerConn>> {
  return serve(await listen("tcp", "127.0.0.1:0"), async (c) => {
    const buf = new Uint8Array(1024);
    for (let n = await c.read(buf); n !== null; n = await c.read(buf)) await c.write(buf.subarray(0, n));
  });
}

/** One request-response over a pooled conn. */
async function echoOnce(c: Conn, s: string): Promise<string> {
  await c.write(new TextEncoder().encode(s));
  return (await readFull(c, s.length)).toString();
}

describe("pool", () => {
  it("holds max: at most 2 conns with 6 users, reused, the server sees 2", async () => {
    const srv = await echoServer();
    const p = pool(dialer, "tcp", srv.addr().toString(), { max: 2 });
    let inUse = 0;
    let most = 0;
    const out = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        p.use(async (c) => {
          most = Math.max(most, ++inUse);
          assert.ok(p.size <= 2);
          const r = await echoOnce(c, `r${i}`);
          await sleep(20);
          inUse--;
          return r;
        }),
      ),
    );
    assert.deepEqual(out, ["r0", "r1", "r2", "r3", "r4", "r5"]);
    assert.equal(most, 2);
    assert.equal(p.size, 2);
    assert.equal(p.idle, 2);
    assert.equal(srv.stats().accepted, 2);
    await p.close();
    await until(() => srv.stats().open === 0, "the server's conns closed");
    await srv.close();
  });

  it("serves waiters first in, first out", async () => {
    const srv = await echoServer();
    const p = pool(dialer, "tcp", srv.addr().toString(), { max: 1 });
    const first = await p.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) => p.acquire().then((c) => (order.push(i), c)));
    await sleep(10);
    assert.equal(p.pending, 3);
    let c = first;
    for (let i = 0; i < 3; i++) {
      p.release(c);
      c = await waits[i]!;
      assert.equal(c, first, "the same conn, handed on");
    }
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(p.pending, 0);
    p.release(c);
    assert.throws(() => p.release(c), /a conn in use from this pool/);
    await p.close();
    await srv.close();
  });

  it("a waiter's abort ends its wait alone; the conn goes to the next", async () => {
    const srv = await echoServer();
    const p = pool(dialer, "tcp", srv.addr().toString(), { max: 1 });
    const held = await p.acquire();
    const ac = new AbortController();
    const aborted = p.acquire({ signal: ac.signal });
    const next = p.acquire();
    await sleep(10);
    ac.abort(new Error("gave up"));
    const err = await aborted.then(() => assert.fail("resolved"), (e: unknown) => e);
    assert.ok(err instanceof OpError);
    assert.equal(err.message, `acquire tcp ${srv.addr()}: operation was canceled`);
    assert.ok(errorIs(err, ac.signal.reason));
    assert.equal(p.pending, 1);
    p.release(held);
    assert.equal(await within(next, 1000, "the next waiter"), held);
    await assert.rejects(p.acquire({ signal: AbortSignal.abort() }), /operation was canceled/);
    await p.destroy(held);
    await p.close();
    await srv.close();
  });

  it("closes idle conns after idleTimeout; the server sees them close", async () => {
    const srv = await echoServer();
    const p = pool(dialer, "tcp", srv.addr().toString(), { max: 4, idleTimeout: 80 });
    await Promise.all([1, 2].map(() => p.use((c) => echoOnce(c, "x"))));
    assert.equal(p.idle, 2);
    await until(() => p.size === 0, "the idle close", 2000);
    await until(() => srv.stats().open === 0, "the server's side closed");
    assert.equal(await p.use((c) => echoOnce(c, "again")), "again");
    assert.equal(srv.stats().accepted, 3, "a new dial after the idle close");
    await p.close();
    await srv.close();
  });

  it("use() destroys the conn when its function throws, and passes the error on", async () => {
    const srv = await echoServer();
    const p = pool(dialer, "tcp", srv.addr().toString(), { max: 1 });
    await assert.rejects(
      p.use(async (c) => {
        await echoOnce(c, "half");
        throw new Error("protocol error");
      }),
      /protocol error/,
    );
    assert.equal(p.size, 0);
    await until(() => srv.stats().open === 0, "the server sees the close");
    assert.equal(await p.use((c) => echoOnce(c, "fresh")), "fresh");
    assert.equal(srv.stats().accepted, 2);
    await p.close();
    await srv.close();
  });

  it("close() closes idle conns, rejects waiters, closes in-use conns on release", async () => {
    const srv = await echoServer();
    const p = pool(dialer, "tcp", srv.addr().toString(), { max: 2 });
    const [a, b] = await Promise.all([p.acquire(), p.acquire()]);
    p.release(a!);
    const waiter = (async () => {
      const c = await p.acquire(); // gets a at once: nothing pends while a conn is idle
      return c;
    })();
    assert.equal(await waiter, a);
    const pending = p.acquire();
    await p.close();
    await assert.rejects(pending, (e) => errorIs(e, ErrPoolClosed) && /acquire tcp .*: pool is closed/.test((e as Error).message));
    assert.equal(await settle(a!.read(new Uint8Array(1)), 20), "pending", "in use: still open");
    p.release(a!);
    await p.destroy(b!);
    await assert.rejects(a!.read(new Uint8Array(1)), /use of closed network connection/);
    await assert.rejects(p.acquire(), (e) => errorIs(e, ErrPoolClosed));
    await until(() => srv.stats().open === 0, "the server's side closed");
    await srv.close();
  });

  it("a failed dial rejects the waiter with the dial's error", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const address = ln.addr().toString();
    await ln.close();
    const p = pool(dialer, "tcp", address, { max: 1 });
    await assert.rejects(p.acquire(), (e: Error) => (e as OpError).code === "ECONNREFUSED");
    assert.equal(p.size, 0);
    assert.equal(p.pending, 0);
    await p.close();
  });

  it("wraps each conn; the wrapped value is closed with it", async () => {
    const srv = await echoServer();
    let closed = 0;
    const p = pool(dialer, "tcp", srv.addr().toString(), {
      max: 1,
      wrap: (conn) => ({
        conn,
        ask: (s: string) => echoOnce(conn, s),
        close: async () => {
          closed++;
          await conn.close();
        },
      }),
    });
    assert.equal(await p.use((w) => w.ask("wrapped")), "wrapped");
    await p.close();
    assert.equal(closed, 1);
    await srv.close();
  });
});
