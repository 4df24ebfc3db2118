/**
 * ListenConfig's backlog and reusePort (issue 10, beyond Go): the accept queue holds what
 * `backlog` says and no more (further connects stay unanswered, loopback only), and
 * SO_REUSEPORT lets two listeners share one port, the kernel spreading conns between them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Dialer, ListenConfig, listen, OpError, TCPListener } from "../../src/index.js";
import { guardFdLeaks, testUnixAddr, within } from "../helpers.js";

guardFdLeaks();

const LIMIT = 10_000;

/**
 * Dials `address` `n` times with a short timeout; resolves with how many connected and the
 * errors of the rest (a tcp SYN dropped is a timeout; a full unix queue says EAGAIN at once).
 */
async function connects(network: string, address: string, n: number, timeout: number): Promise<{ ok: number; errors: string[]; closeAll(): Promise<void> }> {
  const d = new Dialer({ timeout });
  const results = await Promise.allSettled(Array.from({ length: n }, () => d.dial(network, address)));
  const conns = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const errors = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as OpError).message] : []));
  return { ok: conns.length, errors, closeAll: async () => void (await Promise.all(conns.map((c) => c.close()))) };
}

describe("ListenConfig backlog", () => {
  it("a tcp listener that never accepts completes backlog + 1 connects, and the rest wait unanswered", async () => {
    await using ln = await new ListenConfig({ backlog: 2 }).listen("tcp", "127.0.0.1:0");
    // Linux keeps backlog + 1 completed conns (sk_acceptq_is_full is ">"), then drops SYNs.
    const r = await within(connects("tcp", ln.addr().toString(), 6, 400), LIMIT, "the connects");
    await r.closeAll();
    assert.equal(r.ok, 3, `backlog 2: ${r.ok} of 6 connected`);
    for (const e of r.errors) assert.match(e, /: i\/o timeout$/);
  });

  it("a unix listener's backlog bounds its queue the same way", async () => {
    const path = testUnixAddr();
    await using ln = await new ListenConfig({ backlog: 1 }).listen("unix", path);
    const r = await within(connects("unix", path, 4, 300), LIMIT, "the connects");
    await r.closeAll();
    assert.equal(r.ok, 2, `backlog 1: ${r.ok} of 4 connected`);
    // A unix connect to a full queue fails at once, as in Go (EAGAIN from connect(2)).
    for (const e of r.errors) assert.equal(e, `dial unix ${path}: connect: resource temporarily unavailable`);
    assert.ok(ln.addr().toString() === path);
  });

  it("the default is the kernel's somaxconn, and bad values are TypeErrors", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const r = await within(connects("tcp", ln.addr().toString(), 8, 2000), LIMIT, "the connects");
    await r.closeAll();
    assert.equal(r.ok, 8, "somaxconn is far above 8");
    assert.throws(() => new ListenConfig({ backlog: -1 }), { name: "TypeError" });
    assert.throws(() => new ListenConfig({ backlog: 1.5 }), { name: "TypeError" });
    assert.throws(() => new ListenConfig({ reusePort: "yes" as unknown as boolean }), { name: "TypeError" });
  });
});

describe("ListenConfig reusePort", () => {
  it("two tcp listeners share one port, and the kernel gives each some of 24 conns", async () => {
    const lc = new ListenConfig({ reusePort: true });
    await using a = (await lc.listen("tcp", "127.0.0.1:0")) as TCPListener;
    const address = a.addr().toString();
    await using b = (await lc.listen("tcp", address)) as TCPListener;
    assert.equal(b.addr().toString(), address);
    const counts = { a: 0, b: 0 };
    const serve = (ln: TCPListener, k: "a" | "b") =>
      (async () => {
        for await (const c of ln) {
          counts[k]++;
          await c.close();
        }
      })();
    const loops = [serve(a, "a"), serve(b, "b")];
    const d = new Dialer({ timeout: 2000 });
    for (let i = 0; i < 24; i++) await (await d.dial("tcp", address)).close();
    const until = Date.now() + LIMIT;
    while (counts.a + counts.b < 24 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    assert.equal(counts.a + counts.b, 24);
    // 24 conns from 24 source ports all hashed to one socket: odds of 2^-23.
    assert.ok(counts.a > 0 && counts.b > 0, `spread: ${counts.a} and ${counts.b}`);
    await a.close();
    await b.close();
    await Promise.all(loops);
  });

  it("without reusePort the second bind fails, and reusePort is for tcp only", async () => {
    await using a = await listen("tcp", "127.0.0.1:0");
    await assert.rejects(listen("tcp", a.addr().toString()), { message: `listen tcp ${a.addr().toString()}: bind: address already in use` });
    await assert.rejects(new ListenConfig({ reusePort: true }).listen("unix", testUnixAddr()), { name: "TypeError" });
  });
});
