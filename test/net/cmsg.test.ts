/**
 * Passing fds over unix sockets with readMsg/writeMsg and the control-message helpers.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, readSync, writeSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { dial, listen, unixRights, oobSpace, parseControlMessages, parseUnixRights, MSG_CTRUNC, type UnixConn } from "../../src/index.js";
import { guardFdLeaks, abstractName } from "../helpers.js";

guardFdLeaks();

async function pair(network: "unix" | "unixpacket"): Promise<[UnixConn, UnixConn, () => Promise<void>]> {
  const ln = await listen(network, abstractName());
  const acc = ln.accept();
  const c = await dial(network, ln.addr().toString());
  const s = await acc;
  return [c, s, async () => (await c.close(), await s.close(), await ln.close())];
}

for (const network of ["unix", "unixpacket"] as const) {
  it(`passes an open file over ${network}; the receiver reads it`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sockit-cmsg-"));
    const [c, s, done] = await pair(network);
    try {
      const file = path.join(dir, "f");
      const wfd = openSync(file, "w+");
      writeSync(wfd, "passed along");
      const sent = await c.writeMsg(new Uint8Array([42]), unixRights(wfd), null);
      assert.deepEqual(sent, { n: 1, oobn: unixRights(wfd).length });
      closeSync(wfd);
      const buf = new Uint8Array(8);
      const oob = new Uint8Array(oobSpace(1));
      const r = await s.readMsg(buf, oob);
      assert.equal(r.n, 1);
      assert.equal(buf[0], 42);
      const msgs = parseControlMessages(oob, r.oobn);
      assert.equal(msgs.length, 1);
      const [fd] = parseUnixRights(msgs[0]!);
      const got = Buffer.alloc(32);
      const n = readSync(fd!, got, 0, 32, 0);
      assert.equal(got.subarray(0, n).toString(), "passed along");
      closeSync(fd!);
    } finally {
      await done();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

it("control data with no bytes still goes over a stream (Go's dummy byte), reading as n = 0", async () => {
  const [c, s, done] = await pair("unix");
  try {
    const fd = openSync("/dev/null", "r");
    const sent = await c.writeMsg(new Uint8Array(0), unixRights(fd), null);
    closeSync(fd);
    assert.equal(sent.n, 0);
    const oob = new Uint8Array(oobSpace(1));
    const r = await s.readMsg(new Uint8Array(0), oob);
    assert.equal(r.n, 0);
    const [passed] = parseUnixRights(parseControlMessages(oob, r.oobn)[0]!);
    assert.ok(passed! > 2);
    closeSync(passed!);
  } finally {
    await done();
  }
});

it("too small a control buffer sets MSG_CTRUNC; the fds that fit are ours to close", async () => {
  const [c, s, done] = await pair("unixpacket");
  try {
    const a = openSync("/dev/null", "r");
    await c.writeMsg(new Uint8Array([1]), unixRights(a, a, a, a, a, a), null);
    closeSync(a);
    const oob = new Uint8Array(oobSpace(1));
    const r = await s.readMsg(new Uint8Array(1), oob);
    assert.ok((r.flags & MSG_CTRUNC) !== 0, `flags ${r.flags} lack MSG_CTRUNC`);
    const fds = parseControlMessages(oob, r.oobn).flatMap(parseUnixRights);
    assert.ok(fds.length >= 1 && fds.length < 6, `${fds.length} fds arrived`);
    for (const fd of fds) closeSync(fd);
  } finally {
    await done();
  }
});

it("malformed control bytes are an error, not a crash", () => {
  const bad = new Uint8Array(64).fill(0xff);
  assert.throws(() => parseControlMessages(bad), /invalid argument/);
});
