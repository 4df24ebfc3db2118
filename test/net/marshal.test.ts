/**
 * Text marshalling of addresses (issue 10): IP, netip.Addr, AddrPort and Prefix give Go's
 * MarshalText forms (and JSON through toJSON, as encoding/json uses them), and unmarshalText
 * reads them back with Go's errors; checked line by line against Go 1.19 (skipped without go).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { IP, netip, parseIP } from "../../src/index.js";
import { buildGo, haveGo } from "./gointerop_peer.js";

const ips = ["1.2.3.4", "::1", "::ffff:1.2.3.4", "2001:db8::1", "fe80::1"];
const addrs = ["1.2.3.4", "::1", "::ffff:1.2.3.4", "fe80::1%eth0", "2001:db8::1"];
const addrPorts = ["1.2.3.4:80", "[::1]:443", "[fe80::1%eth0]:8080", "[::ffff:1.2.3.4]:1"];
const prefixes = ["10.0.0.0/8", "1.2.3.4/24", "::1/128", "2001:db8::/32", "::ffff:1.2.3.0/120"];
const badTexts = ["1.2.3", "::g", "1.2.3.4/33", "[::1]:99999", "x"];

/** sockit's answers, one line per case, in the order the Go program prints its own. */
function sockitLines(): string[] {
  const out: string[] = [];
  const guard = (what: string, f: () => string) => {
    try {
      out.push(`${what}: ${f()}`);
    } catch (e) {
      out.push(`${what}: error ${(e as Error).message}`);
    }
  };
  for (const s of ips) guard(`IP ${s}`, () => JSON.stringify(parseIP(s)));
  guard("IP nil", () => JSON.stringify(new IP(0)));
  guard("IP short", () => new IP([1, 2]).marshalText());
  for (const s of addrs) guard(`Addr ${s}`, () => JSON.stringify(netip.parseAddr(s)));
  guard("Addr zero", () => JSON.stringify(new netip.Addr()));
  for (const s of addrPorts) guard(`AddrPort ${s}`, () => JSON.stringify(netip.parseAddrPort(s)));
  guard("AddrPort zero", () => JSON.stringify(new netip.AddrPort()));
  for (const s of prefixes) guard(`Prefix ${s}`, () => JSON.stringify(netip.parsePrefix(s)));
  guard("Prefix zero", () => JSON.stringify(new netip.Prefix()));
  guard("Prefix invalid", () => JSON.stringify(netip.prefixFrom(netip.parseAddr("1.2.3.4"), 33)));
  for (const t of ["", ...badTexts, "1.2.3.4"]) {
    guard(`unmarshal IP ${JSON.stringify(t)}`, () => String(IP.unmarshalText(t)));
    guard(`unmarshal Addr ${JSON.stringify(t)}`, () => netip.Addr.unmarshalText(t).toString());
    guard(`unmarshal Prefix ${JSON.stringify(t)}`, () => netip.Prefix.unmarshalText(t).toString());
    guard(`unmarshal AddrPort ${JSON.stringify(t)}`, () => netip.AddrPort.unmarshalText(t).toString());
  }
  return out;
}

const goProgram = (cases: { ips: string[]; addrs: string[]; addrPorts: string[]; prefixes: string[]; texts: string[] }) => `package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
)

func show(what string, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Printf("%s: error %v\\n", what, err)
		return
	}
	fmt.Printf("%s: %s\\n", what, b)
}

func main() {
	for _, s := range ${JSON.stringify(cases.ips).replace("[", "[]string{").replace(/\]$/, "}")} {
		show("IP "+s, net.ParseIP(s))
	}
	show("IP nil", net.IP(nil))
	if _, err := net.IP([]byte{1, 2}).MarshalText(); err != nil {
		fmt.Printf("IP short: error %v\\n", err)
	}
	for _, s := range ${JSON.stringify(cases.addrs).replace("[", "[]string{").replace(/\]$/, "}")} {
		show("Addr "+s, netip.MustParseAddr(s))
	}
	show("Addr zero", netip.Addr{})
	for _, s := range ${JSON.stringify(cases.addrPorts).replace("[", "[]string{").replace(/\]$/, "}")} {
		show("AddrPort "+s, netip.MustParseAddrPort(s))
	}
	show("AddrPort zero", netip.AddrPort{})
	for _, s := range ${JSON.stringify(cases.prefixes).replace("[", "[]string{").replace(/\]$/, "}")} {
		show("Prefix "+s, netip.MustParsePrefix(s))
	}
	show("Prefix zero", netip.Prefix{})
	show("Prefix invalid", netip.PrefixFrom(netip.MustParseAddr("1.2.3.4"), 33))
	for _, t := range ${JSON.stringify(cases.texts).replace("[", "[]string{").replace(/\]$/, "}")} {
		q := fmt.Sprintf("%q", t)
		var ip net.IP
		if err := ip.UnmarshalText([]byte(t)); err != nil {
			fmt.Printf("unmarshal IP %s: error %v\\n", q, err)
		} else if ip == nil {
			fmt.Printf("unmarshal IP %s: null\\n", q)
		} else {
			fmt.Printf("unmarshal IP %s: %s\\n", q, ip)
		}
		var a netip.Addr
		if err := a.UnmarshalText([]byte(t)); err != nil {
			fmt.Printf("unmarshal Addr %s: error %v\\n", q, err)
		} else {
			fmt.Printf("unmarshal Addr %s: %s\\n", q, a)
		}
		var p netip.Prefix
		if err := p.UnmarshalText([]byte(t)); err != nil {
			fmt.Printf("unmarshal Prefix %s: error %v\\n", q, err)
		} else {
			fmt.Printf("unmarshal Prefix %s: %s\\n", q, p)
		}
		var ap netip.AddrPort
		if err := ap.UnmarshalText([]byte(t)); err != nil {
			fmt.Printf("unmarshal AddrPort %s: error %v\\n", q, err)
		} else {
			fmt.Printf("unmarshal AddrPort %s: %s\\n", q, ap)
		}
	}
}
`;

describe("text marshalling of addresses", () => {
  it("JSON.stringify writes Go's text forms", () => {
    assert.equal(JSON.stringify({ ip: parseIP("10.0.0.1"), p: netip.parsePrefix("10.0.0.0/8") }), '{"ip":"10.0.0.1","p":"10.0.0.0/8"}');
    assert.equal(JSON.stringify(new netip.Addr()), '""');
    assert.equal(IP.unmarshalText(""), null);
    assert.equal(String(netip.AddrPort.unmarshalText("[::1]:80")), "[::1]:80");
  });

  it("matches Go 1.19's MarshalText, encoding/json and UnmarshalText, case by case", async (t) => {
    if (!haveGo()) return t.skip("the go tool is not installed");
    const prog = await buildGo(goProgram({ ips, addrs, addrPorts, prefixes, texts: ["", ...badTexts, "1.2.3.4"] }), 120_000);
    try {
      const r = spawnSync(prog.bin, [], { encoding: "utf8", timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      const go = r.stdout.trim().split("\n");
      const mine = sockitLines();
      assert.equal(go.length, mine.length, "as many answers as cases");
      assert.ok(go.length >= 50, `the Go program answered every case (${go.length} lines)`);
      for (let i = 0; i < Math.max(go.length, mine.length); i++) assert.equal(mine[i], go[i], `line ${i + 1}`);
    } finally {
      prog.remove();
    }
  });
});
