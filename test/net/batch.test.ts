/**
 * readBatch and writeBatch (recvmmsg/sendmmsg) on udp and unixgram, against python3's socket
 * module and Node's dgram as independent peers: every datagram whole and in order, senders
 * decoded, truncation flagged, one syscall for what arrived together, Go's errors for bad
 * addresses, deadlines and close.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { once } from "node:events";
import {
  MSG_TRUNC,
  dial,
  errorIs,
  listenPacket,
  ErrClosed,
  ErrDeadlineExceeded,
  UDPAddr,
  UnixAddr,
  parseIP,
  type Message,
  type UDPConn,
  type UnixConn,
} from "../../src/index.js";
import { PythonPeer, guardFdLeaks, hasIPv6, testUnixAddr, within } from "../helpers.js";

guardFdLeaks();

/** messages makes `count` reusable messages with buffers of `size` bytes. */
function messages<A extends UDPAddr | UnixAddr>(count: number, size: number): Message<A>[] {
  return Array.from({ length: count }, () => ({ buffer: new Uint8Array(size), n: 0, addr: null, flags: 0 }));
}

/** The i-th test datagram: i's bytes, of a length that varies with i (0 included). */
const datagram = (i: number): Buffer => Buffer.alloc((i * 37) % 1500, i & 0xff);

/** readAll reads batches until `want` datagrams have come, copying each out with its sender. */
async function readAll<A extends UDPAddr | UnixAddr>(pc: { readBatch(ms: Message<A>[]): Promise<number> }, want: number) {
  const ms = messages<A>(64, 2048);
  const got: { data: Buffer; addr: A | null; flags: number }[] = [];
  let calls = 0;
  while (got.length < want) {
    const n = await pc.readBatch(ms);
    calls++;
    assert.ok(n >= 1 && n <= 64, `a batch of ${n}`);
    for (let i = 0; i < n; i++) got.push({ data: Buffer.from(ms[i]!.buffer.subarray(0, ms[i]!.n)), addr: ms[i]!.addr, flags: ms[i]!.flags });
  }
  return { got, calls };
}

describe("readBatch and writeBatch", () => {
  it("reads 200 datagrams from a python3 sender whole, in order, with its address", async () => {
    await using pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
    pc.setReadBuffer(1 << 20);
    const port = (pc.localAddr() as UDPAddr).port;
    const py = new PythonPeer(
      `import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
for i in range(200):
    s.sendto(bytes([i & 0xff]) * ((i * 37) % 1500), ("127.0.0.1", int(sys.argv[1])))
    if i % 16 == 15:
        time.sleep(0.002)  # paced: a receive buffer holds only so many
`,
      [String(port)],
    );
    const pyPort = Number(await py.ready);
    const { got } = await within(readAll<UDPAddr>(pc, 200), 5000, "200 datagrams");
    await py.done();
    assert.equal(got.length, 200);
    got.forEach((g, i) => {
      assert.deepEqual(g.data, datagram(i), `datagram ${i}`);
      assert.equal(g.addr?.toString(), `127.0.0.1:${pyPort}`);
      assert.equal(g.flags & MSG_TRUNC, 0);
    });
  });

  it("takes what arrived together in one recvmmsg: 64 queued datagrams, one read", async () => {
    await using pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
    const sender = dgram.createSocket("udp4");
    try {
      const to = (pc.localAddr() as UDPAddr).port;
      for (let i = 0; i < 64; i++) sender.send(datagram(i), to, "127.0.0.1");
      await new Promise((r) => setTimeout(r, 100)); // all 64 are queued at the receiver
      const before = pc.stats().reads;
      const ms = messages<UDPAddr>(64, 2048);
      assert.equal(await pc.readBatch(ms), 64);
      assert.equal(pc.stats().reads - before, 1, "one read operation");
      assert.deepEqual(Buffer.from(ms[63]!.buffer.subarray(0, ms[63]!.n)), datagram(63));
      // With fewer messages than are queued, a batch takes as many as it has room for.
      for (let i = 0; i < 10; i++) sender.send(datagram(i), to, "127.0.0.1");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await pc.readBatch(messages<UDPAddr>(4, 2048)), 4);
      assert.equal(await pc.readBatch(messages<UDPAddr>(64, 2048)), 6);
    } finally {
      sender.close();
    }
  });

  it("flags a datagram longer than its buffer with MSG_TRUNC and keeps the first bytes", async () => {
    await using pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
    await using c = await dial("udp", pc.localAddr()!.toString());
    await c.write(Buffer.from("0123456789"));
    const ms = messages<UDPAddr>(2, 4);
    assert.equal(await pc.readBatch(ms), 1);
    assert.equal(ms[0]!.n, 4);
    assert.notEqual(ms[0]!.flags & MSG_TRUNC, 0);
    assert.equal(Buffer.from(ms[0]!.buffer).toString(), "0123");
  });

  it("writeBatch sends 128 datagrams to their addresses, read whole by Node's dgram", async () => {
    const receivers = await Promise.all(
      [0, 1].map(async () => {
        const s = dgram.createSocket({ type: "udp4", recvBufferSize: 1 << 20 });
        s.bind(0, "127.0.0.1");
        await once(s, "listening");
        return s;
      }),
    );
    const got: Buffer[][] = [[], []];
    receivers.forEach((s, k) => s.on("message", (m) => got[k]!.push(m)));
    try {
      await using pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
      const to = receivers.map((s) => new UDPAddr({ ip: parseIP("127.0.0.1"), port: s.address().port }));
      const ms: Message[] = Array.from({ length: 128 }, (_, i) => ({ buffer: datagram(i), n: 0, addr: to[i % 2]!, flags: 0 }));
      const before = pc.stats().writes;
      assert.equal(await pc.writeBatch(ms), 128);
      assert.ok(pc.stats().writes - before === 1, "one write operation");
      await within(
        (async () => {
          while (got[0]!.length + got[1]!.length < 128) await new Promise((r) => setTimeout(r, 10));
        })(),
        5000,
        "128 datagrams at the receivers",
      );
      got.forEach((list, k) => list.forEach((m, j) => assert.deepEqual(m, datagram(2 * j + k), `receiver ${k}, datagram ${j}`)));
    } finally {
      receivers.forEach((s) => s.close());
    }
  });

  it("refuses addresses as Go's WriteMsg does: one on a connected conn, none on an unconnected one", async () => {
    await using pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
    await using c = (await dial("udp", pc.localAddr()!.toString())) as UDPConn;
    const addr = pc.localAddr() as UDPAddr;
    await assert.rejects(c.writeBatch([{ buffer: Buffer.from("x"), n: 0, addr, flags: 0 }]), { message: /^write udp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: use of WriteTo with pre-connected connection$/ });
    await assert.rejects(pc.writeBatch([{ buffer: Buffer.from("x"), n: 0, addr: null, flags: 0 }]), /missing address/);
    // Nothing went before the bad one: the whole batch is checked first.
    const good = { buffer: Buffer.from("ok"), n: 0, addr: null, flags: 0 };
    await assert.rejects(c.writeBatch([good, { buffer: Buffer.from("x"), n: 0, addr, flags: 0 }]), /pre-connected/);
    assert.equal(await c.writeBatch([good, good]), 2);
    const ms = messages<UDPAddr>(8, 16);
    assert.equal(await pc.readBatch(ms), 2, "only the good batch arrived");
    await assert.rejects(pc.readBatch([]), { code: "ERR_INVALID_ARG_TYPE" });
    await assert.rejects(pc.readBatch([{ buffer: "no" as unknown as Uint8Array, n: 0, addr: null, flags: 0 }]), { code: "ERR_INVALID_ARG_TYPE" });
  });

  it("waits for the first datagram, and ends with the read deadline or close", async () => {
    await using pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
    await using c = await dial("udp", pc.localAddr()!.toString());
    const ms = messages<UDPAddr>(16, 64);
    const waiting = pc.readBatch(ms);
    setTimeout(() => void c.write(Buffer.from("late")), 50);
    assert.equal(await within(waiting, 5000, "the late datagram"), 1);
    assert.equal(Buffer.from(ms[0]!.buffer.subarray(0, ms[0]!.n)).toString(), "late");
    pc.setReadDeadline(Date.now() + 50);
    const e = await pc.readBatch(ms).catch((x: unknown) => x);
    assert.ok(errorIs(e, ErrDeadlineExceeded), String(e));
    assert.match((e as Error).message, /^read udp 127\.0\.0\.1:\d+: i\/o timeout$/);
    pc.setReadDeadline(null);
    const stuck = pc.readBatch(ms).catch((x: unknown) => x);
    await pc.close();
    assert.ok(errorIs(await stuck, ErrClosed));
  });

  it("works on unixgram both ways, senders decoded as UnixAddr", async () => {
    const path = testUnixAddr();
    await using pc = (await listenPacket("unixgram", path)) as unknown as UnixConn;
    const from = testUnixAddr();
    await using out = (await listenPacket("unixgram", from)) as unknown as UnixConn;
    const to = new UnixAddr({ name: path, net: "unixgram" });
    const ms: Message[] = Array.from({ length: 100 }, (_, i) => ({ buffer: datagram(i), n: 0, addr: to, flags: 0 }));
    // A unix datagram queue holds few messages (net.unix.max_dgram_qlen, 10 by default), so the
    // writer waits for the reader: both run at once.
    const [sent, { got, calls }] = await within(Promise.all([out.writeBatch(ms), readAll<UnixAddr>(pc, 100)]), 5000, "100 unix datagrams");
    assert.equal(sent, 100);
    got.forEach((g, i) => {
      assert.deepEqual(g.data, datagram(i));
      assert.equal(g.addr?.toString(), from);
    });
    assert.ok(calls < 100, `${calls} batches for 100 datagrams`);
    // A dialed unixgram conn sends without addresses, and refuses one.
    await using c = (await dial("unixgram", path)) as unknown as UnixConn;
    const plain = { buffer: Buffer.from("dialed"), n: 0, addr: null, flags: 0 };
    assert.equal(await c.writeBatch([plain, plain]), 2);
    const two = messages<UnixAddr>(4, 16);
    assert.equal(await pc.readBatch(two), 2);
    await assert.rejects(c.writeBatch([{ ...plain, addr: to }]), /pre-connected/);
  });

  it("works over IPv6 loopback", async (t) => {
    if (!(await hasIPv6())) return t.skip("no IPv6 loopback here");
    await using pc = (await listenPacket("udp6", "[::1]:0")) as UDPConn;
    await using c = await dial("udp6", pc.localAddr()!.toString());
    await c.write(Buffer.from("six"));
    const ms = messages<UDPAddr>(4, 16);
    assert.equal(await pc.readBatch(ms), 1);
    assert.equal(ms[0]!.addr?.toString(), c.localAddr()!.toString());
  });
});
