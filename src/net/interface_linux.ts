/**
 * The interface tables on Linux, as Go's net/interface_linux.go builds them: links from an
 * RTM_GETLINK dump, addresses from an RTM_GETADDR dump (both through the syscall layer's
 * netlinkRIB), multicast groups from /proc/net/igmp and /proc/net/igmp6.
 */
import { readFile } from "node:fs/promises";
import { SyscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import * as sc from "../syscall/index.js";
import type { NetlinkMessage } from "../syscall/index.js";
import { IP, IPv4, IPv4len, IPv6len } from "./ip.js";
import { IPNet, cidrMask } from "./ipnet.js";
import { IPAddr } from "./addr.js";
import { HardwareAddr } from "./mac.js";
import { xtoi2 } from "./parse.js";
import {
  FlagBroadcast,
  FlagLoopback,
  FlagMulticast,
  FlagPointToPoint,
  FlagUp,
  Flags,
  Interface,
  errNoSuchInterface,
} from "./interface.js";

/** A netlink dump, parsed; failures named as Go names them ("netlinkrib: ..."). */
async function rib(proto: number): Promise<NetlinkMessage[]> {
  let tab: Uint8Array;
  try {
    tab = await sc.netlinkRIB(proto, sc.AF_UNSPEC);
  } catch (err) {
    throw new SyscallError("netlinkrib", err as Error);
  }
  try {
    return sc.parseNetlinkMessage(tab);
  } catch (err) {
    throw new SyscallError("parsenetlinkmessage", err as Error);
  }
}

function attrs(m: NetlinkMessage): sc.NetlinkRouteAttr[] {
  try {
    return sc.parseNetlinkRouteAttr(m);
  } catch (err) {
    throw new SyscallError("parsenetlinkrouteattr", err as Error);
  }
}

/**
 * interfaceTable returns every interface (`ifindex` 0) or the one of `ifindex` (Go's
 * interfaceTable); an index no link has gives an empty list.
 */
export async function interfaceTable(ifindex: number): Promise<Interface[]> {
  const ift: Interface[] = [];
  for (const m of await rib(sc.RTM_GETLINK)) {
    if (m.header.type === sc.NLMSG_DONE) break;
    if (m.header.type !== sc.RTM_NEWLINK) continue;
    const ifim = sc.parseIfInfomsg(m.data);
    if (ifindex !== 0 && ifindex !== ifim.index) continue;
    ift.push(newLink(ifim, attrs(m)));
    if (ifindex === ifim.index) break;
  }
  return ift;
}

/** The tunnel types whose IFLA_ADDRESS is an IP address, not hardware (Go's newLink). */
const tunnels4 = new Set([sc.ARPHRD_TUNNEL, sc.ARPHRD_IPGRE, sc.ARPHRD_SIT]);
const tunnels6 = new Set([sc.ARPHRD_TUNNEL6, sc.ARPHRD_IP6GRE]);

const le = C.SK_LITTLE_ENDIAN === 1;
const decoder = new TextDecoder();

function newLink(ifim: sc.IfInfomsg, list: sc.NetlinkRouteAttr[]): Interface {
  const ifi = new Interface({ index: ifim.index, mtu: 0, name: "", hardwareAddr: new HardwareAddr(0), flags: linkFlags(ifim.flags) });
  for (const a of list) {
    const v = a.value;
    if (a.attr.type === sc.IFLA_ADDRESS) {
      if (v.length === IPv4len && tunnels4.has(ifim.type)) continue;
      if (v.length === IPv6len && tunnels6.has(ifim.type)) continue;
      if (v.some((b) => b !== 0)) ifi.hardwareAddr = new HardwareAddr(v);
    } else if (a.attr.type === sc.IFLA_IFNAME) {
      ifi.name = decoder.decode(v.subarray(0, Math.max(0, v.length - 1)));
    } else if (a.attr.type === sc.IFLA_MTU && v.length >= 4) {
      ifi.mtu = new DataView(v.buffer, v.byteOffset, 4).getUint32(0, le);
    }
  }
  return ifi;
}

function linkFlags(raw: number): Flags {
  let f = 0;
  if ((raw & sc.IFF_UP) !== 0) f |= FlagUp;
  if ((raw & sc.IFF_BROADCAST) !== 0) f |= FlagBroadcast;
  if ((raw & sc.IFF_LOOPBACK) !== 0) f |= FlagLoopback;
  if ((raw & sc.IFF_POINTOPOINT) !== 0) f |= FlagPointToPoint;
  if ((raw & sc.IFF_MULTICAST) !== 0) f |= FlagMulticast;
  return new Flags(f);
}

/**
 * interfaceAddrTable returns the unicast addresses of `ifi`, or of every interface for null
 * (Go's interfaceAddrTable and addrTable): an address whose interface is not in the link table
 * then fails with "no such network interface", as in Go.
 */
export async function interfaceAddrTable(ifi: Interface | null): Promise<IPNet[]> {
  const msgs = await rib(sc.RTM_GETADDR);
  const known = ifi === null ? new Set((await interfaceTable(0)).map((i) => i.index)) : null;
  const out: IPNet[] = [];
  for (const m of msgs) {
    if (m.header.type === sc.NLMSG_DONE) break;
    if (m.header.type !== sc.RTM_NEWADDR) continue;
    const ifam = sc.parseIfAddrmsg(m.data);
    if (known !== null) {
      if (!known.has(ifam.index)) throw errNoSuchInterface;
    } else if (ifi!.index !== ifam.index) {
      continue;
    }
    const ifa = newAddr(ifam, attrs(m));
    if (ifa !== null) out.push(ifa);
  }
  return out;
}

/**
 * The address of one RTM_NEWADDR (Go's newAddr): IFA_LOCAL when there is one (on a
 * point-to-point link IFA_ADDRESS is the peer's), else the first attribute, with the prefix.
 */
function newAddr(ifam: sc.IfAddrmsg, list: sc.NetlinkRouteAttr[]): IPNet | null {
  const p2p = list.some((a) => a.attr.type === sc.IFA_LOCAL);
  for (const a of list) {
    if (p2p && a.attr.type === sc.IFA_ADDRESS) continue;
    const v = a.value;
    if (ifam.family === sc.AF_INET && v.length >= IPv4len) {
      return new IPNet(IPv4(v[0]!, v[1]!, v[2]!, v[3]!), cidrMask(ifam.prefixlen, 8 * IPv4len));
    }
    if (ifam.family === sc.AF_INET6 && v.length >= IPv6len) {
      return new IPNet(new IP(v.subarray(0, IPv6len)), cidrMask(ifam.prefixlen, 8 * IPv6len));
    }
  }
  return null;
}

/** The joined multicast groups of `ifi` (Go's interfaceMulticastAddrTable). */
export async function interfaceMulticastAddrTable(ifi: Interface): Promise<IPAddr[]> {
  const [v4, v6] = await Promise.all([readLines("/proc/net/igmp"), readLines("/proc/net/igmp6")]);
  return [...parseIGMP(v4, ifi.name), ...parseIGMP6(v6, ifi.name)];
}

/** A file's lines, none when it cannot be read (Go ignores the error). */
async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "latin1")).split("\n");
  } catch {
    return [];
  }
}

function fields(line: string, seps: RegExp): string[] {
  return line.split(seps).filter((f) => f !== "");
}

function hexBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length >> 1);
  for (let i = 0; i + 1 < s.length; i += 2) b[i >> 1] = Math.max(0, xtoi2(s, i, i + 2, ""));
  return b;
}

/**
 * /proc/net/igmp: an interface line ("1\tlo        :     1      V3") names the device; the
 * indented group lines under it hold each group as 8 hex digits of a native-endian u32.
 */
function parseIGMP(lines: string[], name: string): IPAddr[] {
  const out: IPAddr[] = [];
  let dev = "";
  for (const l of lines.slice(1)) {
    const f = fields(l, /[ :\r\t\n]/);
    if (f.length < 4) continue;
    if (l[0] !== " " && l[0] !== "\t") dev = f[1]!;
    else if (f[0]!.length === 8 && dev === name) {
      const i = new DataView(hexBytes(f[0]!).buffer).getUint32(0, le);
      out.push(new IPAddr({ ip: IPv4(i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff) }));
    }
  }
  return out;
}

/** /proc/net/igmp6: "index device group(32 hex digits) users flags timer" per line. */
function parseIGMP6(lines: string[], name: string): IPAddr[] {
  const out: IPAddr[] = [];
  for (const l of lines) {
    const f = fields(l, /[ \r\t\n]/);
    if (f.length < 6 || f[1] !== name) continue;
    out.push(new IPAddr({ ip: new IP(hexBytes(f[2]!)) }));
  }
  return out;
}
