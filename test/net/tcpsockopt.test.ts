/**
 * TCPConn's option setters, each read back from the kernel by an independent reader (python3
 * copies the fd with pidfd_getfd and calls getsockopt), and their errors once closed.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { dial, listen, type TCPConn, type TCPAddr } from "../../src/index.js";
import { C } from "../../src/sys/constants.js";
import { guardFdLeaks, inetSockopts } from "../helpers.js";

guardFdLeaks();

async function pair(): Promise<{ c: TCPConn; s: TCPConn; done(): Promise<void> }> {
  const ln = await listen("tcp", "127.0.0.1:0");
  const acc = ln.accept();
  const c = await dial("tcp", ln.addr().toString());
  const s = await acc;
  return { c, s, done: async () => (await c.close(), await s.close(), await ln.close()) };
}

const port = (c: TCPConn, which: "local" | "remote") => ((which === "local" ? c.localAddr() : c.remoteAddr()) as TCPAddr).port;

async function optsOf(c: TCPConn, opts: Parameters<typeof inetSockopts>[2]): Promise<Record<string, unknown> | null> {
  return inetSockopts(port(c, "local"), C.SOCK_STREAM!, opts, port(c, "remote"));
}

it("setNoDelay, setKeepAlive and setKeepAlivePeriod reach the kernel (the period rounded up to seconds)", async (t) => {
  const p = await pair();
  try {
    p.c.setNoDelay(false);
    p.c.setKeepAlive(false);
    const off = await optsOf(p.c, { noDelay: [C.IPPROTO_TCP!, C.TCP_NODELAY!], keepAlive: [C.SOL_SOCKET!, C.SO_KEEPALIVE!] });
    if (off === null) return t.skip("pidfd_getfd is not available here to read the options back");
    assert.deepEqual(off, { noDelay: 0, keepAlive: 0 });
    p.c.setNoDelay(true);
    p.c.setKeepAlive(true);
    p.c.setKeepAlivePeriod(2500);
    const on = await optsOf(p.c, {
      noDelay: [C.IPPROTO_TCP!, C.TCP_NODELAY!],
      keepAlive: [C.SOL_SOCKET!, C.SO_KEEPALIVE!],
      idle: [C.IPPROTO_TCP!, C.TCP_KEEPIDLE!],
      intvl: [C.IPPROTO_TCP!, C.TCP_KEEPINTVL!],
    });
    assert.deepEqual(on, { noDelay: 1, keepAlive: 1, idle: 3, intvl: 3 });
  } finally {
    await p.done();
  }
});

it("setReadBuffer and setWriteBuffer set SO_RCVBUF and SO_SNDBUF (Linux keeps double)", async (t) => {
  const p = await pair();
  try {
    p.c.setReadBuffer(32768);
    p.c.setWriteBuffer(65536);
    const o = await optsOf(p.c, { rcv: [C.SOL_SOCKET!, C.SO_RCVBUF!], snd: [C.SOL_SOCKET!, C.SO_SNDBUF!] });
    if (o === null) return t.skip("pidfd_getfd is not available here to read the options back");
    assert.deepEqual(o, { rcv: 65536, snd: 131072 });
  } finally {
    await p.done();
  }
});

it("setLinger: n > 0 lingers n seconds, 0 discards, negative restores the default", async (t) => {
  const p = await pair();
  try {
    const linger = { linger: [C.SOL_SOCKET!, C.SO_LINGER!, 8] as [number, number, number] };
    p.c.setLinger(7);
    const on = await optsOf(p.c, linger);
    if (on === null) return t.skip("pidfd_getfd is not available here to read the options back");
    assert.deepEqual(on, { linger: [1, 7] });
    p.c.setLinger(0);
    assert.deepEqual(await optsOf(p.c, linger), { linger: [1, 0] });
    p.c.setLinger(-1);
    assert.deepEqual(await optsOf(p.c, linger), { linger: [0, 0] });
  } finally {
    await p.done();
  }
});

it("setters on a closed conn fail with Go's texts", async () => {
  const p = await pair();
  const l = p.c.localAddr()!.toString();
  const r = p.c.remoteAddr()!.toString();
  await p.done();
  const closed = "use of closed network connection";
  assert.throws(() => p.c.setNoDelay(true), { message: `set tcp ${l}->${r}: ${closed}` });
  assert.throws(() => p.c.setKeepAlive(true), { message: `set tcp ${l}->${r}: ${closed}` });
  assert.throws(() => p.c.setKeepAlivePeriod(1000), { message: `set tcp ${l}->${r}: ${closed}` });
  assert.throws(() => p.c.setLinger(1), { message: `set tcp ${l}->${r}: ${closed}` });
  assert.throws(() => p.c.setReadBuffer(1024), { message: `set tcp ${l}: ${closed}` });
  assert.throws(() => p.c.setWriteBuffer(1024), { message: `set tcp ${l}: ${closed}` });
  assert.throws(() => p.c.setDeadline(null), { message: `set tcp ${l}: ${closed}` });
});
