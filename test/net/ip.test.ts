/**
 * IP, IPMask, IPNet, cidrMask and parseCIDR against Go 1.19's results: the golden tables
 * (Go's ip_test.go tables and every address literal of Go's tests, plus edge cases) and
 * readable cases for the surprises.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  IP, IPMask, IPNet, IPv4, cidrMask, ipv4Mask, parseCIDR, parseIP,
  IPv4bcast, IPv4allsys, IPv4allrouter, IPv4zero, IPv6zero, IPv6unspecified, IPv6loopback,
  IPv6interfacelocalallnodes, IPv6linklocalallnodes, IPv6linklocalallrouters,
} from "../../src/net/address.js";
import { ParseError } from "../../src/net/errors.js";
import {
  cidrMaskCases, ipCases, ipEqualCases, ipMaskCases, ipNetCases, ipNetProbes, maskCases, parseCIDRCases, parseIPCases,
} from "./golden/ip.golden.js";
import { checkGoError, hex, q, unhex } from "./golden/check.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const ip = (h: string): IP => new IP(unhex(h));

test("parseIP agrees with Go on every golden input", () => {
  for (const [input, want, str] of parseIPCases) {
    const got = parseIP(input);
    assert.equal(hex(got), want, `parseIP(${q(input)})`);
    if (got !== null) {
      assert.ok(got instanceof IP);
      assert.equal(got.toString(), str, `parseIP(${q(input)}).toString()`);
    }
  }
});

test("IP formatting, to4, to16, classification and defaultMask agree with Go", () => {
  const names = ["isUnspecified", "isLoopback", "isPrivate", "isMulticast", "isInterfaceLocalMulticast",
    "isLinkLocalMulticast", "isLinkLocalUnicast", "isGlobalUnicast"] as const;
  for (const [h, str, to4, to16, flags, dm] of ipCases) {
    const x = ip(h);
    assert.equal(x.toString(), str, `IP(${h}).toString()`);
    assert.equal(hex(x.to4()), to4, `IP(${h}).to4()`);
    assert.equal(hex(x.to16()), to16, `IP(${h}).to16()`);
    const got = names.map((n) => (x[n]() ? "1" : "0")).join("");
    assert.equal(got, flags, `IP(${h}) classification ${names.join(" ")}`);
    assert.equal(hex(x.defaultMask()), dm, `IP(${h}).defaultMask()`);
  }
});

test("IP.equal agrees with Go", () => {
  for (const [a, b, want] of ipEqualCases) assert.equal(ip(a).equal(ip(b)), want, `IP(${a}).equal(${b})`);
  assert.equal(IPv4(1, 2, 3, 4).equal(null), false);
  assert.equal(new IP(0).equal(null), true, "an empty IP equals nil, as in Go");
});

test("IPMask size and toString agree with Go", () => {
  for (const [h, ones, bits, str] of maskCases) {
    const m = new IPMask(unhex(h));
    assert.deepEqual(m.size(), [ones, bits], `IPMask(${h}).size()`);
    assert.equal(m.toString(), str, `IPMask(${h}).toString()`);
  }
});

test("IP.mask agrees with Go", () => {
  for (const [i, m, want] of ipMaskCases) {
    const got = ip(i).mask(new IPMask(unhex(m)));
    assert.equal(hex(got), want, `IP(${i}).mask(${m})`);
    if (got !== null) assert.ok(got instanceof IP);
  }
});

test("cidrMask agrees with Go", () => {
  for (const [ones, bits, want] of cidrMaskCases) {
    const got = cidrMask(ones, bits);
    assert.equal(hex(got), want, `cidrMask(${ones}, ${bits})`);
    if (got !== null) assert.ok(got instanceof IPMask);
  }
  assert.equal(cidrMask(1.5, 32), null, "a fraction is no bit count");
  assert.equal(cidrMask(Number.NaN, 32), null);
});

test("parseCIDR agrees with Go on every golden input", () => {
  for (const [input, err, ipHex, netIP, netMask, netStr] of parseCIDRCases) {
    if (err !== null) {
      assert.throws(() => parseCIDR(input), (e) => (checkGoError(e, err, `parseCIDR(${q(input)})`), true));
      continue;
    }
    const [got, n] = parseCIDR(input);
    assert.equal(hex(got), ipHex, `parseCIDR(${q(input)}) ip`);
    assert.equal(hex(n.ip), netIP, `parseCIDR(${q(input)}) net.ip`);
    assert.equal(hex(n.mask), netMask, `parseCIDR(${q(input)}) net.mask`);
    assert.equal(n.toString(), netStr, `parseCIDR(${q(input)}) net`);
  }
});

test("IPNet toString and contains agree with Go, including mismatched lengths", () => {
  const probes = ipNetProbes.map((p) => ip(p));
  for (const [ni, m, str, contains] of ipNetCases) {
    const n = new IPNet(ni === null ? null : ip(ni), m === null ? null : new IPMask(unhex(m)));
    const what = `IPNet(${ni}, ${m})`;
    assert.equal(n.toString(), str, `${what}.toString()`);
    assert.equal(probes.map((p) => (n.contains(p) ? "1" : "0")).join(""), contains, `${what}.contains(${ipNetProbes.join(",")})`);
  }
  assert.equal(new IPNet(null, null).contains(null), true, "Go: an empty IP is in the empty network");
  assert.equal(new IPNet(IPv4(10, 0, 0, 0), cidrMask(8, 32)).network(), "ip+net");
});

test("Go's constants have Go's values and 16-byte IPv4 forms", () => {
  const cases: [IP, string][] = [
    [IPv4bcast, "255.255.255.255"], [IPv4allsys, "224.0.0.1"], [IPv4allrouter, "224.0.0.2"], [IPv4zero, "0.0.0.0"],
    [IPv6zero, "::"], [IPv6unspecified, "::"], [IPv6loopback, "::1"], [IPv6interfacelocalallnodes, "ff01::1"],
    [IPv6linklocalallnodes, "ff02::1"], [IPv6linklocalallrouters, "ff02::2"],
  ];
  for (const [c, s] of cases) {
    assert.equal(c.length, 16);
    assert.equal(c.toString(), s);
  }
  assert.equal(IPv4(256 + 1, -1, 2, 3).toString(), "1.255.2.3", "bytes wrap as Go's byte conversion");
});

test("the CIDR surprises of GO-REFERENCE A.6 hold", () => {
  assert.equal(parseCIDR("::ffff:1.2.3.4/96")[1].toString(), "0.0.0.0/0");
  assert.equal(parseCIDR("::ffff:1.2.3.4/120")[1].toString(), "1.2.3.0/24");
  assert.equal(parseCIDR("1.2.3.4/024")[1].toString(), "1.2.3.0/24", "leading zeros in the length are fine");
  for (const bad of ["1.2.3.4/+24", "1.2.3.4/-0", "1.2.3.4/ 24", "1.2.3.4/33", "fe80::1%eth0/64", "1.2.3.4"]) {
    assert.throws(() => parseCIDR(bad), (e) => e instanceof ParseError && e.message === `invalid CIDR address: ${bad}`);
  }
  const n = parseCIDR("10.0.0.0/8")[1];
  assert.ok(n.contains(parseIP("::ffff:10.1.2.3")));
  assert.ok(parseCIDR("::ffff:0:0/96")[1].contains(IPv4(192, 0, 2, 1)), "a v4-mapped /96 holds every IPv4 address");
  assert.ok(!parseCIDR("::/0")[1].contains(IPv4(192, 0, 2, 1)));
  assert.ok(!parseCIDR("0.0.0.0/0")[1].contains(parseIP("::1")));
});

test("IP is a Uint8Array whose to4 shares the bytes, as Go's slices", () => {
  const x = parseIP("192.0.2.1")!;
  assert.ok(x instanceof Uint8Array);
  const v4 = x.to4()!;
  assert.ok(v4 instanceof IP);
  v4[3] = 9;
  assert.equal(x.toString(), "192.0.2.9");
  assert.equal(x.subarray(12).toString(), "192.0.2.9", "subarray keeps the IP class");
  assert.equal(new IP(0).toString(), "<nil>");
  assert.equal(new IP([1, 2, 3]).toString(), "?010203");
  assert.equal(ipv4Mask(255, 255, 255, 0).toString(), "ffffff00");
  assert.equal(new IPMask(0).toString(), "<nil>");
});

test("IPv6 formatting follows RFC 5952 (longest run, first on a tie, never one group)", () => {
  const cases: [string, string][] = [
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"],
    ["ABCD:EF01::", "abcd:ef01::"],
  ];
  for (const [input, want] of cases) assert.equal(parseIP(input)!.toString(), want, input);
});

// Go's ip_test.go ipAddrScopeTests, transcribed; each also holds for the 4-byte form.
test("classification: Go's ipAddrScopeTests", () => {
  const b = (...x: number[]): IP => new IP(x);
  const z16 = (first: number[]): IP => new IP([...first, ...new Array<number>(16 - first.length).fill(0)]);
  type Scope = "isUnspecified" | "isLoopback" | "isMulticast" | "isInterfaceLocalMulticast" | "isLinkLocalMulticast" |
    "isLinkLocalUnicast" | "isGlobalUnicast" | "isPrivate";
  const nil = null;
  const cases: [Scope, IP | null, boolean][] = [
    ["isUnspecified", IPv4zero, true], ["isUnspecified", IPv4(127, 0, 0, 1), false], ["isUnspecified", IPv6unspecified, true],
    ["isUnspecified", IPv6interfacelocalallnodes, false], ["isUnspecified", nil, false],
    ["isLoopback", IPv4(127, 0, 0, 1), true], ["isLoopback", IPv4(127, 255, 255, 254), true], ["isLoopback", IPv4(128, 1, 2, 3), false],
    ["isLoopback", IPv6loopback, true], ["isLoopback", IPv6linklocalallrouters, false], ["isLoopback", nil, false],
    ["isMulticast", IPv4(224, 0, 0, 0), true], ["isMulticast", IPv4(239, 0, 0, 0), true], ["isMulticast", IPv4(240, 0, 0, 0), false],
    ["isMulticast", IPv6linklocalallnodes, true], ["isMulticast", z16([0xff, 0x05]), true], ["isMulticast", z16([0xfe, 0x80]), false],
    ["isMulticast", nil, false],
    ["isInterfaceLocalMulticast", IPv4(224, 0, 0, 0), false], ["isInterfaceLocalMulticast", IPv4(0xff, 0x01, 0, 0), false],
    ["isInterfaceLocalMulticast", IPv6interfacelocalallnodes, true], ["isInterfaceLocalMulticast", nil, false],
    ["isLinkLocalMulticast", IPv4(224, 0, 0, 0), true], ["isLinkLocalMulticast", IPv4(239, 0, 0, 0), false],
    ["isLinkLocalMulticast", IPv4(0xff, 0x02, 0, 0), false], ["isLinkLocalMulticast", IPv6linklocalallrouters, true],
    ["isLinkLocalMulticast", z16([0xff, 0x05]), false], ["isLinkLocalMulticast", nil, false],
    ["isLinkLocalUnicast", IPv4(169, 254, 0, 0), true], ["isLinkLocalUnicast", IPv4(169, 255, 0, 0), false],
    ["isLinkLocalUnicast", IPv4(0xfe, 0x80, 0, 0), false], ["isLinkLocalUnicast", z16([0xfe, 0x80]), true],
    ["isLinkLocalUnicast", z16([0xfe, 0xc0]), false], ["isLinkLocalUnicast", nil, false],
    ["isGlobalUnicast", IPv4(240, 0, 0, 0), true], ["isGlobalUnicast", IPv4(232, 0, 0, 0), false],
    ["isGlobalUnicast", IPv4(169, 254, 0, 0), false], ["isGlobalUnicast", IPv4bcast, false],
    ["isGlobalUnicast", b(0x20, 0x1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0x1, 0x23, 0, 0x12, 0, 0x1), true],
    ["isGlobalUnicast", z16([0xfe, 0x80]), false], ["isGlobalUnicast", z16([0xff, 0x05]), false], ["isGlobalUnicast", nil, false],
    ["isPrivate", nil, false], ["isPrivate", IPv4(1, 1, 1, 1), false], ["isPrivate", IPv4(9, 255, 255, 255), false],
    ["isPrivate", IPv4(10, 0, 0, 0), true], ["isPrivate", IPv4(10, 255, 255, 255), true], ["isPrivate", IPv4(11, 0, 0, 0), false],
    ["isPrivate", IPv4(172, 15, 255, 255), false], ["isPrivate", IPv4(172, 16, 0, 0), true], ["isPrivate", IPv4(172, 16, 255, 255), true],
    ["isPrivate", IPv4(172, 23, 18, 255), true], ["isPrivate", IPv4(172, 31, 255, 255), true], ["isPrivate", IPv4(172, 31, 0, 0), true],
    ["isPrivate", IPv4(172, 32, 0, 0), false], ["isPrivate", IPv4(192, 167, 255, 255), false], ["isPrivate", IPv4(192, 168, 0, 0), true],
    ["isPrivate", IPv4(192, 168, 255, 255), true], ["isPrivate", IPv4(192, 169, 0, 0), false],
    ["isPrivate", new IP(16).fill(0xff).fill(0xfb, 0, 1), false], ["isPrivate", z16([0xfc]), true],
    ["isPrivate", z16([0xfc, 0xff, 0x12, 0, 0, 0, 0, 0x44]), true], ["isPrivate", new IP(16).fill(0xff).fill(0xfd, 0, 1), true],
    ["isPrivate", z16([0xfe]), false],
  ];
  for (const [scope, x, want] of cases) {
    // Go calls the method on a nil IP; here that is an empty one.
    const v = x ?? new IP(0);
    assert.equal(v[scope](), want, `${scope}(${v.toString()})`);
    const v4 = v.to4();
    if (v4 !== null) assert.equal(v4[scope](), want, `${scope}(${v.toString()}) in 4 bytes`);
  }
});

test("address families: Go's ipAddrFamilyTests", () => {
  const cases: [IP, boolean, boolean][] = [
    [IPv4bcast, true, false], [IPv4allsys, true, false], [IPv4allrouter, true, false], [IPv4zero, true, false],
    [IPv4(224, 0, 0, 1), true, false], [IPv4(127, 0, 0, 1), true, false], [IPv4(240, 0, 0, 1), true, false],
    [IPv6unspecified, false, true], [IPv6loopback, false, true], [IPv6interfacelocalallnodes, false, true],
    [IPv6linklocalallnodes, false, true], [IPv6linklocalallrouters, false, true], [parseIP("ff05::a:b:c:d")!, false, true],
    [parseIP("fe80::1:2:3:4")!, false, true], [parseIP("2001:db8::123:12:1")!, false, true],
  ];
  for (const [x, af4, af6] of cases) {
    assert.equal(x.to4() !== null, af4, x.toString());
    assert.equal(x.length === 16 && x.to4() === null, af6, x.toString());
  }
});
