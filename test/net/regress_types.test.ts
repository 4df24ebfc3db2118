/**
 * Regression: ListenConfig.listen was typed `Promise<SocketListener<Conn>>` and listenPacket
 * `Promise<PacketConn>` although they return a TCPListener, a UDPConn and so on, and
 * `listener.addr()` and `conn.localAddr()` were a bare `Addr`, so `ln.addr().port` needed a cast.
 * This file only compiles if the types are right (no casts below); the asserts check run time.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import {
  ListenConfig,
  Dialer,
  listen,
  listenPacket,
  TCPListener,
  TCPConn,
  UnixListener,
  UnixConn,
  UDPConn,
  TCPAddr,
  UDPAddr,
  UnixAddr,
} from "../../src/index.js";
import { guardFdLeaks, abstractName } from "../helpers.js";

guardFdLeaks();

it("ListenConfig.listen and listenPacket are typed per network", async () => {
  const ln = await new ListenConfig().listen("tcp", "127.0.0.1:0");
  try {
    const port: number = ln.addr().port;
    assert.ok(ln instanceof TCPListener);
    assert.ok(ln.addr() instanceof TCPAddr && port > 0);
    const accepted = ln.accept();
    const c: TCPConn = await new Dialer().dial("tcp", `127.0.0.1:${port}`);
    const s: TCPConn = await accepted;
    try {
      assert.equal(c.remoteAddr()?.port, port);
      assert.equal(s.localAddr()?.port, port);
      assert.equal(s.remoteAddr()?.port, c.localAddr()?.port);
      c.setNoDelay(true);
    } finally {
      await c.close();
      await s.close();
    }
  } finally {
    await ln.close();
  }

  const pc = await new ListenConfig().listenPacket("udp", "127.0.0.1:0");
  try {
    assert.ok(pc instanceof UDPConn);
    const lp: number | undefined = pc.localAddr()?.port;
    assert.ok(pc.localAddr() instanceof UDPAddr && lp !== undefined && lp > 0);
    pc.setBroadcast(true);
  } finally {
    await pc.close();
  }

  const name = abstractName();
  const ul = await new ListenConfig().listen("unix", name);
  try {
    assert.ok(ul instanceof UnixListener);
    const n: string = ul.addr().name;
    assert.equal(n, name);
    ul.setUnlinkOnClose(true);
  } finally {
    await ul.close();
  }

  const g = await new ListenConfig().listenPacket("unixgram", abstractName());
  try {
    assert.ok(g instanceof UnixConn);
    assert.ok(g.localAddr() instanceof UnixAddr);
    const gn: string | undefined = g.localAddr()?.name;
    assert.ok(gn?.startsWith("@"));
  } finally {
    await g.close();
  }
});

it("the top-level listen and listenPacket give the same narrow address types", async () => {
  const ln = await listen("tcp4", "127.0.0.1:0");
  const pc = await listenPacket("udp4", "127.0.0.1:0");
  try {
    const port: number = ln.addr().port;
    const udpPort: number = pc.localAddr()!.port;
    assert.ok(port > 0 && udpPort > 0);
  } finally {
    await ln.close();
    await pc.close();
  }
});
