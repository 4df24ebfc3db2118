/**
 * Peer credentials (issue 10): UnixConn.peerCredentials() is what the kernel recorded of the
 * peer at connect (SO_PEERCRED): checked against a python3 client, the same client run as
 * another user through setpriv, and a socketpair within this process.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { listen, socketpair, dial, OpError, UnixConn, unixCredentials, unixCredentialsSpace, parseUnixCredentials, parseControlMessages, unixRights } from "../../src/index.js";
import { PythonPeer, abstractName, guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const LIMIT = 10_000;

/** The python3 client: connects to the abstract unix name, prints its pid, uid and gid, waits. */
function clientScript(name: string): string {
  return [
    "import os, socket, sys",
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
    `s.connect("\\0" + ${JSON.stringify(name.slice(1))})`,
    "print(os.getpid(), os.getuid(), os.getgid(), flush=True)",
    "sys.stdin.read()",
  ].join("\n");
}

describe("UnixConn.peerCredentials", () => {
  it("reports a python3 client's pid, uid and gid", async () => {
    const name = abstractName();
    await using ln = await listen("unix", name);
    const accepted = ln.accept();
    const py = new PythonPeer(clientScript(name));
    const [pid, uid, gid] = (await within(py.ready, LIMIT, "python3")).split(" ").map(Number);
    await using c = await within(accepted, LIMIT, "the accept");
    assert.ok(c instanceof UnixConn);
    assert.deepEqual(c.peerCredentials(), { pid, uid, gid });
    py.proc.stdin.end();
    await py.done();
  });

  it("reports another user's ids for a client run as uid 65534 (setpriv)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root to run a client as another user");
    const name = abstractName();
    await using ln = await listen("unix", name);
    const accepted = ln.accept();
    accepted.catch(() => {}); // a skip below closes the listener under it
    // Abstract names have no file permissions, so the other user can connect.
    // The system's python3: one under /root (pyenv) is out of the other user's reach.
    const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const args = ["--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", clientScript(name)];
    const proc = spawn("setpriv", args, { stdio: ["pipe", "pipe", "pipe"] });
    const line = await within(
      new Promise<string>((resolve, reject) => {
        // The whole first line: a pipe may deliver it in pieces.
        let out = "";
        proc.stdout.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")).trim());
        });
        proc.once("error", reject);
        proc.once("exit", (code) => reject(new Error(`setpriv exited ${code}`)));
      }),
      LIMIT,
      "the other user's client",
    ).catch((err: Error) => err);
    if (line instanceof Error) {
      proc.kill();
      return t.skip(`setpriv could not run python3 as uid 65534: ${line.message}`);
    }
    try {
      const [pid, uid] = line.split(" ").map(Number);
      assert.equal(uid, 65534, `the client's line: ${JSON.stringify(line)}`);
      await using c = await within(accepted, LIMIT, "the accept");
      assert.deepEqual((c as UnixConn).peerCredentials(), { pid, uid: 65534, gid: 65534 });
    } finally {
      proc.stdin.end();
      if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
    }
  });

  it("a socketpair's peer and a dialed conn's server are this process", async () => {
    const [a, b] = await socketpair("unix");
    const me = { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() };
    assert.deepEqual(a.peerCredentials(), me);
    assert.deepEqual(b.peerCredentials(), me);
    await a.close();
    await b.close();
    const name = abstractName();
    await using ln = await listen("unix", name);
    const accepted = ln.accept();
    await using d = await dial("unix", name);
    await using s = await accepted;
    assert.deepEqual(d.peerCredentials(), me, "a listener's credentials are those of the process that listened");
    assert.deepEqual((s as UnixConn).peerCredentials(), me);
  });

  it("a closed conn fails with an OpError of get", async () => {
    const [a, b] = await socketpair("unix");
    await a.close();
    assert.throws(() => a.peerCredentials(), (e: unknown) => e instanceof OpError && e.op === "get" && /use of closed network connection$/.test(e.message));
    await b.close();
  });
});

describe("SCM_CREDENTIALS: unixCredentials, setPassCredentials, parseUnixCredentials", () => {
  /** A python3 peer on `name` that, with SO_PASSCRED on, receives one message and prints its creds, then sends one (no creds). */
  const pyScript = (name: string) =>
    [
      "import os, socket, struct, sys",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)",
      `s.connect("\\0" + ${JSON.stringify(name.slice(1))})`,
      "print(os.getpid(), flush=True)",
      "msg, anc, flags, addr = s.recvmsg(64, socket.CMSG_SPACE(12))",
      "for level, typ, data in anc:",
      "    if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:",
      "        print('creds', *struct.unpack('iII', data[:12]), msg.decode(), flush=True)",
      "s.sendmsg([b'from python'])",
      "sys.stdin.read()",
    ].join("\n");

  it("sockit sends its credentials and python3 reads them; python3's come with its message", async () => {
    const name = abstractName();
    await using ln = await listen("unix", name);
    const accepted = ln.accept();
    const py = new PythonPeer(pyScript(name));
    const pyPid = Number(await within(py.ready, LIMIT, "python3"));
    await using c = (await within(accepted, LIMIT, "the accept")) as UnixConn;
    const me = { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() };
    await c.writeMsg(new TextEncoder().encode("hello"), unixCredentials(me), null);
    const until = Date.now() + LIMIT;
    while (py.lines.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    assert.equal(py.lines[1], `creds ${me.pid} ${me.uid} ${me.gid} hello`);
    // Now python3 sends without credentials: with SO_PASSCRED the kernel attaches its own.
    c.setPassCredentials(true);
    const buf = new Uint8Array(64);
    const oob = new Uint8Array(unixCredentialsSpace());
    const r = await within(c.readMsg(buf, oob), LIMIT, "python3's message");
    assert.equal(new TextDecoder().decode(buf.subarray(0, r.n)), "from python");
    const msgs = parseControlMessages(oob, r.oobn);
    assert.equal(msgs.length, 1);
    assert.deepEqual(parseUnixCredentials(msgs[0]!), { pid: pyPid, uid: me.uid, gid: me.gid });
    py.proc.stdin.end();
    await py.done();
  });

  it("parseUnixCredentials refuses anything but SCM_CREDENTIALS; unixCredentials checks its ids", () => {
    assert.throws(() => parseUnixCredentials(parseControlMessages(unixRights(0))[0]!), { message: "invalid argument" });
    const m = parseControlMessages(unixCredentials({ pid: 1, uid: 2, gid: 3 }))[0]!;
    assert.deepEqual(parseUnixCredentials(m), { pid: 1, uid: 2, gid: 3 });
    assert.deepEqual(parseUnixCredentials(parseControlMessages(unixCredentials({ pid: 1, uid: 65534, gid: 0xfffffffe }))[0]!), { pid: 1, uid: 65534, gid: 0xfffffffe });
    assert.throws(() => unixCredentials({ pid: 1.5, uid: 0, gid: 0 }), { name: "TypeError" });
    assert.throws(() => unixCredentials(null as unknown as { pid: number; uid: number; gid: number }), { name: "TypeError" });
  });
});
