/**
 * Property tests (fast-check): format∘parse round trips for IP, CIDR, netip Addr, Prefix and
 * AddrPort, and host:port; net and netip parsers agreeing with each other; and bad input of
 * any content and size (random UTF-16 including lone surrogates, NULs, 1 MB strings) giving
 * only typed errors, in linear time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  IP, IPv4, cidrMask, joinHostPort, lookupPort, parseCIDR, parseIP, parseMAC, splitHostPort, resolveTCPAddr,
} from "../../src/net/address.js";
import { NetError } from "../../src/sys/errors.js";
import { lookupProtocol, isDomainName } from "../../src/net/lookup.js";
import { parseNetwork, resolveAddrList } from "../../src/net/ipsock.js";
import { addrFrom16, addrFrom4, addrPortFrom, parseAddr, parseAddrPort, parsePrefix, prefixFrom } from "../../src/netip.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const runs = { numRuns: 2000 };
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** Addresses that are mostly zero, so that "::" compression is exercised. */
const sparse16 = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 255 })), { minLength: 16, maxLength: 16 });
const zone = fc.string({ unit: "binary", minLength: 1, maxLength: 8 });
/** Any UTF-16 code unit, lone surrogates included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyString = fc.string({ unit: fc.oneof(anyUnit, fc.constantFrom("\0", "%", "[", "]", "/", ":", ".")), maxLength: 40 });
/** Strings over the characters address parsers care about, to reach deep paths. */
const addrish = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF.:%[]/-+ x\0☺"), maxLength: 48 });

test("IP: parseIP(ip.toString()) gives the same address", () => {
  fc.assert(fc.property(fc.oneof(bytes(4), bytes(16), sparse16.map((a) => new Uint8Array(a))), (b) => {
    const ip = new IP(b);
    const back = parseIP(ip.toString());
    assert.ok(back !== null && back.equal(ip), ip.toString());
  }), runs);
  fc.assert(fc.property(fc.ipV4(), (s) => assert.equal(parseIP(s)!.toString(), s)), runs);
  fc.assert(fc.property(fc.ipV6(), (s) => assert.ok(parseIP(s) !== null, s)), runs);
});

test("CIDR: parseCIDR of ip/ones gives the masked network, and its string parses back to itself", () => {
  fc.assert(fc.property(fc.oneof(bytes(4), bytes(16), sparse16.map((a) => new Uint8Array(a))), fc.nat(128), (b, n) => {
    const ip = new IP(b);
    // A v4-mapped address prints as IPv4, so it parses back as an IPv4 network.
    const bits = ip.to4() !== null ? 32 : 128;
    const ones = n % (bits + 1);
    const [addr, net] = parseCIDR(`${ip.toString()}/${ones}`);
    assert.ok(addr.equal(ip));
    assert.ok(net.ip!.equal(ip.mask(net.mask!)));
    assert.deepEqual(net.mask!.size(), [ones, bits]);
    const [, again] = parseCIDR(net.toString());
    assert.equal(again.toString(), net.toString());
    assert.ok(net.contains(ip));
  }), runs);
});

test("netip Addr: parseAddr(a.toString()) equals a, zones included; stringExpanded parses too", () => {
  fc.assert(fc.property(fc.oneof(bytes(4).map((b) => addrFrom4(b)), sparse16.map((a) => addrFrom16(a))), fc.option(zone), (a0, z) => {
    const a = z === null ? a0 : a0.withZone(z);
    assert.ok(parseAddr(a.toString()).equal(a), a.toString());
    assert.ok(parseAddr(a.stringExpanded()).equal(a), a.stringExpanded());
    assert.ok(a.next().prev().equal(a) || !a.next().isValid());
  }), runs);
});

test("netip Prefix and AddrPort round-trip through toString", () => {
  const addr = fc.oneof(bytes(4).map((b) => addrFrom4(b)), sparse16.map((a) => addrFrom16(a)));
  fc.assert(fc.property(addr, fc.nat(128), (a, n) => {
    const p = prefixFrom(a, n % (a.bitLen() + 1));
    assert.ok(parsePrefix(p.toString()).equal(p), p.toString());
    assert.ok(p.masked().contains(a) && p.contains(a));
  }), runs);
  fc.assert(fc.property(addr, fc.option(zone), fc.integer({ min: 0, max: 65535 }), (a, z, port) => {
    const ap = addrPortFrom(z === null ? a : a.withZone(z), port);
    assert.ok(parseAddrPort(ap.toString()).equal(ap), ap.toString());
  }), runs);
});

test("host:port: splitHostPort(joinHostPort(h, p)) gives h and p back", () => {
  const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain(), fc.string({ unit: "binary" }).filter((s) => !/[[\]:]/.test(s)),
    fc.tuple(fc.ipV6(), zone.filter((z) => !/[[\]]/.test(z))).map(([h, z]) => `${h}%${z}`));
  const port = fc.string({ unit: "binary" }).filter((s) => !/[[\]:]/.test(s));
  fc.assert(fc.property(host, port, (h, p) => assert.deepEqual(splitHostPort(joinHostPort(h, p)), [h, p])), runs);
});

test("net and netip agree on which zone-less strings are IP addresses, and on their bytes", () => {
  fc.assert(fc.property(fc.oneof(addrish, fc.ipV6(), fc.ipV4()), (s) => {
    const ip = parseIP(s);
    let a = null;
    try {
      a = parseAddr(s);
    } catch {
      // Not an address for netip.
    }
    if (a !== null && a.zone() !== "") return;
    assert.equal(ip !== null, a !== null, s);
    if (ip !== null) assert.deepEqual([...ip], [...a!.as16()], s);
  }), { numRuns: 5000 });
});

/** typedOnly runs fn and fails if it throws anything but a sockit error. */
function typedOnly(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NetError)) throw e;
  }
}

const parsers: [string, (s: string) => unknown][] = [
  ["parseIP", parseIP], ["parseCIDR", parseCIDR], ["splitHostPort", splitHostPort], ["parseMAC", parseMAC],
  ["parseAddr", parseAddr], ["parseAddrPort", parseAddrPort], ["parsePrefix", parsePrefix],
  ["lookupPort", (s) => lookupPort("tcp", s)], ["lookupPort network", (s) => lookupPort(s, "x")],
  ["lookupProtocol", lookupProtocol], ["parseNetwork", (s) => parseNetwork(s, true)], ["isDomainName", isDomainName],
  ["joinHostPort", (s) => joinHostPort(s, s)], ["IP.toString", (s) => new IP(Buffer.from(s)).toString()],
  ["cidrMask", (s) => cidrMask(s.length, 32)],
];

test("any string: every parser returns or throws a typed error", async (t) => {
  for (const [name, fn] of parsers) {
    await t.test(name, () => fc.assert(fc.property(fc.oneof(anyString, addrish), (s) => typedOnly(() => fn(s))), { numRuns: 1500 }));
  }
});

test("any string: resolveAddrList and resolveTCPAddr reject only with typed errors", async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom("tcp", "udp6", "ip:1", "unix"), addrish, async (net, s) => {
    // Names would go to DNS; keep to what Go resolves without it.
    if (isDomainName(s.replace(/:[^:]*$/, ""))) return;
    try {
      await resolveAddrList("dial", net, s, null);
      await resolveTCPAddr("tcp", s);
    } catch (e) {
      assert.ok(e instanceof NetError, String(e));
    }
  }), { numRuns: 500 });
});

test("1 MB inputs finish in linear time with typed errors only", () => {
  const MB = 1 << 20;
  const inputs = [
    "0".repeat(MB), "1.".repeat(MB / 2), ":".repeat(MB), "::" + "0".repeat(MB), "0".repeat(MB) + "::", "[".repeat(MB) + "]:80",
    "1.2.3.4:" + "9".repeat(MB), "1.2.3.4/" + "0".repeat(MB) + "24", "fe80::1%" + "z".repeat(MB), "%".repeat(MB),
    "\0".repeat(MB), "☺".repeat(MB), "\ud800".repeat(MB), "a.".repeat(MB / 2), "0:".repeat(MB / 2) + "1", "+" + "0".repeat(MB),
    "ip:" + "1".repeat(MB), "00:".repeat(MB / 3) + "00", "0000.".repeat(MB / 5) + "0000", "[::1]:" + "http".repeat(MB / 4),
  ];
  for (const [name, fn] of parsers) {
    for (const s of inputs) {
      const t0 = performance.now();
      typedOnly(() => fn(s));
      const ms = performance.now() - t0;
      // Quadratic work on 1 MB would take minutes; linear work takes well under a second, even
      // when the error message quotes a megabyte of escapes.
      assert.ok(ms < 3000, `${name} took ${ms.toFixed(0)} ms on a 1 MB input starting ${JSON.stringify(s.slice(0, 12))}`);
    }
  }
});

test("1 MB addresses for resolveAddrList and lookups fail fast without DNS", async () => {
  const big = "a".repeat(1 << 20);
  const t0 = performance.now();
  await assert.rejects(resolveAddrList("dial", "tcp", big + ":80", null), { message: `lookup ${big}: no such host` });
  await assert.rejects(resolveAddrList("dial", "tcp", "1.2.3.4:" + big, null), { message: `address tcp/${big}: unknown port` });
  await assert.rejects(resolveAddrList("dial", "ip:" + big, "1.2.3.4", null), { message: `address ${big}: unknown IP protocol specified` });
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(IPv4(1, 2, 3, 4).toString(), "1.2.3.4");
});
