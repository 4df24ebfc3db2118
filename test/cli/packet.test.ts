/**
 * `sockit dial` and `sockit listen` on the datagram and record networks, run as a child
 * process against independent peers: Node core `dgram` and python3's `socket`. Loopback and
 * temporary directories only; every wait is bounded.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PythonPeer, within, guardFdLeaks } from "../helpers.js";
import { sockit, waitFor } from "./sockit.js";

guardFdLeaks();

/** udpPeer binds a Node dgram socket on 127.0.0.1 that records what comes and answers "echo:". */
async function udpPeer(answer = true) {
  const s = dgram.createSocket("udp4");
  const got: { msg: string; port: number }[] = [];
  s.on("message", (m, r) => {
    got.push({ msg: m.toString(), port: r.port });
    if (answer) s.send(`echo:${m.toString()}`, r.port, r.address);
  });
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  return { s, got, port: s.address().port };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "sockit-cli-"));
}

test("dial udp sends each read of stdin as one datagram and prints the answers; -q ends it", async () => {
  const peer = await udpPeer();
  try {
    const cmd = sockit(["dial", "-q", "1s", "udp", `127.0.0.1:${peer.port}`], null);
    cmd.p.stdin.write("one");
    await waitFor(() => (peer.got.length === 1 ? true : null), "the first datagram");
    cmd.p.stdin.write("two");
    await waitFor(() => (peer.got.length === 2 ? true : null), "the second datagram");
    cmd.p.stdin.end();
    const r = await cmd.done;
    assert.deepEqual(r, { status: 0, stdout: "echo:oneecho:two", stderr: "" });
    assert.deepEqual(peer.got.map((g) => g.msg), ["one", "two"]);
  } finally {
    peer.s.close();
  }
});

test("dial udp without -q keeps running after stdin's end, as nc -u does, until SIGINT", async () => {
  const peer = await udpPeer();
  try {
    const cmd = sockit(["dial", "udp", `127.0.0.1:${peer.port}`], "ping");
    await waitFor(() => (cmd.stdout() === "echo:ping" ? true : null), "the answer");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(cmd.p.exitCode, null, "sockit ended at stdin's end");
    // A later datagram from the peer still arrives.
    peer.s.send("later", peer.got[0]!.port, "127.0.0.1");
    await waitFor(() => (cmd.stdout().endsWith("later") ? true : null), "the later datagram");
    cmd.p.kill("SIGINT");
    const r = await cmd.done;
    assert.deepEqual(r, { status: 130, stdout: "echo:pinglater", stderr: "" });
  } finally {
    peer.s.close();
  }
});

test("dial udp to a port nobody listens on fails with Go's connection refused", async () => {
  // A port that was free a moment ago; the ICMP port-unreachable answers the first datagram.
  const probe = dgram.createSocket("udp4");
  probe.bind(0, "127.0.0.1");
  await once(probe, "listening");
  const port = probe.address().port;
  probe.close();
  const r = await sockit(["dial", "udp", `127.0.0.1:${port}`], "x").done;
  assert.equal(r.status, 1);
  const re = new RegExp(`^sockit: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: recvfrom: connection refused\\n$`);
  assert.match(r.stderr, re);
});

test("listen udp prints datagrams from Node dgram peers and answers the latest sender", async () => {
  const cmd = sockit(["listen", "-v", "udp", "127.0.0.1:0"], null);
  const port = Number(await waitFor(() => /listening on udp 127\.0\.0\.1:(\d+)/.exec(cmd.stderr())?.[1] ?? null, "listening"));
  const a = await udpPeer(false);
  const b = await udpPeer(false);
  try {
    a.s.send("from-a", port, "127.0.0.1");
    await waitFor(() => (cmd.stdout() === "from-a" ? true : null), "a's datagram");
    b.s.send("from-b", port, "127.0.0.1");
    await waitFor(() => (cmd.stdout() === "from-afrom-b" ? true : null), "b's datagram");
    cmd.p.stdin.write("to-latest");
    await waitFor(() => (b.got.length === 1 ? true : null), "the answer to b");
    assert.equal(b.got[0]!.msg, "to-latest");
    assert.equal(a.got.length, 0);
    cmd.p.kill("SIGTERM");
    const r = await cmd.done;
    assert.equal(r.status, 143);
    assert.match(r.stderr, new RegExp(`datagram from 127\\.0\\.0\\.1:${a.port}: 6 bytes\\n`));
    assert.match(r.stderr, new RegExp(`datagram from 127\\.0\\.0\\.1:${b.port}: 6 bytes\\n`));
  } finally {
    a.s.close();
    b.s.close();
  }
});

test("listen unixgram prints what python3 and sockit dial send, answers sockit, and removes its socket", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "g.sock");
    const cmd = sockit(["listen", "-v", "unixgram", path], "pong");
    await waitFor(() => (cmd.stderr().includes("listening on") ? true : null), "listening");
    // An unbound python3 sender: its datagram is printed, but it has no name to answer.
    const py = new PythonPeer(
      "import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'from-python', sys.argv[1])",
      [path],
    );
    await within(py.done(), 5000, "python3 sender");
    await waitFor(() => (cmd.stdout() === "from-python" ? true : null), "python3's datagram");
    // A sockit client autobinds on Linux, so the listener's stdin ("pong") comes back to it.
    const client = await sockit(["dial", "-q", "500ms", "unixgram", path], "ping").done;
    assert.deepEqual(client, { status: 0, stdout: "pong", stderr: "" });
    await waitFor(() => (cmd.stdout() === "from-pythonping" ? true : null), "sockit's datagram");
    cmd.p.kill("SIGTERM");
    const r = await cmd.done;
    assert.equal(r.status, 143);
    assert.match(r.stderr, /datagram from \(unnamed\): 11 bytes\n/);
    assert.match(r.stderr, /datagram from @[0-9a-f]{5}: 4 bytes\n/);
    assert.equal(existsSync(path), false, "the socket file it created is left behind");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("listen unixgram leaves alone a socket file that replaced its own", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "g.sock");
    const cmd = sockit(["listen", "-v", "unixgram", path], null);
    await waitFor(() => (cmd.stderr().includes("listening on") ? true : null), "listening");
    rmSync(path);
    const script = [
      "import socket, sys",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])",
      "print('bound', flush=True)",
      "sys.stdin.read()",
    ].join("\n");
    const py = new PythonPeer(script, [path]);
    await within(py.ready, 5000, "python3 bind");
    cmd.p.kill("SIGINT");
    assert.equal((await cmd.done).status, 130);
    assert.equal(existsSync(path), true, "sockit removed another program's socket file");
    py.proc.stdin.end();
    await within(py.done(), 5000, "python3 exit");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("dial unixpacket sends each read of stdin as one record to a python3 SOCK_SEQPACKET peer", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "p.sock");
    const script = [
      "import socket, sys",
      "l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); l.bind(sys.argv[1]); l.listen(1)",
      "print('ready', flush=True)",
      "c, _ = l.accept(); c.settimeout(5)",
      "while True:",
      "    r = c.recv(65536)",
      "    if not r: break",
      "    print(r.decode(), flush=True); c.send(b'<' + r + b'>')",
      "c.close()",
    ].join("\n");
    const py = new PythonPeer(script, [path]);
    await within(py.ready, 5000, "python3 listener");
    const cmd = sockit(["dial", "unixpacket", path], null);
    cmd.p.stdin.write("one");
    await waitFor(() => (py.lines.length === 2 ? true : null), "the first record");
    cmd.p.stdin.end("two");
    // python3 closes at sockit's half-close; sockit ends at python3's end of stream.
    const r = await cmd.done;
    await within(py.done(), 5000, "python3 exit");
    assert.deepEqual(r, { status: 0, stdout: "<one><two>", stderr: "" });
    assert.deepEqual(py.lines.slice(1), ["one", "two"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("listen unixpacket accepts a python3 SOCK_SEQPACKET conn and removes its socket file", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "p.sock");
    const cmd = sockit(["listen", "-v", "unixpacket", path], "from-sockit");
    await waitFor(() => (cmd.stderr().includes("listening on") ? true : null), "listening");
    const script = [
      "import socket, sys",
      "c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); c.settimeout(5); c.connect(sys.argv[1])",
      "c.send(b'rec1'); c.send(b'rec2')",
      "print(c.recv(100).decode(), flush=True)",
      "c.shutdown(socket.SHUT_WR)",
      "print(repr(c.recv(100)), flush=True)",
    ].join("\n");
    const py = new PythonPeer(script, [path]);
    await within(py.done(), 5000, "python3 client");
    const r = await cmd.done;
    assert.equal(r.status, 0);
    assert.equal(r.stdout, "rec1rec2");
    assert.deepEqual(py.lines, ["from-sockit", "b''"]);
    assert.equal(existsSync(path), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
