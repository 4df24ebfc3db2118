/**
 * unixgram (Go's unixsock_test.go, GO-REFERENCE §B.5, §B.6, §C): datagrams on unix sockets, by
 * path and by exact-length @abstract name, both ways against python3's `socket` (SOCK_DGRAM);
 * unbound senders (no address), the Linux autobind of a dialed client (a sockit choice, see
 * dialUnix), autobound listenPacket, Go's no-unlink rule, Go's listen("unixgram") quirk, and
 * every writeTo/writeMsg and dial error with Go 1.19's exact text.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  dial,
  listen,
  listenPacket,
  errorIs,
  ErrClosed,
  ErrDeadlineExceeded,
  ErrWriteToConnected,
  UDPAddr,
  UnixAddr,
  UnixConn,
  type Datagram,
  type Addr,
} from "../../src/index.js";
import { C } from "../../src/sys/constants.js";
import { guardFdLeaks, testUnixAddr, abstractName, settle, within } from "../helpers.js";
import { hex, rejectsWith, usePyPeer } from "./dgram_peers.js";

guardFdLeaks();

const linux = process.platform === "linux";
const te = new TextEncoder();
const enc = (s: string) => te.encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LIMIT = 5000;
/** The name Linux autobinds a unix socket to: "@" and five hex digits (unix_autobind). */
const AUTOBIND = /^@[0-9a-f]{5}$/;

/** The UnixAddr behind an Addr, failing the test when it is anything else. */
function unixAddr(a: Addr | null): UnixAddr {
  assert.ok(a instanceof UnixAddr, `expected a UnixAddr, got ${String(a)}`);
  return a;
}

/** Reads one datagram, bounded. */
async function recv(pc: UnixConn<Datagram<UnixAddr>>, size = 4096): Promise<{ text: string; addr: UnixAddr | null; n: number }> {
  const buf = new Uint8Array(size);
  const { n, addr } = await within(pc.readFrom(buf), LIMIT, "readFrom");
  return { text: text(buf.subarray(0, n)), addr, n };
}

const kinds = [
  { title: "path", name: testUnixAddr, skip: false as string | false },
  { title: "@abstract", name: abstractName, skip: linux ? false : "skipped: abstract unix names are Linux-only" },
];

for (const k of kinds) {
  describe(`unixgram ${k.title} interop with python3`, { skip: k.skip }, () => {
    const py = usePyPeer();

    it("a bound python3 socket sends to sockit's listenPacket, which answers", async () => {
      const name = k.name();
      await using pc = await listenPacket("unixgram", name);
      const la = unixAddr(pc.localAddr());
      assert.equal(la.name, name);
      assert.equal(la.network(), "unixgram");
      const s = await py().socket("unix", "dgram", k.name());
      try {
        await py().call({ op: "sendto", id: s.id, data: hex("from python"), to: name });
        const got = await recv(pc);
        assert.equal(got.text, "from python");
        assert.equal(unixAddr(got.addr).name, s.addr, "the sender's exact name");
        assert.equal(unixAddr(got.addr).network(), "unixgram");
        await pc.writeTo(enc("from sockit"), got.addr);
        const back = await py().call({ op: "recvmsg", id: s.id, size: 100 });
        assert.equal(Buffer.from(back.data!, "hex").toString(), "from sockit");
        assert.equal(back.from, name);
      } finally {
        await py().call({ op: "close", id: s.id });
      }
    });

    it("sockit dials a python3 socket; python3 answers the autobound client", async () => {
      const s = await py().socket("unix", "dgram", k.name());
      try {
        await using c = await dial("unixgram", s.addr!);
        assert.equal(unixAddr(c.remoteAddr()).name, s.addr);
        const la = unixAddr(c.localAddr());
        if (linux) assert.match(la.name, AUTOBIND);
        await c.write(enc("from sockit"));
        const got = await py().call({ op: "recvmsg", id: s.id, size: 100 });
        assert.equal(Buffer.from(got.data!, "hex").toString(), "from sockit");
        assert.equal(got.from, la.name, "python sees the autobound name");
        await py().call({ op: "sendto", id: s.id, data: hex("python answers"), to: got.from! });
        const buf = new Uint8Array(64);
        const n = await within(c.read(buf), LIMIT, "read");
        assert.equal(text(buf.subarray(0, n!)), "python answers");
      } finally {
        await py().call({ op: "close", id: s.id });
      }
    });

    it("an unbound python3 sender reads as addr null (readFrom and readMsg)", async () => {
      const name = k.name();
      await using pc = await listenPacket("unixgram", name);
      const s = await py().socket("unix", "dgram", null);
      try {
        assert.equal(s.addr, null, "python's socket has no name");
        await py().call({ op: "sendto", id: s.id, data: hex("anonymous"), to: name });
        await py().call({ op: "sendto", id: s.id, data: hex("anonymous 2"), to: name });
        const got = await recv(pc);
        assert.equal(got.text, "anonymous");
        assert.equal(got.addr, null);
        const buf = new Uint8Array(64);
        const m = await within(pc.readMsg(buf, new Uint8Array(0)), LIMIT, "readMsg");
        assert.equal(text(buf.subarray(0, m.n)), "anonymous 2");
        assert.equal(m.addr, null);
        // Such a sender cannot be answered: writeTo(null) is Go's EINVAL.
        await rejectsWith(pc.writeTo(enc("x"), got.addr), `write unixgram ${name}: invalid argument`);
      } finally {
        await py().call({ op: "close", id: s.id });
      }
    });
  });
}

describe("unixgram", () => {
  it("a dialed client autobinds on Linux, so the peer can reply (Go leaves it unbound)", async (t) => {
    if (!linux) return t.skip("skipped: autobind is Linux behaviour");
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using c = await dial("unixgram", path);
    const la = unixAddr(c.localAddr());
    assert.match(la.name, AUTOBIND);
    assert.equal(la.network(), "unixgram");
    assert.equal(unixAddr(c.remoteAddr()).name, path);
    await c.write(enc("question"));
    const got = await recv(srv);
    assert.equal(got.text, "question");
    assert.equal(unixAddr(got.addr).name, la.name);
    await srv.writeTo(enc("answer"), got.addr);
    const buf = new Uint8Array(16);
    const n = await within(c.read(buf), LIMIT, "read");
    assert.equal(text(buf.subarray(0, n!)), "answer");
  });

  it("dial with a localAddr binds that name; the file stays after close", async () => {
    const path = testUnixAddr();
    const local = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    const c = await dial("unixgram", path, { localAddr: new UnixAddr({ name: local, net: "unixgram" }) });
    assert.equal(unixAddr(c.localAddr()).name, local);
    await c.write(enc("named"));
    const got = await recv(srv);
    assert.equal(unixAddr(got.addr).name, local);
    assert.equal(unixAddr(got.addr).network(), "unixgram");
    await c.close();
    assert.ok(existsSync(local), "Go never unlinks a dialer's socket file");
  });

  it('listenPacket("unixgram", "") autobinds to "@" and five hex digits', async (t) => {
    if (!linux) return t.skip("skipped: autobind is Linux behaviour");
    await using pc = await listenPacket("unixgram", "");
    const la = unixAddr(pc.localAddr());
    assert.match(la.name, AUTOBIND);
    assert.equal(la.name.length, 6);
    assert.equal(la.network(), "unixgram");
    // Reachable by that name.
    await using c = await dial("unixgram", la.name);
    await c.write(enc("to the autobound name"));
    assert.equal((await recv(pc)).text, "to the autobound name");
  });

  it("listenPacket never unlinks its socket file: binding it again is address already in use", async () => {
    const path = testUnixAddr();
    const pc = await listenPacket("unixgram", path);
    await pc.close();
    assert.ok(existsSync(path), "the file stays after close");
    await rejectsWith(listenPacket("unixgram", path), `listen unixgram ${path}: bind: address already in use`);
  });

  it('Go\'s listen("unixgram") quirk: a listener whose accept fails with operation not supported', async (t) => {
    if (!linux) return t.skip("skipped: abstract unix names are Linux-only");
    const name = abstractName();
    await using ln = await listen("unixgram", name);
    assert.equal(ln.addr().toString(), name);
    await rejectsWith(ln.accept(), `accept unixgram ${name}: accept4: operation not supported`);
  });

  it("records keep their boundaries; a short buffer gets the head and readMsg says MSG_TRUNC", async () => {
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using c = await dial("unixgram", path);
    await c.write(enc("abc"));
    await c.write(enc("defg"));
    await c.write(enc("0123456789"));
    await c.write(enc("after"));
    await c.write(enc("0123456789"));
    assert.equal((await recv(srv)).text, "abc");
    assert.equal((await recv(srv)).text, "defg");
    const small = new Uint8Array(4);
    const r = await within(srv.readFrom(small), LIMIT, "readFrom");
    assert.equal(r.n, 4);
    assert.equal(text(small), "0123");
    assert.equal((await recv(srv)).text, "after", "the tail was dropped");
    const m = await within(srv.readMsg(small, new Uint8Array(0)), LIMIT, "readMsg");
    assert.equal(m.n, 4);
    assert.ok(m.flags & C.MSG_TRUNC!, `MSG_TRUNC in flags ${m.flags}`);
  });

  it("zero-length datagrams read as 0, not end of stream", async () => {
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using c = await dial("unixgram", path);
    assert.equal(await c.write(new Uint8Array(0)), 0);
    const r = await within(srv.readFrom(new Uint8Array(8)), LIMIT, "readFrom");
    assert.equal(r.n, 0);
    assert.equal(unixAddr(r.addr).name, c.localAddr()!.toString());
    await srv.writeTo(new Uint8Array(0), r.addr);
    assert.equal(await within(c.read(new Uint8Array(8)), LIMIT, "read"), 0);
    await c.write(enc("more"));
    assert.equal((await recv(srv)).text, "more");
  });

  it("read into an empty buffer consumes nothing; readFrom into one consumes a datagram", async () => {
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using c = await dial("unixgram", path);
    await srv.writeTo(enc("one"), c.localAddr());
    await srv.writeTo(enc("two"), c.localAddr());
    await srv.writeTo(enc("three"), c.localAddr());
    await delay(10);
    assert.equal(await c.read(new Uint8Array(0)), 0);
    const buf = new Uint8Array(8);
    assert.equal(text(buf.subarray(0, (await within(c.read(buf), LIMIT, "read"))!)), "one");
    assert.equal((await within(c.readFrom(new Uint8Array(0)), LIMIT, "readFrom")).n, 0);
    assert.equal(text(buf.subarray(0, (await within(c.read(buf), LIMIT, "read"))!)), "three");
  });

  it("packets() yields { data, addr } per datagram", async () => {
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using c = await dial("unixgram", path);
    await c.write(enc("x"));
    await c.write(new Uint8Array(0));
    await c.write(enc("zzz"));
    const got: string[] = [];
    for await (const d of srv.packets()) {
      assert.equal(unixAddr(d.addr).name, c.localAddr()!.toString());
      got.push(text(d.data));
      if (got.length === 3) break;
    }
    assert.deepEqual(got, ["x", "", "zzz"]);
  });

  it("senders are told apart, however they alternate (the decoded-name cache must not mix them up)", async () => {
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using a = await dial("unixgram", path);
    await using b = await dial("unixgram", path);
    await using named = await dial("unixgram", path, { localAddr: new UnixAddr({ name: abstractName(), net: "unixgram" }) });
    const order = [a, b, b, a, named, a, named, named, b];
    for (const c of order) {
      await c.write(enc("x"));
      const { addr } = await srv.readFrom(new Uint8Array(4));
      assert.equal(addr?.toString(), c.localAddr()?.toString());
      assert.equal(addr?.network(), "unixgram");
    }
  });

  it("for await over a listenPacket conn yields { data, addr }, as for udp", async () => {
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using c = await dial("unixgram", path);
    await c.write(enc("x"));
    for await (const d of srv) {
      assert.equal(text(d.data), "x");
      assert.equal(d.addr?.toString(), c.localAddr()?.toString());
      break;
    }
  });
});

describe("unixgram writeTo and writeMsg errors (Go 1.19 texts)", () => {
  it("a UnixAddr of another unix network is address family not supported", async () => {
    const path = testUnixAddr();
    await using pc = await listenPacket("unixgram", path);
    const e = await rejectsWith(
      pc.writeTo(enc("x"), new UnixAddr({ name: "@nope", net: "unix" })),
      `write unixgram ${path}->@nope: address family not supported by protocol`,
    );
    assert.equal(e.code, "EAFNOSUPPORT");
    await rejectsWith(
      pc.writeMsg(enc("x"), null, new UnixAddr({ name: "@nope", net: "unixpacket" })),
      `write unixgram ${path}->@nope: address family not supported by protocol`,
    );
  });

  it("a missing path is sendto: no such file or directory; a missing @name is connection refused", async () => {
    const path = testUnixAddr();
    const missing = testUnixAddr();
    await using pc = await listenPacket("unixgram", path);
    const e = await rejectsWith(
      pc.writeTo(enc("x"), new UnixAddr({ name: missing, net: "unixgram" })),
      `write unixgram ${path}->${missing}: sendto: no such file or directory`,
    );
    assert.equal(e.code, "ENOENT");
    if (!linux) return;
    const nobody = abstractName();
    const e2 = await rejectsWith(
      pc.writeTo(enc("x"), new UnixAddr({ name: nobody, net: "unixgram" })),
      `write unixgram ${path}->${nobody}: sendto: connection refused`,
    );
    assert.equal(e2.code, "ECONNREFUSED");
  });

  it("writeTo(null), writeTo(UDPAddr) and an empty name are EINVAL; no address is not connected", async () => {
    const path = testUnixAddr();
    await using pc = await listenPacket("unixgram", path);
    await rejectsWith(pc.writeTo(enc("x"), null), `write unixgram ${path}: invalid argument`);
    await rejectsWith(pc.writeTo(enc("x"), new UDPAddr({ port: 1 })), `write unixgram ${path}->:1: invalid argument`);
    await rejectsWith(pc.writeMsg(enc("x"), null, null), `write unixgram ${path}: sendmsg: transport endpoint is not connected`);
    await rejectsWith(pc.write(enc("x")), `write unixgram ${path}: write: transport endpoint is not connected`);
    await rejectsWith(pc.writeTo(enc("x"), new UnixAddr({ name: "", net: "unixgram" })), `write unixgram ${path}->: sendto: invalid argument`);
  });

  it("writeTo and writeMsg with an address on a dialed conn are ErrWriteToConnected", async () => {
    const path = testUnixAddr();
    await using srv = await listenPacket("unixgram", path);
    await using c = await dial("unixgram", path);
    const ends = `${c.localAddr()}->${path}`;
    const e = await rejectsWith(
      c.writeTo(enc("x"), srv.localAddr()),
      `write unixgram ${ends}: use of WriteTo with pre-connected connection`,
    );
    assert.ok(errorIs(e, ErrWriteToConnected));
    await rejectsWith(
      c.writeMsg(enc("x"), null, unixAddr(srv.localAddr())),
      `write unixgram ${ends}: use of WriteTo with pre-connected connection`,
    );
    // Go's quirk (unixsock_posix.go writeMsg): on a connected unixgram conn even writeMsg
    // without an address is refused; the error then names no destination.
    await rejectsWith(c.writeMsg(enc("x"), null, null), `write unixgram ${c.localAddr()}: use of WriteTo with pre-connected connection`);
    assert.equal(await c.write(enc("ok")), 2);
    assert.equal((await recv(srv)).text, "ok");
  });
});

describe("unixgram deadlines and close", () => {
  it("a passed deadline wakes a pending readFrom with i/o timeout; moving it revives the conn", async () => {
    const path = testUnixAddr();
    await using pc = await listenPacket("unixgram", path);
    const pending = pc.readFrom(new Uint8Array(8));
    assert.equal(await settle(pending), "pending");
    pc.setReadDeadline(new Date(Date.now() - 1000));
    const e = await rejectsWith(within(pending, LIMIT, "pending readFrom"), `read unixgram ${path}: i/o timeout`);
    assert.ok(errorIs(e, ErrDeadlineExceeded));
    assert.equal(e.timeout(), true);
    pc.setReadDeadline(null);
    await using c = await dial("unixgram", path);
    await c.write(enc("revived"));
    assert.equal((await recv(pc)).text, "revived");
  });

  it("close wakes a pending readFrom with ErrClosed", async () => {
    const path = testUnixAddr();
    const pc = await listenPacket("unixgram", path);
    const pending = pc.readFrom(new Uint8Array(8));
    assert.equal(await settle(pending), "pending");
    await pc.close();
    const e = await rejectsWith(within(pending, LIMIT, "pending readFrom"), `read unixgram ${path}: use of closed network connection`);
    assert.ok(errorIs(e, ErrClosed));
    await rejectsWith(pc.close(), `close unixgram ${path}: use of closed network connection`);
    await pc[Symbol.asyncDispose]();
  });
});

describe("unixgram bad addresses (Go 1.19 texts)", () => {
  it("dial errors", async () => {
    const missing = testUnixAddr();
    await rejectsWith(dial("unixgram", missing), `dial unixgram ${missing}: connect: no such file or directory`);
    if (linux) {
      const nobody = abstractName();
      await rejectsWith(dial("unixgram", nobody), `dial unixgram ${nobody}: connect: connection refused`);
    }
    await rejectsWith(dial("unixgram", ""), "dial unixgram: missing address");
    const local = testUnixAddr();
    await rejectsWith(
      dial("unixgram", missing, { localAddr: new UnixAddr({ name: local, net: "unix" }) }),
      `dial unixgram: address ${local}: mismatched local address type`,
    );
  });

  it("a name too long for sun_path is EINVAL from bind or connect", async () => {
    const long = testUnixAddr() + "y".repeat(120);
    await rejectsWith(listenPacket("unixgram", long), `listen unixgram ${long}: bind: invalid argument`);
    await rejectsWith(dial("unixgram", long), `dial unixgram ${long}: connect: invalid argument`);
  });
});
