/**
 * `sockit relay`, run as a child process against independent peers: Node core `net` and
 * `dgram`, python3's `socket`, `sh`. Loopback and temporary paths only; every wait is bounded.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PythonPeer, abstractName, guardFdLeaks, rawIPSkip, testUnixAddr, within } from "../helpers.js";
import { sockit, waitFor, type Running } from "./sockit.js";
import { collect, connectTCP, echoServer, forkingRelay, listening, portOf, sha256, tcpServer, tempDir } from "./relay_peers.js";

guardFdLeaks();

/**
 * unixToTCP runs `relay -v unix-listen:PATH tcp:SERVER` with `serve` as the tcp peer, and
 * gives `body` a half-open client of the unix side, the end of the client's input, and the run.
 */
async function unixToTCP(serve: (s: net.Socket) => void, body: (c: net.Socket, got: Promise<Buffer>, cmd: Running) => Promise<void>) {
  const { server, port } = await tcpServer(serve);
  const path = testUnixAddr();
  try {
    const cmd = sockit(["relay", "-v", `unix-listen:${path}`, `tcp:127.0.0.1:${port}`]);
    await listening(cmd);
    const c = net.connect({ path, allowHalfOpen: true });
    await body(c, collect(c), cmd);
    assert.equal(existsSync(path), false, "the socket file is left");
  } finally {
    server.close();
  }
}

test("unix-listen <-> tcp: the side that ends first still gets 50 MB from the other, through a buffer", async () => {
  const big = randomBytes(50 * 1024 * 1024);
  let serverGot: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
  // The tcp peer ends its side at once, then reads all the client sends.
  const serve = (s: net.Socket): void => {
    serverGot = collect(s);
    s.end("bye");
  };
  await unixToTCP(serve, async (c, clientGot, cmd) => {
    assert.equal((await within(clientGot, 5000, "the server's end")).toString(), "bye");
    c.end(big);
    assert.equal(sha256(await within(serverGot, 20_000, "50 MB at the server")), sha256(big));
    const r = await cmd.done;
    assert.equal(r.status, 0, r.stderr);
    // A TCP socket and another socket: buffered, which measured faster than splice (copy.ts).
    assert.match(r.stderr, /\(1->2 buffered, 2->1 buffered\)/);
    assert.match(r.stderr, new RegExp(`closed: 1->2 ${big.length} bytes, 2->1 3 bytes`));
  });
});

test("unix-listen <-> tcp: the client ends first and still gets 50 MB from the tcp side", async () => {
  const big = randomBytes(50 * 1024 * 1024);
  const serve = (s: net.Socket): void => void collect(s).then((got) => s.end(Buffer.concat([got, big])));
  await unixToTCP(serve, async (c, got, cmd) => {
    c.end("hi:");
    const all = await within(got, 20_000, "50 MB at the client");
    assert.equal(all.subarray(0, 3).toString(), "hi:");
    assert.equal(sha256(all.subarray(3)), sha256(big));
    assert.equal((await cmd.done).status, 0);
  });
});

test("tcp-listen,fork gives 3 concurrent clients a relay each to a tcp echo server", async () => {
  await forkingRelay([], async (port, echo) => {
    const clients = await Promise.all([1, 2, 3].map(() => connectTCP(port)));
    const got = clients.map((c) => collect(c));
    clients.forEach((c, i) => c.write(`client ${i} `));
    await waitFor(() => (echo.stats.now === 3 ? true : null), "three conns at the echo server");
    clients.forEach((c, i) => c.end(`done ${i}`));
    const answers = await within(Promise.all(got), 5000, "the echoes");
    assert.deepEqual(answers.map(String), ["client 0 done 0", "client 1 done 1", "client 2 done 2"]);
    assert.equal(echo.stats.most, 3);
  });
});

test("--max 1 holds the second client until the first relay ends", async () => {
  await forkingRelay(["--max", "1"], async (port, echo) => {
    const first = await connectTCP(port);
    const firstGot = collect(first);
    first.write("one");
    await waitFor(() => (echo.stats.total === 1 ? true : null), "the first conn at the echo server");
    const second = await connectTCP(port); // the kernel completes it; relay does not accept yet
    const secondGot = collect(second);
    second.end("two");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(echo.stats.total, 1, "the second relay started while the first ran");
    first.end();
    assert.equal(String(await within(firstGot, 5000, "the first echo")), "one");
    assert.equal(String(await within(secondGot, 5000, "the second echo")), "two");
    assert.equal(echo.stats.most, 1);
  });
});

test("udp-listen <-> unixgram keeps datagram boundaries both ways", async () => {
  const path = testUnixAddr();
  // The unixgram peer answers each datagram with one of the same length.
  const py = new PythonPeer(
    `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
for _ in range(3):
    d, a = s.recvfrom(65536)
    print(len(d), flush=True)
    s.sendto(b"r" * len(d), a)
`,
    [path],
  );
  await within(py.ready, 5000, "the python peer");
  const cmd = sockit(["relay", "-v", "udp-listen:127.0.0.1:0", `unixgram:${path}`], null);
  const port = portOf(await listening(cmd));
  const u = dgram.createSocket("udp4");
  const back: number[] = [];
  u.on("message", (m) => back.push(m.length));
  try {
    for (const n of [1, 1500, 40_000]) u.send(Buffer.alloc(n, "x"), port, "127.0.0.1");
    await waitFor(() => (back.length === 3 ? true : null), "three answers");
    assert.deepEqual(back, [1, 1500, 40_000]);
    await py.done();
    assert.deepEqual(py.lines.slice(1), ["1", "1500", "40000"]);
    cmd.p.kill("SIGTERM");
    assert.equal((await cmd.done).status, 143);
  } finally {
    u.close();
  }
});

test("unixpacket-listen <-> udp keeps records as datagrams; --idle-timeout ends it", async () => {
  const peer = dgram.createSocket("udp4");
  const sizes: number[] = [];
  peer.on("message", (m, r) => {
    sizes.push(m.length);
    peer.send(m, r.port, r.address);
  });
  peer.bind(0, "127.0.0.1");
  await once(peer, "listening");
  const path = testUnixAddr();
  try {
    const cmd = sockit(["relay", "-v", "--idle-timeout", "700ms", `unixpacket-listen:${path}`, `udp:127.0.0.1:${peer.address().port}`], null);
    await listening(cmd);
    const py = new PythonPeer(
      `import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c.connect(sys.argv[1])
for n in (1, 3000, 9000):
    c.send(b"p" * n)
    print(len(c.recv(65536)), flush=True)
`,
      [path],
    );
    await py.done();
    assert.deepEqual(py.lines, ["1", "3000", "9000"]);
    assert.deepEqual(sizes, [1, 3000, 9000]);
    const r = await within(cmd.done, 5000, "the idle timeout");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /idle for 700 ms; closing/);
  } finally {
    peer.close();
  }
});

test("abstract-listen <-> stdio: stdin's end is the peer's end of stream, its answer is stdout", async () => {
  const name = abstractName().slice(1);
  const cmd = sockit(["relay", "-v", `abstract-listen:${name}`, "-"], null);
  assert.equal((await listening(cmd)), `@${name}`);
  cmd.p.stdin.end("ping");
  const py = new PythonPeer(
    `import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect("\\0" + sys.argv[1])
got = b""
while True:
    d = c.recv(4096)
    if not d: break
    got += d
print(got.decode(), flush=True)
c.sendall(b"pong")
c.shutdown(socket.SHUT_WR)
`,
    [name],
  );
  await py.done();
  assert.deepEqual(py.lines, ["ping"]);
  const r = await cmd.done;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "pong");
});

test("tcp-listen <-> exec:tr a-z A-Z relays through the child's stdin and stdout", async () => {
  const cmd = sockit(["relay", "-v", "tcp-listen:127.0.0.1:0", "exec:tr a-z A-Z"]);
  const c = await connectTCP(portOf(await listening(cmd)));
  const got = collect(c);
  c.end("hello, relay");
  assert.equal(String(await within(got, 5000, "tr's output")), "HELLO, RELAY");
  const r = await cmd.done;
  assert.equal(r.status, 0, r.stderr);
});

test("file: -> tcp sends the file's exact bytes (sendfile); tcp -> file: writes them; file: -> file: (copy_file_range)", async () => {
  const dir = tempDir();
  const data = randomBytes(1024 * 1024 + 7);
  writeFileSync(join(dir, "in"), data);
  let got: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
  const sink = await tcpServer((s) => {
    got = collect(s);
    void got.then(() => s.end());
  });
  const source = await tcpServer((s) => s.end(data));
  try {
    const r1 = await sockit(["relay", "-v", `file:${join(dir, "in")}`, `tcp:127.0.0.1:${sink.port}`]).done;
    assert.equal(r1.status, 0, r1.stderr);
    assert.match(r1.stderr, /\(1->2 sendfile, 2->1 buffered\)/);
    assert.equal(sha256(await got), sha256(data));
    const r3 = await sockit(["relay", "-v", `file:${join(dir, "in")}`, `file:${join(dir, "copy")}`]).done;
    assert.equal(r3.status, 0, r3.stderr);
    assert.match(r3.stderr, /\(1->2 copy_file_range, /);
    assert.equal(sha256(readFileSync(join(dir, "copy"))), sha256(data));
    writeFileSync(join(dir, "out"), "old contents, longer than nothing");
    const r2 = await sockit(["relay", `tcp:127.0.0.1:${source.port}`, `file:${join(dir, "out")}`]).done;
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(sha256(readFileSync(join(dir, "out"))), sha256(data));
  } finally {
    sink.server.close();
    source.server.close();
  }
});

test("fifo: is made, read to its writer's end, and removed", async () => {
  const fifo = join(tempDir(), "f");
  let got: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
  const { server, port } = await tcpServer((s) => {
    got = collect(s);
    void got.then(() => s.end());
  });
  try {
    const cmd = sockit(["relay", `fifo:${fifo}`, `tcp:127.0.0.1:${port}`]);
    await waitFor(() => (existsSync(fifo) ? true : null), "the FIFO");
    const writer = spawn("sh", ["-c", 'printf "through a fifo" > "$1"', "sh", fifo], { stdio: "ignore" });
    await once(writer, "exit");
    const r = await cmd.done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(String(await got), "through a fifo");
    assert.equal(existsSync(fifo), false, "the FIFO it made is left");
  } finally {
    server.close();
  }
});

test("fd:3 relays an inherited socket, half-close included", async () => {
  const { server, port } = await tcpServer((s) => {
    void collect(s).then((d) => s.end(`got ${d.length} bytes`));
  });
  try {
    const mainJs = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
    const p = spawn(process.execPath, [mainJs, "relay", "fd:3", `tcp:127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe", "pipe"] });
    let stderr = "";
    p.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const fd3 = p.stdio[3] as net.Socket;
    const back = collect(fd3);
    fd3.end("via fd 3");
    assert.equal(String(await within(back, 5000, "the answer on fd 3")), "got 8 bytes");
    const [status] = (await once(p, "close")) as [number];
    assert.equal(status, 0, stderr);
  } finally {
    server.close();
  }
});

test("a refused ADDR2 exits 3 and says which side failed", async () => {
  const { server, port } = await tcpServer(() => {});
  await new Promise((r) => server.close(r));
  const r = await sockit(["relay", "-", `tcp:127.0.0.1:${port}`]).done;
  assert.equal(r.status, 3);
  assert.equal(r.stderr, `sockit: relay: ADDR2 tcp:127.0.0.1:${port}: dial tcp 127.0.0.1:${port}: connect: connection refused\n`);
});

test("an ADDR1 that cannot listen exits 1", async () => {
  const { server, port } = await tcpServer(() => {});
  try {
    const r = await sockit(["relay", `tcp-listen:127.0.0.1:${port}`, "-"]).done;
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^sockit: relay: ADDR1 tcp-listen:127.0.0.1:${port}: listen tcp 127.0.0.1:${port}: bind: address already in use\n$`));
  } finally {
    server.close();
  }
});

test("--idle-timeout ends a relay where nothing moves", async () => {
  const { server, port } = await tcpServer((s) => s.on("end", () => s.end()));
  try {
    const started = Date.now();
    const cmd = sockit(["relay", "--idle-timeout", "300ms", "-", `tcp:127.0.0.1:${port}`], null);
    const r = await within(cmd.done, 5000, "the idle timeout");
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - started >= 300, "ended before the timeout");
  } finally {
    server.close();
  }
});

test("--stats ends with a summary of both directions' bytes", async () => {
  const echo = await echoServer();
  try {
    const r = await sockit(["relay", "--stats", "-", `tcp:127.0.0.1:${echo.port}`], "hello").done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "hello");
    assert.match(r.stderr, /^sockit: relay done in \d+\.\d\ds: 1->2 5 bytes \(.*\/s\), 2->1 5 bytes \(.*\/s\)\n$/m);
  } finally {
    echo.server.close();
  }
});

test("SIGTERM while unix-listen waits exits 143 and removes the socket file", async () => {
  const path = testUnixAddr();
  const cmd = sockit(["relay", "-v", `unix-listen:${path}`, "-"], null);
  await listening(cmd);
  assert.equal(existsSync(path), true);
  cmd.p.kill("SIGTERM");
  const r = await cmd.done;
  assert.equal(r.status, 143, r.stderr);
  assert.equal(existsSync(path), false, "the socket file is left");
});

test("relay --help exits 0; bad addresses and fork on ADDR2 are usage errors", async () => {
  const help = await sockit(["relay", "--help"]).done;
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: sockit relay /);
  assert.match((await sockit(["help"]).done).stdout, /\nrelay {3}open ADDR1/);
  for (const args of [["nope:1", "-"], ["-", "tcp-listen:0,fork"], ["tcp:1.2.3.4:1,fork", "-"], ["-"]]) {
    const r = await sockit(["relay", ...args]).done;
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
  }
});

test("ip4:icmp:127.0.0.1 relays raw ICMP (needs CAP_NET_RAW)", async (t) => {
  const skip = await rawIPSkip();
  if (skip !== false) return t.skip(skip);
  // An echo request, checksum included; the reply (type 0) comes back as one datagram.
  const request = Buffer.from([8, 0, 0xf7, 0xfe, 0, 1, 0, 0]);
  const cmd = sockit(["relay", "--idle-timeout", "500ms", "-", "ip4:icmp:127.0.0.1"], null);
  cmd.p.stdin.end(request);
  const r = await within(cmd.done, 5000, "the relay's end");
  assert.equal(r.status, 0, r.stderr);
  const out = Buffer.from(r.stdout, "latin1");
  assert.ok(out.includes(Buffer.from([0, 0, 0xff, 0xfe, 0, 1, 0, 0])), `no echo reply in ${out.toString("hex")}`);
});
