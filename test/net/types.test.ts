/**
 * dial, Dialer.dial, listen and listenPacket return the class each network's conn has, both in
 * their TypeScript types (this file would not compile otherwise) and at run time.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { dial, listen, listenPacket, Dialer, TCPConn, TCPListener, UDPConn, UnixConn, UnixListener } from "../../src/index.js";
import { guardFdLeaks, abstractName } from "../helpers.js";

guardFdLeaks();

it("each network's dial gives its conn class, with that class's methods in its type", async () => {
  await using ln: TCPListener = await listen("tcp", "127.0.0.1:0");
  const accepted = ln.accept();
  await using t = await new Dialer().dial("tcp", ln.addr().toString());
  await using s = await accepted;
  assert.ok(t instanceof TCPConn && s instanceof TCPConn);
  t.setNoDelay(false);

  await using pc = await listenPacket("udp", "127.0.0.1:0");
  await using u = await new Dialer().dial("udp", pc.localAddr()!.toString());
  assert.ok(pc instanceof UDPConn && u instanceof UDPConn);
  u.setBroadcast(true);

  const name = abstractName();
  await using g = await listenPacket("unixgram", name);
  await using gc = await dial("unixgram", name);
  assert.ok(g instanceof UnixConn && gc instanceof UnixConn);
  await gc.write(new Uint8Array([7]));
  for await (const { data, addr } of g) {
    assert.deepEqual([...data], [7]);
    assert.equal(addr?.toString(), gc.localAddr()?.toString());
    break;
  }

  await using ul: UnixListener = await listen("unixpacket", abstractName());
  const acc = ul.accept();
  await using p = await dial("unixpacket", ul.addr().toString());
  await using ps = await acc;
  assert.ok(p instanceof UnixConn && ps instanceof UnixConn);
  await p.write(new Uint8Array([1, 2]));
  for await (const record of ps) {
    assert.deepEqual([...record], [1, 2]);
    break;
  }
});
