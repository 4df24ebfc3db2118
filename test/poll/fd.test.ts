/**
 * The poll layer's one mechanism, through the conns that use it: errors in a retried attempt
 * reject that call (never the process), bad arguments release the lock, queues stay O(1),
 * dropped conns are closed by the collector, iteration yields right-sized chunks, and the
 * error paths the kernel will not produce on demand, reached by fault injection.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  dial,
  listen,
  listenPacket,
  errorIs,
  ErrClosed,
  OpError,
  Errno,
  type TCPConn,
  type TCPListener,
  type UDPAddr,
} from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { injectFault } from "../../src/sys/fault.js";
import { guardFdLeaks, openFds, settle, within } from "../helpers.js";

guardFdLeaks();

/** A connected TCP pair on loopback. */
async function tcpPair(): Promise<{ ln: TCPListener; c: TCPConn; s: TCPConn; close(): Promise<void> }> {
  const ln = await listen("tcp", "127.0.0.1:0");
  const acc = ln.accept();
  const c = await dial("tcp", ln.addr().toString());
  const s = await acc;
  return {
    ln,
    c,
    s,
    async close() {
      await c[Symbol.asyncDispose]();
      await s[Symbol.asyncDispose]();
      await ln[Symbol.asyncDispose]();
    },
  };
}

describe("errors inside a retried attempt", () => {
  it("a parked read whose buffer was detached rejects with a TypeError and the process lives", async () => {
    const p = await tcpPair();
    const buf = new Uint8Array(16);
    const pending = p.s.read(buf);
    assert.equal(await settle(pending), "pending");
    structuredClone(buf.buffer, { transfer: [buf.buffer] });
    await p.c.write(new Uint8Array([1, 2, 3]));
    await assert.rejects(within(pending, 5000, "the detached read"), TypeError);
    // The lock went with the failure: the next read gets the bytes.
    const n = await within(p.s.read(new Uint8Array(16)), 5000, "the next read");
    assert.equal(n, 3);
    await p.close();
  });

  it("a queued read with a detached buffer rejects without holding up the reads after it", async () => {
    const p = await tcpPair();
    const first = p.s.read(new Uint8Array(4));
    const bad = new Uint8Array(4);
    const second = p.s.read(bad);
    const third = p.s.read(new Uint8Array(4));
    structuredClone(bad.buffer, { transfer: [bad.buffer] });
    await p.c.write(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    assert.equal(await within(first, 5000, "first"), 4);
    await assert.rejects(within(second, 5000, "second"), TypeError);
    assert.equal(await within(third, 5000, "third"), 4);
    await p.close();
  });
});

describe("bad arguments from plain JavaScript", () => {
  for (const [what, bad] of [
    ["a string", "abc"],
    ["a number", 42],
    ["undefined", undefined],
    ["a Uint16Array", new Uint16Array(4)],
    ["a DataView", new DataView(new ArrayBuffer(4))],
    ["an Int8Array", new Int8Array(4)],
  ] as const) {
    it(`read(${what}) rejects with a TypeError and leaves the lock free`, async () => {
      const p = await tcpPair();
      const r = p.s.read(bad as unknown as Uint8Array);
      assert.ok(r instanceof Promise);
      await assert.rejects(r, (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === "ERR_INVALID_ARG_TYPE");
      await p.c.write(new Uint8Array([7]));
      assert.equal(await within(p.s.read(new Uint8Array(4)), 5000, "a good read after a bad one"), 1);
      await assert.rejects(p.s.write(bad as unknown as Uint8Array), TypeError);
      await p.close();
    });
  }

  it("setDeadline with a string throws a TypeError; a pending read is still woken by close", async () => {
    const p = await tcpPair();
    assert.throws(() => p.s.setDeadline("x" as unknown as number), TypeError);
    const pending = p.s.read(new Uint8Array(1));
    await p.s.close();
    await assert.rejects(within(pending, 5000, "read woken by close"), (e: unknown) => errorIs(e, ErrClosed));
    await p.close();
  });
});

describe("queues", () => {
  it("100,000 queued reads are served and woken in O(1) each", async () => {
    const p = await tcpPair();
    const reads: Promise<number | null>[] = [];
    const buf = new Uint8Array(1);
    for (let i = 0; i < 100_000; i++) reads.push(p.s.read(buf));
    await p.c.write(new Uint8Array(1000));
    const start = Date.now();
    await within(Promise.all(reads.slice(0, 1000)), 10_000, "the first 1,000 reads");
    await p.s.close();
    const results = await within(Promise.allSettled(reads), 10_000, "100,000 reads settle");
    // The quadratic queue took 14 s for this; a linear one well under a second.
    assert.ok(Date.now() - start < 8000);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1000);
    assert.equal(results.filter((r) => r.status === "rejected").length, 99_000);
    await p.close();
  });
});

describe("finalizer", () => {
  it("500 dialed and 500 accepted conns dropped without close are closed by the collector", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const ln = await listen("tcp", "127.0.0.1:0");
    const before = openFds();
    await (async () => {
      for (let i = 0; i < 500; i++) {
        const acc = ln.accept();
        const c = await dial("tcp", ln.addr().toString());
        const s = await acc;
        // Each side waits once, so each has had a poll handle; neither is closed.
        await c.write(new Uint8Array([1]));
        await s.read(new Uint8Array(1));
      }
    })();
    assert.ok(openFds() >= before + 1000);
    for (let i = 0; i < 10 && openFds() > before + 10; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(openFds() <= before + 10, `${openFds() - before} of 1,000 dropped fds still open`);
    await ln.close();
  });
});

describe("chunks", () => {
  it("2,000 one-byte writes iterate as 2,000-odd small chunks, not 64 KiB views", async () => {
    const p = await tcpPair();
    const kept: Uint8Array[] = [];
    const reader = (async () => {
      for await (const chunk of p.s) kept.push(chunk);
    })();
    for (let i = 0; i < 2000; i++) await p.c.write(new Uint8Array([i & 0xff]));
    await p.c.closeWrite();
    await within(reader, 10_000, "iteration to end of stream");
    const bytes = kept.reduce((a, c) => a + c.length, 0);
    const held = kept.reduce((a, c) => a + c.buffer.byteLength, 0);
    assert.equal(bytes, 2000);
    assert.ok(held < 64 * 1024 * 4, `kept chunks pin ${held} bytes for 2,000 bytes of data`);
    await p.close();
  });

  it("a bulk read fills and hands out its buffer without a copy", async () => {
    const p = await tcpPair();
    const it = p.s.chunks();
    await p.c.write(new Uint8Array(200_000));
    const first = await it.next();
    assert.ok(!first.done);
    const { length, buffer } = first.value;
    // Half the buffer or more: handed out as is; less: copied out right-sized.
    assert.equal(buffer.byteLength, length * 2 >= 64 * 1024 ? 64 * 1024 : length);
    await it.return(undefined);
    await p.close();
  });
});

describe("fault injection: the error paths the kernel will not produce on demand", () => {
  it("ECONNABORTED from accept is retried: accept gets the next conn", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const c = await dial("tcp", ln.addr().toString());
    const undo = injectFault("accept", E.ECONNABORTED!);
    const s = await within(ln.accept(), 5000, "accept after ECONNABORTED");
    undo();
    await s.close();
    await c.close();
    await ln.close();
  });

  it("EMFILE from accept rejects accept with Go's text; iteration pauses and goes on", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const c1 = await dial("tcp", ln.addr().toString());
    injectFault("accept", E.EMFILE!);
    const err = await ln.accept().catch((e: unknown) => e);
    assert.ok(err instanceof OpError);
    assert.equal(err.message, `accept tcp ${ln.addr().toString()}: accept4: too many open files`);
    assert.ok(err.temporary());
    injectFault("accept", E.EMFILE!, 3);
    const it = ln[Symbol.asyncIterator]();
    const got = await within(it.next(), 5000, "iteration past three EMFILEs");
    assert.ok(!got.done);
    await got.value.close();
    await it.return(undefined);
    await c1.close();
    await ln.close();
  });

  it("a permanent accept error ends iteration with it", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const c = await dial("tcp", ln.addr().toString());
    injectFault("accept", E.EINVAL!);
    await assert.rejects(
      (async () => {
        for await (const _ of ln) assert.fail("no conn expected");
      })(),
      (e: unknown) => errorIs(e, new Errno(E.EINVAL!)),
    );
    await c.close();
    await ln.close();
  });

  it("EAGAIN after readiness parks the read again; the data is read on the next wakeup", async () => {
    const p = await tcpPair();
    const pending = p.s.read(new Uint8Array(8));
    assert.equal(await settle(pending), "pending");
    const undo = injectFault("read", E.EAGAIN!);
    await p.c.write(new Uint8Array([1, 2]));
    // The readiness retry meets EAGAIN (readiness is only a hint) and waits again; the poller,
    // level-triggered, reports the bytes once more, and the retry gets them.
    assert.equal(await within(pending, 5000, "read after a spurious wakeup"), 2);
    undo();
    await p.close();
  });

  it("ECONNRESET in the middle of a stream: Go's read error, then reads go on", async () => {
    const p = await tcpPair();
    await p.c.write(new Uint8Array([1]));
    injectFault("read", E.ECONNRESET!);
    const err = await p.s.read(new Uint8Array(8)).catch((e: unknown) => e);
    assert.ok(err instanceof OpError);
    assert.equal(err.message, `read tcp ${p.s.localAddr()}->${p.s.remoteAddr()}: read: connection reset by peer`);
    assert.equal(err.code, "ECONNRESET");
    assert.equal(await p.s.read(new Uint8Array(8)), 1);
    await p.close();
  });

  it("ENOBUFS from sendmsg: Go's write error, with the destination", async () => {
    const pc = await listenPacket("udp", "127.0.0.1:0");
    injectFault("sendmsg", E.ENOBUFS!);
    const to = pc.localAddr() as UDPAddr;
    const err = await pc.writeTo(new Uint8Array(4), to).catch((e: unknown) => e);
    assert.ok(err instanceof OpError);
    assert.equal(err.message, `write udp ${to}->${to}: sendto: no buffer space available`);
    assert.equal(await pc.writeTo(new Uint8Array(4), to), 4);
    await pc.close();
  });

  it("EPIPE from send mid-write reports the bytes written first", async () => {
    const p = await tcpPair();
    injectFault("send", E.EPIPE!);
    const err = await p.c.write(new Uint8Array(10)).catch((e: unknown) => e);
    assert.ok(err instanceof OpError);
    assert.match(err.message, /write: broken pipe$/);
    assert.equal(err.bytesWritten, 0);
    await p.close();
  });

  it("a poll handle libuv refuses fails the waiting call, not the process", async () => {
    const p = await tcpPair();
    injectFault("pollOpen", E.ENOMEM!);
    const err = await p.s.read(new Uint8Array(1)).catch((e: unknown) => e);
    assert.ok(err instanceof OpError);
    assert.match(err.message, /cannot allocate memory$/);
    await p.c.write(new Uint8Array([5]));
    assert.equal(await within(p.s.read(new Uint8Array(1)), 5000, "read after a failed poll open"), 1);
    await p.close();
  });
});
