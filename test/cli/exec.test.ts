/**
 * `sockit exec`: the parser in process, and the built command run as a child process with
 * real children (sh, python3, sleep) that use the sockets it hands them, against Node core
 * peers. Every run is awaited, and sockit waits for its child, so no test leaves a process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, UsageError } from "../../src/cli/args.js";
import { guardFdLeaks, unansweredListener, within } from "../helpers.js";
import { sockit, waitFor } from "./sockit.js";

guardFdLeaks();

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "sockit-exec-"));
}

/** synSent counts the TCP sockets in SYN_SENT towards 127.0.0.1:`port` (proc(5), /proc/net/tcp). */
function synSent(port: number): number {
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const rows = readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1);
  return rows.filter((row) => {
    const f = row.trim().split(/\s+/);
    return f[2] === remote && f[3] === "02";
  }).length;
}

test("parseArgs reads exec's sockets in order, -v, and the command after --", () => {
  assert.deepEqual(parseArgs(["exec", "--", "true"]), { cmd: "exec", sockets: [], verbose: false, argv: ["true"] });
  const args = ["exec", "--listen", "tcp", "127.0.0.1:0", "-v", "--dial", "unixgram", "@log", "--listen", "udp", ":0"];
  assert.deepEqual(parseArgs([...args, "--", "sh", "-c", "exit 3", "--", "-v"]), {
    cmd: "exec",
    sockets: [
      { how: "listen", network: "tcp", address: "127.0.0.1:0" },
      { how: "dial", network: "unixgram", address: "@log" },
      { how: "listen", network: "udp", address: ":0" },
    ],
    verbose: true,
    argv: ["sh", "-c", "exit 3", "--", "-v"],
  });
  // Networks are not checked here: an unknown one fails at run time with Go's text.
  assert.equal((parseArgs(["exec", "--listen", "foo", "bar", "--", "true"]) as { cmd: string }).cmd, "exec");
  const bads: [string[], RegExp][] = [
    [["exec"], /^exec needs -- and CMD$/],
    [["exec", "true"], /^exec needs -- before CMD, got "true"$/],
    [["exec", "--listen", "tcp", ":0", "true"], /^exec needs -- before CMD, got "true"$/],
    [["exec", "--listen", "tcp", ":0", "--"], /^exec needs CMD after --$/],
    [["exec", "--listen", "tcp"], /^option --listen needs NETWORK and ADDRESS$/],
    [["exec", "--listen", "tcp", "--", "true"], /^option --listen needs NETWORK and ADDRESS$/],
    [["exec", "--dial", "--", "a", "true"], /^option --dial needs NETWORK and ADDRESS$/],
    [["exec", "-t", "1s", "--", "true"], /^unknown option -t for exec$/],
  ];
  for (const [bad, msg] of bads) {
    assert.throws(() => parseArgs(bad), (e) => e instanceof UsageError && msg.test(e.message), bad.join(" "));
  }
});

test("exec usage errors exit 2 with the synopsis; failures exit 1 with Go's text", async () => {
  const usage = await sockit(["exec", "--listen", "tcp", "--", "true"]).done;
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^sockit: option --listen needs NETWORK and ADDRESS\nusage: sockit dial .*\n {7}sockit exec /s);
  const runs: [string[], string][] = [
    [["--listen", "foo", "bar"], "sockit: listen foo: unknown network foo\n"],
    [["--dial", "foo", "bar"], "sockit: dial foo: unknown network foo\n"],
    [["--listen", "tcp", "127.0.0.1"], "sockit: listen tcp: address 127.0.0.1: missing port in address\n"],
    [["--dial", "tcp", "127.0.0.1:1"], "sockit: dial tcp 127.0.0.1:1: connect: connection refused\n"],
  ];
  for (const [sockets, stderr] of runs) {
    // The child would print; it must never start.
    const r = await sockit(["exec", ...sockets, "--", "echo", "started"]).done;
    assert.deepEqual(r, { status: 1, stdout: "", stderr }, sockets.join(" "));
  }
  const missing = await sockit(["exec", "--", "sockit-no-such-command"]).done;
  assert.deepEqual(missing, {
    status: 1,
    stdout: "",
    stderr: 'sockit: exec: "sockit-no-such-command": executable file not found in $PATH\n',
  });
});

test("exec exits with the child's status, or 128 + the signal that killed it", async () => {
  const cases: [string, number][] = [
    ["exit 0", 0],
    ["exit 7", 7],
    ["kill -TERM $$", 143],
    ["kill -INT $$", 130],
    ["kill -KILL $$", 137],
  ];
  for (const [script, status] of cases) {
    const r = await sockit(["exec", "--", "sh", "-c", script]).done;
    assert.deepEqual(r, { status, stdout: "", stderr: "" }, script);
  }
  const v = await sockit(["exec", "-v", "--", "sh", "-c", "kill -TERM $$"]).done;
  assert.match(v.stderr, /^sockit: started \/\S+\/sh -c kill -TERM \$\$ as pid (\d+)\nsockit: pid \1: signal: terminated\n$/);
});

test("exec sets LISTEN_FDS, LISTEN_FDNAMES and the child's own LISTEN_PID, and reports each fd", async () => {
  const dir = tempDir();
  try {
    const gram = join(dir, "g.sock");
    const script = 'echo $LISTEN_FDS $LISTEN_FDNAMES; [ "$LISTEN_PID" = "$$" ] && echo pid-ok; [ -S "$1" ] && echo file-ok';
    const args = ["exec", "--listen", "tcp", "127.0.0.1:0", "--listen", "unixgram", gram, "--listen", "udp4", "127.0.0.1:0"];
    const r = await sockit([...args, "--", "sh", "-c", script, "sh", gram]).done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "3 tcp:unixgram:udp4\npid-ok\nfile-ok\n");
    const lines = r.stderr.split("\n");
    assert.match(lines[0]!, /^sockit: fd 3: listening on tcp 127\.0\.0\.1:[1-9]\d*$/);
    assert.equal(lines[1], `sockit: fd 4: listening on unixgram ${gram}`);
    assert.match(lines[2]!, /^sockit: fd 5: listening on udp4 127\.0\.0\.1:[1-9]\d*$/);
    assert.equal(lines.length, 4);
    assert.equal(existsSync(gram), false, "exec removes the unixgram socket file it bound");
    const none = await sockit(["exec", "--", "sh", "-c", 'echo "$LISTEN_FDS|${LISTEN_FDNAMES-unset}"']).done;
    assert.equal(none.stdout, "0|unset\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exec hands a listener to a python3 child as fd 3, which accepts and echoes a Node core peer", async () => {
  // The fd comes in blocking mode, as from Go's os/exec: a plain accept() waits for the client.
  const script = [
    "import os, socket",
    "assert os.environ['LISTEN_FDS'] == '1' and os.environ['LISTEN_PID'] == str(os.getpid())",
    "assert os.get_blocking(3), 'fd 3 is in blocking mode'",
    "ln = socket.socket(fileno=3)",
    "c, _ = ln.accept()",
    "data = c.recv(100)",
    "c.sendall(b'echo:' + data)",
    "c.close()",
  ].join("\n");
  const cmd = sockit(["exec", "--listen", "tcp", "127.0.0.1:0", "--", "python3", "-c", script]);
  const port = await waitFor(() => /^sockit: fd 3: listening on tcp 127\.0\.0\.1:(\d+)$/m.exec(cmd.stderr())?.[1] ?? null, "fd 3");
  const c = net.connect({ port: Number(port), host: "127.0.0.1" });
  const got: Buffer[] = [];
  c.on("data", (d) => got.push(d));
  c.end("hello");
  await within(once(c, "close"), 10_000, "the echo");
  assert.equal(Buffer.concat(got).toString(), "echo:hello");
  const r = await cmd.done;
  assert.equal(r.status, 0, r.stderr);
});

test("exec's sockets reach a sockit child's listenFDs by kind and name", async () => {
  const dir = tempDir();
  try {
    const index = new URL("../../src/index.js", import.meta.url).href;
    const script = [
      `const { listenFDs } = await import(${JSON.stringify(index)});`,
      "for (const f of await listenFDs()) {",
      "  console.log(f.inheritedFd, f.kind, f.name);",
      "  await (f.kind === 'listener' ? f.listener : f.kind === 'file' ? f.file : f.conn).close();",
      "}",
    ].join("\n");
    const sockets = ["--listen", "tcp", "127.0.0.1:0", "--listen", "unixgram", join(dir, "g.sock"), "--dial", "udp", "127.0.0.1:9"];
    const r = await sockit(["exec", ...sockets, "--", process.execPath, "--input-type=module", "-e", script]).done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "3 listener tcp\n4 packet unixgram\n5 packet udp\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exec keeps a unix listener's file for the child, then removes it", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "l.sock");
    const r = await sockit(["exec", "--listen", "unix", path, "--", "sh", "-c", '[ -S "$1" ] && echo there', "sh", path]).done;
    assert.deepEqual(r, { status: 0, stdout: "there\n", stderr: `sockit: fd 3: listening on unix ${path}\n` });
    assert.equal(existsSync(path), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exec's child is the only holder of a dialed conn: its close reaches the peer while it runs", async () => {
  let ended = false;
  const got: Buffer[] = [];
  const server = net.createServer((s) => {
    s.on("data", (d) => got.push(d));
    s.on("end", () => {
      ended = true;
      s.end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  try {
    const cmd = sockit(["exec", "--dial", "tcp", `127.0.0.1:${port}`, "--", "sh", "-c", "echo hi >&3; exec 3>&-; sleep 2"]);
    await waitFor(() => (ended ? true : null), "the peer's end of stream");
    assert.equal(cmd.p.exitCode, null, "the child still runs");
    assert.equal(Buffer.concat(got).toString(), "hi\n");
    const r = await cmd.done;
    assert.equal(r.status, 0);
    assert.match(r.stderr, new RegExp(`^sockit: fd 3: connected to tcp 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1:\\d+\\n$`));
  } finally {
    server.close();
  }
});

test("exec passes SIGTERM and SIGINT on to the child and exits as the child does", async () => {
  const script = 'trap "echo got $0; exit 3" TERM INT; echo ready; while :; do sleep 0.05; done';
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    const cmd = sockit(["exec", "-v", "--", "sh", "-c", script, sig]);
    await waitFor(() => (cmd.stdout() === "ready\n" ? true : null), "the child's trap");
    cmd.p.kill(sig);
    const r = await cmd.done;
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, `ready\ngot ${sig}\n`);
    const lines = `^sockit: started .* as pid (\\d+)\\nsockit: passed ${sig} on to pid \\1\\nsockit: pid \\1: exit status 3\\n$`;
    assert.match(r.stderr, new RegExp(lines));
  }
  // A child that keeps the default action dies of it, and sockit reports that as a shell does.
  const sleeper = sockit(["exec", "-v", "--", "sleep", "30"]);
  await waitFor(() => (sleeper.stderr().includes("started") ? true : null), "the child");
  sleeper.p.kill("SIGTERM");
  const r = await sleeper.done;
  assert.equal(r.status, 143);
  assert.match(r.stderr, /sockit: pid \d+: signal: terminated\n$/);
});

test("exec stopped by SIGINT during a dial exits 130 and starts no child", async () => {
  const peer = await unansweredListener();
  try {
    const before = synSent(peer.port);
    const cmd = sockit(["exec", "--dial", "tcp", peer.address, "--", "echo", "started"]);
    // Node catches SIGINT from its start (to restore the terminal), so wait for the dial itself.
    await waitFor(() => (synSent(peer.port) > before ? true : null), "sockit's dial");
    cmd.p.kill("SIGINT");
    const r = await cmd.done;
    assert.deepEqual(r, { status: 130, stdout: "", stderr: "" });
  } finally {
    await peer.close();
  }
});

// Regression: handing the child process.stdin, process.stdout and process.stderr made Node
// put those pipes in non-blocking mode, which the child shares: its reads failed with EAGAIN.
test("exec's child gets sockit's stdio as it was, not made non-blocking by Node's streams", async () => {
  const script = "import fcntl, os; print([fcntl.fcntl(n, fcntl.F_GETFL) & os.O_NONBLOCK for n in (0, 1, 2)])";
  const r = await sockit(["exec", "-v", "--listen", "tcp", "127.0.0.1:0", "--", "python3", "-c", script]).done;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "[0, 0, 0]\n");
});
