/**
 * Interop: every stream network (tcp, tcp4, tcp6, unix path, unix @abstract) both ways with
 * sockit itself and with independent peers — Node core `net`, python3's `socket`, and (when
 * installed) a Go program. Each exchange moves a greeting each way, then a 1 MiB payload each
 * way with a half-close in between, checked byte for byte, and ends in EOF on both sides; the
 * protocol and the peers are in interop_peers.ts.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { dial, listen, OpError, type Listener } from "../../src/index.js";
import { guardFdLeaks, testUnixAddr, abstractName, hasIPv6, readAll, within } from "../helpers.js";
import {
  BIG,
  GO_PEER,
  LIMIT,
  ProcPeer,
  closeServer,
  nodeClient,
  nodeConnect,
  pyAbstractRepr,
  python,
  reversed,
  sha,
  sockitClient,
  sockitServer,
  startNodeServer,
  stream,
  type StreamConn,
} from "./interop_peers.js";

guardFdLeaks();

const v6 = await hasIPv6();

// ---------------------------------------------------------------------------------------------
// The transports.

interface Transport {
  title: string;
  network: "tcp" | "tcp4" | "tcp6" | "unix";
  /** A fresh local address to listen on. */
  local(): string;
  pyKind: "inet4" | "inet6" | "unix";
  skip: string | false;
}

const transports: Transport[] = [
  { title: "tcp", network: "tcp", local: () => "127.0.0.1:0", pyKind: "inet4", skip: false },
  { title: "tcp4", network: "tcp4", local: () => "127.0.0.1:0", pyKind: "inet4", skip: false },
  {
    title: "tcp6",
    network: "tcp6",
    local: () => "[::1]:0",
    pyKind: "inet6",
    skip: v6 ? false : "skipped: ::1 cannot be bound on this machine (no IPv6 loopback)",
  },
  { title: "unix (path)", network: "unix", local: testUnixAddr, pyKind: "unix", skip: false },
  {
    title: "unix (@abstract)",
    network: "unix",
    local: abstractName,
    pyKind: "unix",
    skip: process.platform === "linux" ? false : "skipped: abstract unix names are Linux-only",
  },
];

const isAbstract = (addr: string) => addr.startsWith("@");
const portOf = (addr: string) => Number(addr.slice(addr.lastIndexOf(":") + 1));

/**
 * nodePadded is the sockit name of the abstract address Node core binds for "\0name": libuv
 * zero-pads it to the whole 108-byte sun_path (GO-REFERENCE §B.5).
 */
function nodePadded(name: string): string {
  return name + "\0".repeat(108 - Buffer.byteLength(name));
}

/** How a Node `net` peer reaches or listens on a sockit-style address. */
function nodeAddr(t: Transport, addr: string): { port: number; host: string } | { path: string } {
  if (t.network === "unix") return { path: isAbstract(addr) ? "\0" + addr.slice(1) : addr };
  return { host: t.network === "tcp6" ? "::1" : "127.0.0.1", port: portOf(addr) };
}

/** Accepts one conn, bounded; closes the listener whatever happens. */
async function acceptOne(ln: Listener): Promise<StreamConn> {
  try {
    return stream(await within(ln.accept(), LIMIT, "accept"));
  } finally {
    await ln[Symbol.asyncDispose]();
  }
}

for (const t of transports) {
  describe(`interop ${t.title}`, { skip: t.skip }, () => {
    it("sockit client <-> sockit server", async () => {
      const ln = await listen(t.network, t.local());
      const addr = ln.addr().toString();
      const payload = randomBytes(BIG);
      const accepted = acceptOne(ln);
      const c = stream(await within(dial(t.network, addr), LIMIT, "dial"));
      const s = await accepted;
      // Addresses as Go reports them.
      assert.equal(c.remoteAddr()?.toString(), addr);
      assert.equal(s.localAddr()?.toString(), addr);
      if (t.network === "unix") {
        // An unbound unix client reads back as "@" on both ends (Go's anyToSockaddr).
        assert.equal(c.localAddr()?.toString(), "@");
        assert.equal(s.remoteAddr()?.toString(), "@");
      } else {
        assert.equal(s.remoteAddr()?.toString(), c.localAddr()?.toString());
      }
      const [, got] = await within(Promise.all([sockitClient(c, payload), sockitServer(s)]), LIMIT, "exchange");
      assert.ok(got.equals(payload), "server received the payload byte for byte");
    });

    it("sockit <-> sockit, the server half-closes first", async () => {
      const ln = await listen(t.network, t.local());
      const accepted = acceptOne(ln);
      await using c = stream(await within(dial(t.network, ln.addr().toString()), LIMIT, "dial"));
      await using s = await accepted;
      const payload = randomBytes(BIG);
      const server = (async () => {
        await s.write(payload);
        await s.closeWrite();
        // The client still sends after it saw our EOF.
        return readAll(s);
      })();
      const got = await within(readAll(c), LIMIT, "client read to EOF");
      assert.ok(got.equals(payload));
      assert.equal(await c.read(new Uint8Array(1)), null);
      await c.write(reversed(got));
      await c.closeWrite();
      const back = await within(server, LIMIT, "server read to EOF");
      assert.ok(back.equals(reversed(payload)));
    });

    it("sockit client -> Node net server", async () => {
      let target = t.local();
      const { server, served } = await startNodeServer(nodeAddr(t, target));
      try {
        const a = server.address();
        if (a !== null && typeof a === "object") {
          target = t.network === "tcp6" ? `[::1]:${a.port}` : `127.0.0.1:${a.port}`;
        }
        if (isAbstract(target)) {
          // Node pads "\0name" to 108 bytes, so the exact-length name Go uses does not reach it...
          const err = await dial("unix", target).then(
            (c) => (c.close(), assert.fail("dial reached a padded name with an exact-length address")),
            (e: unknown) => e,
          );
          assert.ok(err instanceof OpError);
          assert.equal(err.message, `dial unix ${target}: connect: connection refused`);
          // ...and only the padded name does, as from Go.
          target = nodePadded(target);
        }
        const payload = randomBytes(BIG);
        const c = stream(await within(dial(t.network, target), LIMIT, "dial"));
        if (isAbstract(target)) assert.equal(c.remoteAddr()?.toString(), target.slice(0, target.indexOf("\0")));
        const [, got] = await within(Promise.all([sockitClient(c, payload), served]), LIMIT, "exchange");
        assert.ok(got.equals(payload), "Node server received the payload byte for byte");
      } finally {
        await within(closeServer(server), LIMIT, "Node server close");
      }
    });

    it("Node net client -> sockit server", async () => {
      let name = t.local();
      if (isAbstract(name)) {
        // A Node client pads "\0name" too: it cannot reach an exact-length "@name" listener...
        const exact = await listen("unix", name);
        try {
          const err = await nodeConnect({ path: "\0" + name.slice(1) }).then(
            (s) => (s.destroy(), assert.fail("Node reached an exact-length abstract name")),
            (e: NodeJS.ErrnoException) => e,
          );
          assert.equal(err.code, "ECONNREFUSED");
        } finally {
          await exact.close();
        }
        // ...so sockit listens on the padded name, which still prints as "@name" (cut at NUL).
        name = nodePadded(abstractName());
      }
      const ln = await listen(t.network, name);
      const addr = ln.addr().toString();
      if (isAbstract(name)) assert.equal(addr, name.slice(0, name.indexOf("\0")));
      const accepted = acceptOne(ln);
      const payload = randomBytes(BIG);
      const sock = await within(nodeConnect(nodeAddr(t, isAbstract(name) ? name : addr)), LIMIT, "Node connect");
      const s = await accepted;
      if (t.network !== "unix") {
        const host = t.network === "tcp6" ? "[::1]" : "127.0.0.1";
        assert.equal(s.remoteAddr()?.toString(), `${host}:${sock.localPort}`);
      }
      const [, got] = await within(Promise.all([nodeClient(sock, payload), sockitServer(s)]), LIMIT, "exchange");
      assert.ok(got.equals(payload), "sockit received Node's payload byte for byte");
    });

    it("sockit client -> python3 server", async () => {
      const local = t.local();
      const py = python(["server", t.pyKind, local]);
      try {
        const first = await within(py.peer.ready, LIMIT, `python listener (stderr: ${py.peer.stderr})`);
        let target = local;
        if (t.network !== "unix") {
          const m = /, (\d+)/.exec(first);
          assert.ok(m !== null, `python listener address: ${first}`);
          target = t.network === "tcp6" ? `[::1]:${m[1]}` : `127.0.0.1:${m[1]}`;
        } else if (isAbstract(local)) {
          // Python bound b"\0name": exactly 2 + len bytes, no padding.
          assert.equal(first, pyAbstractRepr(local));
        }
        const payload = randomBytes(BIG);
        // For "@name" this connect only succeeds if sockit sends the exact-length address too.
        const c = stream(await within(dial(t.network, target), LIMIT, "dial"));
        assert.equal(c.remoteAddr()?.toString(), target);
        await within(sockitClient(c, payload), LIMIT, "exchange");
        const lines = await py.finish();
        if (t.network !== "unix") assert.match(lines[1]!, new RegExp(`, ${portOf(c.localAddr()!.toString())}[,)]`));
        assert.equal(lines[2], `${sha(payload)} ${BIG}`, "python received the payload byte for byte");
      } finally {
        await py.cleanup();
      }
    });

    it("python3 client -> sockit server", async () => {
      const ln = await listen(t.network, t.local());
      const addr = ln.addr().toString();
      const accepted = acceptOne(ln);
      const py = python(["client", t.pyKind, addr]);
      try {
        const s = await accepted;
        const got = await within(sockitServer(s), LIMIT, "exchange");
        const lines = await py.finish();
        // What python sees as its peer: sockit's listener address, exactly.
        if (isAbstract(addr)) assert.equal(lines[0], pyAbstractRepr(addr), "python sees exactly b'\\0name'");
        else if (t.network === "unix") assert.equal(lines[0], `'${addr}'`);
        else assert.match(lines[0]!, new RegExp(`^\\('${t.network === "tcp6" ? "::1" : "127.0.0.1"}', ${portOf(addr)}[,)]`));
        assert.equal(lines[2], `${sha(got)} ${BIG}`, "sockit received python's payload byte for byte");
      } finally {
        await ln[Symbol.asyncDispose]();
        await py.cleanup();
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Go peers: a Go 1.19 program built once into a temp dir.

const haveGo = spawnSync("go", ["version"], { stdio: "ignore", timeout: 10_000 }).status === 0;

describe("interop with Go 1.19 peers", { skip: haveGo ? false : "skipped: `go` is not on PATH" }, () => {
  let dir = "";
  let bin = "";
  // No network for the go tool: the peer uses the standard library only.
  const goEnv = { ...process.env, GOPROXY: "off", GOFLAGS: "", GOTOOLCHAIN: "local" };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sockit-go-"));
    writeFileSync(path.join(dir, "peer.go"), GO_PEER);
    bin = path.join(dir, "peer");
    // Built once with the go tool (what `go run` does, without relinking per test).
    const build = new ProcPeer("go", ["build", "-o", bin, path.join(dir, "peer.go")], goEnv);
    const code = await within(build.closed, 120_000, "go build of the Go peer");
    assert.equal(code, 0, `go build failed: ${build.stderr}`);
  });

  after(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  const cases: { title: string; network: "tcp" | "unix"; local: () => string }[] = [
    { title: "tcp", network: "tcp", local: () => "127.0.0.1:0" },
    { title: "unix @abstract", network: "unix", local: abstractName },
  ];

  for (const k of cases) {
    it(`Go client -> sockit ${k.title} listener`, async () => {
      const ln = await listen(k.network, k.local());
      const addr = ln.addr().toString();
      const accepted = acceptOne(ln);
      const go = new ProcPeer(bin, ["client", k.network, addr]);
      try {
        // Go dials "@name" with the exact 2 + len address: the connect proves sockit bound that.
        const s = await accepted;
        const got = await within(sockitServer(s), LIMIT, "exchange");
        const lines = await go.finish("Go client");
        assert.equal(lines[0], addr, "Go's RemoteAddr is sockit's listener address");
        assert.equal(lines[1], `${sha(got)} ${BIG}`, "sockit received Go's payload byte for byte");
      } finally {
        await ln[Symbol.asyncDispose]();
        if (go.proc.exitCode === null) go.proc.kill();
        await go.closed;
      }
    });

    it(`sockit client -> Go ${k.title} server`, async () => {
      const local = k.local();
      const go = new ProcPeer(bin, ["server", k.network, local]);
      try {
        const target = await within(go.ready, LIMIT, `Go listener (stderr: ${go.stderr})`);
        if (k.network === "unix") assert.equal(target, local);
        const payload = randomBytes(BIG);
        const c = stream(await within(dial(k.network, target), LIMIT, "dial"));
        assert.equal(c.remoteAddr()?.toString(), target);
        const laddr = c.localAddr()!.toString();
        await within(sockitClient(c, payload), LIMIT, "exchange");
        const lines = await go.finish("Go server");
        assert.equal(lines[1], laddr, "Go's RemoteAddr of the accepted conn is sockit's local address");
        assert.equal(lines[2], `${sha(payload)} ${BIG}`, "Go received the payload byte for byte");
      } finally {
        if (go.proc.exitCode === null) go.proc.kill();
        await go.closed;
      }
    });
  }
});
