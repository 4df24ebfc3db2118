/**
 * The control hook of Dialer and ListenConfig (issue 10 §3, Go's `Control`): called after
 * socket(2), before bind(2) and connect(2), with the concrete network, the address being
 * dialed (or listened on) and a RawConn on the socket. Checked here: the values it is told on
 * every network, line for line against Go 1.19 where `go` is installed; options set in it take
 * effect (SO_REUSEPORT, SO_RCVBUF, IP_TTL); a throw (or a rejection) aborts with Go's OpError
 * and closes the socket; each address of a multi-address dial gets its own call, Happy
 * Eyeballs races included.
 */
import { afterEach, before, after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LookupAddress } from "node:dns";
import { Dialer, ListenConfig, listen, listenPacket, dial, OpError, TCPAddr, TCPConn, UDPConn, parseIP, type RawConn } from "../../src/index.js";
import type { ControlFunc } from "../../src/net/dial.js";
import { lookupHooks } from "../../src/net/lookup.js";
import { binding } from "../../src/sys/binding.js";
import { C } from "../../src/sys/constants.js";
import { guardFdLeaks, hasIPv6, openFds, testUnixAddr, within, rawIPSkip } from "../helpers.js";
import { buildGo, haveGo, type GoProgram } from "./gointerop_peer.js";

guardFdLeaks();

const LIMIT = 10_000;
const v6 = await hasIPv6();
const noV6 = v6 ? false : "skipped: ::1 cannot be bound here (no IPv6 loopback)";
const linux = process.platform === "linux";

const noRaw = await rawIPSkip();

/** A control hook that records "network address" for each call. */
function recorder(): { calls: string[]; control: ControlFunc } {
  const calls: string[] = [];
  return { calls, control: (network, address) => void calls.push(`${network} ${address}`) };
}

/** getInt reads an int socket option through a RawConn. */
function getInt(rc: RawConn, level: number, name: number): number {
  const out = new Int32Array(1);
  rc.control((fd) => assert.equal(binding.getsockoptInt(fd, level, name, out), 0, "getsockopt"));
  return out[0]!;
}

/** setInt is a control hook body that sets an int socket option, throwing on failure. */
function setInt(rc: RawConn, level: number, name: number, value: number): void {
  rc.control((fd) => {
    const r = binding.setsockoptInt(fd, level, name, value);
    if (r < 0) throw new Error(`setsockopt: ${r}`);
  });
}

const errNo = () => new Error("control says no");

/**
 * One control case, run the same way by sockit and the Go program: an operation, a network,
 * an address ("$DIR" stands for a private temp dir) and whether the hook fails.
 */
interface Case {
  op: "listen" | "listenPacket" | "dial";
  net: string;
  addr: string;
  fail: boolean;
  /** For dials: the hook's network, as Go's ctrlNetwork gives it. */
  ctrl?: string;
}

/**
 * Runs `c` with sockit; the line is the hook's calls ("network\taddress", ";"-separated), then
 * "ok" or the error's text, with `dir` written back as "$DIR".
 */
async function runCase(c: Case, dir: string): Promise<string> {
  const calls: string[] = [];
  const control: ControlFunc = (network, address) => {
    calls.push(`${network}\t${address}`);
    if (c.fail) throw errNo();
  };
  const addr = c.addr.replaceAll("$DIR", dir);
  let res = "ok";
  try {
    const o =
      c.op === "dial"
        ? await new Dialer({ control }).dial(c.net, addr)
        : c.op === "listen"
          ? await new ListenConfig({ control }).listen(c.net, addr)
          : await new ListenConfig({ control }).listenPacket(c.net, addr);
    await o.close();
  } catch (err) {
    res = (err as Error).message;
  }
  return `${calls.join(";")}\t${res}`.replaceAll(dir, "$DIR");
}

/** The Go 1.19 side of {@link runCase}: reads the cases as JSON, prints one line per case. */
const GO_CONTROL = String.raw`package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

type testCase struct {
	Op   string
	Net  string
	Addr string
	Fail bool
}

func main() {
	dir := os.Args[1]
	var cases []testCase
	b, _ := io.ReadAll(os.Stdin)
	if err := json.Unmarshal(b, &cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	for _, c := range cases {
		var calls []string
		control := func(network, address string, _ syscall.RawConn) error {
			calls = append(calls, network+"\t"+address)
			if c.Fail {
				return errors.New("control says no")
			}
			return nil
		}
		addr := strings.ReplaceAll(c.Addr, "$DIR", dir)
		var closer io.Closer
		var err error
		switch c.Op {
		case "dial":
			closer, err = (&net.Dialer{Control: control}).Dial(c.Net, addr)
		case "listen":
			closer, err = (&net.ListenConfig{Control: control}).Listen(ctx, c.Net, addr)
		default:
			closer, err = (&net.ListenConfig{Control: control}).ListenPacket(ctx, c.Net, addr)
		}
		res := "ok"
		if err != nil {
			res = err.Error()
		} else {
			closer.Close()
		}
		fmt.Println(strings.ReplaceAll(strings.Join(calls, ";")+"\t"+res, dir, "$DIR"))
	}
}
`;

/**
 * Servers the dial cases reach: tcp on 127.0.0.1 and ::1, and unix ones in a fresh directory
 * under `dir`; with the dial cases that reach them.
 */
async function servers(dir: string): Promise<{ cases: Case[]; close(): Promise<void> }> {
  const owned: { close(): Promise<void> }[] = [];
  const close = async () => void (await Promise.all(owned.map((o) => o.close())));
  try {
    return { cases: await serve(mkdtempSync(path.join(dir, "srv-")), owned), close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function serve(dir: string, owned: { close(): Promise<void> }[]): Promise<Case[]> {
  const tcp4 = await listen("tcp4", "127.0.0.1:0");
  owned.push(tcp4);
  const p4 = tcp4.addr().port;
  const cases: Case[] = [];
  const dialCase = (net: string, addr: string, ctrl: string, fail = false) => cases.push({ op: "dial", net, addr, fail, ctrl });
  dialCase("tcp", `127.0.0.1:${p4}`, "tcp4");
  dialCase("tcp4", `127.0.0.1:${p4}`, "tcp4");
  dialCase("tcp", `127.0.0.1:${p4}`, "tcp4", true);
  dialCase("udp", "127.0.0.1:9", "udp4");
  dialCase("udp4", "127.0.0.1:9", "udp4", true);
  if (v6) {
    const tcp6 = await listen("tcp6", "[::1]:0");
    owned.push(tcp6);
    dialCase("tcp", `[::1]:${tcp6.addr().port}`, "tcp6");
    dialCase("tcp6", `[::1]:${tcp6.addr().port}`, "tcp6");
    dialCase("udp6", "[::1]:9", "udp6");
  }
  owned.push(await listen("unix", path.join(dir, "srv")));
  owned.push(await listen("unixpacket", path.join(dir, "psrv")));
  owned.push(await listenPacket("unixgram", path.join(dir, "gsrv")));
  dialCase("unix", "$SRV/srv", "unix");
  dialCase("unixpacket", "$SRV/psrv", "unixpacket");
  dialCase("unixgram", "$SRV/gsrv", "unixgram");
  dialCase("unix", "$SRV/srv", "unix", true);
  dialCase("unix", "$DIR/nosuch", "unix", true);
  if (!noRaw) {
    dialCase("ip4:icmp", "127.0.0.1", "ip4");
    dialCase("ip:icmp", "127.0.0.1", "ip4");
    dialCase("ip4:1", "127.0.0.1", "ip4", true);
    if (v6) dialCase("ip:ipv6-icmp", "::1", "ip6");
  }
  for (const c of cases) c.addr = c.addr.replace("$SRV", dir);
  return cases;
}

/** The listen cases: wildcards, loopback, multicast, unix paths and autobind. */
function listenCases(): Case[] {
  const cases: Case[] = [];
  const add = (op: "listen" | "listenPacket", net: string, addr: string, fail = false) => cases.push({ op, net, addr, fail });
  for (const a of ["127.0.0.1:0", ":0", "0.0.0.0:0", "[::]:0", ""]) add("listen", "tcp", a);
  add("listen", "tcp4", ":0");
  add("listen", "tcp", "127.0.0.1:0", true);
  add("listen", "tcp", ":0", true);
  for (const a of ["127.0.0.1:0", ":0", "239.1.2.3:0"]) add("listenPacket", "udp", a);
  add("listenPacket", "udp4", ":0");
  add("listenPacket", "udp", "127.0.0.1:0", true);
  if (v6) {
    add("listen", "tcp6", "[::1]:0");
    add("listenPacket", "udp6", "[::1]:0");
    add("listenPacket", "udp6", "[ff02::1%lo]:0");
  }
  add("listen", "unix", "$DIR/s");
  add("listen", "unixpacket", "$DIR/p");
  add("listen", "unix", "$DIR/x", true);
  add("listenPacket", "unixgram", "$DIR/g");
  add("listenPacket", "unixgram", "$DIR/y", true);
  add("listenPacket", "unix", "$DIR/pu");
  // Too long for sockaddr_un: bind refuses it, after the hook, as in Go.
  add("listen", "unix", `$DIR/${"l".repeat(110)}`);
  add("listenPacket", "unixgram", `$DIR/${"g".repeat(110)}`);
  if (linux) {
    add("listen", "unix", "");
    add("listenPacket", "unixgram", "");
  }
  if (!noRaw) {
    add("listenPacket", "ip4:icmp", "127.0.0.1");
    add("listenPacket", "ip:icmp", "127.0.0.1");
    add("listenPacket", "ip4:icmp", "");
    add("listenPacket", "ip4:icmp", "127.0.0.1", true);
    if (v6) add("listenPacket", "ip6:ipv6-icmp", "::1");
  }
  return cases;
}

/**
 * What Go 1.19 prints for these cases on Linux, where IPv4 maps into IPv6 (so a wildcard tcp or
 * udp listener is an IPv6 socket). The Go test below checks the same lines against Go itself.
 */
const expectedListens: Record<string, string> = {
  "listen tcp 127.0.0.1:0": "tcp4\t127.0.0.1:0\tok",
  "listen tcp :0": "tcp6\t:0\tok",
  "listen tcp 0.0.0.0:0": "tcp6\t0.0.0.0:0\tok",
  "listen tcp [::]:0": "tcp6\t0.0.0.0:0\tok",
  "listen tcp ": "tcp6\t:0\tok",
  "listen tcp4 :0": "tcp4\t:0\tok",
  "listen tcp 127.0.0.1:0 fail": "tcp4\t127.0.0.1:0\tlisten tcp 127.0.0.1:0: control says no",
  "listen tcp :0 fail": "tcp6\t:0\tlisten tcp :0: control says no",
  "listenPacket udp 127.0.0.1:0": "udp4\t127.0.0.1:0\tok",
  "listenPacket udp :0": "udp6\t:0\tok",
  "listenPacket udp 239.1.2.3:0": "udp4\t0.0.0.0:0\tok",
  "listenPacket udp4 :0": "udp4\t:0\tok",
  "listenPacket udp 127.0.0.1:0 fail": "udp4\t127.0.0.1:0\tlisten udp 127.0.0.1:0: control says no",
  "listen tcp6 [::1]:0": "tcp6\t[::1]:0\tok",
  "listenPacket udp6 [::1]:0": "udp6\t[::1]:0\tok",
  "listenPacket udp6 [ff02::1%lo]:0": "udp6\t[::%lo]:0\tok",
  "listen unix $DIR/s": "unix\t$DIR/s\tok",
  "listen unixpacket $DIR/p": "unixpacket\t$DIR/p\tok",
  "listen unix $DIR/x fail": "unix\t$DIR/x\tlisten unix $DIR/x: control says no",
  "listenPacket unixgram $DIR/g": "unixgram\t$DIR/g\tok",
  "listenPacket unixgram $DIR/y fail": "unixgram\t$DIR/y\tlisten unixgram $DIR/y: control says no",
  "listenPacket unix $DIR/pu": "unix\t$DIR/pu\tok",
  [`listen unix $DIR/${"l".repeat(110)}`]: `unix\t$DIR/${"l".repeat(110)}\tlisten unix $DIR/${"l".repeat(110)}: bind: invalid argument`,
  [`listenPacket unixgram $DIR/${"g".repeat(110)}`]: `unixgram\t$DIR/${"g".repeat(110)}\tlisten unixgram $DIR/${"g".repeat(110)}: bind: invalid argument`,
  "listen unix ": "unix\t\tok",
  "listenPacket unixgram ": "unixgram\t\tok",
  "listenPacket ip4:icmp 127.0.0.1": "ip4\t127.0.0.1\tok",
  "listenPacket ip:icmp 127.0.0.1": "ip4\t127.0.0.1\tok",
  "listenPacket ip4:icmp ": "ip4\t\tok",
  "listenPacket ip4:icmp 127.0.0.1 fail": "ip4\t127.0.0.1\tlisten ip4:icmp 127.0.0.1: control says no",
  "listenPacket ip6:ipv6-icmp ::1": "ip6\t::1\tok",
};

const caseKey = (c: Case) => `${c.op} ${c.net} ${c.addr}${c.fail ? " fail" : ""}`;

describe("control: the network and address it is told", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "sockit-ctl-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("listen and listenPacket: the concrete network and the local address as resolved", async () => {
    for (const c of listenCases()) {
      const want = expectedListens[caseKey(c)];
      assert.ok(want !== undefined, `no expectation for ${caseKey(c)}`);
      assert.equal(await runCase(c, dir), want, caseKey(c));
    }
    assert.ok(!existsSync(path.join(dir, "x")), "a listen the hook refused leaves no socket file");
  });

  it("dial: the concrete network and the remote address, once per dial", async () => {
    const srv = await servers(dir);
    try {
      for (const c of srv.cases) {
        const addr = c.addr.replaceAll(dir, "$DIR");
        const res = c.fail ? `dial ${c.net} ${addr}: control says no` : "ok";
        assert.equal(await runCase(c, dir), `${c.ctrl}\t${addr}\t${res}`, caseKey(c));
      }
    } finally {
      await srv.close();
    }
  });

  describe("against Go 1.19", { skip: haveGo() ? false : "skipped: `go` is not on PATH" }, () => {
    let prog: GoProgram | null = null;
    before(async () => {
      prog = await buildGo(GO_CONTROL, 60_000);
    });
    after(() => prog?.remove());

    it("every case gives Go's line: the hook's network and address, and the error text", async () => {
      const srv = await servers(dir);
      try {
        const cases = [...listenCases(), ...srv.cases];
        const goDir = mkdtempSync(path.join(tmpdir(), "sockit-ctl-go-"));
        let out: string[];
        try {
          const r = spawnSync(prog!.bin, [goDir], { input: JSON.stringify(cases.map((c) => ({ Op: c.op, Net: c.net, Addr: c.addr, Fail: c.fail }))), encoding: "utf8", timeout: LIMIT });
          assert.equal(r.status, 0, `the Go program failed: ${r.stderr}`);
          out = r.stdout.trimEnd().split("\n").map((l) => l.replaceAll(goDir, "$DIR"));
        } finally {
          rmSync(goDir, { recursive: true, force: true });
        }
        const ours: string[] = [];
        const ourDir = mkdtempSync(path.join(tmpdir(), "sockit-ctl-ts-"));
        try {
          for (const c of cases) ours.push((await runCase(c, ourDir)).replaceAll(dir, "$DIR"));
        } finally {
          rmSync(ourDir, { recursive: true, force: true });
        }
        assert.equal(out.length, cases.length);
        for (let i = 0; i < cases.length; i++) assert.equal(ours[i], out[i]!.replaceAll(dir, "$DIR"), caseKey(cases[i]!));
      } finally {
        await srv.close();
      }
    });
  });
});

describe("control: options it sets take effect", () => {
  it("SO_REUSEPORT set in the hook lets two tcp listeners bind one port", async () => {
    const control: ControlFunc = (_n, _a, c) => setInt(c, C.SOL_SOCKET!, C.SO_REUSEPORT!, 1);
    const lc = new ListenConfig({ control });
    await using a = await lc.listen("tcp", "127.0.0.1:0");
    const port = a.addr().port;
    await using b = await lc.listen("tcp", `127.0.0.1:${port}`);
    assert.equal(b.addr().port, port);
    assert.equal(getInt(b.syscallConn(), C.SOL_SOCKET!, C.SO_REUSEPORT!), 1);
    // Without the option the port is taken, as the kernel says.
    await assert.rejects(listen("tcp", `127.0.0.1:${port}`), { message: `listen tcp 127.0.0.1:${port}: bind: address already in use` });
  });

  it("SO_RCVBUF set before connect is what the conn reads back (Linux doubles it)", async () => {
    const want = 8192;
    const control: ControlFunc = (_n, _a, c) => setInt(c, C.SOL_SOCKET!, C.SO_RCVBUF!, want);
    await using ln = await new ListenConfig({ control }).listen("tcp", "127.0.0.1:0");
    const accepted = ln.accept();
    await using c = (await new Dialer({ control }).dial("tcp", ln.addr().toString())) as TCPConn;
    await using s = await accepted;
    const factor = linux ? 2 : 1; // socket(7): the kernel doubles the value to allow for bookkeeping.
    assert.equal(getInt(c.syscallConn(), C.SOL_SOCKET!, C.SO_RCVBUF!), want * factor);
    assert.equal(getInt(ln.syscallConn(), C.SOL_SOCKET!, C.SO_RCVBUF!), want * factor);
    // An accepted socket inherits the listener's buffer size.
    assert.equal(getInt((s as TCPConn).syscallConn(), C.SOL_SOCKET!, C.SO_RCVBUF!), want * factor);
  });

  it("IP_TTL set on a udp socket is the conn's, dialed or listening", async () => {
    const control: ControlFunc = (network, _a, c) => {
      assert.equal(network, "udp4");
      setInt(c, C.IPPROTO_IP!, C.IP_TTL!, 7);
    };
    await using pc = (await new ListenConfig({ control }).listenPacket("udp", "127.0.0.1:0")) as UDPConn;
    await using c = (await new Dialer({ control }).dial("udp", pc.localAddr()!.toString())) as UDPConn;
    assert.equal(getInt(pc.syscallConn(), C.IPPROTO_IP!, C.IP_TTL!), 7);
    assert.equal(getInt(c.syscallConn(), C.IPPROTO_IP!, C.IP_TTL!), 7);
    await c.write(new Uint8Array([1, 2, 3]));
    const { n } = await within(pc.readFrom(new Uint8Array(8)), LIMIT, "the datagram");
    assert.equal(n, 3, "the conn still works");
  });

  it("the fd the hook gets is the one the conn owns, and sockit's defaults are set before it", async () => {
    let seen = -1;
    let v6only = -1;
    const control: ControlFunc = (_n, _a, c) => {
      seen = c.control((fd) => fd);
      v6only = getInt(c, C.IPPROTO_IPV6!, C.IPV6_V6ONLY!);
    };
    await using ln = await new ListenConfig({ control }).listen("tcp", ":0");
    assert.equal(seen, ln.fd());
    assert.equal(v6only, 0, "a wildcard tcp listener is dual-stack before the hook runs");
    const path = testUnixAddr();
    await using u = await new ListenConfig({ control: (_n, _a, c) => void (seen = c.control((fd) => fd)) }).listen("unix", path);
    assert.equal(seen, u.fd());
  });
});

describe("control: a failing hook aborts and closes the socket", () => {
  it("a throw: Go's OpError, with the thrown error as its err, and no fd left open", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const thrown = errNo();
    const fds = openFds();
    const err = await new Dialer({ control: () => { throw thrown; } }).dial("tcp", ln.addr().toString()).then(
      () => assert.fail("the dial succeeded"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpError);
    assert.equal(err.message, `dial tcp ${ln.addr()}: control says no`);
    assert.equal(err.op, "dial");
    assert.equal(err.net, "tcp");
    assert.equal(err.source, null);
    assert.equal(err.addr?.toString(), ln.addr().toString());
    assert.equal(err.err, thrown, "Go: the OpError's Err is the control error itself");
    assert.equal(openFds(), fds, "the socket was closed");
  });

  it("with a local address, Go's source->addr form", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const d = new Dialer({ localAddr: new TCPAddr({ ip: parseIP("127.0.0.1"), port: 0 }), control: () => { throw errNo(); } });
    await assert.rejects(d.dial("tcp", ln.addr().toString()), { message: `dial tcp 127.0.0.1:0->${ln.addr()}: control says no` });
  });

  it("a rejected promise aborts as a throw does; a resolved one lets the dial go on", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const fds = openFds();
    const late = (fail: boolean) => () => new Promise<void>((res, rej) => setTimeout(() => (fail ? rej(errNo()) : res()), 10));
    await assert.rejects(new Dialer({ control: late(true) }).dial("tcp", ln.addr().toString()), { message: `dial tcp ${ln.addr()}: control says no` });
    await assert.rejects(new ListenConfig({ control: late(true) }).listenPacket("udp", "127.0.0.1:0"), { message: "listen udp 127.0.0.1:0: control says no" });
    assert.equal(openFds(), fds);
    await using c = await new Dialer({ control: late(false) }).dial("tcp", ln.addr().toString());
    assert.equal(c.remoteAddr()?.toString(), ln.addr().toString());
  });

  it("an abort while an async hook runs cancels the dial and closes the socket", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const fds = openFds();
    const ac = new AbortController();
    const control = () => new Promise<void>((res) => setTimeout(() => (ac.abort(), res()), 10));
    await assert.rejects(dial("tcp", ln.addr().toString(), { control, signal: ac.signal }), { message: `dial tcp ${ln.addr()}: operation was canceled` });
    assert.equal(openFds(), fds);
  });

  it("a thrown non-Error becomes an Error with that text; a non-function is a TypeError", async () => {
    await assert.rejects(
      listenPacket("udp", "127.0.0.1:0", { control: () => { throw "nope"; } }),
      (e: unknown) => e instanceof OpError && e.message === "listen udp 127.0.0.1:0: nope" && e.err.cause === "nope",
    );
    assert.throws(() => new Dialer({ control: 1 as unknown as ControlFunc }), { name: "TypeError" });
    assert.throws(() => new ListenConfig({ control: "x" as unknown as ControlFunc }), { name: "TypeError" });
    assert.equal(new Dialer({ control: null }).control, null);
  });
});

describe("control: once per address tried", () => {
  const name = "ctl.sockit.test";
  const realSystem = lookupHooks.system;
  afterEach(() => {
    lookupHooks.system = realSystem;
  });
  const resolvesTo = (...order: string[]) => {
    lookupHooks.system = async (host, family): Promise<LookupAddress[]> => {
      assert.equal(host, name);
      const fam = (a: string) => (a.includes(":") ? 6 : 4);
      return order.filter((a) => family === 0 || fam(a) === family).map((address) => ({ address, family: fam(address) }));
    };
  };

  it("a serial dial calls it for each address, and a throw on one moves on to the next", async () => {
    await using ln = await listen("tcp4", "127.0.0.2:0");
    const port = ln.addr().port;
    resolvesTo("127.0.0.1", "127.0.0.2");
    const r = recorder();
    const accepted = ln.accept();
    // 127.0.0.1:port has no listener: refused, then 127.0.0.2 connects.
    await using c = await new Dialer({ control: r.control }).dial("tcp4", `${name}:${port}`);
    await (await accepted).close();
    assert.deepEqual(r.calls, [`tcp4 127.0.0.1:${port}`, `tcp4 127.0.0.2:${port}`]);
    assert.equal(c.remoteAddr()?.toString(), `127.0.0.2:${port}`);

    const calls: string[] = [];
    const refuseFirst: ControlFunc = (network, address) => {
      calls.push(`${network} ${address}`);
      if (address.startsWith("127.0.0.2")) throw errNo();
    };
    resolvesTo("127.0.0.2", "127.0.0.3");
    const fds = openFds();
    await assert.rejects(new Dialer({ control: refuseFirst }).dial("tcp", `${name}:${port}`), { message: `dial tcp 127.0.0.2:${port}: control says no` });
    assert.deepEqual(calls, [`tcp4 127.0.0.2:${port}`, `tcp4 127.0.0.3:${port}`], "the first error is the dial's, after every address was tried");
    assert.equal(openFds(), fds);
  });

  it("Go's Happy Eyeballs race: one call per address of each family", { skip: noV6 }, async () => {
    await using ln = await listen("tcp4", "127.0.0.1:0");
    const port = ln.addr().port;
    resolvesTo("::1", "127.0.0.1");
    const r = recorder();
    const accepted = ln.accept();
    await using c = await within(new Dialer({ control: r.control }).dial("tcp", `${name}:${port}`), LIMIT, "the dial");
    await (await accepted).close();
    assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${port}`);
    assert.deepEqual(r.calls, [`tcp6 [::1]:${port}`, `tcp4 127.0.0.1:${port}`]);
  });

  it("RFC 8305's staggered attempts: one call per attempt", { skip: noV6 }, async () => {
    await using ln = await listen("tcp4", "127.0.0.1:0");
    const port = ln.addr().port;
    resolvesTo("::1", "127.0.0.1");
    const r = recorder();
    const accepted = ln.accept();
    await using c = await within(new Dialer({ control: r.control, happyEyeballs: "rfc8305" }).dial("tcp", `${name}:${port}`), LIMIT, "the dial");
    await (await accepted).close();
    assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${port}`);
    assert.deepEqual(r.calls, [`tcp6 [::1]:${port}`, `tcp4 127.0.0.1:${port}`]);
  });
});
