/**
 * netip against Go 1.19: the golden tables (every literal of Go's netip tests, which holds
 * their ParseAddr, ParseAddrPort, ParsePrefix and fuzz corpora, plus edge cases) and
 * readable cases from netip_test.go.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as netip from "../../src/netip.js";
import { Addr, AddrPort, NetipError, ParseAddrError, Prefix, addrFrom16, addrFrom4, addrFromSlice, parseAddr, parseAddrPort, parsePrefix, prefixFrom } from "../../src/netip.js";
import { quote } from "../../src/net/netip/quote.js";
import {
  parseAddrCases, parseAddrPortCases, parsePrefixCases, prefixProbes, prefixRelations, quoteCases, sortedAddrs,
} from "./golden/netip.golden.js";
import { goThrows, hex, q } from "./golden/check.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const flagNames = ["isValid", "is4", "is6", "is4In6", "isUnspecified", "isLoopback", "isPrivate", "isMulticast",
  "isInterfaceLocalMulticast", "isLinkLocalMulticast", "isLinkLocalUnicast", "isGlobalUnicast"] as const;

function prefixOrError(a: Addr, b: number): unknown {
  try {
    return a.prefix(b).toString();
  } catch (e) {
    assert.ok(e instanceof NetipError);
    return ["error", e.message];
  }
}

test("parseAddr and every Addr method agree with Go on every golden input", () => {
  for (const [s, err, ...want] of parseAddrCases) {
    if (err !== null) {
      goThrows(() => parseAddr(s), err, `parseAddr(${q(s)})`);
      continue;
    }
    const a = parseAddr(s);
    const flags = flagNames.map((n) => (a[n]() ? "1" : "0")).join("");
    const bl = a.bitLen();
    const got = [a.toString(), a.stringExpanded(), bl, a.zone(), flags, a.unmap().toString(), a.next().toString(),
      a.prev().toString(), hex(a.as16()), prefixOrError(a, 0), prefixOrError(a, Math.trunc(bl / 2)), prefixOrError(a, bl + 1)];
    assert.deepEqual(got, want, `parseAddr(${q(s)})`);
  }
});

test("compare orders addresses as Go's Less (zero, IPv4, IPv6, then value, then zone)", () => {
  const addrs = sortedAddrs.map((s) => (s === "invalid IP" ? new Addr() : parseAddr(s)));
  const shuffled = [...addrs].reverse();
  shuffled.sort((x, y) => x.compare(y));
  assert.deepEqual(shuffled.map(String), sortedAddrs);
  for (let i = 1; i < addrs.length; i++) {
    assert.ok(addrs[i - 1]!.compare(addrs[i]!) <= 0);
    assert.equal(addrs[i]!.compare(addrs[i - 1]!) >= 0, true);
  }
  assert.ok(parseAddr("fe80::1%a").less(parseAddr("fe80::1%b")));
  assert.equal(parseAddr("fe80::1%\u{1F600}").compare(parseAddr("fe80::1%\uffff")), 1, "zones compare in UTF-8 byte order");
});

test("parseAddrPort agrees with Go on every golden input", () => {
  for (const [s, err, str, addr, port] of parseAddrPortCases) {
    if (err !== null) {
      goThrows(() => parseAddrPort(s), err, `parseAddrPort(${q(s)})`);
      continue;
    }
    const ap = parseAddrPort(s);
    assert.deepEqual([ap.toString(), ap.addr().toString(), ap.port()], [str, addr, port], `parseAddrPort(${q(s)})`);
  }
});

test("parsePrefix agrees with Go on every golden input", () => {
  for (const [s, err, str, masked, bits, single, addr] of parsePrefixCases) {
    if (err !== null) {
      goThrows(() => parsePrefix(s), err, `parsePrefix(${q(s)})`);
      continue;
    }
    const p = parsePrefix(s);
    const got = [p.toString(), p.masked().toString(), p.bits(), p.isSingleIP(), p.addr().toString()];
    assert.deepEqual(got, [str, masked, bits, single, addr], `parsePrefix(${q(s)})`);
  }
});

test("Prefix contains and overlaps agree with Go, invalid prefixes included", () => {
  const probes = [...prefixProbes.map((s) => parseAddr(s)), new Addr()];
  const build = ([addr, bits]: [string, number, ...unknown[]]): Prefix =>
    addr === "invalid IP" ? (bits === 0 ? new Prefix() : prefixFrom(new Addr(), bits)) : prefixFrom(parseAddr(addr), bits);
  const others = prefixRelations.slice(0, 60).map(build);
  for (const row of prefixRelations) {
    const p = build(row);
    assert.equal(p.toString(), row[2]);
    assert.equal(probes.map((a) => (p.contains(a) ? "1" : "0")).join(""), row[3], `${row[2]}.contains`);
    assert.equal(others.map((o) => (p.overlaps(o) ? "1" : "0")).join(""), row[4], `${row[2]}.overlaps`);
  }
});

test("the issue's error texts", () => {
  assert.throws(() => parseAddr("1.2.3"), (e) => e instanceof ParseAddrError && e.message === 'ParseAddr("1.2.3"): IPv4 address too short');
  assert.throws(() => parsePrefix("1.2.3.4"), (e) => e instanceof NetipError && e.message === `netip.ParsePrefix("1.2.3.4"): no '/'`);
  assert.throws(() => parseAddr("::ffff:1.2.03.4"), {
    message: 'ParseAddr("::ffff:1.2.03.4"): ParseAddr("1.2.03.4"): IPv4 field has octet with leading zero (at "1.2.03.4")',
  });
  assert.throws(() => parseAddr("1.2.3.\x00"), { message: 'ParseAddr("1.2.3.\\x00"): unexpected character (at "\\x00")' });
  assert.throws(() => parseAddr("1.2.3.\ud800"), { message: 'ParseAddr("1.2.3.\\xed\\xa0\\x80"): unexpected character (at "\\xed\\xa0\\x80")' });
  assert.throws(() => parseAddr("\u00a0☺\u{10ffff}\u{1F600}\u2028\x7f"), {
    message: 'ParseAddr("\\u00a0☺\\U0010ffff\u{1F600}\\u2028\\x7f"): unable to parse IP',
  });
});

test("constructors and zero values, as Go", () => {
  assert.equal(addrFrom4([127, 0, 0, 1]).toString(), "127.0.0.1");
  assert.equal(addrFrom16(parseAddr("::ffff:1.2.3.4").as16()).toString(), "::ffff:1.2.3.4");
  assert.equal(addrFromSlice([1, 2, 3]), null);
  assert.equal(addrFromSlice(new Uint8Array(16))!.toString(), "::");
  assert.throws(() => addrFrom4([1, 2, 3]), TypeError);
  assert.equal(new Addr().toString(), "invalid IP");
  assert.equal(new Addr().asSlice(), null);
  assert.equal(new AddrPort().toString(), "invalid AddrPort");
  assert.equal(new Prefix().toString(), "invalid Prefix");
  assert.equal(netip.ipv4Unspecified().toString(), "0.0.0.0");
  assert.equal(netip.ipv6Unspecified().toString(), "::");
  assert.equal(netip.ipv6LinkLocalAllNodes().toString(), "ff02::1");
  assert.equal(netip.addrPortFrom(parseAddr("::1"), 70000).port(), 70000 & 0xffff, "uint16 truncation");
  assert.equal(prefixFrom(parseAddr("1.2.3.4"), 33).bits(), -1);
  assert.equal(prefixFrom(parseAddr("1.2.3.4"), 1.5).isValid(), false);
  assert.equal(prefixFrom(parseAddr("fe80::1%eth0"), 64).toString(), "fe80::1/64", "zone dropped");
});

test("As4, asSlice and prefix errors follow Go (panics become NetipError)", () => {
  assert.deepEqual([...parseAddr("::ffff:1.2.3.4").as4()], [1, 2, 3, 4]);
  assert.deepEqual([...parseAddr("1.2.3.4").asSlice()!], [1, 2, 3, 4]);
  assert.throws(() => parseAddr("::1").as4(), (e) => e instanceof NetipError && e.message === "As4 called on IPv6 address");
  assert.throws(() => new Addr().as4(), { message: "As4 called on IP zero value" });
  assert.throws(() => parseAddr("1.2.3.4").prefix(-1), { message: "negative Prefix bits" });
  assert.throws(() => parseAddr("1.2.3.4").prefix(33), { message: "prefix length 33 too large for IPv4" });
  assert.throws(() => parseAddr("::").prefix(129), { message: "prefix length 129 too large for IPv6" });
  assert.equal(new Addr().prefix(200).toString(), "invalid Prefix", "the zero Addr gives the zero Prefix");
});

test("values are immutable and compare with equal", () => {
  const a = parseAddr("fe80::1%eth0");
  assert.ok(Object.isFrozen(a));
  assert.ok(Object.isFrozen(parseAddrPort("1.2.3.4:5")));
  assert.ok(Object.isFrozen(parsePrefix("1.2.3.0/24")));
  assert.throws(() => Object.assign(a, { x: 1 }), TypeError);
  assert.ok(a.equal(parseAddr("fe80::1%eth0")));
  assert.ok(!a.equal(parseAddr("fe80::1")));
  assert.ok(a.withZone("").equal(parseAddr("fe80::1")));
  assert.ok(parseAddr("1.2.3.4").withZone("x").equal(parseAddr("1.2.3.4")), "IPv4 takes no zone");
  assert.ok(parseAddrPort("[::1]:80").equal(netip.addrPortFrom(parseAddr("::1"), 80)));
  assert.ok(parsePrefix("10.0.0.0/8").equal(prefixFrom(parseAddr("10.0.0.0"), 8)));
  const b = a.as16();
  b[0] = 0;
  assert.equal(a.toString(), "fe80::1%eth0", "as16 gives a copy");
});

test("next and prev at the ends of the address space", () => {
  assert.equal(parseAddr("255.255.255.255").next().isValid(), false);
  assert.equal(parseAddr("0.0.0.0").prev().isValid(), false);
  assert.equal(parseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next().isValid(), false);
  assert.equal(parseAddr("::").prev().isValid(), false);
  assert.equal(parseAddr("::ffff:ffff:ffff").next().toString(), "::1:0:0:0");
  assert.equal(parseAddr("1::%z").prev().toString(), "0:ffff:ffff:ffff:ffff:ffff:ffff:ffff%z");
});

test("the netip namespace has Go's API surface", () => {
  for (const name of ["Addr", "AddrPort", "Prefix", "parseAddr", "parseAddrPort", "parsePrefix", "addrFrom4", "addrFrom16",
    "addrFromSlice", "prefixFrom", "addrPortFrom", "mustParseAddr", "mustParseAddrPort", "mustParsePrefix", "ipv4Unspecified",
    "ipv6Unspecified", "ipv6LinkLocalAllNodes", "NetipError", "ParseAddrError"]) {
    assert.ok(name in netip, name);
  }
  assert.throws(() => netip.mustParsePrefix("x"), NetipError);
});

test("quote is Go's strconv.Quote, with Go's (Unicode 13) idea of printable", () => {
  for (const [cp, want] of quoteCases) assert.equal(quote(String.fromCodePoint(cp)), want, `U+${cp.toString(16)}`);
  assert.equal(quote("a\ud800b\udfffc"), '"a\\xed\\xa0\\x80b\\xed\\xbf\\xbfc"', "lone surrogates as their WTF-8 bytes");
  assert.equal(quote("\ud83d\ude00\"\\"), '"\u{1F600}\\"\\\\"');
});
