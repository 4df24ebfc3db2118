/**
 * `sockit relay` against real socat (installed from Debian's packages by this file's setup when
 * missing; the socat tests skip, saying why, where that cannot be done), against 100 concurrent
 * clients, and against peers that vanish mid-transfer. Loopback and temporary paths only.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { once } from "node:events";
import { existsSync } from "node:fs";
import type net from "node:net";
import { promisify } from "node:util";
import { abstractName, guardFdLeaks, testUnixAddr, within } from "../helpers.js";
import { sockit, waitFor } from "./sockit.js";
import { collect, connectTCP, echoServer, forkingRelay, listening, portOf, sha256, tcpServer } from "./relay_peers.js";

guardFdLeaks();

const run = promisify(execFile);

/** Why the socat tests cannot run here, or null once socat is on the PATH. */
let noSocat: string | null = "socat was not looked for";

/**
 * haveSocat finds socat, or installs it from Debian's packages when this process may (root,
 * apt-get present): the "installed by the test setup". Returns null, or the reason.
 */
async function haveSocat(): Promise<string | null> {
  const found = async () => run("socat", ["-V"], { timeout: 10_000 }).then(() => true, () => false);
  if (await found()) return null;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) return "socat is not installed, and apt-get cannot install it here (not root, or no apt-get)";
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = (args: string[]) => run("apt-get", args, { timeout: 240_000, env }).then(() => null, (err: Error) => err.message.split("\n")[0]!);
  // A fresh image may have no package lists yet: one update, then the install again.
  const failed = (await apt(["install", "-y", "-q", "socat"])) !== null && ((await apt(["update", "-q"])) ?? (await apt(["install", "-y", "-q", "socat"])));
  if (failed) return `socat is not installed, and apt-get install socat failed: ${failed}`;
  return (await found()) ? null : "socat is not installed, and apt-get did not make it runnable";
}

before(async () => {
  noSocat = await haveSocat();
});

/** A socat process, killed with SIGKILL after `limitMs` so that none outlives its test. */
interface Socat {
  p: ChildProcess;
  stdout: Promise<Buffer>;
  done: Promise<number | null>;
}

function socat(args: string[], stdin: Buffer | null = null, limitMs = 30_000): Socat {
  const p = spawn("socat", args, { stdio: ["pipe", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  p.stdout!.on("data", (d: Buffer) => chunks.push(d));
  p.stdin!.on("error", () => {});
  if (stdin !== null) p.stdin!.end(stdin);
  const timer = setTimeout(() => p.kill("SIGKILL"), limitMs);
  const done = once(p, "close").then(([status]) => {
    clearTimeout(timer);
    return status as number | null;
  });
  return { p, stdout: done.then(() => Buffer.concat(chunks)), done };
}

test("socat UNIX-LISTEN echoes 20 MB through relay tcp-listen <-> unix:, half-close passed on", async (t) => {
  if (noSocat !== null) return t.skip(noSocat);
  const path = testUnixAddr();
  // EXEC:cat, not PIPE: socat's PIPE echo deadlocks itself under bulk data, whatever relays
  // to it. It writes up to -b bytes to its own pipe with a blocking write once the pipe polls
  // writable (4 KiB free), and, the pipe's only reader, never returns (seen: socat in
  // anon_pipe_write, in 4 of 6 runs with socat itself as the relay in front of it).
  const echo = socat(["-t", "5", "-b", "65536", `UNIX-LISTEN:${path}`, "EXEC:cat"]);
  try {
    await waitFor(() => (existsSync(path) ? true : null), "socat's socket file");
    const cmd = sockit(["relay", "-v", "tcp-listen:127.0.0.1:0", `unix:${path}`], "", 30_000);
    const c = await connectTCP(portOf(await listening(cmd)));
    const got = collect(c);
    const data = randomBytes(20 << 20);
    c.end(data);
    assert.equal(sha256(await within(got, 20_000, "the echo of 20 MB")), sha256(data));
    const r = await cmd.done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await within(echo.done, 10_000, "socat's exit"), 0);
  } finally {
    echo.p.kill("SIGKILL");
    await echo.done;
  }
});

test("socat ABSTRACT-CONNECT sends 5 MB through relay abstract-listen <-> tcp and gets it back", async (t) => {
  if (noSocat !== null) return t.skip(noSocat);
  const echo = await echoServer();
  const name = abstractName().slice(1); // relay's abstract:NAME and socat's take it without the "@"
  try {
    const cmd = sockit(["relay", "-v", `abstract-listen:${name}`, `tcp:127.0.0.1:${echo.port}`], "", 30_000);
    await listening(cmd);
    const data = randomBytes(5 << 20);
    const client = socat(["-t", "5", "-", `ABSTRACT-CONNECT:${name}`], data);
    assert.equal(sha256(await within(client.stdout, 20_000, "socat's output")), sha256(data));
    assert.equal(await client.done, 0);
    const r = await cmd.done;
    assert.equal(r.status, 0, r.stderr);
  } finally {
    echo.server.close();
  }
});

test("datagrams keep their boundaries from udp through relay and socat UNIX-RECV back to udp", async (t) => {
  if (noSocat !== null) return t.skip(noSocat);
  const path = testUnixAddr();
  const out = dgram.createSocket("udp4");
  out.bind(0, "127.0.0.1");
  await once(out, "listening");
  const got: string[] = [];
  out.on("message", (m) => got.push(m.toString()));
  const forward = socat(["-u", "-b", "65536", `UNIX-RECV:${path}`, `UDP4-SENDTO:127.0.0.1:${out.address().port}`]);
  const into = dgram.createSocket("udp4");
  try {
    await waitFor(() => (existsSync(path) ? true : null), "socat's socket file");
    const cmd = sockit(["relay", "-v", "udp-listen:127.0.0.1:0", `unixgram:${path}`], null, 30_000);
    const port = portOf(await listening(cmd));
    const sent = ["a", "bb", "", "cccc", "x".repeat(60_000)];
    for (const m of sent) {
      into.send(m, port, "127.0.0.1");
      await new Promise((r) => setTimeout(r, 20));
    }
    // socat's UDP4-SENDTO sends no empty datagram, so the empty one stops at socat.
    const want = sent.filter((m) => m !== "");
    await waitFor(() => (got.length === want.length ? true : null), "the datagrams at the far end");
    assert.deepEqual(got.map((m) => m.length), want.map((m) => m.length), "the datagrams' sizes");
    assert.deepEqual(got, want);
    cmd.p.kill("SIGTERM");
    assert.equal((await cmd.done).status, 143);
  } finally {
    forward.p.kill("SIGKILL");
    await forward.done;
    into.close();
    out.close();
  }
});

test("tcp-listen,fork relays 100 concurrent clients at once, each its own 64 KiB echoed", async () => {
  await forkingRelay([], async (port, echo) => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => connectTCP(port)));
    const datas = clients.map(() => randomBytes(64 << 10));
    const got = clients.map((c) => collect(c));
    clients.forEach((c, i) => c.write(datas[i]!.subarray(0, 1)));
    await waitFor(() => (echo.stats.now === 100 ? true : null), "100 conns at the echo server", 10_000);
    clients.forEach((c, i) => c.end(datas[i]!.subarray(1)));
    const answers = await within(Promise.all(got), 20_000, "100 echoes");
    answers.forEach((a, i) => assert.equal(sha256(a), sha256(datas[i]!), `client ${i}'s bytes`));
    assert.equal(echo.stats.most, 100);
  });
});

/**
 * streamInto writes `total` bytes of 64 KiB chunks into `s` as fast as it drains, stopping
 * quietly when `s` breaks; resolves with the bytes handed over.
 */
function streamInto(s: net.Socket, total: number): Promise<number> {
  const chunk = randomBytes(64 << 10);
  let sent = 0;
  return new Promise((resolve) => {
    s.on("error", () => {});
    s.on("close", () => resolve(sent));
    const pump = (): void => {
      while (sent < total && !s.destroyed) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once("drain", pump);
      }
      if (!s.destroyed) s.end();
    };
    pump();
  });
}

test("a tcp peer that resets mid-transfer ends the relay at once, exit status 3 naming ADDR2", async () => {
  let taken = 0;
  const { server, port } = await tcpServer((s) => {
    s.on("error", () => {});
    s.on("data", (d: Buffer) => {
      taken += d.length;
      if (taken >= 1 << 20) s.resetAndDestroy();
    });
  });
  try {
    const cmd = sockit(["relay", "-v", "tcp-listen:127.0.0.1:0", `tcp:127.0.0.1:${port}`], "", 30_000);
    const c = await connectTCP(portOf(await listening(cmd)));
    const sending = streamInto(c, 50 << 20);
    const r = await within(cmd.done, 10_000, "the relay's exit");
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`relay: ADDR2 tcp:127\\.0\\.0\\.1:${port}: .*(connection reset by peer|broken pipe)`));
    assert.ok((await within(sending, 10_000, "the client's close")) < 50 << 20, "the client did not get to send everything");
  } finally {
    server.close();
  }
});

test("a client that resets while the far side is still sending ends the relay, exit status 1 naming ADDR1", async () => {
  const { server, port } = await tcpServer((s) => void streamInto(s, 50 << 20));
  try {
    const cmd = sockit(["relay", "-v", "tcp-listen:127.0.0.1:0", `tcp:127.0.0.1:${port}`], "", 30_000);
    const c = await connectTCP(portOf(await listening(cmd)));
    let got = 0;
    c.on("error", () => {});
    c.on("data", (d: Buffer) => {
      got += d.length;
      if (got >= 1 << 20 && !c.destroyed) c.resetAndDestroy();
    });
    const r = await within(cmd.done, 10_000, "the relay's exit");
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /relay: ADDR1 tcp-listen:127\.0\.0\.1:0: .*(connection reset by peer|broken pipe)/);
  } finally {
    server.close();
  }
});
