/**
 * AF_VSOCK through the syscall layer: a stream listener on VMADDR_CID_ANY reports its
 * SockaddrVM; where the kernel offers loopback vsock (vsock_loopback, VMADDR_CID_LOCAL), a
 * connect to it is accepted and carries bytes both ways. Where there is no vsock at all, or no
 * loopback transport (the connect fails, or finds nobody within its deadline), the test skips
 * and says why.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import * as sc from "../../src/syscall/index.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const unsupported = new Set(["EAFNOSUPPORT", "ENODEV", "EADDRNOTAVAIL", "ENETUNREACH", "EHOSTUNREACH", "ECONNRESET", "ETIMEDOUT", "ERR_SOCKIT_DEADLINE_EXCEEDED"]);

function why(err: unknown): string | null {
  const code = (err as { code?: string }).code;
  return code !== undefined && unsupported.has(code) ? (err as Error).message : null;
}

it("listens on VMADDR_CID_ANY and, with loopback vsock, connects to VMADDR_CID_LOCAL", async (t) => {
  let ln: sc.RawSocket;
  try {
    ln = await sc.socket(sc.AF_VSOCK, sc.SOCK_STREAM, 0);
  } catch (err) {
    const w = why(err);
    if (w === null) throw err;
    return t.skip(`skipped: no vsock here (${w})`);
  }
  await using _ln = ln;
  const port = randomInt(20000, 60000);
  ln.bind(new sc.SockaddrVM({ cid: sc.VMADDR_CID_ANY, port }));
  ln.listen();
  const me = ln.getsockname();
  assert.ok(me instanceof sc.SockaddrVM);
  assert.equal(me.port, port);
  assert.equal(me.cid, sc.VMADDR_CID_ANY);

  await using c = await sc.socket(sc.AF_VSOCK, sc.SOCK_STREAM, 0);
  c.setWriteDeadline(Date.now() + 500);
  try {
    await c.connect(new sc.SockaddrVM({ cid: sc.VMADDR_CID_LOCAL, port }));
  } catch (err) {
    const w = why(err);
    if (w === null) throw err;
    return t.skip(`skipped: no loopback vsock (vsock_loopback) here: connect to VMADDR_CID_LOCAL: ${w}`);
  }
  c.setWriteDeadline(null);
  const { socket, sa } = await within(ln.accept(), 5000, "accept");
  await using _s = socket;
  assert.ok(sa instanceof sc.SockaddrVM);
  assert.equal(sa.cid, sc.VMADDR_CID_LOCAL);
  const peer = c.getpeername();
  assert.ok(peer instanceof sc.SockaddrVM);
  assert.equal(peer.port, port);
  assert.equal(await c.sendto(new Uint8Array([1, 2, 3]), 0, null), 3);
  const buf = new Uint8Array(8);
  assert.equal((await within(socket.recvfrom(buf, 0), 5000, "recvfrom")).n, 3);
});
