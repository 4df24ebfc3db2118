/**
 * unixpacket (SOCK_SEQPACKET; Go's unixsock_test.go, GO-REFERENCE §B.5, §B.6): listen, dial and
 * accept by path and @abstract name, both ways against python3's `socket`; record boundaries
 * (one write is one message, one read is one message, a short buffer drops the tail); a
 * zero-length record reads as end of stream as in Go; 10,000 records of varying sizes with none
 * merged, split or lost; SCM_RIGHTS fd passing with readMsg/writeMsg (sockit, python3, unix
 * stream); and Go's error texts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readSync } from "node:fs";
import { dial, listen, listenPacket, errorIs, ErrClosed, ErrDeadlineExceeded, ErrWriteToConnected, UnixAddr, UnixConn, unixRights, parseControlMessages, parseUnixRights, type Addr } from "../../src/index.js";
import { C } from "../../src/sys/constants.js";
import { binding } from "../../src/sys/binding.js";
import { guardFdLeaks, testUnixAddr, abstractName, settle, within } from "../helpers.js";
import { hex, rejectsWith, usePyPeer } from "./dgram_peers.js";

guardFdLeaks();

const linux = process.platform === "linux";
const te = new TextEncoder();
const enc = (s: string) => te.encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();
const LIMIT = 5000;
const AUTOBIND = /^@[0-9a-f]{5}$/;

function unixAddr(a: Addr | null): UnixAddr {
  assert.ok(a instanceof UnixAddr, `expected a UnixAddr, got ${String(a)}`);
  return a;
}

/** Reads one record, bounded: its text, or null at end of stream. */
async function readRecord(c: UnixConn, size = 4096): Promise<string | null> {
  const buf = new Uint8Array(size);
  const n = await within(c.read(buf), LIMIT, "read");
  return n === null ? null : text(buf.subarray(0, n));
}

/** A listener on `name`, a dialed conn and the accepted conn. */
async function pair(name = testUnixAddr()): Promise<{ ln: Awaited<ReturnType<typeof listen>>; c: UnixConn; s: UnixConn; [Symbol.asyncDispose](): Promise<void> }> {
  const ln = await listen("unixpacket", name);
  const accepted = ln.accept();
  const c = await dial("unixpacket", name);
  const s = await within(accepted, LIMIT, "accept");
  return {
    ln,
    c,
    s,
    async [Symbol.asyncDispose]() {
      await c[Symbol.asyncDispose]();
      await s[Symbol.asyncDispose]();
      await ln[Symbol.asyncDispose]();
    },
  };
}

const kinds = [
  { title: "path", name: testUnixAddr, skip: false as string | false },
  { title: "@abstract", name: abstractName, skip: linux ? false : "skipped: abstract unix names are Linux-only" },
];

for (const k of kinds) {
  describe(`unixpacket ${k.title} interop with python3 (SOCK_SEQPACKET)`, { skip: k.skip }, () => {
    const py = usePyPeer();

    it("a python3 client to a sockit listener: records both ways, an empty record, then EOF", async () => {
      const name = k.name();
      await using ln = await listen("unixpacket", name);
      const accepted = ln.accept();
      const p = await py().socket("unix", "seqpacket", null);
      try {
        await py().call({ op: "connect", id: p.id, to: name });
        await using s = await within(accepted, LIMIT, "accept");
        assert.equal(unixAddr(s.localAddr()).name, name);
        assert.equal(unixAddr(s.remoteAddr()).name, "@", "an unbound client reads as @ (Go's anyToSockaddr)");
        for (const r of ["first", "second record", "", "after the empty one"]) {
          await py().call({ op: "send", id: p.id, data: hex(r) });
        }
        assert.equal(await readRecord(s), "first");
        assert.equal(await readRecord(s), "second record");
        assert.equal(await readRecord(s), null, "a zero-length record reads as end of stream");
        assert.equal(await readRecord(s), "after the empty one", "and the conn reads on after it");
        await s.write(enc("r1"));
        await s.write(enc("r-two"));
        for (const want of ["r1", "r-two"]) {
          const got = await py().call({ op: "recvmsg", id: p.id, size: 100 });
          assert.equal(Buffer.from(got.data!, "hex").toString(), want);
        }
        await py().call({ op: "close", id: p.id });
        assert.equal(await readRecord(s), null, "python closed: end of stream");
      } finally {
        await py().call({ op: "close", id: p.id }, { allowError: true });
      }
    });

    it("sockit dials a python3 listener: records both ways; truncation on both sides", async () => {
      const p = await py().socket("unix", "seqpacket", k.name());
      const a = py().id();
      try {
        await py().call({ op: "listen", id: p.id });
        await using c = await dial("unixpacket", p.addr!);
        const acc = await py().call({ op: "accept", id: p.id, newid: a });
        assert.equal(acc.peer, null, "sockit's dialed unixpacket conn is unbound, as Go's");
        assert.equal(unixAddr(c.localAddr()).name, "@");
        assert.equal(unixAddr(c.remoteAddr()).name, p.addr);
        await c.write(enc("abc"));
        await c.write(enc("defghij"));
        await c.write(enc("0123456789"));
        for (const want of ["abc", "defghij"]) {
          const got = await py().call({ op: "recvmsg", id: a, size: 100 });
          assert.equal(Buffer.from(got.data!, "hex").toString(), want);
        }
        const t = await py().call({ op: "recvmsg", id: a, size: 4 });
        assert.equal(Buffer.from(t.data!, "hex").toString(), "0123");
        assert.ok(t.flags! & C.MSG_TRUNC!, "python sees MSG_TRUNC too");
        await py().call({ op: "send", id: a, data: hex("0123456789") });
        await py().call({ op: "send", id: a, data: hex("next") });
        const small = new Uint8Array(4);
        const m = await within(c.readMsg(small, new Uint8Array(0)), LIMIT, "readMsg");
        assert.equal(m.n, 4);
        assert.equal(text(small), "0123");
        assert.ok(m.flags & C.MSG_TRUNC!, `MSG_TRUNC in flags ${m.flags}`);
        assert.equal(await readRecord(c), "next", "the tail was dropped");
      } finally {
        await py().call({ op: "close", id: a }, { allowError: true });
        await py().call({ op: "close", id: p.id });
      }
    });
  });
}

describe("unixpacket", () => {
  it("listen, dial and accept: Go's addresses; close removes the socket file", async () => {
    const path = testUnixAddr();
    const p = await pair(path);
    const la = unixAddr(p.ln.addr());
    assert.equal(la.name, path);
    assert.equal(la.network(), "unixpacket");
    assert.equal(unixAddr(p.c.localAddr()).toString(), "@");
    assert.equal(unixAddr(p.c.remoteAddr()).name, path);
    assert.equal(unixAddr(p.c.remoteAddr()).network(), "unixpacket");
    assert.equal(unixAddr(p.s.localAddr()).name, path);
    assert.equal(unixAddr(p.s.remoteAddr()).toString(), "@");
    await p[Symbol.asyncDispose]();
    assert.ok(!existsSync(path), "a listener made by listen unlinks its file");
  });

  it('listen("unixpacket", "") autobinds; @abstract names work', async (t) => {
    if (!linux) return t.skip("skipped: abstract unix names are Linux-only");
    await using ln = await listen("unixpacket", "");
    assert.match(ln.addr().toString(), AUTOBIND);
    await using p = await pair(abstractName());
    await p.c.write(enc("abstract"));
    assert.equal(await readRecord(p.s), "abstract");
  });

  it("one write is one record; a short buffer gets the head and the tail is dropped", async () => {
    await using p = await pair();
    for (const r of ["abc", "defg", "hijkl"]) await p.c.write(enc(r));
    const buf = new Uint8Array(2);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(text(buf.subarray(0, (await within(p.s.read(buf), LIMIT, "read"))!)));
    assert.deepEqual(got, ["ab", "de", "hi"]);
    for (const r of ["x", "yy", "zzz"]) await p.s.write(enc(r));
    assert.deepEqual([await readRecord(p.c), await readRecord(p.c), await readRecord(p.c)], ["x", "yy", "zzz"]);
  });

  it("a zero-length record reads as end of stream (null), and reading goes on after it", async () => {
    await using p = await pair();
    assert.equal(await p.c.write(new Uint8Array(0)), 0);
    await p.c.write(enc("after"));
    assert.equal(await readRecord(p.s), null);
    assert.equal(await readRecord(p.s), "after");
    // Iteration stops at the empty record.
    await p.c.write(enc("1"));
    await p.c.write(enc("22"));
    await p.c.write(new Uint8Array(0));
    const items: string[] = [];
    for await (const chunk of p.s) items.push(text(chunk));
    assert.deepEqual(items, ["1", "22"]);
  });

  it("10,000 records of varying sizes: none merged, split or lost", async () => {
    await using p = await pair();
    const count = 10_000;
    const size = (i: number) => 1 + ((i * 7919) % 2048);
    const record = (i: number) => {
      const b = new Uint8Array(size(i)).fill(i & 0xff);
      if (b.length >= 4) new DataView(b.buffer).setUint32(0, i);
      return b;
    };
    const writer = (async () => {
      for (let i = 0; i < count; i++) await p.c.write(record(i));
      await p.c.close();
    })();
    const reader = (async () => {
      const buf = new Uint8Array(4096);
      for (let i = 0; i < count; i++) {
        const n = await p.s.read(buf);
        assert.notEqual(n, null, `end of stream after ${i} records`);
        const want = record(i);
        if (n !== want.length || !Buffer.from(buf.subarray(0, n)).equals(want)) {
          assert.fail(`record ${i}: ${n} bytes starting ${Buffer.from(buf.subarray(0, 8)).toString("hex")}, want ${want.length} bytes`);
        }
      }
      assert.equal(await p.s.read(buf), null, "nothing after the last record");
    })();
    await within(Promise.all([writer, reader]), 20_000, "10,000 records");
  });

  it("readFrom gives each record with no sender; at end of stream n = 0 and addr null", async () => {
    // Go: UnixConn.ReadFrom at end of stream fails with "read unixpacket L->R: EOF"; sockit's
    // readFrom documents { n: 0, addr: null } instead (packetconn.ts).
    await using p = await pair();
    await p.c.write(enc("rec"));
    const buf = new Uint8Array(16);
    const r = await within(p.s.readFrom(buf), LIMIT, "readFrom");
    assert.equal(text(buf.subarray(0, r.n)), "rec");
    await p.c.close();
    assert.deepEqual(await within(p.s.readFrom(buf), LIMIT, "readFrom"), { n: 0, addr: null });
  });

  it("after the peer closes: reads see end of stream, writes fail with broken pipe", async () => {
    await using p = await pair();
    const ends = `${p.c.localAddr()}->${p.c.remoteAddr()}`;
    await p.s.close();
    assert.equal(await readRecord(p.c), null);
    const e = await rejectsWith(p.c.write(enc("x")), `write unixpacket ${ends}: write: broken pipe`);
    assert.equal(e.code, "EPIPE");
  });

  it("writeTo on a dialed conn is ErrWriteToConnected", async () => {
    await using p = await pair();
    const e = await rejectsWith(
      p.c.writeTo(enc("x"), p.ln.addr()),
      `write unixpacket @->${p.ln.addr()}: use of WriteTo with pre-connected connection`,
    );
    assert.ok(errorIs(e, ErrWriteToConnected));
  });

  it("deadlines and close on a pending read", async () => {
    await using p = await pair();
    const ends = `${p.c.localAddr()}->${p.c.remoteAddr()}`;
    const pending = p.c.read(new Uint8Array(8));
    assert.equal(await settle(pending), "pending");
    p.c.setReadDeadline(Date.now() - 1);
    const e = await rejectsWith(within(pending, LIMIT, "read"), `read unixpacket ${ends}: i/o timeout`);
    assert.ok(errorIs(e, ErrDeadlineExceeded));
    p.c.setReadDeadline(null);
    const pending2 = p.c.readFrom(new Uint8Array(8));
    assert.equal(await settle(pending2), "pending");
    await p.c.close();
    const e2 = await rejectsWith(within(pending2, LIMIT, "readFrom"), `read unixpacket ${ends}: use of closed network connection`);
    assert.ok(errorIs(e2, ErrClosed));
  });

  it("Go's errors: missing address, no such file, wrong socket type, name too long", async () => {
    await rejectsWith(dial("unixpacket", ""), "dial unixpacket: missing address");
    const missing = testUnixAddr();
    await rejectsWith(dial("unixpacket", missing), `dial unixpacket ${missing}: connect: no such file or directory`);
    const g = testUnixAddr();
    await using pc = await listenPacket("unixgram", g);
    await rejectsWith(dial("unixpacket", g), `dial unixpacket ${g}: connect: protocol wrong type for socket`);
    const long = testUnixAddr() + "y".repeat(120);
    await rejectsWith(listen("unixpacket", long), `listen unixpacket ${long}: bind: invalid argument`);
    const used = testUnixAddr();
    await using ln = await listen("unixpacket", used);
    await rejectsWith(listen("unixpacket", used), `listen unixpacket ${used}: bind: address already in use`);
  });
});

// ---------------------------------------------------------------------------------------------
// SCM_RIGHTS.

/** The fds carried by the SCM_RIGHTS messages in `oob[0, oobn)`, through the public helpers. */
function receivedFds(oob: Uint8Array, oobn: number): number[] {
  const msgs = parseControlMessages(oob, oobn);
  for (const m of msgs) {
    assert.equal(m.level, C.SOL_SOCKET);
    assert.equal(m.type, C.SCM_RIGHTS);
  }
  return msgs.flatMap(parseUnixRights);
}

/** Whether `fd` is close-on-exec, from /proc/self/fdinfo (received fds must be: MSG_CMSG_CLOEXEC). */
function isCloexec(fd: number): boolean {
  const flags = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!;
  return (Number.parseInt(flags, 8) & 0o2000000) !== 0;
}

/** A unix stream socketpair from the binding: [a, b], both non-blocking. */
function socketpair(): [number, number] {
  const out = new Int32Array(2);
  assert.equal(binding.socketpair(C.AF_UNIX!, C.SOCK_STREAM!, 0, out), 0);
  return [out[0]!, out[1]!];
}

/** Reads what is already waiting on a non-blocking fd. */
function readNow(fd: number): string {
  const buf = new Uint8Array(256);
  const n = binding.read(fd, buf, 0, buf.length);
  assert.ok(n >= 0, `read: errno ${-n}`);
  return text(buf.subarray(0, n));
}

describe("unixpacket SCM_RIGHTS with readMsg/writeMsg", () => {
  const py = usePyPeer();

  it("sockit to sockit: a socket fd passed over unixpacket is usable on the other side", async () => {
    await using p = await pair();
    const [a, b] = socketpair();
    let got = -1;
    try {
      const rights = unixRights(a);
      assert.deepEqual(await p.c.writeMsg(enc("fd"), rights, null), { n: 2, oobn: rights.length });
      const buf = new Uint8Array(16);
      const oob = new Uint8Array(64);
      const m = await within(p.s.readMsg(buf, oob), LIMIT, "readMsg");
      assert.equal(text(buf.subarray(0, m.n)), "fd");
      assert.equal(m.flags & C.MSG_CTRUNC!, 0);
      const fds = receivedFds(oob, m.oobn);
      assert.equal(fds.length, 1);
      got = fds[0]!;
      assert.notEqual(got, a, "a new descriptor for the same socket");
      assert.ok(isCloexec(got), "received fds are close-on-exec");
      const msg = enc("through the passed fd");
      assert.equal(binding.write(got, msg, 0, msg.length), msg.length);
      assert.equal(readNow(b), "through the passed fd");
    } finally {
      if (got >= 0) binding.close(got);
      binding.close(a);
      binding.close(b);
    }
  });

  it("python3 passes a pipe's read end; sockit reads the pipe through it", async () => {
    await using ln = await listen("unixpacket", testUnixAddr());
    const accepted = ln.accept();
    const p = await py().socket("unix", "seqpacket", null);
    let got = -1;
    try {
      await py().call({ op: "connect", id: p.id, to: ln.addr().toString() });
      await using s = await within(accepted, LIMIT, "accept");
      await py().call({ op: "send_pipe", id: p.id, data: hex("pipe"), text: "written into the pipe by python" });
      const buf = new Uint8Array(16);
      const oob = new Uint8Array(64);
      const m = await within(s.readMsg(buf, oob), LIMIT, "readMsg");
      assert.equal(text(buf.subarray(0, m.n)), "pipe");
      const fds = receivedFds(oob, m.oobn);
      assert.equal(fds.length, 1);
      got = fds[0]!;
      assert.ok(isCloexec(got));
      const data = Buffer.alloc(100);
      const n = readSync(got, data);
      assert.equal(data.subarray(0, n).toString(), "written into the pipe by python");
      assert.equal(readSync(got, data), 0, "the write end was closed: end of file");
    } finally {
      if (got >= 0) binding.close(got);
      await py().call({ op: "close", id: p.id });
    }
  });

  it("sockit passes a socket fd to python3, which writes through it", async () => {
    const l = await py().socket("unix", "seqpacket", testUnixAddr());
    const a = py().id();
    const [x, y] = socketpair();
    try {
      await py().call({ op: "listen", id: l.id });
      await using c = await dial("unixpacket", l.addr!);
      await py().call({ op: "accept", id: l.id, newid: a });
      await c.writeMsg(enc("take this"), unixRights(x), null);
      const r = await py().call({ op: "recv_fd_and_send", id: a, size: 64, text: "python wrote this" });
      assert.equal(Buffer.from(r.data!, "hex").toString(), "take this");
      assert.equal(readNow(y), "python wrote this");
    } finally {
      binding.close(x);
      binding.close(y);
      await py().call({ op: "close", id: a }, { allowError: true });
      await py().call({ op: "close", id: l.id });
    }
  });

  it("over unix stream: control data alone travels with one dummy byte (n = 0), as Go does", async () => {
    await using ln = await listen("unix", testUnixAddr());
    const accepted = ln.accept();
    await using c = await dial("unix", ln.addr().toString());
    await using s = await within(accepted, LIMIT, "accept");
    const [a, b] = socketpair();
    let got = -1;
    try {
      const rights = unixRights(a);
      assert.deepEqual(await c.writeMsg(new Uint8Array(0), rights, null), { n: 0, oobn: rights.length });
      const oob = new Uint8Array(64);
      const m = await within(s.readMsg(new Uint8Array(0), oob), LIMIT, "readMsg");
      assert.equal(m.n, 0);
      const fds = receivedFds(oob, m.oobn);
      assert.equal(fds.length, 1);
      got = fds[0]!;
      const msg = enc("stream-passed");
      binding.write(got, msg, 0, msg.length);
      assert.equal(readNow(b), "stream-passed");
      // The dummy byte was consumed with the control data: the stream carries on cleanly.
      await c.write(enc("next"));
      const buf = new Uint8Array(8);
      assert.equal(text(buf.subarray(0, (await within(s.read(buf), LIMIT, "read"))!)), "next");
    } finally {
      if (got >= 0) binding.close(got);
      binding.close(a);
      binding.close(b);
    }
  });

  it("a control buffer too small for the fds sets MSG_CTRUNC; the fds that fit arrive", async () => {
    await using p = await pair();
    const [a, b] = socketpair();
    const got: number[] = [];
    try {
      await p.c.writeMsg(enc("two fds"), unixRights(a, b), null);
      const buf = new Uint8Array(16);
      // Room for the control header and one fd (CMSG_LEN(4)); the second fd does not fit.
      const oob = new Uint8Array(binding.cmsgSpace(0) + 4);
      const m = await within(p.s.readMsg(buf, oob), LIMIT, "readMsg");
      assert.equal(text(buf.subarray(0, m.n)), "two fds");
      got.push(...receivedFds(oob, m.oobn));
      assert.ok(m.flags & C.MSG_CTRUNC!, `MSG_CTRUNC in flags ${m.flags}`);
      assert.equal(got.length, 1);
    } finally {
      for (const fd of got) binding.close(fd);
      binding.close(a);
      binding.close(b);
    }
  });
});
