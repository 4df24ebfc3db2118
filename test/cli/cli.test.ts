/**
 * The `sockit` command: argument parsing and tables in process, and the command itself run as
 * a child process against Node core peers (an independent implementation).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { once } from "node:events";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, parseDuration, UsageError } from "../../src/cli/args.js";
import { formatTable, showAddr } from "../../src/cli/table.js";
import { netKind } from "../../src/cli/networks.js";
import { checksum, echoRequest, parseEcho, sameEcho } from "../../src/cli/icmp.js";
import { sockit, waitFor } from "./sockit.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

test("parseArgs reads commands, options and operands", () => {
  assert.deepEqual(parseArgs([]), { cmd: "help" });
  assert.deepEqual(parseArgs(["tour"]), { cmd: "tour" });
  assert.deepEqual(parseArgs(["dial", "-v", "tcp", "127.0.0.1:80", "-t", "2s"]), {
    cmd: "dial",
    network: "tcp",
    address: "127.0.0.1:80",
    verbose: true,
    timeout: 2000,
    quitAfter: null,
    keepOpen: false,
  });
  assert.deepEqual(parseArgs(["listen", "--", "unix", "-odd.sock"]), {
    cmd: "listen",
    network: "unix",
    address: "-odd.sock",
    verbose: false,
    timeout: 0,
    quitAfter: null,
    keepOpen: false,
  });
  assert.deepEqual(parseArgs(["listen", "-q", "0", "udp", ":9000"]), {
    cmd: "listen",
    network: "udp",
    address: ":9000",
    verbose: false,
    timeout: 0,
    quitAfter: 0,
    keepOpen: false,
  });
  assert.equal((parseArgs(["dial", "--quit-after=250ms", "udp", "a:1"]) as { quitAfter: number }).quitAfter, 250);
  assert.equal((parseArgs(["dial", "-t=1s", "tcp", "a:1"]) as { timeout: number }).timeout, 1000, "-t=1s as --timeout=1s");
  assert.equal((parseArgs(["dial", "-q=0", "tcp", "a:1"]) as { quitAfter: number }).quitAfter, 0);
  assert.equal((parseArgs(["listen", "-k", "tcp", ":0"]) as { keepOpen: boolean }).keepOpen, true);
  assert.deepEqual(parseArgs(["dial", "--help"]), { cmd: "help", topic: "dial" });
  assert.deepEqual(parseArgs(["lock", "-h", "x", "--", "cmd", "--help"]), { cmd: "help", topic: "lock" });
  assert.deepEqual(parseArgs(["exec", "--", "cmd", "--help"]).cmd, "exec", "a --help after -- is CMD's");
  assert.deepEqual(parseArgs(["help", "listen"]), { cmd: "help", topic: "listen" });
  assert.deepEqual(parseArgs(["--version"]), { cmd: "version" });
  const bads = [["nope"], ["dial", "tcp"], ["dial", "-x", "tcp", "a"], ["listen", "-t", "1s", "tcp", "a"], ["tour", "x"], ["dial", "-k", "tcp", "a"], ["help", "nope"]];
  for (const bad of [...bads, ["dial", "-q", "tcp", "a"], ["dial", "-q", "-1s", "udp", "a:1"], ["dial", "-t", "0", "tcp", "a:1"]]) {
    assert.throws(() => parseArgs(bad), UsageError, bad.join(" "));
  }
});

test("parseDuration takes Go durations and bare seconds", () => {
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("3"), 3000);
  for (const bad of ["", "0s", "5x", "s", "1s2"]) assert.throws(() => parseDuration(bad), UsageError, bad);
  assert.equal(parseDuration("0", true), 0);
  assert.equal(parseDuration("0s", true), 0);
});

test("netKind sorts Go's twelve networks by socket kind", () => {
  const kinds = ["tcp", "tcp4", "tcp6", "unix", "unixpacket", "udp", "udp4", "udp6", "unixgram", "ip:1", "ip4:icmp", "ip6:58"].map(netKind);
  assert.deepEqual(kinds, [
    ...["stream", "stream", "stream", "stream", "seqpacket"],
    ...["datagram", "datagram", "datagram", "datagram", "raw", "raw", "raw"],
  ]);
  // Unknown names go the stream way, where dial reports Go's "unknown network".
  assert.equal(netKind("ip"), "stream");
});

test("formatTable pads columns and right-aligns numbers", () => {
  const lines = formatTable([{ header: "network" }, { header: "ms", align: "right" }], [["tcp", "0.120"]]);
  assert.deepEqual(lines, ["network     ms", "-------  -----", "tcp      0.120"]);
  assert.equal(showAddr(null), "-");
  assert.equal(showAddr({ toString: () => "" }), "(unnamed)");
});

test("help and usage errors", async () => {
  const help = await sockit(["help"]).done;
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: sockit dial/);
  const bad = await sockit(["dial", "tcp"]).done;
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^sockit: dial needs NETWORK and ADDRESS, got 1 argument\(s\)\nusage: sockit dial/);
});

test("failures are one line with Go's message and status 1", async () => {
  const refused = await sockit(["dial", "tcp", "127.0.0.1:1"]).done;
  assert.equal(refused.status, 1);
  assert.equal(refused.stderr, "sockit: dial tcp 127.0.0.1:1: connect: connection refused\n");
  const unknown = await sockit(["dial", "foo", "bar"]).done;
  assert.equal(unknown.stderr, "sockit: dial foo: unknown network foo\n");
  const port = await sockit(["listen", "tcp", "127.0.0.1"]).done;
  assert.equal(port.stderr, "sockit: listen tcp: address 127.0.0.1: missing port in address\n");
});

test("dial copies stdin to a Node core peer, half-closes, and prints the answer", async () => {
  // The peer answers only after end of stream, so this needs the half-close.
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const got: Buffer[] = [];
    s.on("data", (d) => got.push(d));
    s.on("end", () => s.end(`got ${Buffer.concat(got).toString()}`));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  try {
    const r = await sockit(["dial", "tcp", `127.0.0.1:${port}`], "hello").done;
    assert.deepEqual(r, { status: 0, stdout: "got hello", stderr: "" });
  } finally {
    server.close();
  }
});

test("listen accepts one conn from a Node core peer and exits at its end of stream", async () => {
  const cmd = sockit(["listen", "-v", "tcp", "127.0.0.1:0"], "from sockit");
  const port = await waitFor(() => /listening on tcp 127\.0\.0\.1:(\d+)/.exec(cmd.stderr())?.[1] ?? null, "listening");
  // The peer answers once sockit half-closes at its stdin's end; sockit exits at the answer's end.
  const c = net.connect({ port: Number(port), host: "127.0.0.1", allowHalfOpen: true });
  const got: Buffer[] = [];
  c.on("data", (d) => got.push(d));
  c.on("end", () => c.end("from node"));
  await once(c, "close");
  const r = await cmd.done;
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "from node");
  assert.equal(Buffer.concat(got).toString(), "from sockit");
  assert.match(r.stderr, /connection from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+/);
});

test("listen on a unix path removes the file, also when stopped by SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockit-cli-"));
  try {
    const path = join(dir, "s.sock");
    // -v reports once the signal handlers are in place.
    const cmd = sockit(["listen", "-v", "unix", path], null);
    await waitFor(() => (cmd.stderr().includes("listening on") ? true : null), "listening");
    assert.equal(existsSync(path), true);
    cmd.p.kill("SIGTERM");
    const r = await cmd.done;
    assert.equal(r.status, 143);
    assert.equal(r.stderr, `sockit: listening on unix ${path}\n`);
    assert.equal(existsSync(path), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ICMP echo requests carry RFC 1071 checksums and parse back", () => {
  // The echo request that `ping` sends with identifier 1, sequence 0 and no data.
  const req = echoRequest({ version: 4, id: 1, seq: 0, data: new Uint8Array(0) });
  assert.deepEqual([...req], [0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00]);
  assert.equal(checksum(req), 0, "a message with its checksum sums to zero");
  assert.equal(checksum(Uint8Array.of(0x01)), 0xfeff, "an odd byte is padded with zero");
  const data = new TextEncoder().encode("hi");
  const v6 = echoRequest({ version: 6, id: 7, seq: 9, data });
  assert.equal(v6[0], 128);
  assert.deepEqual([v6[2], v6[3]], [0, 0], "the kernel fills in an ICMPv6 checksum");
  const reply = Uint8Array.from(v6);
  reply[0] = 129;
  const parsed = parseEcho(6, reply);
  assert.equal(parsed?.kind, "reply");
  assert.ok(sameEcho(parsed!.echo, { version: 6, id: 7, seq: 9, data }));
  assert.equal(parseEcho(4, v6), null, "an ICMPv6 request is no ICMPv4 echo");
});

test("every subcommand has --help, and --version says the package's", async () => {
  for (const cmd of ["dial", "listen", "exec", "lock", "tour", "help"]) {
    const r = await sockit([cmd, "--help"]).done;
    assert.equal(r.status, 0, `${cmd} --help`);
    assert.ok(r.stdout.startsWith(`usage: sockit ${cmd}`), r.stdout);
  }
  assert.match((await sockit(["dial", "--help"]).done).stdout, /-t DURATION/);
  assert.match((await sockit(["listen", "-h"]).done).stdout, /-k, --keep-open/);
  const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  assert.deepEqual(await sockit(["--version"]).done, { status: 0, stdout: `sockit ${version}\n`, stderr: "" });
});

/** runFiles runs the command with stdin from `input` and stdout into `output`. */
function runFiles(args: string[], input: string, output: string): { p: ReturnType<typeof spawn>; done: Promise<{ status: number | null; stderr: string }> } {
  const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
  const inFd = openSync(input, "r");
  const outFd = openSync(output, "w");
  const p = spawn(process.execPath, [main, ...args], { stdio: [inFd, outFd, "pipe"] });
  closeSync(inFd);
  closeSync(outFd);
  let stderr = "";
  p.stderr!.on("data", (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
  return { p, done: once(p, "close").then(([status]) => (clearTimeout(timer), { status: status as number | null, stderr })) };
}

test("a peer's half-close does not stop the sending direction: 50 MB both ways, and against /dev/null", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockit-cli-50m-"));
  try {
    const a = join(dir, "a");
    const b = join(dir, "b");
    writeFileSync(a, randomBytes(50 << 20));
    writeFileSync(b, randomBytes(50 << 20));
    const digest = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
    for (const [listenIn, dialIn] of [["/dev/null", a], [a, b]] as const) {
      const ln = runFiles(["listen", "-v", "tcp", "127.0.0.1:0"], listenIn, join(dir, "ln.out"));
      let err = "";
      ln.p.stderr!.on("data", (d: Buffer) => (err += d));
      const port = await waitFor(() => /listening on tcp 127\.0\.0\.1:(\d+)/.exec(err)?.[1] ?? null, "listening");
      const dl = runFiles(["dial", "tcp", `127.0.0.1:${port}`], dialIn, join(dir, "dial.out"));
      const [lr, dr] = await Promise.all([ln.done, dl.done]);
      assert.equal(lr.status, 0, lr.stderr);
      assert.equal(dr.status, 0, dr.stderr);
      assert.equal(digest(join(dir, "ln.out")), digest(dialIn), `the listener got all of ${dialIn === a ? "a" : "b"}`);
      assert.equal(digest(join(dir, "dial.out")), digest(listenIn), "the dialer got all the listener sent");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("listen -k serves one conn after another until a signal", async () => {
  const cmd = sockit(["listen", "-v", "-k", "tcp", "127.0.0.1:0"], "");
  const port = Number(await waitFor(() => /listening on tcp 127\.0\.0\.1:(\d+)/.exec(cmd.stderr())?.[1] ?? null, "listening"));
  for (const word of ["one", "two", "three"]) {
    const c = net.connect({ port, host: "127.0.0.1" });
    c.end(word);
    await once(c, "close");
  }
  await waitFor(() => (cmd.stdout() === "onetwothree" ? true : null), "the three conns' bytes");
  cmd.p.kill("SIGTERM");
  const r = await cmd.done;
  assert.equal(r.status, 143);
  assert.equal((r.stderr.match(/connection from/g) ?? []).length, 3);
});
