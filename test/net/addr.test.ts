/**
 * TCPAddr, UDPAddr, IPAddr, UnixAddr and resolve*Addr against Go 1.19: golden formatting and
 * AddrPort conversions, golden Resolve*Addr results for literal addresses (Go's
 * resolveTCPAddrTests and resolveIPAddrTests included), and the Go tests' round trips.
 */
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import {
  IPAddr, IPv4, IPv6loopback, TCPAddr, UDPAddr, UnixAddr, parseIP, resolveIPAddr, resolveTCPAddr, resolveUDPAddr,
  resolveUnixAddr, tcpAddrFromAddrPort, udpAddrFromAddrPort,
} from "../../src/net/address.js";
import type { Addr } from "../../src/net/errors.js";
import { lookupHooks } from "../../src/net/lookup.js";
import { AddrPort, addrPortFrom, parseAddr, parseAddrPort } from "../../src/netip.js";
import { addrTypeCases, resolveCases, servicesHash } from "./golden/ipsock.golden.js";
import { checkGoError, q, sameFile, unhex } from "./golden/check.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const realSystem = lookupHooks.system;
afterEach(() => {
  lookupHooks.system = realSystem;
});

const describe = (a: Addr): [string, string, string] => [a.constructor.name, a.network(), a.toString()];

test("TCPAddr/IPAddr toString, addrPort and tcpAddrFromAddrPort agree with Go", () => {
  for (const [h, port, zone, tcpStr, apStr, ipStr, back] of addrTypeCases) {
    const ip = h === "-" ? null : unhex(h);
    const t = new TCPAddr({ ip, port, zone });
    const u = new UDPAddr({ ip, port, zone });
    const what = `{ip: ${h}, port: ${port}, zone: ${q(zone)}}`;
    assert.equal(t.toString(), tcpStr, `TCPAddr${what}`);
    assert.equal(u.toString(), tcpStr, `UDPAddr${what}`);
    assert.equal(t.addrPort().toString(), apStr, `TCPAddr${what}.addrPort()`);
    assert.equal(u.addrPort().toString(), apStr, `UDPAddr${what}.addrPort()`);
    assert.equal(new IPAddr({ ip, zone }).toString(), ipStr, `IPAddr${what}`);
    assert.equal(tcpAddrFromAddrPort(t.addrPort()).toString(), back, `tcpAddrFromAddrPort(${apStr})`);
    assert.equal(udpAddrFromAddrPort(u.addrPort()).toString(), back, `udpAddrFromAddrPort(${apStr})`);
  }
});

test("resolveTCPAddr, resolveUDPAddr, resolveIPAddr and resolveUnixAddr agree with Go for literals", async () => {
  lookupHooks.system = () => assert.fail("literal addresses never reach the resolver");
  const fns = { tcp: resolveTCPAddr, udp: resolveUDPAddr, ip: resolveIPAddr, unix: resolveUnixAddr } as const;
  const same = sameFile("/etc/services", servicesHash);
  for (const [fn, network, address, [err, want], fileDependent] of resolveCases) {
    if (fileDependent && !same) continue;
    const what = `resolve${fn.toUpperCase()}Addr(${q(network)}, ${q(address)})`;
    let got: Addr;
    try {
      got = await fns[fn as keyof typeof fns](network, address);
    } catch (e) {
      assert.ok(err !== null, `${what}: threw ${String(e)}`);
      checkGoError(e, err, what);
      continue;
    }
    assert.equal(err, null, `${what}: want error ${err?.[1]}`);
    assert.deepEqual([describe(got)], want, what);
  }
});

test("Go's resolveTCPAddrTests round-trip through network() and toString()", async () => {
  for (const [network, address, ip, port, zone] of [
    ["tcp", "127.0.0.1:0", "127.0.0.1", 0, ""], ["tcp4", "127.0.0.1:65535", "127.0.0.1", 65535, ""],
    ["tcp", "[::1]:0", "::1", 0, ""], ["tcp6", "[::1]:65535", "::1", 65535, ""], ["tcp", "[::1%en0]:1", "::1", 1, "en0"],
    ["tcp6", "[::1%911]:2", "::1", 2, "911"], ["", "127.0.0.1:0", "127.0.0.1", 0, ""], ["", "[::1]:0", "::1", 0, ""],
    ["tcp", ":12345", null, 12345, ""], ["tcp", "127.0.0.1:http", "127.0.0.1", 80, ""],
    ["tcp", "[::ffff:127.0.0.1]:http", "127.0.0.1", 80, ""], ["tcp4", "[::ffff:127.0.0.1]:http", "127.0.0.1", 80, ""],
  ] as const) {
    const a = await resolveTCPAddr(network, address);
    assert.equal(a.ip === null ? null : a.ip.toString(), ip, address);
    assert.deepEqual([a.port, a.zone], [port, zone], address);
    const again = await resolveTCPAddr(a.network(), a.toString());
    assert.equal(again.toString(), a.toString());
  }
  await assert.rejects(resolveTCPAddr("http", "127.0.0.1:0"), { message: "unknown network http" });
  await assert.rejects(resolveTCPAddr("tcp6", "[::ffff:127.0.0.1]:http"), { message: "address ::ffff:127.0.0.1: no suitable address found" });
});

test("Go's resolveIPAddrTests", async () => {
  assert.equal((await resolveIPAddr("ip6:IPv6-ICMP", "::1")).toString(), "::1");
  assert.equal((await resolveIPAddr("ip", "::1%en0")).zone, "en0");
  assert.equal((await resolveIPAddr("ip4:icmp", "")).ip, null);
  await assert.rejects(resolveIPAddr("l2tp:gre", "127.0.0.1"), { message: "unknown network l2tp:gre" });
  await assert.rejects(resolveIPAddr("tcp", "1.2.3.4:123"), { message: "unknown network tcp" });
  await assert.rejects(resolveIPAddr("ip4:icmp", "2001:db8::1"), { message: "address 2001:db8::1: no suitable address found" });
});

test("resolve*Addr with names: one address, IPv4 preferred unless the literal was IPv6", async () => {
  lookupHooks.system = async () => [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }];
  assert.equal((await resolveTCPAddr("tcp", "both.test:80")).toString(), "127.0.0.1:80");
  assert.equal((await resolveTCPAddr("tcp6", "both.test:80")).toString(), "[::1]:80");
  assert.equal((await resolveUDPAddr("udp", "both.test:domain")).toString(), "127.0.0.1:53");
  assert.equal((await resolveIPAddr("ip", "both.test")).toString(), "127.0.0.1");
  lookupHooks.system = async () => { throw Object.assign(new Error("nf"), { code: "ENOTFOUND" }); };
  await assert.rejects(resolveTCPAddr("tcp", "nosuch.test:80"), { message: "lookup nosuch.test: no such host" });
});

test("UnixAddr keeps its fields; resolveUnixAddr checks only the network", async () => {
  const a = await resolveUnixAddr("unixpacket", "@abstract");
  assert.ok(a instanceof UnixAddr);
  assert.deepEqual([a.name, a.net, a.network(), a.toString()], ["@abstract", "unixpacket", "unixpacket", "@abstract"]);
  assert.equal(new UnixAddr().network(), "", "Go's zero value has Net \"\"");
  await assert.rejects(resolveUnixAddr("tcp", "/x"), { message: "unknown network tcp" });
  await assert.rejects(resolveUnixAddr("", "/x"), { message: "unknown network " });
});

test("address types: networks, wildcards and conversions", () => {
  assert.equal(new TCPAddr().network(), "tcp");
  assert.equal(new UDPAddr().network(), "udp");
  assert.equal(new IPAddr().network(), "ip");
  assert.equal(new TCPAddr().toString(), ":0");
  assert.equal(new TCPAddr({ ip: IPv6loopback, port: 80 }).toString(), "[::1]:80");
  assert.equal(new TCPAddr({ ip: IPv4(1, 2, 3, 4), port: 80, zone: "x" }).toString(), "1.2.3.4%x:80", "Go keeps a zone on IPv4");
  assert.equal(new UDPAddr({ ip: IPv4(1, 2, 3, 4), port: 53 }).addrPort().toString(), "[::ffff:1.2.3.4]:53");
  assert.equal(new UDPAddr({ ip: new Uint8Array([1, 2, 3, 4]), port: 53 }).addrPort().toString(), "1.2.3.4:53");
  assert.equal(new TCPAddr({ ip: parseIP("fe80::1"), zone: "eth0", port: 1 }).addrPort().toString(), "[fe80::1%eth0]:1");
  assert.equal(tcpAddrFromAddrPort(parseAddrPort("[fe80::1%eth0]:22")).toString(), "[fe80::1%eth0]:22");
  assert.equal(udpAddrFromAddrPort(addrPortFrom(parseAddr("1.2.3.4"), 9)).ip!.length, 4);
  const fromInvalid = tcpAddrFromAddrPort(new AddrPort());
  assert.equal(fromInvalid.ip, null, "an invalid AddrPort gives the wildcard");
  assert.equal(fromInvalid.toString(), ":0");
});
