/**
 * Observability (issue 11 §4): each diagnostics channel publishes what docs/observability.md
 * says, once per user-level call; activeHandles() lists every open owner with its facts and
 * what keeps it alive, and forgets it at close; NODE_DEBUG=sockit logs a dial's failover and
 * Happy Eyeballs fallback, and a deadline firing on a waiting call.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  dial, listen, listenPacket, listenMulticastUDP, fileListener, filePacketConn, parseIP, pipe, Dialer, OpError, UDPAddr, type TCPConn,
} from "../../src/index.js";
import { Resolver } from "../../src/net/resolver.js";
import {
  activeHandles,
  type AcceptMessage,
  type ActiveHandle,
  type CloseMessage,
  type DialEndMessage,
  type DialErrorMessage,
  type DialStartMessage,
  type ListenMessage,
} from "../../src/poll/diag.js";
import { guardFdLeaks, hasIPv6, testUnixAddr, until } from "../helpers.js";

guardFdLeaks();

/**
 * Subscribes to `name` for the length of `fn`, collecting the messages, and unsubscribes
 * whatever happens.
 */
async function collect<T>(name: string, fn: (got: T[]) => Promise<void>): Promise<T[]> {
  const got: T[] = [];
  const onMessage = (m: unknown): void => void got.push(m as T);
  subscribe(name, onMessage);
  try {
    await fn(got);
  } finally {
    unsubscribe(name, onMessage);
  }
  return got;
}

/** A hosts file naming `host` with each of `ips`, in that order, for Go's resolver. */
function hostsFile(host: string, ips: string[]): string {
  const file = testUnixAddr().replace(/\.sock$/, ".hosts");
  writeFileSync(file, ips.map((ip) => `${ip} ${host}\n`).join(""));
  return file;
}

/** The handle activeHandles() lists for fd number `fd`, if any. */
function handleOf(fd: number): ActiveHandle | undefined {
  return activeHandles().find((h) => h.fd === fd);
}

describe("sockit:dial:* channels", () => {
  it("publish start then end, one object, with the conn and the time taken", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const address = ln.addr().toString();
    let conn: TCPConn | null = null;
    // Copied as published: the end message is the same object, completed.
    const starts: DialStartMessage[] = [];
    const onStart = (m: unknown): void => void starts.push({ ...(m as DialStartMessage) });
    subscribe("sockit:dial:start", onStart);
    const ends = await collect<DialEndMessage>("sockit:dial:end", async () => {
      conn = await dial("tcp", address);
    }).finally(() => unsubscribe("sockit:dial:start", onStart));
    assert.deepEqual(starts, [{ network: "tcp", address }]);
    assert.equal(ends.length, 1);
    const end = ends[0]!;
    assert.equal(end.network, "tcp");
    assert.equal(end.address, address);
    assert.equal(end.conn, conn);
    assert.ok(typeof end.durationMs === "number" && end.durationMs >= 0 && end.durationMs < 10_000, `durationMs ${end.durationMs}`);
    await (conn as TCPConn | null)?.close();
  });

  it("pair start and end by identity", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const starts: DialStartMessage[] = [];
    const onStart = (m: unknown): void => void starts.push(m as DialStartMessage);
    subscribe("sockit:dial:start", onStart);
    try {
      const ends = await collect<DialEndMessage>("sockit:dial:end", async () => {
        const c = await dial("tcp", ln.addr().toString());
        await c.close();
      });
      assert.equal(starts.length, 1);
      assert.equal(ends[0], starts[0], "the end message is the start message, completed");
    } finally {
      unsubscribe("sockit:dial:start", onStart);
    }
  });

  it("publish error with the dial's own error", async () => {
    // A port nobody listens on: bind one, note it, close it.
    const ln = await listen("tcp", "127.0.0.1:0");
    const address = ln.addr().toString();
    await ln.close();
    let thrown: unknown = null;
    const errors = await collect<DialErrorMessage>("sockit:dial:error", async () => {
      thrown = await dial("tcp", address).then(
        () => null,
        (e: unknown) => e,
      );
    });
    assert.ok(thrown instanceof OpError, String(thrown));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.network, "tcp");
    assert.equal(errors[0]!.address, address);
    assert.equal(errors[0]!.error, thrown);
    assert.ok(errors[0]!.durationMs >= 0);
  });

  it("publish once per dial, not per address tried (serial failover)", async () => {
    await using ln = await listen("tcp4", "127.0.0.1:0");
    const port = (ln.addr() as { port: number }).port;
    const resolver = new Resolver({ preferGo: true, hostsFile: hostsFile("two.test", ["127.0.0.2", "127.0.0.1"]) });
    const d = new Dialer({ resolver });
    let starts = 0;
    const ends = await collect<DialEndMessage>("sockit:dial:end", () =>
      collect<DialStartMessage>("sockit:dial:start", async (got) => {
        const c = await d.dial("tcp4", `two.test:${port}`);
        starts = got.length;
        await c.close();
      }).then(() => {}),
    );
    assert.equal(starts, 1);
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.address, `two.test:${port}`);
    assert.equal(ends[0]!.conn.remoteAddr()?.toString(), `127.0.0.1:${port}`);
  });

  it("publish once per dial, not per racer (Happy Eyeballs)", async (t) => {
    if (!(await hasIPv6())) return t.skip("no IPv6 loopback");
    await using ln = await listen("tcp4", "127.0.0.1:0");
    const port = (ln.addr() as { port: number }).port;
    const resolver = new Resolver({ preferGo: true, hostsFile: hostsFile("dual.test", ["::1", "127.0.0.1"]) });
    for (const happyEyeballs of ["go", "rfc8305"] as const) {
      const d = new Dialer({ resolver, happyEyeballs });
      const starts: DialStartMessage[] = [];
      const ends = await collect<DialEndMessage>("sockit:dial:end", () =>
        collect<DialStartMessage>("sockit:dial:start", async (got) => {
          const c = await d.dial("tcp", `dual.test:${port}`);
          starts.push(...got);
          await c.close();
        }).then(() => {}),
      );
      assert.equal(starts.length, 1, happyEyeballs);
      assert.equal(ends.length, 1, happyEyeballs);
      assert.equal(ends[0]!.conn.remoteAddr()?.toString(), `127.0.0.1:${port}`, happyEyeballs);
    }
  });
});

describe("sockit:listen channel", () => {
  it("publishes each listen and listenPacket with the listener", async () => {
    const path = testUnixAddr();
    const got = await collect<ListenMessage>("sockit:listen", async () => {
      const ln = await listen("tcp", "127.0.0.1:0");
      const un = await listen("unix", path);
      const pc = await listenPacket("udp", "127.0.0.1:0");
      await Promise.all([ln.close(), un.close(), pc.close()]);
    });
    assert.deepEqual(
      got.map((m) => [m.network, m.address, m.listener.constructor.name]),
      [
        ["tcp", "127.0.0.1:0", "TCPListener"],
        ["unix", path, "UnixListener"],
        ["udp", "127.0.0.1:0", "UDPConn"],
      ],
    );
  });

  it("publishes a multicast listener and listeners and packet conns made from files", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const pc = await listenPacket("udp", "127.0.0.1:0");
    const lf = ln.file();
    const pf = pc.file();
    const group = new UDPAddr({ ip: parseIP("239.1.2.3"), port: 0 });
    const got = await collect<ListenMessage>("sockit:listen", async () => {
      const a = await fileListener(lf);
      const b = await filePacketConn(pf);
      const m = await listenMulticastUDP("udp4", null, group).catch(() => null); // needs a multicast route
      await Promise.all([a.close(), b.close(), m?.close(), lf.close(), pf.close()]);
    });
    const seen = got.map((m) => [m.network, m.address, m.listener.constructor.name]);
    assert.deepEqual(seen.slice(0, 2), [
      ["tcp", ln.addr().toString(), "TCPListener"],
      ["udp", pc.localAddr()!.toString(), "UDPConn"],
    ]);
    if (seen.length === 3) assert.deepEqual(seen[2], ["udp4", "239.1.2.3:0", "UDPConn"]);
    await Promise.all([ln.close(), pc.close()]);
  });

  it("publishes nothing for a listen that fails", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const got = await collect<ListenMessage>("sockit:listen", async () => {
      await assert.rejects(listen("tcp", ln.addr().toString()), /address already in use/);
    });
    assert.deepEqual(got, []);
  });
});

describe("sockit:accept channel", () => {
  it("publishes each accepted conn with its listener, from accept and iteration", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const mine: TCPConn[] = [];
    const got = await collect<AcceptMessage>("sockit:accept", async () => {
      const acc = ln.accept();
      const c1 = await dial("tcp", ln.addr().toString());
      mine.push(c1, await acc);
      const c2 = await dial("tcp", ln.addr().toString());
      for await (const s of ln) {
        mine.push(c2, s);
        break;
      }
    });
    assert.equal(got.length, 2);
    assert.equal(got[0]!.listener, ln);
    assert.equal(got[0]!.conn, mine[1]);
    assert.equal(got[1]!.conn, mine[3]);
    await Promise.all(mine.map((c) => c.close()));
  });
});

describe("sockit:close channel", () => {
  it("publishes each owner closed, with its kind, network and addresses", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const acc = ln.accept();
    const c = await dial("tcp", ln.addr().toString());
    const s = await acc;
    const pc = await listenPacket("udp", "127.0.0.1:0");
    const [r, w] = await pipe();
    const local = c.localAddr()!.toString();
    const remote = c.remoteAddr()!.toString();
    const got = await collect<CloseMessage>("sockit:close", async () => {
      await c.close();
      await s[Symbol.asyncDispose]();
      await ln.close();
      await pc.close();
      await r.close();
      await w.close();
      await assert.rejects(c.close(), /use of closed network connection/); // a second close publishes nothing
    });
    const rows = got.map((m) => [m.kind, m.network, m.localAddr, m.remoteAddr]);
    assert.deepEqual(rows, [
      ["TCPConn", "tcp", local, remote],
      ["TCPConn", "tcp", remote, local],
      ["TCPListener", "tcp", ln.addr().toString(), null],
      ["UDPConn", "udp", pc.localAddr()!.toString(), null],
      ["File", null, null, null],
      ["File", null, null, null],
    ]);
    assert.deepEqual(
      got.map((m) => m.owner),
      [c, s, ln, pc, r, w],
    );
  });
});

describe("activeHandles", () => {
  it("lists open owners with their facts and what keeps them alive, until closed", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const acc = ln.accept();
    assert.deepEqual(handleOf(ln.fd()), {
      kind: "TCPListener",
      fd: ln.fd(),
      network: "tcp",
      localAddr: ln.addr().toString(),
      remoteAddr: null,
      name: null,
      waiting: ["accept"],
      queued: 0,
      inflight: 0,
      refed: true,
      keepsAlive: true,
    });
    const c = await dial("tcp", ln.addr().toString());
    const s = await acc;
    const pc = await listenPacket("udp", "127.0.0.1:0");
    const [r, w] = await pipe();

    assert.deepEqual(handleOf(ln.fd())?.waiting, [], "the accept is done");
    assert.equal(handleOf(ln.fd())?.keepsAlive, false);
    const ch = handleOf(c.fd())!;
    assert.equal(ch.kind, "TCPConn");
    assert.equal(ch.localAddr, c.localAddr()!.toString());
    assert.equal(ch.remoteAddr, ln.addr().toString());
    assert.equal(ch.keepsAlive, false, "an idle conn keeps nothing alive");

    // Pending calls: two reads on s (one waits, one queues), a receive on pc, a read on r.
    const buf = new Uint8Array(8);
    const reads = [s.read(buf), s.read(buf)];
    const recv = pc.readFrom(new Uint8Array(64));
    const pread = r.read(new Uint8Array(8));
    await until(() => handleOf(r.fd())?.waiting.length === 1, "the pipe read to wait");
    assert.deepEqual(
      [handleOf(s.fd())?.waiting, handleOf(s.fd())?.queued, handleOf(s.fd())?.keepsAlive],
      [["read"], 1, true],
    );
    assert.deepEqual(handleOf(pc.fd())?.waiting, ["recvmsg"]);
    assert.equal(handleOf(pc.fd())?.network, "udp");
    assert.equal(handleOf(r.fd())?.kind, "File");

    pc.unref();
    assert.deepEqual([handleOf(pc.fd())?.refed, handleOf(pc.fd())?.keepsAlive], [false, false], "unref'd");
    pc.ref();
    assert.equal(handleOf(pc.fd())?.keepsAlive, true);

    const fds = [ln.fd(), c.fd(), s.fd(), pc.fd(), r.fd(), w.fd()];
    const listed = activeHandles().map((h) => h.fd);
    for (const fd of fds) assert.ok(listed.includes(fd), `fd ${fd} listed`);
    assert.ok(listed.indexOf(ln.fd()) < listed.indexOf(pc.fd()), "oldest first");

    await Promise.all([c.close(), s.close(), ln.close(), pc.close(), r.close(), w.close()]);
    await Promise.allSettled([...reads, recv, pread]);
    const after = activeHandles().map((h) => h.fd);
    for (const fd of fds) assert.ok(!after.includes(fd), `fd ${fd} gone after close`);
  });

  it("lists a dialed conn whose peer is a unix socket", async () => {
    const path = testUnixAddr();
    await using ln = await listen("unix", path);
    const acc = ln.accept();
    await using c = await dial("unix", path);
    await using s = await acc;
    assert.deepEqual(
      [handleOf(c.fd())?.kind, handleOf(c.fd())?.network, handleOf(c.fd())?.remoteAddr, handleOf(s.fd())?.localAddr],
      ["UnixConn", "unix", path, path],
    );
  });
});

describe("NODE_DEBUG=sockit", () => {
  const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
  const resolverModule = fileURLToPath(new URL("../../src/net/resolver.js", import.meta.url));

  /** Runs `body` (module code with `s`, the sockit index, and `Resolver` in scope) in a child with NODE_DEBUG=sockit. */
  function runChild(body: string): { stderr: string; stdout: string; status: number | null } {
    const code = `const s = await import(${JSON.stringify(index)});
const { Resolver } = await import(${JSON.stringify(resolverModule)});
${body}`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, NODE_DEBUG: "sockit" },
    });
    return { stderr: r.stderr, stdout: r.stdout, status: r.status };
  }

  it("logs a dial failing over to the next address", () => {
    const hosts = hostsFile("two.test", ["127.0.0.2", "127.0.0.1"]);
    const r = runChild(`
const ln = await s.listen("tcp4", "127.0.0.1:0");
const d = new s.Dialer({ resolver: new Resolver({ preferGo: true, hostsFile: ${JSON.stringify(hosts)} }) });
const c = await d.dial("tcp4", "two.test:" + ln.addr().port);
console.log(c.remoteAddr().toString());
await c.close(); await ln.close();`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /SOCKIT \d+: dial tcp4 127\.0\.0\.2:\d+: connect: connection refused; trying the next address, 127\.0\.0\.1:\d+/);
  });

  it("logs a Happy Eyeballs fallback starting", async (t) => {
    if (!(await hasIPv6())) return t.skip("no IPv6 loopback");
    const hosts = hostsFile("dual.test", ["::1", "127.0.0.1"]);
    const r = runChild(`
const ln = await s.listen("tcp4", "127.0.0.1:0");
const resolver = new Resolver({ preferGo: true, hostsFile: ${JSON.stringify(hosts)} });
for (const happyEyeballs of ["go", "rfc8305"]) {
  const c = await new s.Dialer({ resolver, happyEyeballs }).dial("tcp", "dual.test:" + ln.addr().port);
  await c.close();
}
await ln.close();`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /SOCKIT \d+: dial tcp fallbacks \(127\.0\.0\.1:\d+\): starting, attempt 1 failed \(dial tcp \[::1\]:\d+: connect: connection refused\)/);
    assert.match(r.stderr, /SOCKIT \d+: dial tcp 127\.0\.0\.1:\d+: starting, attempt 1 failed/);
  });

  it("logs a deadline failing a waiting read", () => {
    const r = runChild(`
const ln = await s.listen("tcp", "127.0.0.1:0");
const acc = ln.accept();
const c = await s.dial("tcp", ln.addr().toString());
const peer = await acc;
c.setReadDeadline(Date.now() + 20);
await c.read(new Uint8Array(1)).catch((e) => console.log(e.message));
await c.close(); await peer.close(); await ln.close();`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /i\/o timeout/);
    assert.match(r.stderr, /SOCKIT \d+: fd \d+: read deadline passed; failing the waiting read/);
  });

  it("logs nothing without NODE_DEBUG", () => {
    const code = `const s = await import(${JSON.stringify(index)});
const ln = await s.listen("tcp", "127.0.0.1:0");
await s.dial("tcp", "127.0.0.1:1").catch(() => {});
await ln.close();`;
    const env = { ...process.env };
    delete env.NODE_DEBUG;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 20_000, env });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /SOCKIT/);
  });
});
