/**
 * Happy Eyeballs (issue 10): a "tcp" dial to a name with IPv6 and IPv4 addresses races the
 * families as Go's dialParallel does. Loopback only: the name resolves through the test hook
 * to ::1 and 127.0.0.1, a primary that never answers is a listener on ::1 whose accept queue
 * is full (SYNs dropped), a refused one is a port nobody listens on.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { LookupAddress } from "node:dns";
import { Dialer, OpError, TCPConn } from "../../src/index.js";
import { lookupHooks, pendingLookups } from "../../src/net/lookup.js";
import { PythonPeer, guardFdLeaks, hasIPv6, openFds, until, within } from "../helpers.js";

guardFdLeaks();

const LIMIT = 10_000;
const name = "dual.sockit.test";
const realSystem = lookupHooks.system;
afterEach(() => {
  lookupHooks.system = realSystem;
});

/** Makes `name` resolve to `order` (addresses, in that order). */
function resolvesTo(...order: string[]): void {
  lookupHooks.system = async (host): Promise<LookupAddress[]> => {
    assert.equal(host, name, "only the test name is looked up");
    return order.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

/**
 * A port whose [::1] side never answers (a python3 listener with listen(0), its queue filled
 * by its own connects, so the kernel drops further SYNs) and whose 127.0.0.1 side is a Node
 * server that counts its conns. The python process ends at close.
 */
async function silentV6LiveV4(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  const script = [
    "import socket, sys, select, time",
    "l = socket.socket(socket.AF_INET6); l.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)",
    "l.bind(('::1', 0)); l.listen(0)",
    "port = l.getsockname()[1]",
    "fill = []",
    "for i in range(3):",
    "    c = socket.socket(socket.AF_INET6); c.setblocking(False); c.connect_ex(('::1', port)); fill.append(c)",
    "time.sleep(0.1)",
    "print(port, flush=True)",
    "select.select([sys.stdin], [], [], 60)",
  ].join("\n");
  const peer = new PythonPeer(script);
  const port = Number(await within(peer.ready, LIMIT, "the python3 listener"));
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.on("error", () => {});
    s.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    port,
    accepted: () => count,
    async close() {
      await new Promise((r) => server.close(r));
      peer.proc.stdin.end();
      await peer.exited;
    },
  };
}

/** A port with nothing listening on either loopback address (bound, then closed). */
async function refusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A Node server on 127.0.0.1 and, if it can, on [::1] too, at the same port. */
async function liveBoth(): Promise<{ port: number; v6: boolean; close(): Promise<void> }> {
  for (let tries = 0; ; tries++) {
    const v4 = net.createServer((s) => s.end());
    await new Promise<void>((r) => v4.listen(0, "127.0.0.1", r));
    const port = (v4.address() as net.AddressInfo).port;
    const v6 = net.createServer((s) => s.end());
    const ok = await new Promise<boolean>((r) => {
      v6.once("error", () => r(false));
      v6.listen({ port, host: "::1", ipv6Only: true }, () => r(true));
    });
    if (ok || tries >= 5) {
      return {
        port,
        v6: ok,
        close: async () => {
          await new Promise((r) => v4.close(r));
          if (ok) await new Promise((r) => v6.close(r));
        },
      };
    }
    await new Promise((r) => v4.close(r));
  }
}

describe("Happy Eyeballs: Dialer.fallbackDelay and Go's dialParallel", () => {
  it("a primary that never answers: the fallback starts after fallbackDelay and wins", async (t) => {
    if (!(await hasIPv6())) return t.skip("no ::1 here");
    const srv = await silentV6LiveV4();
    try {
      resolvesTo("::1", "127.0.0.1");
      const fds = openFds();
      const t0 = Date.now();
      const c = await within(new Dialer({ fallbackDelay: 150 }).dial("tcp", `${name}:${srv.port}`), LIMIT, "the dial");
      const took = Date.now() - t0;
      assert.ok(c instanceof TCPConn);
      assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${srv.port}`, "the IPv4 fallback won");
      assert.ok(took >= 120 && took < 3000, `the fallback started after about 150 ms, the dial took ${took} ms`);
      await c.close();
      assert.equal(srv.accepted(), 1);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(openFds() <= fds, "the losing IPv6 attempt's socket is closed");
    } finally {
      await srv.close();
    }
  });

  it("the default delay is Go's 300 ms", async (t) => {
    if (!(await hasIPv6())) return t.skip("no ::1 here");
    const srv = await silentV6LiveV4();
    try {
      resolvesTo("::1", "127.0.0.1");
      const t0 = Date.now();
      const c = await within(new Dialer().dial("tcp", `${name}:${srv.port}`), LIMIT, "the dial");
      const took = Date.now() - t0;
      assert.ok(took >= 250 && took < 3000, `about 300 ms, took ${took} ms`);
      await c.close();
    } finally {
      await srv.close();
    }
  });

  it("a refused primary starts the fallback at once", async () => {
    const srv = net.createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      // ::1 refuses (nothing listens there on this port), 127.0.0.1 answers.
      resolvesTo("::1", "127.0.0.1");
      const t0 = Date.now();
      const c = await within(new Dialer({ fallbackDelay: 5000 }).dial("tcp", `${name}:${port}`), LIMIT, "the dial");
      const took = Date.now() - t0;
      assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${port}`);
      assert.ok(took < 2000, `the fallback did not wait for the 5 s delay: ${took} ms`);
      await c.close();
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it("both refused: the primary family's error, with its address", async () => {
    const port = await refusedPort();
    resolvesTo("::1", "127.0.0.1");
    const err = await within(new Dialer().dial("tcp", `${name}:${port}`).then(
      () => assert.fail("dialed"),
      (e: unknown) => e as OpError,
    ), LIMIT, "the dial to fail");
    assert.ok(err instanceof OpError);
    assert.match(err.message, new RegExp(`^dial tcp \\[::1\\]:${port}: connect: (connection refused|cannot assign requested address|network is unreachable)$`));
    resolvesTo("127.0.0.1", "::1");
    const err4 = await new Dialer().dial("tcp", `${name}:${port}`).catch((e: unknown) => e as OpError);
    assert.equal((err4 as OpError).message, `dial tcp 127.0.0.1:${port}: connect: connection refused`, "IPv4 first: its error");
  });

  it("the primary wins when it answers first, and the fallback never starts", async (t) => {
    const srv = await liveBoth();
    try {
      if (!srv.v6) return t.skip("cannot listen on ::1 and 127.0.0.1 at one port here");
      resolvesTo("::1", "127.0.0.1");
      const c = await within(new Dialer({ fallbackDelay: 200 }).dial("tcp", `${name}:${srv.port}`), LIMIT, "the dial");
      assert.equal(c.remoteAddr()?.toString(), `[::1]:${srv.port}`);
      await c.close();
    } finally {
      await srv.close();
    }
  });

  it("a negative fallbackDelay dials serially: the silent primary holds the dial until its timeout", async (t) => {
    if (!(await hasIPv6())) return t.skip("no ::1 here");
    const srv = await silentV6LiveV4();
    try {
      resolvesTo("::1", "127.0.0.1");
      const t0 = Date.now();
      // Serial: ::1 gets its partial deadline (half of 4 s, at least 2 s), then 127.0.0.1 wins.
      const c = await within(new Dialer({ fallbackDelay: -1, timeout: 4000 }).dial("tcp", `${name}:${srv.port}`), LIMIT, "the dial");
      const took = Date.now() - t0;
      assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${srv.port}`);
      assert.ok(took >= 1500, `serial: the IPv6 attempt used its share first (${took} ms)`);
      await c.close();
    } finally {
      await srv.close();
    }
  });

  it("an abort during the race ends both racers and leaves no fd behind", async (t) => {
    if (!(await hasIPv6())) return t.skip("no ::1 here");
    const srv = await silentV6LiveV4();
    try {
      // The abort comes while the silent primary waits and before the fallback's turn.
      resolvesTo("::1", "127.0.0.1");
      const fds = openFds();
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const err = await within(new Dialer({ fallbackDelay: 1000 }).dial("tcp", `${name}:${srv.port}`, { signal: ac.signal }).then(
        () => assert.fail("dialed"),
        (e: unknown) => e as OpError,
      ), LIMIT, "the aborted dial");
      assert.equal(err.message, `dial tcp [::1]:${srv.port}: operation was canceled`);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(openFds() <= fds, "the racer's socket is closed");
      assert.equal(srv.accepted(), 0, "the fallback never started");
    } finally {
      await srv.close();
    }
  });

  it("tcp4, tcp6 and udp never race: only the one family is dialed", async () => {
    const srv = net.createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      resolvesTo("::1", "127.0.0.1");
      const c = await within(new Dialer().dial("tcp4", `${name}:${port}`), LIMIT, "tcp4");
      assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${port}`);
      await c.close();
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe("RFC 8305 (happyEyeballs: \"rfc8305\")", () => {
  /** Makes `name` resolve per family, each answer after its delay in ms. */
  function resolvesPerFamily(v6: { address: string; after: number } | null, v4: { address: string; after: number } | null): void {
    lookupHooks.system = (host, family): Promise<LookupAddress[]> => {
      assert.equal(host, name);
      const a = family === 6 ? v6 : family === 4 ? v4 : null;
      return new Promise((resolve, reject) =>
        setTimeout(() => (a === null ? reject(Object.assign(new Error("no such host"), { code: "ENOTFOUND" })) : resolve([{ address: a.address, family }])), a?.after ?? 0),
      );
    };
  }

  it("starts with IPv6, and the next attempt 250 ms later, the first still running", async (t) => {
    if (!(await hasIPv6())) return t.skip("no ::1 here");
    const srv = await silentV6LiveV4();
    try {
      resolvesPerFamily({ address: "::1", after: 0 }, { address: "127.0.0.1", after: 0 });
      const fds = openFds();
      const t0 = Date.now();
      const c = await within(new Dialer({ happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${srv.port}`), LIMIT, "the dial");
      const took = Date.now() - t0;
      assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${srv.port}`);
      assert.ok(took >= 200 && took < 3000, `the IPv4 attempt started about 250 ms after the IPv6 one: ${took} ms`);
      await c.close();
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(openFds() <= fds, "the IPv6 attempt was aborted and closed");
    } finally {
      await srv.close();
    }
  });

  it("a late IPv6 answer within the 50 ms resolution delay still goes first", async (t) => {
    const srv = await liveBoth();
    try {
      if (!srv.v6) return t.skip("cannot listen on ::1 and 127.0.0.1 at one port here");
      resolvesPerFamily({ address: "::1", after: 20 }, { address: "127.0.0.1", after: 0 });
      const c = await within(new Dialer({ happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${srv.port}`), LIMIT, "the dial");
      assert.equal(c.remoteAddr()?.toString(), `[::1]:${srv.port}`);
      await c.close();
      // Past the delay, IPv4 starts alone and wins first.
      resolvesPerFamily({ address: "::1", after: 400 }, { address: "127.0.0.1", after: 0 });
      const c4 = await within(new Dialer({ happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${srv.port}`), LIMIT, "the dial");
      assert.equal(c4.remoteAddr()?.toString(), `127.0.0.1:${srv.port}`);
      await c4.close();
      // The IPv6 lookup the dial did not wait for still runs; later dials would share it.
      await until(() => pendingLookups() === 0, "the late IPv6 lookup to end");
    } finally {
      await srv.close();
    }
  });

  it("a refused attempt starts the next at once; one family missing is no failure; both failing is", async () => {
    const srv = net.createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      resolvesPerFamily({ address: "::1", after: 0 }, { address: "127.0.0.1", after: 0 });
      const t0 = Date.now();
      const c = await within(new Dialer({ happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${port}`), LIMIT, "the dial");
      assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${port}`);
      assert.ok(Date.now() - t0 < 200, "no 250 ms wait after a refusal");
      await c.close();
      resolvesPerFamily(null, { address: "127.0.0.1", after: 0 });
      const only4 = await within(new Dialer({ happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${port}`), LIMIT, "IPv4 only");
      await only4.close();
    } finally {
      await new Promise((r) => srv.close(r));
    }
    const dead = await refusedPort();
    resolvesPerFamily({ address: "::1", after: 0 }, { address: "127.0.0.1", after: 0 });
    const err = await new Dialer({ happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${dead}`).catch((e: unknown) => e as OpError);
    assert.ok(err instanceof OpError);
    assert.match(err.message, new RegExp(`^dial tcp \\[::1\\]:${dead}: connect: `), "the first attempt's error");
    resolvesPerFamily(null, null);
    const none = await new Dialer({ happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${dead}`).catch((e: unknown) => e as OpError);
    assert.match((none as OpError).message, /^dial tcp: lookup dual\.sockit\.test/);
    assert.throws(() => new Dialer({ happyEyeballs: "v3" as "go" }), { name: "TypeError" });
  });
});
