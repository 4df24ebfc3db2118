/**
 * Raw IP (Go's iprawsock_test.go, GO-REFERENCE §B.9, §C): "ip4:icmp" on 127.0.0.1 and
 * "ip6:ipv6-icmp" on ::1 send an ICMP echo request and read the kernel's reply; readFrom strips
 * the IPv4 header while read and readMsg do not, checked byte for byte against python3's
 * SOCK_RAW view of the same packet; protocol names and numbers ("ip:1", "ip4:udp"); Go's errors.
 * Raw sockets need CAP_NET_RAW: without it those tests skip and say so; the error tests that
 * open no socket always run. Other suites may run alongside and make ICMP of their own (port
 * unreachables), so every read here looks for its own packet by identifier and payload.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomInt } from "node:crypto";
import {
  dial,
  listen,
  listenPacket,
  errorIs,
  parseIP,
  ErrClosed,
  ErrDeadlineExceeded,
  ErrWriteToConnected,
  IPAddr,
  IPConn,
  UDPAddr,
  type Addr,
} from "../../src/index.js";
import { guardFdLeaks, hasIPv6, settle, within, rawIPSkip } from "../helpers.js";
import { hex, rejectsWith, usePyPeer } from "./dgram_peers.js";

guardFdLeaks();

const v6 = await hasIPv6();
const LIMIT = 5000;
const lo4 = () => new IPAddr({ ip: parseIP("127.0.0.1") });
const lo6 = () => new IPAddr({ ip: parseIP("::1") });

const noRaw = await rawIPSkip();

/**
 * listenRaw is listenPacket for a raw IP network, checked to give an IPConn (listenPacket has no
 * overload that types "ip4:proto" and friends as IPConn).
 */
async function listenRaw(network: string, address: string): Promise<IPConn> {
  const pc = await listenPacket(network, address);
  if (!(pc instanceof IPConn)) {
    await pc.close();
    assert.fail(`listenPacket("${network}") did not give an IPConn`);
  }
  return pc;
}

function ipAddr(a: Addr | null): IPAddr {
  assert.ok(a instanceof IPAddr, `expected an IPAddr, got ${String(a)}`);
  return a;
}

/** The Internet checksum (RFC 1071). */
function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2 === 1) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An ICMP (or ICMPv6: the kernel fills in its checksum) echo request. */
function echoRequest(v6: boolean, id: number, seq: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  const v = new DataView(b.buffer);
  b[0] = v6 ? 128 : 8;
  v.setUint16(4, id);
  v.setUint16(6, seq);
  b.set(payload, 8);
  if (!v6) v.setUint16(2, checksum(b));
  return b;
}

/** Whether `icmp` (no IP header) is an echo reply with this identifier and payload. */
function isReply(icmp: Uint8Array, v6: boolean, id: number, payload: Uint8Array): boolean {
  if (icmp.length < 8 + payload.length || icmp[0] !== (v6 ? 129 : 0)) return false;
  if (((icmp[4]! << 8) | icmp[5]!) !== id) return false;
  return Buffer.from(icmp.subarray(8)).equals(Buffer.from(payload));
}

/** The IPv4 header length of a packet that starts with one. */
const ihl = (pkt: Uint8Array) => (pkt[0]! & 0x0f) * 4;

/**
 * Reads with `read` until `match` accepts what came (each result copied out), bounded by a
 * read deadline.
 */
async function readUntil<T extends { data: Uint8Array }>(
  pc: IPConn,
  read: (buf: Uint8Array) => Promise<T & { n: number }>,
  match: (data: Uint8Array) => boolean,
): Promise<T> {
  pc.setReadDeadline(Date.now() + LIMIT);
  try {
    for (;;) {
      const buf = new Uint8Array(1500);
      const r = await read(buf);
      const data = buf.slice(0, r.n);
      if (match(data)) return { ...r, data };
    }
  } finally {
    pc.setReadDeadline(null);
  }
}

const viaReadFrom = (pc: IPConn) => async (buf: Uint8Array) => {
  const r = await pc.readFrom(buf);
  return { ...r, data: buf };
};
const viaRead = (pc: IPConn) => async (buf: Uint8Array) => ({ n: (await pc.read(buf)) ?? 0, data: buf });
const viaReadMsg = (pc: IPConn) => async (buf: Uint8Array) => {
  const r = await pc.readMsg(buf, new Uint8Array(0));
  return { ...r, data: buf };
};

describe("raw IPv4 (ip4:icmp on 127.0.0.1)", { skip: noRaw }, () => {
  const py = usePyPeer();

  it("an echo request to 127.0.0.1 gets the kernel's echo reply; readFrom gives ICMP without the IP header", async () => {
    await using pc = await listenRaw("ip4:icmp", "127.0.0.1");
    assert.ok(pc instanceof IPConn);
    const la = ipAddr(pc.localAddr());
    assert.equal(la.toString(), "127.0.0.1");
    assert.equal(la.network(), "ip");
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(24);
    const req = echoRequest(false, id, 1, payload);
    assert.equal(await pc.writeTo(req, lo4()), req.length);
    const r = await readUntil(pc, viaReadFrom(pc), (d) => isReply(d, false, id, payload));
    assert.equal(r.data.length, req.length, "header stripped: exactly the ICMP message");
    assert.equal(ipAddr(r.addr).toString(), "127.0.0.1");
    assert.equal(checksum(r.data), 0, "a valid ICMP checksum");
  });

  it("readFrom strips the IPv4 header, read and readMsg do not (byte for byte against python3 SOCK_RAW)", async () => {
    await using byReadFrom = await listenRaw("ip4:icmp", "127.0.0.1");
    await using byReadMsg = await listenRaw("ip4:1", "127.0.0.1");
    await using byRead = await dial("ip4:icmp", "127.0.0.1");
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(32);
    const s = await py().socket("inet4", "raw", null, 1);
    let packet: Buffer;
    try {
      await py().call({ op: "sendto", id: s.id, data: hex(echoRequest(false, id, 7, payload)), to: "127.0.0.1" });
      const got = await py().call({ op: "recv_icmp", id: s.id, want: 0, ident: id });
      packet = Buffer.from(got.data!, "hex");
      assert.equal(got.from, "127.0.0.1");
    } finally {
      await py().call({ op: "close", id: s.id });
    }
    assert.equal(packet[0]! >> 4, 4, "python's raw socket sees the IPv4 header");
    const icmp = packet.subarray(ihl(packet));

    const f = await readUntil(byReadFrom, viaReadFrom(byReadFrom), (d) => isReply(d, false, id, payload));
    assert.deepEqual(Buffer.from(f.data), icmp, "readFrom: the packet without its header");
    assert.equal(ipAddr(f.addr).toString(), "127.0.0.1");

    const m = await readUntil(byReadMsg, viaReadMsg(byReadMsg), (d) => d[0]! >> 4 === 4 && isReply(d.subarray(ihl(d)), false, id, payload));
    assert.deepEqual(Buffer.from(m.data), packet, "readMsg: the whole packet, header included");
    assert.equal(ipAddr(m.addr).toString(), "127.0.0.1");
    assert.equal(m.flags, 0);

    const r = await readUntil(byRead, viaRead(byRead), (d) => d[0]! >> 4 === 4 && isReply(d.subarray(ihl(d)), false, id, payload));
    assert.deepEqual(Buffer.from(r.data), packet, "read: the whole packet, header included");
  });

  it("readFrom into a buffer shorter than an IPv4 header strips nothing (Go's stripIPv4Header)", async () => {
    await using pc = await listenRaw("ip4:icmp", "127.0.0.1");
    const id = randomInt(1, 0xffff);
    await pc.writeTo(echoRequest(false, id, 1, randomBytes(16)), lo4());
    const buf = new Uint8Array(10);
    pc.setReadDeadline(Date.now() + LIMIT);
    const r = await pc.readFrom(buf);
    assert.equal(r.n, 10);
    assert.equal(buf[0]! >> 4, 4, "still the IP header");
  });

  it("a dialed ip4:icmp conn: write and read (with header); readFrom strips it", async () => {
    await using c = await dial("ip4:icmp", "127.0.0.1");
    assert.equal(ipAddr(c.localAddr()).toString(), "127.0.0.1");
    assert.equal(ipAddr(c.remoteAddr()).toString(), "127.0.0.1");
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(8);
    const req = echoRequest(false, id, 2, payload);
    assert.equal(await c.write(req), req.length);
    const r = await readUntil(c, viaRead(c), (d) => d[0]! >> 4 === 4 && isReply(d.subarray(ihl(d)), false, id, payload));
    assert.equal(r.data.length, ihl(r.data) + req.length);
    const payload2 = randomBytes(8);
    await c.write(echoRequest(false, id, 3, payload2));
    const f = await readUntil(c, viaReadFrom(c), (d) => isReply(d, false, id, payload2));
    assert.equal(f.data.length, 8 + payload2.length);
  });

  it('"ip:1" and "ip:icmp" are ICMP over IPv4 for a 127.0.0.1 address', async () => {
    await using pc = await listenRaw("ip:1", "127.0.0.1");
    await using c = await dial("ip:icmp", "127.0.0.1");
    assert.equal(c.localAddr()!.toString(), "127.0.0.1");
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(12);
    await c.write(echoRequest(false, id, 1, payload));
    const r = await readUntil(pc, viaReadFrom(pc), (d) => isReply(d, false, id, payload));
    assert.equal(ipAddr(r.addr).toString(), "127.0.0.1");
  });

  it('"ip4:udp" (a name from /etc/protocols) and "ip4:17" see a UDP datagram, UDP header first', async () => {
    await using byName = await listenRaw("ip4:udp", "127.0.0.1");
    await using byNumber = await listenRaw("ip4:17", "127.0.0.1");
    await using rx = await listenPacket("udp4", "127.0.0.1:0");
    await using tx = await dial("udp4", rx.localAddr()!.toString());
    const payload = randomBytes(20);
    await tx.write(payload);
    const sport = (tx.localAddr() as UDPAddr).port;
    const dport = (rx.localAddr() as UDPAddr).port;
    const isOurs = (d: Uint8Array) =>
      d.length === 8 + payload.length &&
      ((d[0]! << 8) | d[1]!) === sport &&
      ((d[2]! << 8) | d[3]!) === dport &&
      Buffer.from(d.subarray(8)).equals(payload);
    for (const pc of [byName, byNumber]) {
      const r = await readUntil(pc, viaReadFrom(pc), isOurs);
      assert.equal(ipAddr(r.addr).toString(), "127.0.0.1");
    }
  });

  it("writeTo and writeMsg rules, with Go's texts", async () => {
    await using c = await dial("ip4:icmp", "127.0.0.1");
    const e = await rejectsWith(
      c.writeTo(new Uint8Array(8), lo4()),
      "write ip4 127.0.0.1->127.0.0.1: use of WriteTo with pre-connected connection",
    );
    assert.ok(errorIs(e, ErrWriteToConnected));
    await using pc = await listenRaw("ip4:1", "127.0.0.1");
    await rejectsWith(pc.writeTo(new Uint8Array(8), null), "write ip4 127.0.0.1: invalid argument");
    await rejectsWith(
      pc.writeTo(new Uint8Array(8), new UDPAddr({ ip: parseIP("127.0.0.1") })),
      "write ip4 127.0.0.1->127.0.0.1:0: invalid argument",
    );
    await rejectsWith(pc.writeMsg(new Uint8Array(8), null, null), "write ip4 127.0.0.1: missing address");
    await rejectsWith(pc.writeTo(new Uint8Array(8), lo6()), "write ip4 127.0.0.1->::1: address ::1: non-IPv4 address");
  });

  it("deadlines and close on a pending readFrom", async () => {
    // Protocol 253 (RFC 3692, for experiments): nothing here sends it, so reads stay pending.
    await using pc = await listenRaw("ip4:253", "127.0.0.1");
    const pending = pc.readFrom(new Uint8Array(64));
    assert.equal(await settle(pending), "pending");
    pc.setReadDeadline(Date.now() - 1);
    const e = await rejectsWith(within(pending, LIMIT, "readFrom"), "read ip4 127.0.0.1: i/o timeout");
    assert.ok(errorIs(e, ErrDeadlineExceeded));
    await using c = await dial("ip4:253", "127.0.0.1");
    c.setReadDeadline(Date.now() - 1);
    await rejectsWith(c.read(new Uint8Array(64)), "read ip4 127.0.0.1->127.0.0.1: i/o timeout");
    pc.setReadDeadline(null);
    const pending2 = pc.readFrom(new Uint8Array(64));
    assert.equal(await settle(pending2), "pending");
    await pc.close();
    const e2 = await rejectsWith(within(pending2, LIMIT, "readFrom"), "read ip4 127.0.0.1: use of closed network connection");
    assert.ok(errorIs(e2, ErrClosed));
  });

  it("async iteration yields { data, addr } with the header stripped", async () => {
    await using pc = await listenRaw("ip4:icmp", "127.0.0.1");
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(16);
    await pc.writeTo(echoRequest(false, id, 1, payload), lo4());
    pc.setReadDeadline(Date.now() + LIMIT);
    for await (const { data, addr } of pc) {
      if (!isReply(data, false, id, payload)) continue;
      assert.equal(ipAddr(addr).toString(), "127.0.0.1");
      break;
    }
  });
});

describe("raw IPv6 (ip6:ipv6-icmp on ::1)", { skip: noRaw || (v6 ? false : "skipped: ::1 cannot be bound here (no IPv6 loopback)") }, () => {
  const py = usePyPeer();

  it("an echo request to ::1 gets the echo reply; IPv6 raw reads carry no header", async () => {
    await using pc = await listenRaw("ip6:ipv6-icmp", "::1");
    assert.equal(pc.localAddr()!.toString(), "::1");
    await using c = await dial("ip6:58", "::1");
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(24);
    const req = echoRequest(true, id, 1, payload);
    assert.equal(await pc.writeTo(req, lo6()), req.length);
    const r = await readUntil(pc, viaReadFrom(pc), (d) => isReply(d, true, id, payload));
    assert.equal(r.data.length, req.length);
    assert.equal(ipAddr(r.addr).toString(), "::1");
    const m = await readUntil(c, viaRead(c), (d) => isReply(d, true, id, payload));
    assert.equal(m.data[0], 129, "read: ICMPv6 first, no header");
  });

  it("sockit and python3 see the same reply", async () => {
    await using pc = await listenRaw("ip6:ipv6-icmp", "::1");
    const id = randomInt(1, 0xffff);
    const payload = randomBytes(16);
    const s = await py().socket("inet6", "raw", null, 58);
    let packet: Buffer;
    try {
      await py().call({ op: "sendto", id: s.id, data: hex(echoRequest(true, id, 5, payload)), to: "::1" });
      packet = Buffer.from((await py().call({ op: "recv_icmp", id: s.id, want: 129, ident: id })).data!, "hex");
    } finally {
      await py().call({ op: "close", id: s.id });
    }
    const m = await readUntil(pc, viaReadMsg(pc), (d) => isReply(d, true, id, payload));
    assert.deepEqual(Buffer.from(m.data), packet);
  });
});

describe("raw IP network and address errors (Go 1.19 texts; no socket needed)", () => {
  it("a network without a protocol, or with an unknown one", async () => {
    await rejectsWith(dial("ip", "127.0.0.1"), "dial ip: unknown network ip");
    await rejectsWith(dial("ip:foo", "127.0.0.1"), "dial ip:foo: address foo: unknown IP protocol specified");
    await rejectsWith(listenPacket("ip4", "127.0.0.1"), "listen ip4: unknown network ip4");
    await rejectsWith(listenPacket("ip4:foo", "127.0.0.1"), "listen ip4:foo: address foo: unknown IP protocol specified");
    await rejectsWith(dial("ipx:1", "127.0.0.1"), "dial ipx:1: unknown network ipx:1");
  });

  it("a missing address, the other family, and listen on a packet network", async () => {
    await rejectsWith(dial("ip4:icmp", ""), "dial ip4:icmp: missing address");
    await rejectsWith(dial("ip6:ipv6-icmp", "127.0.0.1"), "dial ip6:ipv6-icmp: address 127.0.0.1: no suitable address found");
    await rejectsWith(listen("ip4:icmp", "127.0.0.1"), "listen ip4:icmp 127.0.0.1: address 127.0.0.1: unexpected address type");
  });
});
