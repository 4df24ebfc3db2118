/**
 * Stress: 1,000 concurrent conns on tcp and on unix. All are open at once (the server has
 * accepted every one before any data moves), each echoes a distinct message of its own size,
 * every echo is checked byte for byte, all are closed, and no fd is left behind.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { dial, listen, TCPConn, UnixConn, type Conn, type Listener } from "../../src/index.js";
import { guardFdLeaks, openFds, readAll, testUnixAddr, abstractName, within } from "../helpers.js";

guardFdLeaks();

const N = 1000;
/** The whole of one run, dial to last close. */
const LIMIT = 30_000;

function message(i: number): Buffer {
  // Distinct per conn, and of varied sizes (20 B .. ~64 KiB) so some echoes take many reads.
  const head = Buffer.from(`conn ${i} of ${N}: `);
  const size = i % 50 === 0 ? 64 * 1024 : 20 + ((i * 97) % 2000);
  return Buffer.concat([head, randomBytes(size)]);
}

/** Echoes everything until EOF, then closes. */
async function echo(c: Conn): Promise<number> {
  let total = 0;
  try {
    const buf = new Uint8Array(16 * 1024);
    for (;;) {
      const n = await c.read(buf);
      if (n === null) return total;
      total += n;
      await c.write(buf.subarray(0, n));
    }
  } finally {
    await c[Symbol.asyncDispose]();
  }
}

async function run(network: "tcp" | "unix", address: string): Promise<void> {
  const fdsBefore = openFds();
  const ln: Listener = await listen(network, address);
  const target = ln.addr().toString();
  const accepted: Conn[] = [];
  let allAccepted!: () => void;
  const everyone = new Promise<void>((r) => (allAccepted = r));
  const acceptLoop = (async () => {
    while (accepted.length < N) {
      accepted.push(await ln.accept());
      if (accepted.length === N) allAccepted();
    }
  })();
  acceptLoop.catch(() => allAccepted());

  let clients: Conn[] = [];
  try {
    // Phase 1: every conn open at once.
    const dials = Array.from({ length: N }, () => dial(network, target, { timeout: 20_000 }));
    const settled = await within(Promise.allSettled(dials), LIMIT, `${N} dials`);
    clients = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = settled.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
    assert.equal(failed, undefined, `a dial failed: ${String(failed?.reason)}`);
    await within(everyone, LIMIT, `accepting ${N} conns (${accepted.length} so far)`);
    await acceptLoop;
    assert.equal(accepted.length, N);
    assert.ok(openFds() >= fdsBefore + 2 * N, "both ends of every conn are open at the same time");
    for (const c of [...clients, ...accepted]) assert.ok(c instanceof (network === "tcp" ? TCPConn : UnixConn));

    // Phase 2: each conn echoes its own message; all verified.
    const servers = accepted.map(echo);
    const msgs = clients.map((_, i) => message(i));
    const results = clients.map(async (c, i) => {
      const m = msgs[i]!;
      assert.equal(await c.write(m), m.length);
      await (c as TCPConn | UnixConn).closeWrite();
      const back = await readAll(c);
      assert.ok(back.equals(m), `conn ${i}: echo differs (${back.length} of ${m.length} bytes)`);
      await c.close();
    });
    await within(Promise.all(results), LIMIT, `${N} echoes`);
    const echoed = await within(Promise.all(servers), LIMIT, "server sides to finish");
    assert.equal(echoed.reduce((a, b) => a + b, 0), msgs.reduce((a, m) => a + m.length, 0));
  } finally {
    await Promise.all(clients.map((c) => c[Symbol.asyncDispose]()));
    await Promise.all(accepted.map((c) => c[Symbol.asyncDispose]()));
    await ln[Symbol.asyncDispose]();
  }
  // Everything this run opened is closed again.
  assert.equal(openFds(), fdsBefore, "fds after the run");
}

describe(`stress: ${N} concurrent conns`, () => {
  it("tcp 127.0.0.1", { timeout: 60_000 }, () => run("tcp", "127.0.0.1:0"));
  it("unix path", { timeout: 60_000 }, () => run("unix", testUnixAddr()));
  it("unix @abstract", { timeout: 60_000 }, () => run("unix", abstractName()));
});
