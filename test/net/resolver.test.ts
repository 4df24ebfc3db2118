/**
 * Resolver (issue 10 §2): every lookup against a DNS server this test runs on 127.0.0.1
 * (dns_server.ts, built on dns-packet), answer by answer and error by error, and the same
 * lookups made by Go 1.19's resolver (PreferGo, dialing the same server) compared line by line.
 * No query leaves the machine: the test's resolvers are given only the test's server.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DNSError, MalformedRecordsError, Resolver, UnknownNetworkError, listen } from "../../src/index.js";
import { Dialer } from "../../src/net/dial.js";
import { parseResolvConf, nameList } from "../../src/net/dnsconfig.js";
import { parseHosts } from "../../src/net/hosts.js";
import { reverseAddr, sortMX, sortSRV } from "../../src/net/resolver.js";
import { sortByRFC6724WithSrcs } from "../../src/net/addrselect.js";
import { IPAddr } from "../../src/net/addr.js";
import { parseIP } from "../../src/net/ipparse.js";
import { DNSServer, type ZoneRecord } from "./dns_server.js";
import { buildGo, haveGo } from "./gointerop_peer.js";
import { guardFdLeaks } from "../helpers.js";

const zone: Record<string, ZoneRecord[]> = {
  "a.test": [{ type: "CNAME", data: "b.test" }],
  "b.test": [{ type: "CNAME", data: "c.test" }],
  "c.test": [
    { type: "A", data: "127.0.0.1" },
    { type: "AAAA", data: "::1" },
    { type: "TXT", data: ["one ", "record"] },
    { type: "TXT", data: ["another"] },
  ],
  "plain.test": [{ type: "A", data: "127.0.0.2" }],
  "late.test": [{ type: "A", data: "127.0.0.3" }, { type: "TXT", data: ["late"] }],
  "v6.test": [{ type: "AAAA", data: "::1" }],
  "txtonly.test": [{ type: "TXT", data: ["hello"] }],
  "_http._tcp.srv.test": [
    { type: "SRV", data: { priority: 20, weight: 5, port: 80, target: "c.test" } },
    { type: "SRV", data: { priority: 10, weight: 1, port: 81, target: "plain.test" } },
  ],
  "alias-srv.test": [{ type: "CNAME", data: "_http._tcp.srv.test" }],
  "mx.test": [
    { type: "MX", data: { preference: 10, exchange: "c.test" } },
    { type: "MX", data: { preference: 5, exchange: "plain.test" } },
  ],
  "badmx.test": [
    { type: "MX", data: { preference: 1, exchange: "bad name.test" } },
    { type: "MX", data: { preference: 2, exchange: "good.test" } },
  ],
  "ns.test": [{ type: "NS", data: "ns1.test" }, { type: "NS", data: "ns2.test" }],
  "2.0.0.127.in-addr.arpa": [{ type: "PTR", data: "plain.test" }],
};
const misbehave = {
  "fail.test": { rcode: "SERVFAIL" as const },
  "refused.test": { rcode: "REFUSED" as const },
  "slow.test": { silent: true as const },
  "late.test": { delay: 150 },
};

let server: DNSServer;
let resolver: Resolver;

before(async () => {
  server = await DNSServer.start({ zone, misbehave });
  resolver = new Resolver({ servers: [server.address], timeout: 300, attempts: 1 });
});
after(() => server.close());

/** rejection gives what a lookup's failure says, with the server's address as SERVER. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return describeError(e);
  }
  assert.fail("the lookup succeeded");
}

function describeError(e: unknown): string {
  const msg = (e as Error).message.replaceAll(server.address, "SERVER");
  if (!(e instanceof DNSError)) return `error ${msg}`;
  return `error ${msg} notfound=${e.isNotFound} temporary=${e.isTemporary} timeout=${e.isTimeout}`;
}

describe("Resolver over DNS", () => {
  guardFdLeaks();

  it("gives a host's addresses in RFC 6724 order, following CNAMEs", async () => {
    assert.deepEqual(await resolver.lookupHost("a.test"), ["::1", "127.0.0.1"]);
    assert.deepEqual(await resolver.lookupHost("plain.test"), ["127.0.0.2"]);
    assert.deepEqual((await resolver.lookupIPAddr("c.test")).map(String), ["::1", "127.0.0.1"]);
    assert.deepEqual((await resolver.lookupIP("ip4", "c.test")).map(String), ["127.0.0.1"]);
    assert.deepEqual((await resolver.lookupIP("ip6", "c.test")).map(String), ["::1"]);
    assert.equal((await resolver.lookupIP("ip4", "c.test"))[0]!.length, 4, "an A record is a 4-byte IP, as Go's");
    assert.deepEqual((await resolver.lookupNetIP("ip", "v6.test")).map(String), ["::1"]);
  });

  it("reads the hosts file first, as Go's resolver does", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sockit-hosts-"));
    try {
      const file = path.join(dir, "hosts");
      writeFileSync(file, "127.0.0.5 Filed.Test alias # comment\n::1 filed.test\n127.0.0.2 plainname\n");
      const r = new Resolver({ servers: [server.address], hostsFile: file, timeout: 300, attempts: 1 });
      const before = server.queries.length;
      assert.deepEqual(await r.lookupHost("filed.test"), ["127.0.0.5", "::1"], "file order for lookupHost");
      assert.deepEqual((await r.lookupIPAddr("FILED.test")).map(String), ["::1", "127.0.0.5"], "RFC 6724 order for IPs");
      assert.deepEqual(await r.lookupAddr("127.0.0.5"), ["Filed.Test.", "alias"]);
      assert.equal(server.queries.length, before, "no query for names the file has");
      assert.deepEqual(await r.lookupAddr("127.0.0.2"), ["plainname"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives CNAME, SRV, MX, NS, TXT and PTR answers with Go's forms", async () => {
    assert.equal(await resolver.lookupCNAME("a.test"), "c.test.");
    assert.equal(await resolver.lookupCNAME("plain.test"), "plain.test.");
    assert.deepEqual(await resolver.lookupSRV("http", "tcp", "srv.test"), {
      cname: "_http._tcp.srv.test.",
      addrs: [
        { target: "plain.test.", port: 81, priority: 10, weight: 1 },
        { target: "c.test.", port: 80, priority: 20, weight: 5 },
      ],
    });
    assert.equal((await resolver.lookupSRV("", "", "alias-srv.test")).cname, "_http._tcp.srv.test.", "the canonical name");
    assert.deepEqual(await resolver.lookupMX("mx.test"), [{ host: "plain.test.", pref: 5 }, { host: "c.test.", pref: 10 }]);
    assert.deepEqual(await resolver.lookupNS("ns.test"), [{ host: "ns1.test." }, { host: "ns2.test." }]);
    assert.deepEqual(await resolver.lookupTXT("c.test"), ["one record", "another"], "a record's strings are joined");
    assert.deepEqual(await resolver.lookupAddr("127.0.0.2"), ["plain.test."]);
    assert.ok(server.queries.includes("PTR 2.0.0.127.in-addr.arpa"));
  });

  it("fails with Go's texts and flags, naming the server", async () => {
    assert.equal(await failure(resolver.lookupHost("nosuch.test")), "error lookup nosuch.test on SERVER: no such host notfound=true temporary=false timeout=false");
    assert.equal(await failure(resolver.lookupTXT("plain.test")), "error lookup plain.test on SERVER: no such host notfound=true temporary=false timeout=false", "NODATA is not found too");
    assert.equal(await failure(resolver.lookupHost("fail.test")), "error lookup fail.test on SERVER: server misbehaving notfound=false temporary=true timeout=false");
    assert.equal(await failure(resolver.lookupMX("refused.test")), "error lookup refused.test on SERVER: server misbehaving notfound=false temporary=false timeout=false");
    assert.equal(await failure(resolver.lookupHost("slow.test")), "error lookup slow.test on SERVER: i/o timeout notfound=false temporary=true timeout=true");
    assert.equal(await failure(resolver.lookupHost("bad name")), "error lookup bad name: no such host notfound=true temporary=false timeout=false", "no query for an invalid name");
    assert.equal(await failure(resolver.lookupAddr("x")), "error lookup x: unrecognized address notfound=false temporary=false timeout=false");
    assert.equal(await failure(resolver.lookupIP("tcp", "c.test")), "error unknown network tcp");
    const e = await resolver.lookupMX("badmx.test").catch((x: unknown) => x);
    assert.ok(e instanceof MalformedRecordsError, String(e));
    assert.equal(e.message, "lookup badmx.test: DNS response contained records which contain invalid names");
    assert.deepEqual(e.records, [{ host: "good.test.", pref: 2 }], "the valid records come with the error, as Go returns both");
  });

  it("waits for a late answer within the timeout, and a signal cancels at once", async () => {
    const r = new Resolver({ servers: [server.address], timeout: 2000, attempts: 1 });
    assert.deepEqual(await r.lookupTXT("late.test"), ["late"]);
    const t0 = Date.now();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    assert.equal(await failure(r.lookupMX("slow.test", { signal: ac.signal })), "error lookup slow.test: operation was canceled notfound=false temporary=false timeout=false");
    assert.ok(Date.now() - t0 < 1500, "the abort did not wait for the server's timeout");
    assert.equal(await failure(r.lookupHost("slow.test", { signal: AbortSignal.timeout(50) })), "error lookup slow.test: i/o timeout notfound=false temporary=false timeout=true");
    assert.equal(await failure(r.lookupTXT("c.test", { signal: AbortSignal.abort() })), "error lookup c.test: operation was canceled notfound=false temporary=false timeout=false");
  });

  it("tries the next server when one fails, and every round of attempts", async () => {
    const dead = await DNSServer.start({ zone: {}, misbehave: { "c.test": { rcode: "SERVFAIL" } } });
    try {
      const r = new Resolver({ servers: [dead.address, server.address], timeout: 300, attempts: 2 });
      assert.deepEqual(await r.lookupHost("c.test"), ["::1", "127.0.0.1"]);
      const only = new Resolver({ servers: [dead.address], timeout: 300, attempts: 2 });
      assert.match(await failure(only.lookupTXT("c.test")), /server misbehaving/);
      assert.equal(dead.queries.filter((q) => q === "TXT c.test").length, 2, "two attempts");
      const nx = new Resolver({ servers: [server.address, dead.address], timeout: 300, attempts: 2 });
      const n = dead.queries.length;
      await nx.lookupMX("nosuch.test").catch(() => {});
      assert.equal(dead.queries.length, n, "a name that does not exist is final: no other server is asked");
    } finally {
      await dead.close();
    }
  });

  it("merges concurrent lookups of one name (Go's singleflight)", async () => {
    const n = server.queries.filter((q) => q === "A late.test").length;
    const r = new Resolver({ servers: [server.address], timeout: 2000, attempts: 1 });
    const ac = new AbortController();
    const quitter = r.lookupHost("late.test", { signal: ac.signal });
    const all = Promise.all([r.lookupHost("late.test"), r.lookupIPAddr("late.test"), r.lookupHost("late.test")]);
    ac.abort();
    assert.match(await failure(quitter), /lookup late.test: operation was canceled/);
    const [a, b, c] = await all;
    assert.deepEqual([a, b.map(String), c], [["127.0.0.3"], ["127.0.0.3"], ["127.0.0.3"]], "one caller's abort leaves the others' lookup running");
    assert.equal(server.queries.filter((q) => q === "A late.test").length, n + 1, "one A query for four lookups");
    // The last caller to give up cancels the shared query: its socket closes at once.
    const lone = new AbortController();
    const p = r.lookupHost("slow.test", { signal: lone.signal });
    setTimeout(() => lone.abort(), 30);
    const t0 = Date.now();
    assert.match(await failure(p), /operation was canceled/);
    const again = await r.lookupHost("late.test");
    assert.deepEqual(again, ["127.0.0.3"]);
    assert.ok(Date.now() - t0 < 1500, "no wait for the abandoned query");
  });

  it("dials through a Dialer's resolver", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const port = (ln.addr() as { port: number }).port;
    const accepted = ln.accept();
    const d = new Dialer({ resolver });
    await using c = await d.dial("tcp4", `c.test:${port}`);
    await using s = await accepted;
    assert.equal(c.remoteAddr()!.toString(), `127.0.0.1:${port}`);
    assert.equal(s.remoteAddr()!.toString(), c.localAddr()!.toString());
    // "tcp" gets ::1 first (RFC 6724), which refuses, then 127.0.0.1, which answers.
    const accepted2 = ln.accept();
    await using c2 = await d.dial("tcp", `a.test:${port}`);
    await (await accepted2).close();
    assert.equal(c2.remoteAddr()!.toString(), `127.0.0.1:${port}`);
    await assert.rejects(d.dial("tcp", `nosuch.test:${port}`), {
      message: `dial tcp: lookup nosuch.test on ${server.address}: no such host`,
    });
    assert.throws(() => new Dialer({ resolver: {} as never }), { code: "ERR_INVALID_ARG_TYPE" });
  });

  it("refuses bad options with typed errors", () => {
    assert.throws(() => new Resolver({ servers: ["not an ip"] }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => new Resolver({ servers: [] }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => new Resolver({ servers: ["127.0.0.1:99999"] }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => new Resolver({ timeout: 0 }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => new Resolver({ attempts: 1.5 }), { code: "ERR_INVALID_ARG_TYPE" });
    assert.equal(new Resolver({ servers: ["::1"] }).preferGo, true, "servers imply Go's resolver");
    assert.ok(new UnknownNetworkError("x") instanceof Error);
  });
});

describe("Resolver building blocks", () => {
  it("reads resolv.conf as Go does", () => {
    const c = parseResolvConf("nameserver 10.0.0.1\nnameserver ::1\nnameserver bogus\nsearch a.example b.example.\noptions ndots:3 timeout:0 attempts:9 rotate\n; c\n");
    assert.deepEqual(c, { servers: ["10.0.0.1:53", "[::1]:53"], search: ["a.example.", "b.example."], ndots: 3, timeout: 1000, attempts: 9, rotate: true });
    const none = parseResolvConf(null);
    assert.deepEqual(none.servers, ["127.0.0.1:53", "[::1]:53"]);
    assert.equal(none.timeout, 5000);
    assert.equal(none.attempts, 2);
    assert.deepEqual(parseResolvConf("domain x.example\noptions ndots:99").search, ["x.example."]);
    assert.equal(parseResolvConf("options ndots:99").ndots, 15);
  });

  it("builds the search list as Go's nameList", () => {
    const conf = { ...parseResolvConf("search foo.example. bar.example.\noptions ndots:2"), servers: [] };
    assert.deepEqual(nameList(conf, "host"), ["host.foo.example.", "host.bar.example.", "host."]);
    assert.deepEqual(nameList(conf, "a.b.c"), ["a.b.c.", "a.b.c.foo.example.", "a.b.c.bar.example."]);
    assert.deepEqual(nameList(conf, "rooted."), ["rooted."]);
    assert.deepEqual(nameList(conf, "x.onion"), [], "RFC 7686: .onion never goes to DNS");
    assert.deepEqual(nameList(conf, ""), []);
  });

  it("parses the hosts file as Go's hosts.go", () => {
    const h = parseHosts("127.0.0.1 localhost Loc.Example # x\n::1%lo six\nbad 1.2.3.4\n# 9.9.9.9 gone\n1.2.3.4\n");
    assert.deepEqual(h.byName.get("localhost"), ["127.0.0.1"]);
    assert.deepEqual(h.byName.get("loc.example."), ["127.0.0.1"]);
    assert.deepEqual(h.byName.get("six"), ["::1%lo"]);
    assert.deepEqual(h.byAddr.get("127.0.0.1"), ["localhost", "Loc.Example."]);
    assert.equal(h.byName.size, 3);
  });

  it("orders SRV by priority then weight (RFC 2782) and MX by preference", () => {
    for (let i = 0; i < 20; i++) {
      const srvs = sortSRV([
        { target: "z.", port: 1, priority: 2, weight: 0 },
        { target: "light.", port: 1, priority: 1, weight: 0 },
        { target: "heavy.", port: 1, priority: 1, weight: 100 },
      ]);
      assert.deepEqual(srvs.map((s) => s.target), ["heavy.", "light.", "z."], "a zero weight never goes before a positive one");
    }
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      seen.add(sortSRV([{ target: "a.", port: 1, priority: 1, weight: 50 }, { target: "b.", port: 1, priority: 1, weight: 50 }])[0]!.target);
    }
    assert.deepEqual([...seen].sort(), ["a.", "b."], "equal weights share first place at random");
    assert.deepEqual(sortMX([{ host: "b.", pref: 20 }, { host: "a.", pref: 10 }]).map((m) => m.pref), [10, 20]);
  });

  it("names addresses for PTR as Go's reverseaddr", () => {
    assert.equal(reverseAddr("127.0.0.2"), "2.0.0.127.in-addr.arpa.");
    assert.equal(reverseAddr("::1"), "1.0." + "0.".repeat(30) + "ip6.arpa.");
    assert.throws(() => reverseAddr("nope"), { message: "lookup nope: unrecognized address" });
  });

  it("sorts by RFC 6724 as Go's addrselect_test cases", () => {
    const ip = (s: string) => parseIP(s);
    const cases: [string[], (string | null)[], string[]][] = [
      // Rule 1: an unreachable destination goes last.
      [["2001:db8:1::1", "198.51.100.121"], [null, "198.51.100.117"], ["198.51.100.121", "2001:db8:1::1"]],
      // Rule 6: higher precedence (native IPv6 over IPv4).
      [["198.51.100.121", "2001:db8:1::1"], ["198.51.100.117", "2001:db8:1::2"], ["2001:db8:1::1", "198.51.100.121"]],
      // Rule 2: matching scope.
      [["2001:db8:1::1", "fe80::1"], ["fe80::2", "fe80::2"], ["fe80::1", "2001:db8:1::1"]],
      // Loopback: ::1 has the highest precedence.
      [["127.0.0.1", "::1"], ["127.0.0.1", "::1"], ["::1", "127.0.0.1"]],
      // Rule 9: longest matching prefix among IPv6.
      [["2001:db8:2::1", "2001:db8:1::1"], ["2001:db8:1::2", "2001:db8:1::2"], ["2001:db8:1::1", "2001:db8:2::1"]],
    ];
    for (const [dsts, srcs, want] of cases) {
      const addrs = dsts.map((d) => new IPAddr({ ip: ip(d) }));
      sortByRFC6724WithSrcs(addrs, srcs.map((s) => (s === null ? null : ip(s))));
      assert.deepEqual(addrs.map(String), want, dsts.join(" "));
    }
  });
});

/** The lookups the Go comparison makes, as [method, ...args]. */
const goCases: string[][] = [
  ["LookupHost", "a.test"], ["LookupHost", "plain.test"], ["LookupHost", "localhost"], ["LookupHost", "nosuch.test"],
  ["LookupHost", "fail.test"], ["LookupHost", "refused.test"], ["LookupHost", ""], ["LookupHost", "127.0.0.1"],
  ["LookupHost", "bad name"], ["LookupHost", "txtonly.test"],
  ["LookupIPAddr", "c.test"], ["LookupIPAddr", "localhost"],
  ["LookupIP", "ip4", "c.test"], ["LookupIP", "ip6", "c.test"], ["LookupIP", "ip6", "plain.test"], ["LookupIP", "tcp", "c.test"],
  ["LookupIP", "ip4:icmp", "c.test"], ["LookupIP", "ip6", "localhost"], ["LookupIP", "ip", "::1"],
  ["LookupNetIP", "ip", "c.test"], ["LookupNetIP", "ip", "localhost"], ["LookupNetIP", "ip4", "127.0.0.1"],
  ["LookupCNAME", "a.test"], ["LookupCNAME", "plain.test"], ["LookupCNAME", "txtonly.test"], ["LookupCNAME", "nosuch.test"],
  ["LookupSRV", "http", "tcp", "srv.test"], ["LookupSRV", "", "", "_http._tcp.srv.test"], ["LookupSRV", "", "", "alias-srv.test"],
  ["LookupSRV", "nope", "tcp", "srv.test"],
  ["LookupMX", "mx.test"], ["LookupMX", "plain.test"], ["LookupMX", "badmx.test"], ["LookupMX", "fail.test"],
  ["LookupNS", "ns.test"], ["LookupNS", "nosuch.test"],
  ["LookupTXT", "c.test"], ["LookupTXT", "a.test"], ["LookupTXT", "txtonly.test"], ["LookupTXT", "plain.test"],
  ["LookupAddr", "127.0.0.2"], ["LookupAddr", "127.0.0.1"], ["LookupAddr", "127.0.0.9"], ["LookupAddr", "x"], ["LookupAddr", "::1"],
];

/** sockitAnswer makes one case's lookup and gives the line the Go program prints for it. */
async function sockitAnswer(r: Resolver, [op, ...a]: string[]): Promise<string> {
  const head = `${op}(${a.map((s) => JSON.stringify(s)).join(", ")}): `;
  try {
    let out: unknown;
    switch (op) {
      case "LookupHost": out = await r.lookupHost(a[0]!); break;
      case "LookupIPAddr": out = (await r.lookupIPAddr(a[0]!)).map(String); break;
      case "LookupIP": out = (await r.lookupIP(a[0]!, a[1]!)).map(String); break;
      case "LookupNetIP": out = (await r.lookupNetIP(a[0]!, a[1]!)).map(String); break;
      case "LookupCNAME": out = await r.lookupCNAME(a[0]!); break;
      case "LookupSRV": {
        const { cname, addrs } = await r.lookupSRV(a[0]!, a[1]!, a[2]!);
        out = [cname, ...addrs.map((s) => `${s.target} ${s.port} ${s.priority} ${s.weight}`)];
        break;
      }
      case "LookupMX": out = (await r.lookupMX(a[0]!)).map((m) => `${m.host} ${m.pref}`); break;
      case "LookupNS": out = (await r.lookupNS(a[0]!)).map((n) => n.host); break;
      case "LookupTXT": out = await r.lookupTXT(a[0]!); break;
      case "LookupAddr": out = await r.lookupAddr(a[0]!); break;
    }
    return head + JSON.stringify(out);
  } catch (e) {
    const partial = e instanceof MalformedRecordsError ? ` partial=${e.records.length}` : "";
    return head + describeError(e) + partial;
  }
}

const goProgram = (cases: string[][]) => `package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	server := os.Args[1]
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", server)
	}}
	var cases [][]string
	if err := json.Unmarshal([]byte(${JSON.stringify(JSON.stringify(cases))}), &cases); err != nil {
		panic(err)
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		op, a := c[0], c[1:]
		var out interface{}
		var err error
		partial := -1
		switch op {
		case "LookupHost":
			out, err = r.LookupHost(ctx, a[0])
		case "LookupIPAddr":
			var v []net.IPAddr
			v, err = r.LookupIPAddr(ctx, a[0])
			s := []string{}
			for _, x := range v { s = append(s, x.String()) }
			out = s
		case "LookupIP":
			var v []net.IP
			v, err = r.LookupIP(ctx, a[0], a[1])
			s := []string{}
			for _, x := range v { s = append(s, x.String()) }
			out = s
		case "LookupNetIP":
			v, e := r.LookupNetIP(ctx, a[0], a[1])
			err = e
			s := []string{}
			for _, x := range v { s = append(s, x.String()) }
			out = s
		case "LookupCNAME":
			out, err = r.LookupCNAME(ctx, a[0])
		case "LookupSRV":
			cname, v, e := r.LookupSRV(ctx, a[0], a[1], a[2])
			err = e
			s := []string{cname}
			for _, x := range v { s = append(s, fmt.Sprintf("%s %d %d %d", x.Target, x.Port, x.Priority, x.Weight)) }
			out = s
			partial = len(v)
		case "LookupMX":
			v, e := r.LookupMX(ctx, a[0])
			err = e
			s := []string{}
			for _, x := range v { s = append(s, fmt.Sprintf("%s %d", x.Host, x.Pref)) }
			out = s
			partial = len(v)
		case "LookupNS":
			v, e := r.LookupNS(ctx, a[0])
			err = e
			s := []string{}
			for _, x := range v { s = append(s, x.Host) }
			out = s
			partial = len(v)
		case "LookupTXT":
			out, err = r.LookupTXT(ctx, a[0])
		case "LookupAddr":
			v, e := r.LookupAddr(ctx, a[0])
			err = e
			out = v
			partial = len(v)
		}
		cancel()
		args := []string{}
		for _, x := range a {
			b, _ := json.Marshal(x)
			args = append(args, string(b))
		}
		head := op + "(" + strings.Join(args, ", ") + "): "
		if err != nil {
			msg := err.Error()
			var de *net.DNSError
			if errors.As(err, &de) {
				if de.Server != "" {
					msg = strings.ReplaceAll(msg, " on "+de.Server+":", " on SERVER:")
				}
				msg = fmt.Sprintf("%s notfound=%v temporary=%v timeout=%v", msg, de.IsNotFound, de.IsTemporary, de.IsTimeout)
				if strings.Contains(de.Err, "invalid names") {
					msg += fmt.Sprintf(" partial=%d", partial)
				}
			}
			fmt.Println(head + "error " + msg)
			continue
		}
		b, _ := json.Marshal(out)
		fmt.Println(head + string(b))
	}
}
`;

describe("Resolver against Go 1.19", () => {
  it("answers every case as Go's resolver does, line by line", async (t) => {
    if (!haveGo()) return t.skip("the go tool is not installed");
    const prog = await buildGo(goProgram(goCases), 120_000);
    try {
      const { stdout } = await promisify(execFile)(prog.bin, [server.address], { timeout: 60_000 });
      const go = stdout.trim().split("\n");
      const r = new Resolver({ servers: [server.address], timeout: 1000, attempts: 2 });
      const mine: string[] = [];
      for (const c of goCases) mine.push(await sockitAnswer(r, c));
      assert.equal(go.length, goCases.length, "Go answered every case");
      for (let i = 0; i < goCases.length; i++) assert.equal(mine[i], go[i], `case ${i + 1}`);
    } finally {
      prog.remove();
    }
  });
});
