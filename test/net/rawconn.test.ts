/**
 * syscallConn and RawConn (issue 10): Go's syscall.RawConn over any owner's fd. control lends
 * the fd now; read and write call the caller's function, wait for readiness when it says
 * "would block", and call it again; deadlines, aborts and close end the wait; errors are the
 * owner's, in Go's raw-control, raw-read and raw-write forms.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { listen, dial, pipe, socketpair, TCPConn, OpError, PathError } from "../../src/index.js";
import { binding } from "../../src/sys/binding.js";
import { C } from "../../src/sys/constants.js";
import { E } from "../../src/sys/errors.js";
import { guardFdLeaks, settle, within } from "../helpers.js";

guardFdLeaks();

describe("syscallConn", () => {
  it("control lends the fd: a getsockopt through it sees what the conn set", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const accepted = ln.accept();
    await using c = (await dial("tcp", ln.addr().toString())) as TCPConn;
    await using _s = await accepted;
    const out = new Int32Array(1);
    const fd = c.syscallConn().control((fd) => {
      assert.equal(binding.getsockoptInt(fd, C.IPPROTO_TCP!, C.TCP_NODELAY!, out), 0);
      return fd;
    });
    assert.equal(fd, c.fd());
    assert.equal(out[0], 1, "sockit's TCP conns have Nagle off");
    assert.equal(ln.syscallConn().control((fd) => fd), ln.fd());
  });

  it("read calls the function again once the fd is readable, until it is done", async () => {
    const [a, b] = await socketpair("unix");
    const buf = new Uint8Array(16);
    let calls = 0;
    let got = -1;
    const reading = a.syscallConn().read((fd) => {
      calls++;
      const n = binding.read(fd, buf, 0, buf.length);
      if (n === -E.EAGAIN!) return false;
      got = n;
      return true;
    });
    assert.equal(await settle(reading, 30), "pending");
    assert.equal(calls, 1, "tried once, then waited");
    await b.write(new TextEncoder().encode("raw"));
    await within(reading, 5000, "the raw read");
    assert.equal(got, 3);
    assert.equal(calls, 2);
    assert.equal(new TextDecoder().decode(buf.subarray(0, 3)), "raw");
    await a.close();
    await b.close();
  });

  it("write, deadlines, aborts and close: the owner's errors in Go's raw forms", async () => {
    const [a, b] = await socketpair("unix");
    let wrote = 0;
    await a.syscallConn().write((fd) => {
      wrote = binding.write(fd, new Uint8Array([1, 2]), 0, 2);
      return true;
    });
    assert.equal(wrote, 2);
    a.setReadDeadline(Date.now() + 30);
    const rc = a.syscallConn();
    const err = await rc.read(() => false).then(() => assert.fail("read"), (e: unknown) => e as OpError);
    assert.ok(err instanceof OpError);
    assert.match(err.message, /^raw-read unix .*: i\/o timeout$/);
    a.setReadDeadline(null);
    const ac = new AbortController();
    const aborted = rc.read(() => false, { signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, /: operation was canceled$/);
    const pending = rc.read(() => false);
    await a.close();
    await assert.rejects(pending, /raw-read unix .*: use of closed network connection$/);
    assert.throws(() => rc.control(() => 0), /raw-control unix .*: use of closed network connection$/);
    await b.close();
  });

  it("a File's raw errors are PathErrors", async () => {
    const [r, w] = await pipe();
    const rc = r.syscallConn();
    await r.close();
    assert.throws(() => rc.control(() => 0), (e: unknown) => e instanceof PathError && e.message === "raw-control |0: file already closed");
    await w.close();
  });
});
