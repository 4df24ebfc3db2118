/**
 * Netlink through the syscall layer (Go's syscall.NetlinkRIB and its parsers): an RTM_GETLINK
 * dump made by hand (socket, bind, sendto, recvfrom until NLMSG_DONE) names exactly the links
 * of /sys/class/net, with their indexes; netlinkRIB's RTM_GETADDR dump holds 127.0.0.1/8 on
 * lo; the parsers refuse malformed bytes with a bare EINVAL, as Go's do.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as sc from "../../src/syscall/index.js";
import { errorIs, Errno } from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const LIMIT = 5000;
const sysLinks = readdirSync("/sys/class/net").sort();

function ifname(m: sc.NetlinkMessage): string {
  const a = sc.parseNetlinkRouteAttr(m).find((x) => x.attr.type === sc.IFLA_IFNAME);
  assert.ok(a !== undefined, "every link has IFLA_IFNAME");
  assert.equal(a.value[a.value.length - 1], 0, "NUL-terminated");
  return Buffer.from(a.value.subarray(0, -1)).toString();
}

it("dumps the links by hand: the names and indexes of /sys/class/net", async () => {
  await using s = await sc.socket(sc.AF_NETLINK, sc.SOCK_RAW, sc.NETLINK_ROUTE);
  const kernel = new sc.SockaddrNetlink({ family: sc.AF_NETLINK });
  s.bind(kernel);
  const local = s.getsockname();
  assert.ok(local instanceof sc.SockaddrNetlink);
  assert.equal(local.family, sc.AF_NETLINK);
  assert.ok(local.pid !== 0, "the kernel assigned a port id");
  const req = sc.newNetlinkRouteRequest(sc.RTM_GETLINK, 7, sc.AF_UNSPEC);
  assert.equal(req.length, sc.NLMSG_HDRLEN + sc.SizeofRtGenmsg);
  assert.equal(await s.sendto(req, 0, kernel), req.length);

  const links = new Map<string, sc.IfInfomsg>();
  const buf = new Uint8Array(32 * 1024);
  for (let done = false; !done; ) {
    const { n, from } = await within(s.recvfrom(buf, 0), LIMIT, "netlink reply");
    assert.ok(from instanceof sc.SockaddrNetlink);
    assert.equal(from.pid, 0, "replies come from the kernel");
    for (const m of sc.parseNetlinkMessage(buf.subarray(0, n))) {
      assert.equal(m.header.seq, 7);
      assert.equal(m.header.pid, local.pid);
      if (m.header.type === sc.NLMSG_DONE) done = true;
      else if (m.header.type === sc.RTM_NEWLINK) links.set(ifname(m), sc.parseIfInfomsg(m.data));
    }
  }
  assert.deepEqual([...links.keys()].sort(), sysLinks);
  // sysfs shows dev->flags, netlink adds the operational ones (IFF_RUNNING, IFF_LOWER_UP).
  const stable = sc.IFF_UP | sc.IFF_BROADCAST | sc.IFF_LOOPBACK | sc.IFF_POINTOPOINT | sc.IFF_MULTICAST;
  for (const [name, ifim] of links) {
    assert.equal(ifim.index, Number(readFileSync(`/sys/class/net/${name}/ifindex`, "utf8")), name);
    assert.equal(ifim.flags & stable, Number(readFileSync(`/sys/class/net/${name}/flags`, "utf8")) & stable, `${name} flags`);
  }
});

it("netlinkRIB dumps the addresses: lo has 127.0.0.1/8", async () => {
  const msgs = sc.parseNetlinkMessage(await sc.netlinkRIB(sc.RTM_GETADDR, sc.AF_INET));
  assert.equal(msgs.at(-1)!.header.type, sc.NLMSG_DONE);
  const lo = Number(readFileSync("/sys/class/net/lo/ifindex", "utf8"));
  const found = msgs.some((m) => {
    if (m.header.type !== sc.RTM_NEWADDR) return false;
    const ifam = sc.parseIfAddrmsg(m.data);
    const local = sc.parseNetlinkRouteAttr(m).find((a) => a.attr.type === sc.IFA_LOCAL);
    return ifam.index === lo && ifam.family === sc.AF_INET && ifam.prefixlen === 8 && local !== undefined && [...local.value].join(".") === "127.0.0.1";
  });
  assert.ok(found, "127.0.0.1/8 on lo");
});

it("the parsers refuse malformed messages with a bare EINVAL", () => {
  const einval = new Errno(E.EINVAL!);
  const req = sc.newNetlinkRouteRequest(sc.RTM_GETLINK, 1, sc.AF_UNSPEC);
  // The request is 17 bytes, as Go's; a message is parsed with its padding to 4 bytes.
  assert.throws(() => sc.parseNetlinkMessage(req), (e: unknown) => errorIs(e, einval));
  const good = new Uint8Array(20);
  good.set(req);
  const msgs = sc.parseNetlinkMessage(good);
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0]!.header.type, sc.RTM_GETLINK);
  assert.equal(msgs[0]!.header.flags, sc.NLM_F_DUMP | sc.NLM_F_REQUEST);
  assert.deepEqual(sc.parseNetlinkMessage(new Uint8Array(4)), [], "fewer bytes than a header: no message");
  const long = good.slice();
  new DataView(long.buffer).setUint32(0, 1000, true);
  assert.throws(() => sc.parseNetlinkMessage(long), (e: unknown) => errorIs(e, einval) && (e as Error).message === "invalid argument");
  assert.throws(() => sc.parseNetlinkRouteAttr(msgs[0]!), (e: unknown) => errorIs(e, einval), "RTM_GETLINK has no route attributes");
  const bad: sc.NetlinkMessage = { header: { ...msgs[0]!.header, type: sc.RTM_NEWLINK }, data: new Uint8Array(sc.SizeofIfInfomsg + 4).fill(0xff) };
  assert.throws(() => sc.parseNetlinkRouteAttr(bad), (e: unknown) => errorIs(e, einval), "an attribute longer than the message");
  assert.throws(() => sc.parseNetlinkMessage("x" as never), { code: "ERR_INVALID_ARG_TYPE" });
});
