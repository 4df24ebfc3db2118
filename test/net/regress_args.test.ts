/**
 * Bad arguments from plain JavaScript get typed errors in a rejected promise (or, for sync
 * functions, a thrown TypeError), never a crash, a stack overflow or a raw TypeError from
 * inside (issue 7 §2).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { listenPacket, unixRights, parseIP, UDPAddr, TCPAddr, type UDPConn } from "../../src/index.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const argError = (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === "ERR_INVALID_ARG_TYPE";

it("unixRights of 200,000 fds as an array builds the message without a stack overflow", () => {
  const fds = new Array<number>(200_000).fill(1);
  const m = unixRights(fds);
  assert.ok(m.length >= 200_000 * 4);
  assert.deepEqual(unixRights([3, 4]), unixRights(3, 4));
});

it("unixRights of something that is not an fd number is a TypeError naming it", () => {
  for (const bad of [1.5, -1, Number.NaN, "3", undefined]) {
    assert.throws(() => unixRights(bad as number), (e: unknown) => argError(e) && /fds\[0\]/.test((e as Error).message));
  }
});

it("a UDPAddr or TCPAddr port of 1.5 or NaN is a TypeError (it was sent to port 1)", () => {
  const ip = parseIP("127.0.0.1");
  assert.throws(() => new UDPAddr({ ip, port: 1.5 }), argError);
  assert.throws(() => new TCPAddr({ ip, port: Number.NaN }), argError);
  // Go's Port is any int: out-of-range integers are kept and printed as they are.
  assert.equal(new UDPAddr({ ip, port: 70000 }).toString(), "127.0.0.1:70000");
});

it("writeTo(p, undefined) is Go's EINVAL, as writeTo(p, null)", async () => {
  const pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
  try {
    const want = `write udp ${pc.localAddr()}: invalid argument`;
    await assert.rejects(pc.writeTo(new Uint8Array(1), undefined as unknown as null), { message: want });
    await assert.rejects(pc.writeTo(new Uint8Array(1), null), { message: want });
  } finally {
    await pc.close();
  }
});

it("readFrom, writeTo, readMsg and writeMsg with a bad buffer reject with a TypeError", async () => {
  const pc = (await listenPacket("udp", "127.0.0.1:0")) as UDPConn;
  try {
    const to = pc.localAddr()!;
    const r = pc.readFrom(undefined as unknown as Uint8Array);
    assert.ok(r instanceof Promise);
    await assert.rejects(r, argError);
    await assert.rejects(pc.writeTo(undefined as unknown as Uint8Array, to), argError);
    await assert.rejects(pc.readMsg(new Uint8Array(4), "x" as unknown as Uint8Array), argError);
    await assert.rejects(pc.writeMsg(new Uint8Array(4), 7 as unknown as Uint8Array, to), argError);
    // Nothing was held: a datagram still goes round.
    assert.equal(await pc.writeTo(new Uint8Array([9]), to), 1);
    assert.equal((await pc.readFrom(new Uint8Array(4))).n, 1);
  } finally {
    await pc.close();
  }
});
