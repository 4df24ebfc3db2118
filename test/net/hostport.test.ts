/**
 * splitHostPort, joinHostPort and parseMAC against Go 1.19: the golden tables (Go's
 * ip_test.go and mac_test.go tables, every address literal of Go's tests, edge cases) and
 * Go's own readable tables.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { HardwareAddr, joinHostPort, parseMAC, splitHostPort } from "../../src/net/address.js";
import { AddrError } from "../../src/net/errors.js";
import { joinHostPortCases, parseMACCases, splitHostPortCases } from "./golden/ip.golden.js";
import { goThrows, q } from "./golden/check.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

test("splitHostPort agrees with Go on every golden input", () => {
  for (const [input, host, port, err] of splitHostPortCases) {
    if (err !== null) goThrows(() => splitHostPort(input), err, `splitHostPort(${q(input)})`);
    else assert.deepEqual(splitHostPort(input), [host, port], `splitHostPort(${q(input)})`);
  }
});

test("splitHostPort: Go's TestSplitHostPort table", () => {
  const ok: [string, string, string][] = [
    ["localhost:http", "localhost", "http"], ["localhost:80", "localhost", "80"],
    ["localhost%lo0:http", "localhost%lo0", "http"], ["localhost%lo0:80", "localhost%lo0", "80"],
    ["[localhost%lo0]:http", "localhost%lo0", "http"], ["[localhost%lo0]:80", "localhost%lo0", "80"],
    ["127.0.0.1:http", "127.0.0.1", "http"], ["127.0.0.1:80", "127.0.0.1", "80"],
    ["[::1]:http", "::1", "http"], ["[::1]:80", "::1", "80"], ["[::1%lo0]:http", "::1%lo0", "http"],
    ["[::1%lo0]:80", "::1%lo0", "80"], [":http", "", "http"], [":80", "", "80"], ["golang.org:", "golang.org", ""],
    ["127.0.0.1:", "127.0.0.1", ""], ["[::1]:", "::1", ""], ["golang.org:https%foo", "golang.org", "https%foo"],
  ];
  for (const [hp, host, port] of ok) assert.deepEqual(splitHostPort(hp), [host, port], hp);
  const bad: [string, string][] = [
    ["golang.org", "missing port in address"], ["127.0.0.1", "missing port in address"], ["[::1]", "missing port in address"],
    ["[fe80::1%lo0]", "missing port in address"], ["[localhost%lo0]", "missing port in address"],
    ["localhost%lo0", "missing port in address"], ["::1", "too many colons in address"],
    ["fe80::1%lo0", "too many colons in address"], ["fe80::1%lo0:80", "too many colons in address"],
    ["[foo:bar]", "missing port in address"], ["[foo:bar]baz", "missing port in address"],
    ["[foo]bar:baz", "missing port in address"], ["[foo]:[bar]:baz", "too many colons in address"],
    ["[foo]:[bar]baz", "unexpected '[' in address"], ["foo[bar]:baz", "unexpected '[' in address"],
    ["foo]bar:baz", "unexpected ']' in address"],
  ];
  for (const [hp, why] of bad) {
    assert.throws(() => splitHostPort(hp), (e) => e instanceof AddrError && e.err === why && e.addr === hp, hp);
  }
});

test("the issue's error texts", () => {
  assert.throws(() => splitHostPort("1.2.3.4"), { message: "address 1.2.3.4: missing port in address" });
  assert.throws(() => splitHostPort("1:2:3"), { message: "address 1:2:3: too many colons in address" });
  assert.throws(() => splitHostPort("[::1"), { message: "address [::1: missing ']' in address" });
});

test("joinHostPort agrees with Go", () => {
  for (const [host, port, want] of joinHostPortCases) assert.equal(joinHostPort(host, port), want, `${q(host)}, ${q(port)}`);
  assert.equal(joinHostPort("[::1]", "80"), "[[::1]]:80", "brackets are not special, as in Go");
});

test("parseMAC agrees with Go on every golden input", () => {
  for (const [input, str, err] of parseMACCases) {
    if (err !== null) {
      goThrows(() => parseMAC(input), err, `parseMAC(${q(input)})`);
      continue;
    }
    const hw = parseMAC(input);
    assert.ok(hw instanceof HardwareAddr);
    assert.equal(hw.toString(), str, `parseMAC(${q(input)})`);
  }
});

test("parseMAC: Go's mac_test.go table", () => {
  const ok: [string, number[]][] = [
    ["00:00:5e:00:53:01", [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]],
    ["00-00-5e-00-53-01", [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]],
    ["0000.5e00.5301", [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]],
    ["02:00:5e:10:00:00:00:01", [0x02, 0x00, 0x5e, 0x10, 0x00, 0x00, 0x00, 0x01]],
    ["0200.5e10.0000.0001", [0x02, 0x00, 0x5e, 0x10, 0x00, 0x00, 0x00, 0x01]],
    ["ab:cd:ef:AB:CD:EF", [0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef]],
  ];
  for (const [s, bytes] of ok) assert.deepEqual([...parseMAC(s)], bytes, s);
  for (const s of ["01.02.03.04.05.06", "01:02:03:04:05:06:", "x1:02:03:04:05:06", "01002:03:04:05:06", "01:02003:04:05:06",
    "01:02:03004:05:06", "01:02:03:04005:06", "01:02:03:04:05006", "01-02:03:04:05:06", "01:02-03-04-05-06", "0123:4567:89AF",
    "0123-4567-89AF"]) {
    assert.throws(() => parseMAC(s), (e) => e instanceof AddrError && e.message === `address ${s}: invalid MAC address`, s);
  }
  assert.equal(new HardwareAddr(0).toString(), "");
});
