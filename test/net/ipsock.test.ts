/**
 * parseNetwork, resolveAddrList and the address-list helpers the dialer uses, against Go
 * 1.19: golden results from Go's own (unexported) parseNetwork and resolveAddrList for literal
 * addresses with and without local-address hints, Go's ipsock_test.go tables, and host names
 * through a replaced system lookup (as Go's tests use testHookLookupIP = lookupLocalhost).
 */
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import { IPAddr, IPv4, IPv6loopback, TCPAddr, UDPAddr, UnixAddr, parseIP } from "../../src/net/address.js";
import { type Addr, CanceledError, DNSError, errMissingAddress } from "../../src/net/errors.js";
import { lookupHooks } from "../../src/net/lookup.js";
import { first, forResolve, isIPv4, isNotIPv4, isWildcard, parseNetwork, partition, resolveAddrList } from "../../src/net/ipsock.js";
import { parseNetworkCases, protocolsHash, resolveAddrListCases, servicesHash } from "./golden/ipsock.golden.js";
import { checkGoError, goThrows, q, sameFile } from "./golden/check.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const realSystem = lookupHooks.system;
afterEach(() => {
  lookupHooks.system = realSystem;
});

/** hosts installs a fake system lookup answering from a table (unknown names: ENOTFOUND). */
function hosts(table: Record<string, string[]>): void {
  lookupHooks.system = async (host): Promise<LookupAddress[]> => {
    const a = table[host];
    if (a === undefined) throw Object.assign(new Error("nf"), { code: "ENOTFOUND" });
    return a.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

const hints: Record<string, Addr> = {
  "tcp:": new TCPAddr(),
  "tcp:127.0.0.1": new TCPAddr({ ip: IPv4(127, 0, 0, 1), port: 5 }),
  "tcp:::1": new TCPAddr({ ip: IPv6loopback }),
  "tcp:0.0.0.0": new TCPAddr({ ip: IPv4(0, 0, 0, 0) }),
  "tcp:::": new TCPAddr({ ip: parseIP("::") }),
  "udp:127.0.0.1": new UDPAddr({ ip: IPv4(127, 0, 0, 1) }),
  "udp:::1": new UDPAddr({ ip: IPv6loopback }),
  "ip:127.0.0.1": new IPAddr({ ip: IPv4(127, 0, 0, 1) }),
  "ip:::1": new IPAddr({ ip: IPv6loopback }),
  "ip:": new IPAddr(),
  "unix:/tmp/x": new UnixAddr({ name: "/tmp/x", net: "unix" }),
  "unixgram:/x": new UnixAddr({ name: "/x", net: "unixgram" }),
};

const describe = (a: Addr): [string, string, string] => [a.constructor.name, a.network(), a.toString()];

test("parseNetwork agrees with Go (dial's network names, ip:proto, protocol names)", () => {
  const same = sameFile("/etc/protocols", protocolsHash);
  for (const [network, needsProto, afnet, proto, err, fileDependent] of parseNetworkCases) {
    if (fileDependent && !same) continue;
    const what = `parseNetwork(${q(network)}, ${needsProto})`;
    if (err !== null) goThrows(() => parseNetwork(network, needsProto), err, what);
    else assert.deepEqual(parseNetwork(network, needsProto), { afnet, proto }, what);
  }
});

test("resolveAddrList agrees with Go for literals, wildcards and local-address hints", async () => {
  lookupHooks.system = () => assert.fail("literal addresses never reach the resolver");
  const same = sameFile("/etc/services", servicesHash);
  for (const [op, network, address, hintKey, [err, want], fileDependent] of resolveAddrListCases) {
    if (fileDependent && !same) continue;
    const what = `resolveAddrList(${op}, ${q(network)}, ${q(address)}, ${hintKey || "null"})`;
    const p = resolveAddrList(op as "dial" | "listen", network, address, hintKey === "" ? null : hints[hintKey]!);
    let got: Addr[];
    try {
      got = await p;
    } catch (e) {
      assert.ok(err !== null, `${what}: threw ${String(e)}`);
      checkGoError(e, err, what);
      continue;
    }
    assert.equal(err, null, `${what}: want error ${err?.[1]}`);
    // For listen the golden row holds what Go's Listen binds, addrs.first(isIPv4).
    assert.deepEqual(got.map(describe), want, what);
  }
});

test("dial errors of GO-REFERENCE B.2", async () => {
  await assert.rejects(resolveAddrList("dial", "tcp", "", null), (e) => e === errMissingAddress);
  await assert.rejects(resolveAddrList("dial", "tcp4", "[::1]:80", null), { message: "address ::1: no suitable address found" });
  await assert.rejects(resolveAddrList("dial", "tcp", "127.0.0.1:0", new UDPAddr()), { message: "address :0: mismatched local address type" });
  await assert.rejects(resolveAddrList("dial", "tcp", "127.0.0.1:1", new TCPAddr({ ip: IPv6loopback })), {
    message: "address [::1]:0: no suitable address found",
  });
  await assert.rejects(resolveAddrList("dial", "unix", "/x", new UnixAddr({ name: "/y", net: "unixgram" })), {
    message: "address /y: mismatched local address type",
  });
  assert.deepEqual((await resolveAddrList("listen", "unix", "", null)).map(describe), [["UnixAddr", "unix", ""]]);
  const foreign: Addr = { network: () => "tcp", toString: () => "foreign" };
  await assert.rejects(resolveAddrList("dial", "tcp", "127.0.0.1:1", foreign), { message: "address foreign: mismatched local address type" });
});

test("host names: family filters, the '::' fallback, and listen's first IPv4 (Go's lookupLocalhost)", async () => {
  hosts({ localhost: ["127.0.0.1", "::1"], v6first: ["::1", "fe80::1%eth0", "127.0.0.1"], any6: ["::"], only6: ["::1"] });
  const list = async (op: "dial" | "listen", net: string, addr: string): Promise<string[]> =>
    (await resolveAddrList(op, net, addr, null)).map(String);
  assert.deepEqual(await list("dial", "tcp", "localhost:80"), ["127.0.0.1:80", "[::1]:80"]);
  assert.deepEqual(await list("dial", "tcp4", "localhost:80"), ["127.0.0.1:80"]);
  assert.deepEqual(await list("dial", "tcp6", "localhost:http"), ["[::1]:80"]);
  assert.deepEqual(await list("dial", "ip:1", "v6first"), ["::1", "fe80::1%eth0", "127.0.0.1"]);
  assert.deepEqual(await list("listen", "tcp", "v6first:0"), ["127.0.0.1:0"]);
  assert.deepEqual(await list("listen", "tcp", "only6:0"), ["[::1]:0"]);
  assert.deepEqual(await list("dial", "udp", "any6:53"), ["[::]:53", "0.0.0.0:53"]);
  await assert.rejects(resolveAddrList("dial", "tcp4", "only6:80", null), { message: "address only6: no suitable address found" });
  await assert.rejects(resolveAddrList("dial", "tcp", "nosuch.test:80", null), { message: "lookup nosuch.test: no such host" });
  await assert.rejects(resolveAddrList("dial", "tcp", "nosuch.test:☺", null), { message: "address tcp/☺: unknown port" }, "the port is looked up first");
  const hinted = await resolveAddrList("dial", "tcp", "v6first:1", new TCPAddr({ ip: IPv4(127, 0, 0, 1) }));
  assert.deepEqual(hinted.map(String), ["127.0.0.1:1"]);
});

test("an aborted signal stops a name lookup; literals resolve regardless, as in Go", async () => {
  lookupHooks.system = () => new Promise(() => {});
  const ac = new AbortController();
  const p = resolveAddrList("dial", "tcp", "hang.test:80", null, ac.signal);
  ac.abort();
  await assert.rejects(p, (e) => e instanceof DNSError && e.cause instanceof CanceledError);
  await assert.rejects(resolveAddrList("dial", "tcp", "hang.test:80", null, AbortSignal.abort()), {
    message: "lookup hang.test: operation was canceled",
  });
  const lit = await resolveAddrList("dial", "tcp", "127.0.0.1:80", null, AbortSignal.abort());
  assert.deepEqual(lit.map(String), ["127.0.0.1:80"]);
});

// Go's ipsock_test.go addrListTests: first and partition over filtered lists.
test("first and partition: Go's addrListTests", () => {
  const t = (ips: string[]): TCPAddr[] => ips.map((s) => {
    const [ip, zone = ""] = s.split("%");
    return new TCPAddr({ ip: parseIP(ip!), port: 5682, zone });
  });
  const cases: [string[], string, string[], string[]][] = [
    [["127.0.0.1", "::1"], "127.0.0.1", ["127.0.0.1"], ["::1"]],
    [["::1", "127.0.0.1"], "127.0.0.1", ["::1"], ["127.0.0.1"]],
    [["127.0.0.1", "192.168.0.1"], "127.0.0.1", ["127.0.0.1", "192.168.0.1"], []],
    [["::1", "fe80::1%eth0"], "::1", ["::1", "fe80::1%eth0"], []],
    [["127.0.0.1", "192.168.0.1", "::1", "fe80::1%eth0"], "127.0.0.1", ["127.0.0.1", "192.168.0.1"], ["::1", "fe80::1%eth0"]],
    [["::1", "fe80::1%eth0", "127.0.0.1", "192.168.0.1"], "127.0.0.1", ["::1", "fe80::1%eth0"], ["127.0.0.1", "192.168.0.1"]],
    [["127.0.0.1", "::1", "192.168.0.1", "fe80::1%eth0"], "127.0.0.1", ["127.0.0.1", "192.168.0.1"], ["::1", "fe80::1%eth0"]],
    [["::1", "127.0.0.1", "fe80::1%eth0", "192.168.0.1"], "127.0.0.1", ["::1", "fe80::1%eth0"], ["127.0.0.1", "192.168.0.1"]],
  ];
  const hostOf = (a: Addr): string => {
    const x = a as TCPAddr;
    return x.ip!.toString() + (x.zone !== "" ? "%" + x.zone : "");
  };
  for (const [ips, f, primaries, fallbacks] of cases) {
    const addrs = t(ips);
    assert.equal(hostOf(first(addrs, isIPv4)), f, ips.join(","));
    const [p, fb] = partition(addrs, isIPv4);
    assert.deepEqual([p.map(hostOf), fb.map(hostOf)], [primaries, fallbacks], ips.join(","));
  }
});

test("partition: Go's TestAddrListPartition (inverting the label changes nothing)", () => {
  const addrs = ["fe80::", "fe80::1", "fe80::2"].map((s) => new IPAddr({ ip: parseIP(s), zone: "eth0" }));
  const cases: [number, number[], number[]][] = [[0, [0], [1, 2]], [1, [0, 2], [1]], [2, [0, 1], [2]], [3, [0, 1, 2], []]];
  for (const [last, primaries, fallbacks] of cases) {
    for (const invert of [false, true]) {
      const [p, f] = partition(addrs, (a) => ((a as IPAddr).ip![15] === last) !== invert);
      assert.deepEqual([p, f], [primaries.map((i) => addrs[i]), fallbacks.map((i) => addrs[i])]);
    }
  }
});

test("isIPv4, isNotIPv4, isWildcard and forResolve", () => {
  assert.ok(isIPv4(new TCPAddr({ ip: IPv4(1, 2, 3, 4) })));
  assert.ok(isIPv4(new UDPAddr({ ip: parseIP("::ffff:1.2.3.4") })), "v4-mapped counts as IPv4");
  assert.ok(isIPv4(new IPAddr({ ip: new Uint8Array([1, 2, 3, 4]) })));
  assert.ok(!isIPv4(new TCPAddr()), "the wildcard is not IPv4");
  assert.ok(!isIPv4(new UnixAddr({ name: "/x", net: "unix" })));
  assert.ok(isNotIPv4(new IPAddr({ ip: IPv6loopback })));
  assert.ok(isWildcard(new TCPAddr()) && isWildcard(new UDPAddr({ ip: parseIP("::") })) && isWildcard(new UnixAddr()));
  assert.ok(!isWildcard(new IPAddr({ ip: IPv6loopback })));
  const both = [new TCPAddr({ ip: IPv6loopback }), new TCPAddr({ ip: IPv4(127, 0, 0, 1) })];
  assert.equal(forResolve(both, "tcp", "[::1]:80"), both[0]);
  assert.equal(forResolve(both, "tcp", "localhost:80"), both[1]);
  assert.equal(forResolve(both, "tcp4", "[::1]:80"), both[1], "only tcp/udp/ip look at brackets");
});
