/**
 * The conformance suite: one set of behaviours, run over every stream network (after Netty's
 * transport suites and Go's conn_test.go / timeout_test.go).
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import {
  dial,
  listen,
  errorIs,
  ErrClosed,
  ErrDeadlineExceeded,
  OpError,
  TCPConn,
  UnixConn,
  type Conn,
  type Listener,
} from "../../src/index.js";
import type { SocketListener } from "../../src/index.js";
import { guardFdLeaks, testUnixAddr, abstractName, hasIPv6, readAll, readFull, settle } from "../helpers.js";

guardFdLeaks();

interface Net {
  name: string;
  network: string;
  address: () => string;
}

const nets: Net[] = [
  { name: "tcp", network: "tcp", address: () => "127.0.0.1:0" },
  { name: "tcp4", network: "tcp4", address: () => "127.0.0.1:0" },
  { name: "tcp6", network: "tcp6", address: () => "[::1]:0" },
  { name: "unix", network: "unix", address: testUnixAddr },
  { name: "unix abstract", network: "unix", address: abstractName },
];

/** pair dials a fresh listener and returns both ends. */
async function pair(n: Net): Promise<{ ln: Listener; client: Conn; server: Conn; close(): Promise<void> }> {
  const ln = await listen(n.network, n.address());
  const accepted = ln.accept();
  const client = await dial(n.network, ln.addr().toString());
  const server = await accepted;
  return {
    ln,
    client,
    server,
    async close() {
      await client[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
      await ln[Symbol.asyncDispose]();
    },
  };
}

const enc = (s: string) => new TextEncoder().encode(s);

for (const n of nets) {
  describe(`conn over ${n.name}`, () => {
    let skip: string | false = false;
    before(async () => {
      if (n.network === "tcp6" && !(await hasIPv6())) skip = "IPv6 loopback (::1) is not available here";
    });

    it("moves bytes both ways and reports addresses", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        assert.equal(await p.client.write(enc("ping")), 4);
        assert.deepEqual(await readFull(p.server, 4), Buffer.from("ping"));
        await p.server.write(enc("pong!"));
        assert.deepEqual(await readFull(p.client, 5), Buffer.from("pong!"));
        assert.equal(p.client.remoteAddr()?.toString(), p.ln.addr().toString());
        assert.equal(p.server.localAddr()?.toString(), p.ln.addr().toString());
        if (n.network !== "unix") assert.equal(p.server.remoteAddr()?.toString(), p.client.localAddr()?.toString());
        assert.equal(p.client.localAddr()?.network(), n.network === "unix" ? "unix" : "tcp");
      } finally {
        await p.close();
      }
    });

    it("reads end of stream as null, again and again", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        await p.server.write(enc("last"));
        await p.server.close();
        assert.deepEqual(await readAll(p.client), Buffer.from("last"));
        assert.equal(await p.client.read(new Uint8Array(8)), null);
      } finally {
        await p.close();
      }
    });

    it("half-closes: closeWrite gives the peer EOF and keeps the other direction", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        const c = p.client as TCPConn;
        await c.write(enc("request"));
        await c.closeWrite();
        assert.deepEqual(await readAll(p.server), Buffer.from("request"));
        await p.server.write(enc("response"));
        await p.server.close();
        assert.deepEqual(await readAll(c), Buffer.from("response"));
        await assert.rejects(c.write(enc("x")), (e: OpError) => /: write: broken pipe$/.test(e.message));
      } finally {
        await p.close();
      }
    });

    it("closeRead makes local reads see end of stream", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        await (p.client as TCPConn).closeRead();
        assert.equal(await p.client.read(new Uint8Array(8)), null);
      } finally {
        await p.close();
      }
    });

    it("a zero-length read returns 0 without consuming data", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        await p.server.write(enc("x"));
        assert.equal(await p.client.read(new Uint8Array(0)), 0);
        assert.deepEqual(await readFull(p.client, 1), Buffer.from("x"));
      } finally {
        await p.close();
      }
    });

    it("data arriving after a short read is read, whether or not the loop turned between", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        const buf = new Uint8Array(64);
        await p.server.write(enc("a"));
        assert.equal(await p.client.read(buf), 1, "a short read: the socket is now drained");
        // The next byte is written before the read is called, in the same turn of the loop.
        await p.server.write(enc("b"));
        assert.equal(await p.client.read(buf), 1);
        assert.equal(buf[0], 0x62);
        // And after the loop has turned (the readiness came while nobody was reading).
        await p.server.write(enc("c"));
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(await p.client.read(buf), 1);
        assert.equal(buf[0], 0x63);
        // A full read (the buffer filled) leaves the socket possibly not drained: the rest follows.
        await p.server.write(new Uint8Array(100).fill(7));
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(await p.client.read(buf), 64);
        assert.equal(await p.client.read(buf), 36);
      } finally {
        await p.close();
      }
    });

    it("never interleaves concurrent writes", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        const size = 256 * 1024;
        const writers = 8;
        const reading = readFull(p.server, size * writers);
        await Promise.all(Array.from({ length: writers }, (_, i) => p.client.write(new Uint8Array(size).fill(i + 1))));
        const got = await reading;
        const seen = new Set<number>();
        for (let off = 0; off < got.length; off += size) {
          const v = got[off]!;
          assert.ok(got.subarray(off, off + size).every((b) => b === v), `write ${v} was split`);
          seen.add(v);
        }
        assert.equal(seen.size, writers);
      } finally {
        await p.close();
      }
    });

    it("serves concurrent reads whole and in call order", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        const bufs = [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)];
        const reads = bufs.map((b) => p.client.read(b));
        await p.server.write(enc("a"));
        await reads[0];
        await p.server.write(enc("b"));
        await reads[1];
        await p.server.write(enc("c"));
        await reads[2];
        assert.deepEqual(bufs.map((b) => String.fromCharCode(b[0]!)), ["a", "b", "c"]);
      } finally {
        await p.close();
      }
    });

    it("iterates chunks until end of stream", async (t) => {
      if (skip) return t.skip(skip);
      const p = await pair(n);
      try {
        const data = new Uint8Array(300_000).map((_, i) => i % 251);
        const w = p.server.write(data).then(() => p.server.close());
        const parts: Uint8Array[] = [];
        for await (const chunk of p.client as TCPConn | UnixConn) parts.push(chunk);
        await w;
        assert.deepEqual(Buffer.concat(parts), Buffer.from(data));
      } finally {
        await p.close();
      }
    });

    describe("deadlines", () => {
      it("a passed deadline fails at once, even with data buffered", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          await p.server.write(enc("buffered"));
          await new Promise((r) => setTimeout(r, 20));
          p.client.setReadDeadline(Date.now() - 5000);
          const err = await p.client.read(new Uint8Array(8)).then(
            () => assert.fail("read succeeded past its deadline"),
            (e: unknown) => e as OpError,
          );
          assert.ok(err instanceof OpError);
          assert.ok(errorIs(err, ErrDeadlineExceeded));
          assert.equal(err.timeout(), true);
          const l = p.client.localAddr()!.toString();
          const r = p.client.remoteAddr()!.toString();
          assert.equal(err.message, `read ${n.network} ${l}->${r}: i/o timeout`);
          // Moving the deadline revives the conn, and the buffered data is still there.
          p.client.setReadDeadline(null);
          assert.deepEqual(await readFull(p.client, 8), Buffer.from("buffered"));
        } finally {
          await p.close();
        }
      });

      it("a future deadline fails a waiting read, and stays passed until moved", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          const start = Date.now();
          p.client.setReadDeadline(Date.now() + 100);
          await assert.rejects(p.client.read(new Uint8Array(1)), (e) => errorIs(e, ErrDeadlineExceeded));
          const took = Date.now() - start;
          assert.ok(took >= 90 && took < 2000, `deadline fired after ${took} ms`);
          await assert.rejects(p.client.read(new Uint8Array(1)), (e) => errorIs(e, ErrDeadlineExceeded));
          p.client.setReadDeadline(Date.now() + 10_000);
          const r = p.client.read(new Uint8Array(1));
          await p.server.write(enc("z"));
          assert.equal(await r, 1);
        } finally {
          await p.close();
        }
      });

      it("applies to a call already waiting, and clearing it lets the call wait on", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          const pending = p.client.read(new Uint8Array(1));
          assert.equal(await settle(pending), "pending");
          p.client.setReadDeadline(Date.now() + 30);
          p.client.setReadDeadline(null);
          assert.equal(await settle(pending, 100), "pending");
          p.client.setDeadline(new Date(Date.now() - 1));
          await assert.rejects(pending, (e) => errorIs(e, ErrDeadlineExceeded));
        } finally {
          await p.close();
        }
      });

      it("a write deadline stops a write the peer never reads, reporting bytes written", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          p.client.setWriteDeadline(Date.now() + 100);
          const err = await p.client.write(new Uint8Array(64 << 20)).then(
            () => assert.fail("a 64 MiB write into a stalled peer finished"),
            (e: unknown) => e as OpError,
          );
          assert.ok(errorIs(err, ErrDeadlineExceeded));
          assert.match(err.message, new RegExp(`^write ${n.network} .*: i/o timeout$`));
          assert.ok(err.bytesWritten > 0 && err.bytesWritten < 64 << 20, `bytesWritten ${err.bytesWritten}`);
        } finally {
          await p.close();
        }
      });

      it("read and write deadlines are independent", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          p.client.setReadDeadline(1);
          assert.equal(await p.client.write(enc("ok")), 2);
          p.client.setWriteDeadline(1);
          p.client.setReadDeadline(null);
          await assert.rejects(p.client.write(enc("no")), (e) => errorIs(e, ErrDeadlineExceeded));
          await p.server.write(enc("r"));
          assert.equal(await p.client.read(new Uint8Array(1)), 1);
        } finally {
          await p.close();
        }
      });
    });

    describe("close", () => {
      it("wakes a pending read and a pending write with ErrClosed", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          const reading = p.client.read(new Uint8Array(1));
          const writing = p.client.write(new Uint8Array(64 << 20));
          assert.equal(await settle(reading), "pending");
          await p.client.close();
          const l = p.client.localAddr()!.toString();
          const r = p.client.remoteAddr()!.toString();
          await assert.rejects(reading, (e: Error) => {
            assert.ok(errorIs(e, ErrClosed));
            assert.equal(e.message, `read ${n.network} ${l}->${r}: use of closed network connection`);
            return true;
          });
          await assert.rejects(writing, (e: Error) => errorIs(e, ErrClosed));
        } finally {
          await p.close();
        }
      });

      it("later calls and a second close reject with ErrClosed; dispose is idempotent", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          await p.client.close();
          await assert.rejects(p.client.read(new Uint8Array(1)), (e) => errorIs(e, ErrClosed));
          await assert.rejects(p.client.read(new Uint8Array(0)), (e) => errorIs(e, ErrClosed));
          await assert.rejects(p.client.write(enc("x")), (e) => errorIs(e, ErrClosed));
          await assert.rejects(p.client.close(), (e: Error) => e.message.startsWith(`close ${n.network} `));
          assert.throws(() => p.client.setDeadline(null), (e: Error) => e.message.startsWith(`set ${n.network} `));
          await p.client[Symbol.asyncDispose]();
          await p.client[Symbol.asyncDispose]();
        } finally {
          await p.close();
        }
      });

      it("wakes a pending accept, and a listener deadline times accept out", async (t) => {
        if (skip) return t.skip(skip);
        const ln: SocketListener<Conn> = await listen(n.network, n.address());
        try {
          ln.setDeadline(Date.now() + 50);
          await assert.rejects(ln.accept(), (e: Error) => {
            assert.equal(e.message, `accept ${n.network} ${ln.addr()}: i/o timeout`);
            return true;
          });
          ln.setDeadline(null);
          const pending = ln.accept();
          assert.equal(await settle(pending), "pending");
          await ln.close();
          await assert.rejects(pending, (e: Error) => {
            assert.equal(e.message, `accept ${n.network} ${ln.addr()}: use of closed network connection`);
            return true;
          });
        } finally {
          await ln[Symbol.asyncDispose]();
        }
      });

      it("ends listener iteration quietly when the listener closes", async (t) => {
        if (skip) return t.skip(skip);
        const ln = await listen(n.network, n.address());
        const seen: Conn[] = [];
        const loop = (async () => {
          for await (const c of ln) seen.push(c);
        })();
        const c1 = await dial(n.network, ln.addr().toString());
        while (seen.length < 1) await new Promise((r) => setTimeout(r, 5));
        await ln.close();
        await loop;
        await c1.close();
        for (const c of seen) await c.close();
      });
    });

    if (n.network.startsWith("tcp")) {
      it("a peer reset fails a pending read with ECONNRESET", async (t) => {
        if (skip) return t.skip(skip);
        const p = await pair(n);
        try {
          const reading = p.client.read(new Uint8Array(8));
          (p.server as TCPConn).setLinger(0);
          await p.server.close();
          await assert.rejects(reading, (e: OpError) => {
            assert.equal(e.code, "ECONNRESET");
            assert.match(e.message, /^read tcp[46]? .+->.+: read: connection reset by peer$/);
            return true;
          });
        } finally {
          await p.close();
        }
      });
    }
  });
}
