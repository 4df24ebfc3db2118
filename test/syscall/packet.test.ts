/**
 * AF_PACKET through the syscall layer: a SOCK_DGRAM packet socket for every protocol, bound to
 * lo, captures a UDP datagram a Node dgram socket sends to 127.0.0.1, and the sender's
 * SockaddrLinklayer says lo, IPv4, loopback hardware. Packet sockets need CAP_NET_RAW: without
 * it the test skips and says so. Other suites' loopback traffic is captured too, so the capture
 * looks for its own payload.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import * as sc from "../../src/syscall/index.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const ARPHRD_LOOPBACK = 772; // linux/if_arp.h

async function packetSocket(): Promise<sc.RawSocket | string> {
  try {
    return await sc.socket(sc.AF_PACKET, sc.SOCK_DGRAM, sc.htons(sc.ETH_P_ALL));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EPERM" || code === "EACCES") return `skipped: packet sockets need CAP_NET_RAW (${(err as Error).message})`;
    throw err;
  }
}

it("captures a UDP datagram to 127.0.0.1 on lo, with its link-layer sender", async (t) => {
  const s = await packetSocket();
  if (typeof s === "string") return t.skip(s);
  await using _s = s;
  const lo = Number(readFileSync("/sys/class/net/lo/ifindex", "utf8"));
  s.bind(new sc.SockaddrLinklayer({ protocol: sc.htons(sc.ETH_P_ALL), ifindex: lo }));
  const me = s.getsockname();
  assert.ok(me instanceof sc.SockaddrLinklayer);
  assert.equal(me.ifindex, lo);
  assert.equal(me.protocol, sc.htons(sc.ETH_P_ALL));

  const rx = dgram.createSocket("udp4");
  rx.bind(0, "127.0.0.1");
  await once(rx, "listening");
  const tx = dgram.createSocket("udp4");
  const payload = randomBytes(32);
  try {
    tx.send(payload, rx.address().port, "127.0.0.1");
    const buf = new Uint8Array(65536);
    s.setReadDeadline(Date.now() + 5000);
    for (;;) {
      const { n, from } = await within(s.recvfrom(buf, 0), 6000, "the captured datagram");
      const pkt = Buffer.from(buf.subarray(0, n));
      if (n < 28 || pkt.indexOf(payload) < 0) continue;
      // SOCK_DGRAM strips the link header: the IPv4 header, then UDP, then the payload.
      const ihl = (pkt[0]! & 0x0f) * 4;
      assert.equal(pkt[0]! >> 4, 4, "IPv4");
      assert.equal(pkt[9], 17, "UDP");
      assert.deepEqual([...pkt.subarray(16, 20)], [127, 0, 0, 1], "to 127.0.0.1");
      assert.equal(pkt.readUInt16BE(ihl + 2), rx.address().port, "to the receiver's port");
      assert.deepEqual(pkt.subarray(ihl + 8), payload);
      assert.ok(from instanceof sc.SockaddrLinklayer);
      assert.equal(from.ifindex, lo);
      assert.equal(from.protocol, sc.htons(sc.ETH_P_IP));
      assert.equal(from.hatype, ARPHRD_LOOPBACK);
      assert.ok(from.pkttype === sc.PACKET_HOST || from.pkttype === sc.PACKET_OUTGOING, `pkttype ${from.pkttype}`);
      assert.equal(from.halen, 6);
      assert.deepEqual([...from.addr.subarray(0, 6)], [0, 0, 0, 0, 0, 0], "lo's hardware address");
      break;
    }
  } finally {
    rx.close();
    tx.close();
  }
});
