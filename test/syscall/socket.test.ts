/**
 * The syscall layer's RawSocket (Go's syscall.Socket and friends on the poll layer) over inet
 * and unix sockets, against Node's net and dgram as independent peers: bind, listen, accept
 * with the peer's Sockaddr, a non-blocking connect finished on writability, sendto/recvfrom,
 * sendmsg/recvmsg passing an fd, getsockname/getpeername of every family here, socket options,
 * shutdown; deadlines ("i/o timeout"), close waking a pending recvfrom, use after close; bad
 * input as typed errors; the hand-over to net conns. Error texts are Go 1.19's.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import dgram from "node:dgram";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { fstatSync } from "node:fs";
import * as sc from "../../src/syscall/index.js";
import { rawSocketConn, rawSocketPacketConn } from "../../src/net/file_rawsocket.js";
import { dial, errorIs, ErrClosed, ErrDeadlineExceeded, SyscallError, TCPConn, UDPConn } from "../../src/index.js";
import { abstractName, guardFdLeaks, hasIPv6, settle, testUnixAddr, within } from "../helpers.js";

guardFdLeaks();

const LIMIT = 5000;
const lo4 = (port = 0) => new sc.SockaddrInet4({ port, addr: [127, 0, 0, 1] });
const lo6 = (port = 0) => new sc.SockaddrInet6({ port, addr: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] });

/** rejectsWith resolves with the error `p` rejects with, checked to have exactly `text`. */
async function rejectsWith(p: Promise<unknown>, text: string): Promise<Error> {
  const err = await within(
    p.then(
      () => assert.fail(`expected "${text}", but it succeeded`),
      (e: unknown) => e as Error,
    ),
    LIMIT,
    text,
  );
  assert.equal(err.message, text);
  return err;
}

function port(sa: sc.Sockaddr): number {
  assert.ok(sa instanceof sc.SockaddrInet4 || sa instanceof sc.SockaddrInet6);
  return sa.port;
}

describe("tcp", () => {
  it("listens, accepts a Node client with its address, and talks both ways", async () => {
    await using ln = await sc.socket(sc.AF_INET, sc.SOCK_STREAM, 0);
    ln.setsockoptInt(sc.SOL_SOCKET, sc.SO_REUSEADDR, 1);
    ln.bind(lo4());
    ln.listen(8);
    assert.equal(ln.getsockoptInt(sc.SOL_SOCKET, sc.SO_ACCEPTCONN), 1);
    const client = net.connect(port(ln.getsockname()), "127.0.0.1");
    await once(client, "connect");
    const { socket: conn, sa } = await within(ln.accept(), LIMIT, "accept");
    await using _conn = conn;
    assert.ok(sa instanceof sc.SockaddrInet4);
    assert.equal(sa.port, client.localPort);
    assert.deepEqual([...sa.addr], [127, 0, 0, 1]);
    assert.deepEqual(conn.getpeername(), sa);
    assert.equal(conn.family, sc.AF_INET);
    assert.equal(conn.type, sc.SOCK_STREAM);

    const got = once(client, "data");
    assert.equal(await conn.sendto(Buffer.from("hello"), 0, null), 5);
    assert.equal(String((await got)[0]), "hello");
    client.write("world");
    const buf = new Uint8Array(16);
    const r = await within(conn.recvfrom(buf, 0), LIMIT, "recvfrom");
    assert.equal(Buffer.from(buf.subarray(0, r.n)).toString(), "world");
    assert.equal(r.from, null, "a connected stream reports no sender");

    client.end();
    assert.equal((await within(conn.recvfrom(buf, 0), LIMIT, "end")).n, 0, "0 is the end of the stream");
    client.destroy();
  });

  it("connects to a Node server (EINPROGRESS, then writability and SO_ERROR)", async () => {
    const server = net.createServer((c) => c.pipe(c));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      await using s = await sc.socket(sc.AF_INET, sc.SOCK_STREAM, 0);
      await within(s.connect(lo4((server.address() as net.AddressInfo).port)), LIMIT, "connect");
      assert.equal(port(s.getpeername()), (server.address() as net.AddressInfo).port);
      const msg = randomBytes(1000);
      assert.equal(await s.sendto(msg, 0, null), msg.length);
      s.shutdown(sc.SHUT_WR);
      const got: Buffer[] = [];
      const buf = new Uint8Array(4096);
      for (;;) {
        const { n } = await within(s.recvfrom(buf, 0), LIMIT, "echo");
        if (n === 0) break;
        got.push(Buffer.from(buf.subarray(0, n)));
      }
      assert.deepEqual(Buffer.concat(got), msg);
    } finally {
      server.close();
    }
  });

  it("reports a refused connect as Go does, and a second connect's EISCONN", async () => {
    await using probe = await sc.socket(sc.AF_INET, sc.SOCK_STREAM, 0);
    probe.bind(lo4());
    const free = port(probe.getsockname());
    await probe.close();
    await using s = await sc.socket(sc.AF_INET, sc.SOCK_STREAM, 0);
    const err = await rejectsWith(s.connect(lo4(free)), "connect: connection refused");
    assert.ok(err instanceof SyscallError);
    assert.equal((err as SyscallError).code, "ECONNREFUSED");
  });

  it("hands a connected socket over to a TCPConn (rawSocketConn)", async () => {
    const server = net.createServer((c) => c.pipe(c));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const s = await sc.socket(sc.AF_INET, sc.SOCK_STREAM, 0);
      await s.connect(lo4((server.address() as net.AddressInfo).port));
      const conn = await rawSocketConn(s);
      assert.ok(conn instanceof TCPConn);
      assert.equal(s.fd(), -1, "the RawSocket is closed once handed over");
      await conn.write(Buffer.from("ping"));
      const buf = new Uint8Array(4);
      assert.equal(await within(conn.read(buf), LIMIT, "read"), 4);
      assert.equal(Buffer.from(buf).toString(), "ping");
      await conn.close();
    } finally {
      server.close();
    }
  });
});

const v6 = await hasIPv6();

describe("udp", () => {
  it("round-trips datagrams with a Node dgram socket, sender addresses included", async () => {
    await using s = await sc.socket(sc.AF_INET, sc.SOCK_DGRAM, 0);
    s.bind(lo4());
    const peer = dgram.createSocket("udp4");
    peer.bind(0, "127.0.0.1");
    await once(peer, "listening");
    try {
      const msg = once(peer, "message");
      assert.equal(await s.sendto(Buffer.from("to node"), 0, lo4(peer.address().port)), 7);
      const [data, rinfo] = (await msg) as [Buffer, dgram.RemoteInfo];
      assert.equal(String(data), "to node");
      assert.equal(rinfo.port, port(s.getsockname()));
      peer.send("from node", port(s.getsockname()), "127.0.0.1");
      const buf = new Uint8Array(4);
      const { n, recvflags, from } = await within(s.recvmsg(buf, null, 0), LIMIT, "recvmsg");
      assert.equal(n, 4, "the datagram's tail beyond the buffer is dropped");
      assert.ok((recvflags & sc.MSG_TRUNC) !== 0, "and MSG_TRUNC says so");
      assert.equal(port(from!), peer.address().port);
    } finally {
      peer.close();
    }
  });

  it("sends and receives over ::1 with SockaddrInet6", { skip: !v6 && "no IPv6 loopback" }, async () => {
    await using a = await sc.socket(sc.AF_INET6, sc.SOCK_DGRAM, 0);
    await using b = await sc.socket(sc.AF_INET6, sc.SOCK_DGRAM, 0);
    a.bind(lo6());
    b.bind(lo6());
    await b.sendto(new Uint8Array([7, 8, 9]), 0, a.getsockname());
    const buf = new Uint8Array(8);
    const { n, from } = await within(a.recvfrom(buf, 0), LIMIT, "recvfrom");
    assert.equal(n, 3);
    assert.ok(from instanceof sc.SockaddrInet6);
    assert.equal(from.port, port(b.getsockname()));
    assert.equal(from.zoneId, 0);
    assert.deepEqual([...from.addr], [...lo6().addr]);
  });

  it("recvfrom's read deadline gives i/o timeout, and a later deadline revives it", async () => {
    await using s = await sc.socket(sc.AF_INET, sc.SOCK_DGRAM, 0);
    s.bind(lo4());
    s.setReadDeadline(Date.now() + 50);
    const err = await rejectsWith(s.recvfrom(new Uint8Array(8), 0), "i/o timeout");
    assert.ok(errorIs(err, ErrDeadlineExceeded));
    assert.equal((err as unknown as { timeout(): boolean }).timeout(), true);
    s.setReadDeadline(null);
    await using t = await sc.socket(sc.AF_INET, sc.SOCK_DGRAM, 0);
    await t.sendto(new Uint8Array([1]), 0, s.getsockname());
    assert.equal((await within(s.recvfrom(new Uint8Array(8), 0), LIMIT, "revived")).n, 1);
  });

  it("close wakes a pending recvfrom with ErrClosed; later calls and a second close fail alike", async () => {
    const s = await sc.socket(sc.AF_INET, sc.SOCK_DGRAM, 0);
    s.bind(lo4());
    const pending = s.recvfrom(new Uint8Array(8), 0);
    assert.equal(await settle(pending), "pending");
    await s.close();
    const err = await rejectsWith(pending, "use of closed network connection");
    assert.ok(errorIs(err, ErrClosed));
    await rejectsWith(s.recvfrom(new Uint8Array(8), 0), "use of closed network connection");
    await rejectsWith(s.sendto(new Uint8Array(1), 0, lo4(9)), "use of closed network connection");
    assert.throws(() => s.getsockname(), { message: "use of closed network connection" });
    assert.throws(() => s.bind(lo4()), { message: "use of closed network connection" });
    assert.throws(() => s.setDeadline(Date.now()), { message: "use of closed network connection" });
    await rejectsWith(s.close(), "use of closed network connection");
    await s[Symbol.asyncDispose]();
  });

  it("hands a bound socket over to a UDPConn (rawSocketPacketConn)", async () => {
    const s = await sc.socket(sc.AF_INET, sc.SOCK_DGRAM, 0);
    s.bind(lo4());
    const where = port(s.getsockname());
    const pc = await rawSocketPacketConn(s);
    assert.ok(pc instanceof UDPConn);
    assert.equal(pc.localAddr()!.toString(), `127.0.0.1:${where}`);
    await pc.close();
  });
});

describe("unix", () => {
  it("listens on a path; a Node client connects and is accepted with an unnamed address", async () => {
    const path = testUnixAddr();
    await using ln = await sc.socket(sc.AF_UNIX, sc.SOCK_STREAM, 0);
    ln.bind(new sc.SockaddrUnix({ name: path }));
    ln.listen();
    assert.deepEqual(ln.getsockname(), new sc.SockaddrUnix({ name: path }));
    const client = net.connect(path);
    await once(client, "connect");
    const { socket, sa } = await within(ln.accept(), LIMIT, "accept");
    await using _s = socket;
    assert.deepEqual(sa, new sc.SockaddrUnix({ name: "@" }), "an unnamed peer reads as Go's does");
    client.write("hi");
    const buf = new Uint8Array(8);
    assert.equal((await within(socket.recvfrom(buf, 0), LIMIT, "recvfrom")).n, 2);
    client.destroy();
  });

  it("sends datagrams between abstract names, the sender's name decoded", async () => {
    const [na, nb] = [abstractName(), abstractName()];
    await using a = await sc.socket(sc.AF_UNIX, sc.SOCK_DGRAM, 0);
    await using b = await sc.socket(sc.AF_UNIX, sc.SOCK_DGRAM, 0);
    a.bind(new sc.SockaddrUnix({ name: na }));
    b.bind(new sc.SockaddrUnix({ name: nb }));
    assert.equal(await b.sendto(Buffer.from("abc"), 0, new sc.SockaddrUnix({ name: na })), 3);
    const buf = new Uint8Array(8);
    const { n, from } = await within(a.recvfrom(buf, 0), LIMIT, "recvfrom");
    assert.equal(n, 3);
    assert.deepEqual(from, new sc.SockaddrUnix({ name: nb }));
  });

  it("passes an fd with sendmsg and recvmsg over a seqpacket socketpair", async () => {
    const [a, b] = await sc.socketpair(sc.AF_UNIX, sc.SOCK_SEQPACKET, 0);
    await using _a = a;
    await using _b = b;
    await using passed = await sc.socket(sc.AF_INET, sc.SOCK_DGRAM, 0);
    assert.equal(await a.sendmsg(Buffer.from("fd"), sc.unixRights(passed.fd()), null), 2);
    const oob = new Uint8Array(sc.oobSpace(1));
    const buf = new Uint8Array(8);
    const r = await within(b.recvmsg(buf, oob, 0), LIMIT, "recvmsg");
    assert.equal(r.n, 2);
    assert.equal(r.oobn, oob.length);
    const [fd] = sc.parseUnixRights(sc.parseControlMessages(oob, r.oobn)[0]!);
    assert.ok(fstatSync(fd!).isSocket());
    const copy = new sc.RawSocket(fd!, sc.AF_INET, sc.SOCK_DGRAM);
    assert.equal(copy.getsockoptInt(sc.SOL_SOCKET, sc.SO_TYPE), sc.SOCK_DGRAM);
    await copy.close();
  });
});

describe("socket options", () => {
  it("reads and sets int and byte options, with Go's errors", async () => {
    await using s = await sc.socket(sc.AF_INET, sc.SOCK_STREAM, 0);
    assert.equal(s.getsockoptInt(sc.SOL_SOCKET, sc.SO_TYPE), sc.SOCK_STREAM);
    assert.equal(s.getsockoptInt(sc.SOL_SOCKET, sc.SO_DOMAIN), sc.AF_INET);
    s.setsockoptInt(sc.SOL_SOCKET, sc.SO_KEEPALIVE, 1);
    assert.equal(s.getsockoptInt(sc.SOL_SOCKET, sc.SO_KEEPALIVE), 1);
    s.setsockoptBytes(sc.SOL_SOCKET, sc.SO_BINDTODEVICE, Buffer.from("lo"));
    assert.equal(Buffer.from(s.getsockoptBytes(sc.SOL_SOCKET, sc.SO_BINDTODEVICE, 16)).toString(), "lo\0");
    assert.equal(s.getsockoptBytes(sc.SOL_SOCKET, sc.SO_TYPE, 4).length, 4);
    assert.throws(() => s.getsockoptInt(sc.SOL_SOCKET, 0x7fff), { message: "getsockopt: protocol not available" });
    assert.throws(() => s.setsockoptInt(sc.SOL_SOCKET, 0x7fff, 1), { message: "setsockopt: protocol not available" });
    assert.throws(() => s.getsockoptBytes(sc.SOL_SOCKET, sc.SO_TYPE, 1e9), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => s.getsockoptBytes(sc.SOL_SOCKET, sc.SO_TYPE, -1), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => s.setsockoptBytes(sc.SOL_SOCKET, sc.SO_TYPE, "x" as never), { code: "ERR_INVALID_ARG_TYPE" });
  });

  it("on any conn's RawConn, errors in the owner's raw-control form", async () => {
    const server = net.createServer((c) => c.end());
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const conn = await dial("tcp", `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
      const rc = conn.syscallConn();
      assert.equal(rc.getsockoptInt(sc.SOL_SOCKET, sc.SO_TYPE), sc.SOCK_STREAM);
      assert.equal(rc.getsockoptInt(sc.IPPROTO_TCP, sc.TCP_NODELAY), 1, "Go's default for tcp conns");
      rc.setsockoptInt(sc.SOL_SOCKET, sc.SO_PRIORITY, 3);
      assert.equal(rc.getsockoptInt(sc.SOL_SOCKET, sc.SO_PRIORITY), 3);
      rc.setsockoptBytes(sc.SOL_SOCKET, sc.SO_BINDTODEVICE, Buffer.from("lo"));
      assert.equal(Buffer.from(rc.getsockoptBytes(sc.SOL_SOCKET, sc.SO_BINDTODEVICE, 16)).toString(), "lo\0");
      const laddr = conn.localAddr()!.toString();
      assert.throws(() => rc.getsockoptInt(sc.SOL_SOCKET, 0x7fff), {
        message: `raw-control tcp ${laddr}: getsockopt: protocol not available`,
      });
      assert.throws(() => rc.setsockoptBytes(sc.SOL_SOCKET, 0x7fff, new Uint8Array(4)), {
        message: `raw-control tcp ${laddr}: setsockopt: protocol not available`,
      });
      await conn.close();
      assert.throws(() => rc.getsockoptInt(sc.SOL_SOCKET, sc.SO_TYPE), {
        message: `raw-control tcp ${laddr}: use of closed network connection`,
      });
    } finally {
      server.close();
    }
  });
});

describe("bad input", () => {
  it("is a typed error, never a crash", async () => {
    await assert.rejects(sc.socket("inet" as never, sc.SOCK_STREAM, 0), { code: "ERR_INVALID_ARG_TYPE" });
    await assert.rejects(sc.socket(sc.AF_INET, 1.5, 0), { code: "ERR_INVALID_ARG_TYPE" });
    await assert.rejects(sc.socket(2 ** 40, sc.SOCK_STREAM, 0), { code: "ERR_INVALID_ARG_TYPE" });
    const fam = await rejectsWith(sc.socket(12345, sc.SOCK_STREAM, 0), "socket: address family not supported by protocol");
    assert.equal((fam as SyscallError).code, "EAFNOSUPPORT");
    await rejectsWith(sc.socket(sc.AF_INET, 999, 0), "socket: invalid argument");
    await rejectsWith(sc.socket(sc.AF_INET, sc.SOCK_STREAM, sc.IPPROTO_UDP), "socket: protocol not supported");

    await using s = await sc.socket(sc.AF_INET, sc.SOCK_DGRAM, 0);
    assert.throws(() => s.bind({ port: 1 } as never), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => s.bind(null as never), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => s.bind(new sc.SockaddrInet4({ port: 70000 })), { message: "bind: invalid argument" });
    assert.throws(() => s.bind(new sc.SockaddrInet4({ port: -1 })), { message: "bind: invalid argument" });
    assert.throws(() => new sc.SockaddrInet4({ addr: [1, 2, 3] }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => new sc.SockaddrInet6({ addr: new Uint8Array(4) }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => new sc.SockaddrLinklayer({ addr: new Uint8Array(9) }), { code: "ERR_INVALID_ARG_TYPE" });
    const bad = new sc.SockaddrInet4();
    bad.port = "80" as never;
    assert.throws(() => s.bind(bad), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => s.bind(new sc.SockaddrInet6()), { message: "bind: address family not supported by protocol" });
    assert.throws(() => s.bind(new sc.SockaddrUnix({ name: "x".repeat(108) })), { message: "bind: invalid argument" });
    assert.throws(() => s.bind(new sc.SockaddrVM({ cid: 1.5 })), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => s.bind(new sc.SockaddrVM({ cid: 2 ** 33 })), { message: "bind: invalid argument" });
    await assert.rejects(s.recvfrom("buf" as never, 0), { code: "ERR_INVALID_ARG_TYPE" });
    await assert.rejects(s.recvfrom(new Uint8Array(1), Number.NaN), { code: "ERR_INVALID_ARG_TYPE" });
    await assert.rejects(s.sendto(new Uint8Array(1), 0, { name: "x" } as never), { code: "ERR_INVALID_ARG_TYPE" });
    await rejectsWith(s.sendto(new Uint8Array(1), 0, new sc.SockaddrInet4({ port: 1e6 })), "sendto: invalid argument");
    await rejectsWith(s.sendto(new Uint8Array(1), 0, null), "sendto: destination address required");
    await rejectsWith(s.connect(new sc.SockaddrNetlink()), "connect: invalid argument"); // shorter than a sockaddr_in
    assert.throws(() => s.getpeername(), { message: "getpeername: transport endpoint is not connected" });
    assert.throws(() => s.listen(), { message: "listen: operation not supported" });
    assert.throws(() => s.shutdown(99), { message: "shutdown: invalid argument" });
    assert.throws(() => sc.htons(70000), { code: "ERR_INVALID_ARG_TYPE" });
    assert.equal(sc.htons(0x0003), 0x0300);
  });
});
