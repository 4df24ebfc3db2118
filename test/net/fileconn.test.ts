/**
 * Sockets to Files and back (Go's net/file_test.go, file_unix.go): conn.file() and
 * listener.file() name their dups as Go does; fileConn, fileListener and filePacketConn adopt
 * them with the right class and addresses over each of the twelve networks that can be made
 * here; data flows through the adopted conn to the original's peer, and closing one copy leaves
 * the others working. A python3 process passes sockets it made over SCM_RIGHTS, which are
 * adopted with newFile and talked through. socketpair over its three types. Error texts were
 * checked against Go 1.19 on this machine.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { randomBytes, randomInt } from "node:crypto";
import {
  dial,
  listen,
  listenPacket,
  pipe,
  openFile,
  newFile,
  fileConn,
  fileListener,
  filePacketConn,
  socketpair,
  unixRights,
  oobSpace,
  parseControlMessages,
  parseUnixRights,
  errorIs,
  Errno,
  File,
  OpError,
  TCPConn,
  TCPListener,
  UDPConn,
  IPConn,
  UnixConn,
  UnixListener,
  SocketConn,
  type Addr,
  type Conn,
  type Listener,
  type PacketConn,
} from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { C } from "../../src/sys/constants.js";
import { readFileSync } from "node:fs";
import { guardFdLeaks, testUnixAddr, hasIPv6, readAll, readFull, settle, within, PythonPeer, rawIPSkip } from "../helpers.js";

guardFdLeaks();

const te = new TextEncoder();
const enc = (s: string) => te.encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();
const LIMIT = 5000;
const v6 = await hasIPv6();

const noRaw = await rawIPSkip();

/** The Internet checksum (RFC 1071). */
function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2 === 1) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An ICMP (or ICMPv6: the kernel fills in its checksum) echo request. */
function echoRequest(isV6: boolean, id: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  const v = new DataView(b.buffer);
  b[0] = isV6 ? 128 : 8;
  v.setUint16(4, id);
  v.setUint16(6, 1);
  b.set(payload, 8);
  if (!isV6) v.setUint16(2, checksum(b));
  return b;
}

/**
 * One network's setup: an original conn `a` and a way to pass a message between any conn
 * sharing `a`'s socket and `a`'s peer, both ways.
 */
interface Setup {
  a: SocketConn;
  /** `c` (sharing a's socket) sends `msg`; the peer must receive it. */
  toPeer(c: Conn, msg: string): Promise<void>;
  /** The peer sends `msg`; `c` must receive it. Raw IP: the kernel's echo reply to `c`'s request. */
  fromPeer(c: Conn, msg: string): Promise<void>;
  /** Whether the peer sees end of stream once every copy of a's socket is closed. */
  streamEOF: (() => Promise<void>) | null;
  /** Closes whatever is still open (idempotent). */
  close(): Promise<void>;
}

/** A stream (tcp*, unix, unixpacket) setup: a is the dialed end, the peer the accepted one. */
async function streamSetup(network: string, address: string): Promise<Setup> {
  const ln = await listen(network, address);
  const acc = ln.accept();
  const a = (await dial(network, ln.addr().toString())) as SocketConn;
  const peer = await acc;
  return {
    a,
    async toPeer(c, msg) {
      await c.write(enc(msg));
      assert.equal(text(await within(readFull(peer, msg.length), LIMIT, "peer read")), msg);
    },
    async fromPeer(c, msg) {
      await peer.write(enc(msg));
      assert.equal(text(await within(readFull(c, msg.length), LIMIT, "read from peer")), msg);
    },
    streamEOF: async () => assert.equal(await within(peer.read(new Uint8Array(8)), LIMIT, "peer EOF"), null),
    async close() {
      await a[Symbol.asyncDispose]();
      await peer[Symbol.asyncDispose]();
      await ln[Symbol.asyncDispose]();
    },
  };
}

/** A datagram (udp*, unixgram) setup: a is dialed to the peer's listenPacket. */
async function dgramSetup(network: string, address: string): Promise<Setup> {
  const peer = await listenPacket(network, address);
  const a = (await dial(network, peer.localAddr()!.toString())) as SocketConn;
  return {
    a,
    async toPeer(c, msg) {
      await c.write(enc(msg));
      const buf = new Uint8Array(256);
      const { n, addr } = await within(peer.readFrom(buf), LIMIT, "peer readFrom");
      assert.equal(text(buf.subarray(0, n)), msg);
      assert.equal(addr?.toString(), a.localAddr()?.toString(), "sent from a's address");
    },
    async fromPeer(c, msg) {
      await peer.writeTo(enc(msg), a.localAddr());
      const buf = new Uint8Array(256);
      const n = await within(c.read(buf), LIMIT, "read from peer");
      assert.equal(text(buf.subarray(0, n ?? 0)), msg);
    },
    streamEOF: null,
    async close() {
      await a[Symbol.asyncDispose]();
      await peer[Symbol.asyncDispose]();
    },
  };
}

/** A raw IP setup: a is dialed to the loopback address; the kernel answers echo requests. */
async function rawSetup(network: string, address: string, isV6: boolean): Promise<Setup> {
  const a = (await dial(network, address)) as SocketConn;
  const echo = async (c: Conn) => {
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(16);
    await c.write(echoRequest(isV6, id, payload));
    c.setReadDeadline(Date.now() + LIMIT);
    try {
      // Raw sockets see every ICMP message from the address (our own request too): find the reply.
      for (let i = 0; i < 100; i++) {
        const buf = new Uint8Array(1500);
        const n = (await c.read(buf)) ?? 0;
        let m = buf.subarray(0, n);
        if (!isV6 && m.length > 0 && m[0]! >> 4 === 4) m = m.subarray((m[0]! & 0x0f) * 4); // read keeps the IPv4 header
        if (m.length === 8 + payload.length && m[0] === (isV6 ? 129 : 0) && ((m[4]! << 8) | m[5]!) === id) {
          assert.deepEqual(Buffer.from(m.subarray(8)), payload);
          return;
        }
      }
      assert.fail("no echo reply among 100 packets");
    } finally {
      c.setReadDeadline(null);
    }
  };
  return {
    a,
    toPeer: (c) => echo(c),
    fromPeer: (c) => echo(c),
    streamEOF: null,
    async close() {
      await a[Symbol.asyncDispose]();
    },
  };
}

interface Net {
  network: string;
  make(): Promise<Setup>;
  cls: abstract new (...args: never[]) => object;
  skip(): string | false;
}

const lo4 = "127.0.0.1";
const nets: Net[] = [
  { network: "tcp", make: () => streamSetup("tcp", `${lo4}:0`), cls: TCPConn, skip: () => false },
  { network: "tcp4", make: () => streamSetup("tcp4", `${lo4}:0`), cls: TCPConn, skip: () => false },
  { network: "tcp6", make: () => streamSetup("tcp6", "[::1]:0"), cls: TCPConn, skip: () => (v6 ? false : "skipped: no ::1") },
  { network: "udp", make: () => dgramSetup("udp", `${lo4}:0`), cls: UDPConn, skip: () => false },
  { network: "udp4", make: () => dgramSetup("udp4", `${lo4}:0`), cls: UDPConn, skip: () => false },
  { network: "udp6", make: () => dgramSetup("udp6", "[::1]:0"), cls: UDPConn, skip: () => (v6 ? false : "skipped: no ::1") },
  { network: "unix", make: () => streamSetup("unix", testUnixAddr()), cls: UnixConn, skip: () => false },
  { network: "unixgram", make: () => dgramSetup("unixgram", testUnixAddr()), cls: UnixConn, skip: () => false },
  { network: "unixpacket", make: () => streamSetup("unixpacket", testUnixAddr()), cls: UnixConn, skip: () => false },
  { network: "ip:icmp", make: () => rawSetup("ip:icmp", lo4, false), cls: IPConn, skip: () => noRaw },
  { network: "ip4:icmp", make: () => rawSetup("ip4:icmp", lo4, false), cls: IPConn, skip: () => noRaw },
  {
    network: "ip6:ipv6-icmp",
    make: () => rawSetup("ip6:ipv6-icmp", "::1", true),
    cls: IPConn,
    skip: () => noRaw || (v6 ? false : "skipped: no ::1"),
  },
];

/** The open flags of this process's `fd` as the kernel reports them (fdinfo shows O_CLOEXEC too). */
function fdFlags(fd: number): number {
  const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
  assert.ok(m, `no flags in /proc/self/fdinfo/${fd}`);
  return parseInt(m[1]!, 8);
}

/** Asserts the kernel holds `fd` close-on-exec and non-blocking. */
function assertCloexecNonblock(fd: number, what: string): void {
  const flags = fdFlags(fd);
  assert.ok((flags & C.O_CLOEXEC!) !== 0, `${what}: flags ${flags.toString(8)} lack O_CLOEXEC`);
  assert.ok((flags & C.O_NONBLOCK!) !== 0, `${what}: flags ${flags.toString(8)} lack O_NONBLOCK`);
}

/** Go's name of a conn's File: net (without a raw protocol) ":" laddr "->" raddr (netFD.name). */
function goName(network: string, la: Addr | null, ra: Addr | null): string {
  return `${network.split(":")[0]}:${la?.toString() ?? ""}->${ra?.toString() ?? ""}`;
}

for (const n of nets) {
  describe(`fileConn over ${n.network}`, () => {
    it("conn.file() is a dup named as Go names it; fileConn gives the same class and addresses", async (t) => {
      const skip = n.skip();
      if (skip) return t.skip(skip);
      const s = await n.make();
      const f = s.a.file();
      try {
        assert.ok(f instanceof File);
        assert.equal(f.name(), goName(n.network, s.a.localAddr(), s.a.remoteAddr()));
        if (n.network === "tcp") assert.match(f.name(), /^tcp:127\.0\.0\.1:\d+->127\.0\.0\.1:\d+$/);
        assert.ok(f.fd() >= 0 && f.fd() !== s.a.fd(), "a new descriptor");
        assertCloexecNonblock(f.fd(), "conn.file()");
        const c = await fileConn(f);
        try {
          assertCloexecNonblock((c as SocketConn).fd(), "fileConn's dup");
          assert.notEqual((c as SocketConn).fd(), f.fd(), "fileConn dups the File's fd");
          assert.ok(c instanceof n.cls, `${c.constructor.name} is no ${n.cls.name}`);
          assert.ok(s.a instanceof n.cls);
          assert.equal(c.localAddr()?.toString(), s.a.localAddr()?.toString());
          assert.equal(c.localAddr()?.network(), s.a.localAddr()?.network());
          if (n.cls === IPConn) {
            // The kernel gives a raw socket no peer name (getpeername: ENOTCONN), so Go's
            // FileConn has a nil RemoteAddr too (checked with Go 1.19).
            assert.equal(c.remoteAddr(), null);
          } else {
            assert.equal(c.remoteAddr()?.toString(), s.a.remoteAddr()?.toString());
            assert.equal(c.remoteAddr()?.network(), s.a.remoteAddr()?.network());
          }
          if (n.network === "unixpacket") assert.equal(c.localAddr()?.network(), "unixpacket");
        } finally {
          await c.close();
        }
      } finally {
        await f.close();
        await s.close();
      }
    });

    it("data flows through the adopted conn to the original's peer; closing the File or the original leaves the others working", async (t) => {
      const skip = n.skip();
      if (skip) return t.skip(skip);
      const s = await n.make();
      const f = s.a.file();
      let c: Conn | null = null;
      try {
        c = await fileConn(f);
        await s.toPeer(c, "via the adopted conn");
        await s.fromPeer(c, "to the adopted conn");
        await f.close();
        await s.toPeer(c, "after the File closed");
        await s.fromPeer(c, "back after the File closed");
        await s.toPeer(s.a, "the original still works");
        await s.a.close();
        await s.toPeer(c, "after the original closed");
        await s.fromPeer(c, "back after the original closed");
        await c.close();
        c = null;
        await s.streamEOF?.();
      } finally {
        if (f.fd() !== -1) await f.close();
        if (c !== null) await c.close();
        await s.close();
      }
    });

    it("closing the adopted conn leaves the original working", async (t) => {
      const skip = n.skip();
      if (skip) return t.skip(skip);
      const s = await n.make();
      try {
        const f = s.a.file();
        const c = await fileConn(f);
        await f.close();
        await c.close();
        await s.toPeer(s.a, "original after the copy closed");
        await s.fromPeer(s.a, "and back");
      } finally {
        await s.close();
      }
    });
  });
}

describe("a socket's File used as a File", () => {
  it("reads, writes and takes deadlines, with os-style errors named after the File (read tcp:L->R: i/o timeout)", async () => {
    const s = await streamSetup("tcp", "127.0.0.1:0");
    const f = s.a.file();
    try {
      await s.toPeer(f as unknown as Conn, "through the File");
      await s.fromPeer(f as unknown as Conn, "into the File");
      f.setReadDeadline(Date.now() + 30);
      await assert.rejects(f.read(new Uint8Array(4)), { message: `read ${f.name()}: i/o timeout` });
      f.setReadDeadline(null);
      // Once the socket is fully closed on our side and the peer's side, writes fail (the
      // kernel says EPIPE or ECONNRESET, by timing) and the process survives (no SIGPIPE death).
      await s.a.close();
      await s.close();
      let err: unknown = null;
      for (let i = 0; i < 20 && err === null; i++) {
        await f.write(new Uint8Array(1000)).catch((e: unknown) => (err = e));
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(err instanceof Error, "writes to a closed peer never failed");
      assert.match(err.message, new RegExp(`^write ${f.name().replace(/[.]/g, "\\.")}: (broken pipe|connection reset by peer)$`));
    } finally {
      await f.close();
      await s.close();
    }
  });
});

describe("file() and fileConn errors", () => {
  it("conn.file() after close: file tcp L->R: use of closed network connection", async () => {
    const s = await streamSetup("tcp", "127.0.0.1:0");
    try {
      const la = s.a.localAddr()!.toString();
      const ra = s.a.remoteAddr()!.toString();
      await s.a.close();
      assert.throws(
        () => s.a.file(),
        (e: Error) => e instanceof OpError && e.message === `file tcp ${la}->${ra}: use of closed network connection`,
      );
    } finally {
      await s.close();
    }
  });

  it("fileConn on a pipe: file file+net |0: getsockopt: socket operation on non-socket", async () => {
    const [r, w] = await pipe();
    try {
      await assert.rejects(fileConn(r), (e: Error) => {
        assert.ok(e instanceof OpError);
        assert.equal(e.message, "file file+net |0: getsockopt: socket operation on non-socket");
        assert.ok(errorIs(e, new Errno(E.ENOTSOCK!)));
        return true;
      });
      await assert.rejects(fileListener(w), { message: "file file+net |1: getsockopt: socket operation on non-socket" });
      await assert.rejects(filePacketConn(r), { message: "file file+net |0: getsockopt: socket operation on non-socket" });
    } finally {
      await r.close();
      await w.close();
    }
  });

  it("fileConn on a closed File: file file+net |0: fcntl: bad file descriptor", async () => {
    const [r, w] = await pipe();
    await r.close();
    await w.close();
    await assert.rejects(fileConn(r), (e: Error) => e instanceof OpError && e.message === "file file+net |0: fcntl: bad file descriptor");
  });

  it("fileConn on a regular file: file file+net P: getsockopt: socket operation on non-socket", async () => {
    const p = testUnixAddr().replace(/\.sock$/, ".txt");
    writeFileSync(p, "not a socket");
    const f = await openFile(p, "r");
    try {
      await assert.rejects(fileConn(f), { message: `file file+net ${p}: getsockopt: socket operation on non-socket` });
    } finally {
      await f.close();
    }
  });

  it("filePacketConn on a TCP conn's file: file file+net tcp:L->R: invalid argument; fileListener on it succeeds (as Go)", async () => {
    const s = await streamSetup("tcp", "127.0.0.1:0");
    const f = s.a.file();
    try {
      const la = s.a.localAddr()!.toString();
      const ra = s.a.remoteAddr()!.toString();
      await assert.rejects(filePacketConn(f), (e: Error) => {
        assert.ok(e instanceof OpError);
        assert.equal(e.message, `file file+net tcp:${la}->${ra}: invalid argument`);
        assert.ok(errorIs(e, new Errno(E.EINVAL!)));
        return true;
      });
      const ln = await fileListener(f);
      try {
        assert.ok(ln instanceof TCPListener);
        assert.equal(ln.addr().toString(), la);
      } finally {
        await ln.close();
      }
    } finally {
      await f.close();
      await s.close();
    }
  });

  it("fileListener on a UDP socket's file: file file+net udp:L->: invalid argument", async () => {
    const pc = await listenPacket("udp", "127.0.0.1:0");
    const f = (pc as unknown as SocketConn).file();
    try {
      assert.equal(f.name(), `udp:${pc.localAddr()!.toString()}->`);
      await assert.rejects(fileListener(f), { message: `file file+net udp:${pc.localAddr()!.toString()}->: invalid argument` });
    } finally {
      await f.close();
      await pc.close();
    }
  });

  it("fileListener on a unixgram socket's file gives a UnixListener whose accept fails, as Go's does", async () => {
    // Go 1.19's fileListener returns a UnixListener for any socket with a UnixAddr, unixgram
    // included (checked on this machine); its accept then fails with EOPNOTSUPP.
    const pc = await listenPacket("unixgram", testUnixAddr());
    const f = (pc as unknown as SocketConn).file();
    try {
      const ln = await fileListener(f);
      assert.ok(ln instanceof UnixListener);
      await assert.rejects(ln.accept(), {
        message: `accept unixgram ${ln.addr().toString()}: accept4: operation not supported`,
      });
      await ln.close();
    } finally {
      await f.close();
      await pc.close();
    }
  });

  it("fileConn on a listening TCP socket's file gives a TCPConn with no remote address (as Go)", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const f = ln.file();
    try {
      const c = await fileConn(f);
      assert.ok(c instanceof TCPConn);
      assert.equal(c.localAddr()?.toString(), ln.addr().toString());
      assert.equal(c.remoteAddr(), null);
      await c.close();
      await assert.rejects(filePacketConn(f), { message: `file file+net tcp:${ln.addr().toString()}->: invalid argument` });
    } finally {
      await f.close();
      await ln.close();
    }
  });

  it("listener.file() after close: file tcp L: use of closed network connection (as Go)", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const addr = ln.addr().toString();
    await ln.close();
    assert.throws(
      () => ln.file(),
      (e: Error) => e instanceof OpError && e.message === `file tcp ${addr}: use of closed network connection`,
    );
    const pc = await listenPacket("udp", "127.0.0.1:0");
    const paddr = pc.localAddr()!.toString();
    await pc.close();
    assert.throws(() => (pc as unknown as SocketConn).file(), { message: `file udp ${paddr}: use of closed network connection` });
  });

  it("anything but a File is a TypeError", async () => {
    for (const bad of [null, undefined, 3, "3", {}]) {
      await assert.rejects(fileConn(bad as unknown as File), TypeError);
      await assert.rejects(fileListener(bad as unknown as File), TypeError);
      await assert.rejects(filePacketConn(bad as unknown as File), TypeError);
    }
  });
});

describe("filePacketConn", () => {
  const kinds = [
    { network: "udp", address: () => "127.0.0.1:0", cls: UDPConn },
    { network: "unixgram", address: testUnixAddr, cls: UnixConn },
  ];
  for (const k of kinds) {
    it(`over a ${k.network} listenPacket's file: same class and address; readFrom and writeTo work`, async () => {
      const pc: PacketConn = await listenPacket(k.network, k.address());
      const f = (pc as unknown as SocketConn).file();
      const other: PacketConn = await listenPacket(k.network, k.address());
      try {
        const q: PacketConn = await filePacketConn(f);
        try {
          assert.ok((q as object) instanceof k.cls, `${q.constructor.name} is no ${k.cls.name}`);
          assert.equal(q.localAddr()?.toString(), pc.localAddr()?.toString());
          await other.writeTo(enc("to the copy"), pc.localAddr());
          const buf = new Uint8Array(64);
          const got = await within(q.readFrom(buf), LIMIT, "readFrom on the copy");
          assert.equal(text(buf.subarray(0, got.n)), "to the copy");
          assert.equal(got.addr?.toString(), other.localAddr()?.toString());
          await q.writeTo(enc("from the copy"), other.localAddr());
          const back = await within(other.readFrom(buf), LIMIT, "readFrom on the other");
          assert.equal(text(buf.subarray(0, back.n)), "from the copy");
          assert.equal(back.addr?.toString(), pc.localAddr()?.toString());
        } finally {
          await q.close();
        }
      } finally {
        await f.close();
        await other.close();
        await pc.close();
      }
    });
  }

  it("over a raw IP conn's file gives an IPConn", async (t) => {
    if (noRaw) return t.skip(noRaw);
    const c = await dial("ip4:icmp", "127.0.0.1");
    const f = c.file();
    try {
      const q = await filePacketConn(f);
      assert.ok(q instanceof IPConn);
      assert.equal(q.localAddr()?.toString(), "127.0.0.1");
      await q.close();
      await assert.rejects(fileListener(f), { message: `file file+net ${f.name()}: invalid argument` });
    } finally {
      await f.close();
      await c.close();
    }
  });
});

describe("fileListener over listener.file()", () => {
  const kinds = [
    { network: "tcp", address: () => "127.0.0.1:0", cls: TCPListener, conn: TCPConn },
    { network: "unix", address: testUnixAddr, cls: UnixListener, conn: UnixConn },
    { network: "unixpacket", address: testUnixAddr, cls: UnixListener, conn: UnixConn },
  ];
  for (const k of kinds) {
    it(`${k.network}: the file is named "net:addr->"; the adopted listener accepts after the original and the File close`, async () => {
      const ln: Listener = await listen(k.network, k.address());
      const addr = ln.addr().toString();
      const f = (ln as TCPListener | UnixListener).file();
      let nl: Listener | null = null;
      let lnClosed = false;
      try {
        assert.equal(f.name(), `${k.network}:${addr}->`);
        nl = await fileListener(f);
        assert.ok(nl instanceof k.cls, `${nl.constructor.name} is no ${k.cls.name}`);
        assert.equal(nl.addr().toString(), addr);
        assert.equal(nl.addr().network(), ln.addr().network());
        await f.close();
        if (k.network === "tcp") {
          await ln.close(); // the adopted copy keeps the socket listening
          lnClosed = true;
        }
        const acc: Promise<Conn> = nl.accept();
        const c: Conn = await dial(k.network, addr);
        const s = await within(acc, LIMIT, "accept on the adopted listener");
        try {
          assert.ok(s instanceof k.conn);
          await c.write(enc("hello"));
          assert.equal(text(await readFull(s, 5)), "hello");
        } finally {
          await c.close();
          await s.close();
        }
        if (k.network !== "tcp") {
          // A listener made by fileListener never unlinks: the path stays for the original.
          await nl.close();
          nl = null;
          assert.ok(existsSync(addr), "the adopted listener's close left the socket file");
          await ln.close();
          lnClosed = true;
          assert.ok(!existsSync(addr), "the original's close removed it");
        }
      } finally {
        if (f.fd() !== -1) await f.close();
        if (nl !== null) await nl.close();
        if (!lnClosed) await ln.close();
      }
    });
  }
});

describe("sockets passed over SCM_RIGHTS", () => {
  it("from python3: a socketpair end, a listening TCP socket and a UDP socket, adopted and talked through", async () => {
    const script = [
      "import socket, sys",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(10); s.connect(sys.argv[1])",
      "mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)",
      "ls = socket.socket(); ls.bind(('127.0.0.1', 0)); ls.listen(4)",
      "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 0))",
      "port, uport = ls.getsockname()[1], u.getsockname()[1]",
      "socket.send_fds(s, [b'F'], [theirs.fileno(), ls.fileno(), u.fileno()])",
      "theirs.close(); ls.close(); u.close()  # the test holds them now",
      "print(port, uport, flush=True)",
      "mine.settimeout(10)",
      "data = mine.recv(100)",
      "mine.sendall(b'echo:' + data)",
      "mine.close()",
      "c = socket.create_connection(('127.0.0.1', port), timeout=10)",
      "c.sendall(b'hello listener')",
      "print(c.recv(100).decode(), flush=True)",
      "c.close()",
      "q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); q.settimeout(10)",
      "q.sendto(b'datagram', ('127.0.0.1', uport))",
      "print(q.recvfrom(100)[0].decode(), flush=True)",
      "q.close(); s.close()",
    ].join("\n");
    const path = testUnixAddr();
    const ln = await listen("unix", path);
    const peer = new PythonPeer(script, [path]);
    const closed = new Promise<void>((r) => peer.proc.on("close", () => r()));
    const files: File[] = [];
    const owned: AsyncDisposable[] = [];
    try {
      const conn = await within(ln.accept(), 10_000, `python3 to connect (stderr: ${peer.stderr})`);
      owned.push(conn);
      const oob = new Uint8Array(oobSpace(3));
      const r = await within(conn.readMsg(new Uint8Array(1), oob), LIMIT, "the fds");
      assert.equal(r.n, 1);
      const msgs = parseControlMessages(oob, r.oobn);
      assert.equal(msgs.length, 1);
      const fds = parseUnixRights(msgs[0]!);
      assert.equal(fds.length, 3);
      for (const fd of fds) assert.ok((fdFlags(fd) & C.O_CLOEXEC!) !== 0, `received fd ${fd} is not close-on-exec (MSG_CMSG_CLOEXEC)`);
      const [pairF, lnF, udpF] = [newFile(fds[0]!, "pair"), newFile(fds[1]!, "listener"), newFile(fds[2]!, "udp")];
      files.push(pairF, lnF, udpF);
      const [port, uport] = (await peer.ready).split(" ").map(Number);

      const pc = await fileConn(pairF);
      owned.push(pc);
      assert.ok(pc instanceof UnixConn);
      assert.equal(pc.localAddr()?.toString(), "@", "an unnamed socketpair end reads as @, as in Go");
      assert.equal(pc.localAddr()?.network(), "unix");
      await pc.write(enc("ping"));
      assert.equal(text(await within(readAll(pc), LIMIT, "python's echo and EOF")), "echo:ping");

      const tl = await fileListener(lnF);
      owned.push(tl);
      assert.ok(tl instanceof TCPListener);
      assert.equal(tl.addr().toString(), `127.0.0.1:${port}`);
      const s = await within(tl.accept(), LIMIT, "accept of python's connect");
      owned.push(s);
      assert.ok(s instanceof TCPConn);
      assert.equal(text(await readFull(s, 14)), "hello listener");
      await s.write(enc("bye"));

      const up = await filePacketConn(udpF);
      owned.push(up);
      assert.ok(up instanceof UDPConn);
      assert.equal(up.localAddr()?.toString(), `127.0.0.1:${uport}`);
      const buf = new Uint8Array(64);
      const d = await within(up.readFrom(buf), LIMIT, "python's datagram");
      assert.equal(text(buf.subarray(0, d.n)), "datagram");
      await up.writeTo(enc("reply"), d.addr);

      await within(peer.done(), 10_000, "python3 to finish");
      assert.deepEqual(peer.lines.slice(1), ["bye", "reply"]);
    } finally {
      for (const o of owned.reverse()) await o[Symbol.asyncDispose]();
      for (const f of files) if (f.fd() !== -1) await f.close();
      await ln.close();
      if (peer.proc.exitCode === null) peer.proc.kill();
      await closed;
    }
  });

  it("in-process: a TCP conn's file() fd sent over a socketpair, received, adopted and used", async () => {
    const s = await streamSetup("tcp", "127.0.0.1:0");
    const [x, y] = await socketpair("unix");
    try {
      const f = s.a.file();
      await x.writeMsg(new Uint8Array([1]), unixRights(f.fd()), null);
      await f.close();
      const oob = new Uint8Array(oobSpace(1));
      const r = await y.readMsg(new Uint8Array(1), oob);
      const [fd] = parseUnixRights(parseControlMessages(oob, r.oobn)[0]!);
      const g = newFile(fd!, "received");
      const c = await fileConn(g);
      await g.close();
      try {
        assert.ok(c instanceof TCPConn);
        assert.equal(c.remoteAddr()?.toString(), s.a.remoteAddr()?.toString());
        await s.toPeer(c, "through a passed fd");
        await s.fromPeer(c, "back through it");
      } finally {
        await c.close();
      }
    } finally {
      await x.close();
      await y.close();
      await s.close();
    }
  });
});

describe("socketpair", () => {
  for (const network of ["unix", "unixgram", "unixpacket"] as const) {
    it(`${network}: both ends read as @ on ${network}, bytes go both ways, file() and fileConn keep the network`, async () => {
      const [a, b] = await socketpair(network);
      try {
        assert.ok(a instanceof UnixConn && b instanceof UnixConn);
        for (const end of [a, b]) {
          assert.equal(end.localAddr()?.toString(), "@");
          assert.equal(end.remoteAddr()?.toString(), "@");
          assert.equal(end.localAddr()?.network(), network);
        }
        await a.write(enc("a to b"));
        const buf = new Uint8Array(64);
        assert.equal(text(buf.subarray(0, (await within(b.read(buf), LIMIT, "b read")) ?? 0)), "a to b");
        await b.write(enc("b to a"));
        assert.equal(text(buf.subarray(0, (await within(a.read(buf), LIMIT, "a read")) ?? 0)), "b to a");
        const f = a.file();
        try {
          assert.equal(f.name(), `${network}:@->@`);
          const c = await fileConn(f);
          try {
            assert.equal(c.localAddr()?.network(), network);
            await c.write(enc("copy to b"));
            assert.equal(text(buf.subarray(0, (await within(b.read(buf), LIMIT, "b read")) ?? 0)), "copy to b");
          } finally {
            await c.close();
          }
        } finally {
          await f.close();
        }
      } finally {
        await a.close();
        await b.close();
      }
    });
  }

  it("unixpacket keeps record boundaries; a short buffer truncates one record only", async () => {
    const [a, b] = await socketpair("unixpacket");
    try {
      for (const m of ["one", "two two", "three three three"]) await a.write(enc(m));
      const buf = new Uint8Array(64);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(text(buf.subarray(0, (await within(b.read(buf), LIMIT, "record")) ?? 0)));
      assert.deepEqual(got, ["one", "two two", "three three three"]);
      await a.write(enc("truncated record"));
      await a.write(enc("next"));
      const small = new Uint8Array(4);
      assert.equal(await b.read(small), 4);
      assert.equal(text(small), "trun");
      assert.equal(text(buf.subarray(0, (await b.read(buf)) ?? 0)), "next", "the rest of the short-read record is gone");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("unixgram carries datagrams whole, zero-length ones included", async () => {
    const [a, b] = await socketpair("unixgram");
    try {
      await a.write(enc("first"));
      await a.write(new Uint8Array(0));
      await a.write(enc("x"));
      const buf = new Uint8Array(64);
      assert.equal(await b.read(buf), 5);
      assert.equal(await b.read(buf), 0, "a zero-length datagram reads as 0, not end of stream");
      assert.equal(await b.read(buf), 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  for (const network of ["unix", "unixpacket"] as const) {
    it(`${network}: closing one end gives the other end of stream`, async () => {
      const [a, b] = await socketpair(network);
      try {
        const pending = b.read(new Uint8Array(8));
        assert.equal(await settle(pending), "pending");
        await a.close();
        assert.equal(await within(pending, LIMIT, "EOF"), null);
        assert.equal(await b.read(new Uint8Array(8)), null);
      } finally {
        await b.close();
      }
    });
  }

  it("unixgram: closing one end leaves the other's reads waiting (no end of stream for datagrams)", async () => {
    const [a, b] = await socketpair("unixgram");
    try {
      await a.close();
      b.setReadDeadline(Date.now() + 50);
      await assert.rejects(b.read(new Uint8Array(8)), { message: "read unixgram @->@: i/o timeout" });
    } finally {
      await b.close();
    }
  });

  it("an unknown network is an OpError saying unknown network", async () => {
    for (const bad of ["tcp", "udp", "foo", ""]) {
      await assert.rejects(socketpair(bad), (e: Error) => e instanceof OpError && /unknown network/.test(e.message), bad);
    }
  });
});
