/**
 * lookupPort, lookupProtocol, lookupHost and the internal lookupIPAddr: Go's tables
 * (port_test.go, lookup_test.go), golden results from Go 1.19 on this machine's
 * /etc/services and /etc/protocols, and the resolver's failure and abort paths through a
 * replaceable system lookup (as Go's testHookLookupIP).
 */
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import { lookupHost, lookupPort } from "../../src/net/address.js";
import { CanceledError, DNSError, errTimeout } from "../../src/net/errors.js";
import { dnsError, isDomainName, lookupHooks, lookupIPAddr, lookupProtocol, parseProtocols, pendingLookups } from "../../src/net/lookup.js";
import { lookupPortMap, parsePort, parseServices } from "../../src/net/port.js";
import { errorIs } from "../../src/sys/errors.js";
import {
  isDomainNameCases, lookupPortCases, lookupProtocolCases, parsePortCases, protocolsHash, servicesHash,
} from "./golden/ipsock.golden.js";
import { parseIPCases } from "./golden/ip.golden.js";
import { goRejects, goThrows, q, sameFile } from "./golden/check.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const realSystem = lookupHooks.system;
afterEach(() => {
  lookupHooks.system = realSystem;
});

test("parsePort agrees with Go (port_test.go and edge cases)", () => {
  for (const [s, port, needsLookup] of parsePortCases) assert.deepEqual(parsePort(s), [port, needsLookup], `parsePort(${q(s)})`);
});

test("lookupPort agrees with Go (lookup_test.go tables, every /etc/services name)", (t) => {
  const same = sameFile("/etc/services", servicesHash);
  if (!same) t.diagnostic("/etc/services differs from the golden run; file-dependent rows skipped");
  for (const [network, service, port, err, fileDependent] of lookupPortCases) {
    if (fileDependent && !same) continue;
    const what = `lookupPort(${q(network)}, ${q(service)})`;
    if (err !== null) goThrows(() => lookupPort(network, service), err, what);
    else assert.equal(lookupPort(network, service), port, what);
  }
});

test("lookupPort: Go's minimal table needs no /etc/services", () => {
  const table = parseServices("");
  for (const [network, name, port] of [["tcp", "http", 80], ["tcp", "HTTP", 80], ["tcp", "https", 443], ["tcp", "ssh", 22],
    ["tcp", "gopher", 70], ["tcp4", "http", 80], ["tcp6", "http", 80], ["udp", "domain", 53]] as const) {
    assert.equal(lookupPortMap(network, name, table), port, `${network}/${name}`);
  }
  assert.throws(() => lookupPortMap("udp", "http", table), { message: "address udp/http: unknown port" });
  assert.throws(() => lookupPort("tcp", "☺"), { message: "address tcp/☺: unknown port" });
  assert.throws(() => lookupPort("tcp", "-1"), { message: "address -1: invalid port" });
  assert.throws(() => lookupPort("sctp", "http"), { message: "address sctp: unknown network" });
  assert.throws(() => lookupPort("", "nosuch"), { message: "address ip/nosuch: unknown port" });
});

test("parseServices reads /etc/services lines as Go's readServices", () => {
  const text = [
    "# comment line",
    "http 8080/tcp www web # later definitions win",
    "echo\t7/udp",
    "bad 0/tcp", "bad2 -1/tcp", "bad3 80", "bad4 80/", "bad5 x/tcp", "  ",
    "Mixed 99/tcp",
    "new 1234/sctp alias",
    "gopher 7000abc/tcp",
  ].join("\n");
  const t = parseServices(text);
  assert.equal(lookupPortMap("tcp", "http", t), 8080, "the file overrides the built-in table");
  assert.equal(lookupPortMap("tcp", "WWW", t), 8080, "aliases count, case-insensitively");
  assert.equal(lookupPortMap("udp", "echo", t), 7);
  assert.equal(lookupPortMap("sctp", "alias", t), 1234, "any protocol name becomes a table");
  assert.equal(lookupPortMap("tcp", "gopher", t), 70, "a malformed line is skipped");
  assert.equal(lookupPortMap("/tcp", "odd", parseServices("odd 80//tcp")), 80, "everything after the first '/' names the network");
  for (const name of ["bad", "bad2", "bad3", "bad5"]) assert.throws(() => lookupPortMap("tcp", name, t), { message: `address tcp/${name}: unknown port` });
  // Names in the file keep their case; only the query is lower-cased.
  assert.throws(() => lookupPortMap("tcp", "mixed", t), { message: "address tcp/mixed: unknown port" });
  // Only ASCII letters fold: the Kelvin sign is not a K.
  assert.throws(() => lookupPortMap("tcp", "\u212Attp", parseServices("kttp 1/tcp")), { message: "address tcp/\u212Attp: unknown port" });
});

test("lookupProtocol agrees with Go (lookup_test.go and every /etc/protocols name)", (t) => {
  const same = sameFile("/etc/protocols", protocolsHash);
  if (!same) t.diagnostic("/etc/protocols differs from the golden run; file-dependent rows skipped");
  for (const [name, proto, err, fileDependent] of lookupProtocolCases) {
    if (fileDependent && !same) continue;
    if (err !== null) goThrows(() => lookupProtocol(name), err, `lookupProtocol(${q(name)})`);
    else assert.equal(lookupProtocol(name), proto, `lookupProtocol(${q(name)})`);
  }
});

test("parseProtocols: built-ins and first definitions win, aliases count", () => {
  const t = parseProtocols("tcp 99 TCP\nfoo 200 FOO bar # c\nfoo 201\nbaz 7x\nqux x7\n");
  assert.equal(lookupProtocol("tcp", t), 6);
  assert.equal(lookupProtocol("FOO", t), 200);
  assert.equal(lookupProtocol("bar", t), 200);
  assert.equal(lookupProtocol("baz", t), 7, "Go's dtoi ignores what follows the digits");
  assert.throws(() => lookupProtocol("qux", t), { message: "address qux: unknown IP protocol specified" });
  assert.throws(() => lookupProtocol("", t), { message: "unknown IP protocol specified" });
  // Names past 25 bytes are never found, as in Go.
  assert.throws(() => lookupProtocol("x".repeat(26), parseProtocols("x".repeat(26) + " 1")), { message: `address ${"x".repeat(26)}: unknown IP protocol specified` });
});

test("isDomainName agrees with Go (dnsname_test.go and edge cases)", () => {
  for (const [name, want] of isDomainNameCases) assert.equal(isDomainName(name), want, `isDomainName(${q(name)})`);
});

test("lookupHost returns IP literals verbatim without a lookup (Go's TestLookupWithIP)", async () => {
  lookupHooks.system = () => assert.fail("no lookup for a literal");
  for (const [input, want] of parseIPCases) if (want !== null) assert.deepEqual(await lookupHost(input), [input], input);
  for (const lit of ["fe80::1%lo0", "fe80::1%911", "::1%", "::ffff:1.2.3.4%x"]) assert.deepEqual(await lookupHost(lit), [lit]);
  await goRejects(lookupHost(""), ["DNSError", "lookup : no such host"], 'lookupHost("")');
  const e = await lookupHost("").catch((x: unknown) => x);
  assert.ok(e instanceof DNSError && e.isNotFound && e.code === "ENOTFOUND" && !e.timeout());
});

test("names Go would never send to DNS fail with no such host, without a lookup", async () => {
  let calls = 0;
  lookupHooks.system = async () => (calls++, []);
  for (const name of ["127.0.0.256", "1.2.3", "123", "0x7f.1", "0x7f.0.0.1", "a b", "a\u0000b", "☺", "bücher.de", "a..b", "-a", "[::1]", "x".repeat(64)]) {
    await goRejects(lookupHost(name), ["DNSError", `lookup ${name}: no such host`], `lookupHost(${q(name)})`);
  }
  assert.equal(calls, 0);
});

test("the system resolver's answers and failures map to Go's", async () => {
  lookupHooks.system = async (host) => {
    if (host === "two.test") return [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }];
    throw Object.assign(new Error("x"), { code: host === "again.test" ? "EAI_AGAIN" : "ENOTFOUND" });
  };
  assert.deepEqual(await lookupHost("two.test"), ["::1", "127.0.0.1"]);
  await goRejects(lookupHost("nosuch.test"), ["DNSError", "lookup nosuch.test: no such host"], "ENOTFOUND");
  const e = await lookupHost("again.test").catch((x: unknown) => x);
  assert.ok(e instanceof DNSError);
  assert.equal(e.message, "lookup again.test: server misbehaving");
  assert.ok(e.temporary() && !e.timeout() && !e.isNotFound);
});

test("dnsError maps node:dns codes to Go's texts", () => {
  const cases: [string, string, boolean, boolean, boolean][] = [
    ["ENOTFOUND", "no such host", true, false, false], ["EAI_NODATA", "no such host", true, false, false],
    ["EAI_AGAIN", "server misbehaving", false, true, false], ["ETIMEOUT", "i/o timeout", false, true, true],
    ["EAI_FAIL", "server misbehaving", false, false, false], ["EAI_MEMORY", "Memory allocation failure", false, false, false],
  ];
  for (const [code, text, notFound, temporary, timeout] of cases) {
    const e = dnsError(Object.assign(new Error(code), { code }), "h.test");
    assert.equal(e.message, `lookup h.test: ${text}`);
    assert.deepEqual([e.isNotFound, e.temporary(), e.timeout()], [notFound, temporary, timeout], code);
  }
});

test("lookupIPAddr asks only for the network's family and merges concurrent lookups", async () => {
  const seen: [string, number][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  lookupHooks.system = async (host, family): Promise<LookupAddress[]> => {
    seen.push([host, family]);
    await gate;
    return [{ address: "10.0.0.1", family: 4 }];
  };
  const a = lookupIPAddr("merge.test", undefined, "tcp4");
  const b = lookupIPAddr("merge.test", undefined, "udp4");
  const c = lookupIPAddr("merge.test", undefined, "ip6");
  release();
  const [ra, rb] = await Promise.all([a, b, c]);
  assert.deepEqual(seen, [["merge.test", 4], ["merge.test", 6]]);
  assert.notEqual(ra[0], rb[0], "each caller gets its own objects");
  assert.equal(ra[0]!.toString(), "10.0.0.1");
});

test("an AbortSignal stops the wait at once and is checked before starting", async () => {
  let finish!: () => void;
  lookupHooks.system = () => new Promise((resolve) => (finish = () => resolve([{ address: "10.0.0.1", family: 4 }])));
  const ac = new AbortController();
  const p = lookupIPAddr("slow.test", ac.signal);
  const reason = new Error("stop");
  ac.abort(reason);
  const e = await p.catch((x: unknown) => x);
  // Go reports a done context inside a DNSError that names the host (lookup.go, lookupIPAddr).
  assert.ok(e instanceof DNSError && e.message === "lookup slow.test: operation was canceled");
  assert.ok(e.cause instanceof CanceledError);
  assert.ok(errorIs(e, reason), "the reason is in the cause chain");
  finish();
  await assert.rejects(lookupHost("slow.test", { signal: AbortSignal.abort() }), {
    message: "lookup slow.test: operation was canceled",
  });
  const t = await lookupHost("x.test", { signal: AbortSignal.abort(new DOMException("t", "TimeoutError")) }).catch((x: unknown) => x);
  assert.ok(t instanceof DNSError && t.message === "lookup x.test: i/o timeout");
  assert.ok(t.timeout() && t.isTimeout && errorIs(t, errTimeout));
  assert.deepEqual(await lookupHost("::1", { signal: AbortSignal.abort() }), ["::1"], "literals never wait, as in Go");
});

test("localhost resolves through the real system resolver to loopback addresses", async () => {
  const addrs = await lookupHost("localhost");
  assert.ok(addrs.length > 0);
  for (const a of addrs) assert.ok(a === "::1" || a.startsWith("127."), a);
});

test("settled lookups leave no entry behind (regression: a rejected name stayed in the merge table)", async () => {
  lookupHooks.system = (host) => {
    if (host === "ok.test") return Promise.resolve([{ address: "10.0.0.1", family: 4 }]);
    if (host === "sync.test") throw new Error("a hook that throws at once");
    return Promise.reject(Object.assign(new Error("nf"), { code: "ENOTFOUND" }));
  };
  for (const name of ["a b", "0x7f.1", "ok.test", "nosuch.test", "sync.test", "x".repeat(300)]) await lookupHost(name).catch(() => {});
  const ac = new AbortController();
  const p = lookupHost("ok.test", { signal: ac.signal });
  ac.abort();
  await p.catch(() => {});
  await new Promise((r) => setImmediate(r));
  assert.equal(pendingLookups(), 0);
});
