/**
 * Netlink route messages, Go's syscall/netlink_linux.go: `netlinkRIB` dumps a routing table
 * (links, addresses, routes) over a NETLINK_ROUTE RawSocket; `parseNetlinkMessage` and
 * `parseNetlinkRouteAttr` take the dump apart. The structs' sizes and offsets come from the
 * native core (SK_* layout constants); their fields are in host byte order (netlink(7)).
 */
import { E, Errno, SyscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { invalidArg, isBytes } from "../sys/args.js";
import {
  AF_NETLINK,
  MSG_TRUNC,
  NETLINK_ROUTE,
  NLMSG_ALIGNTO,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  RTA_ALIGNTO,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_DELROUTE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  SOCK_RAW,
  SizeofIfAddrmsg,
  SizeofIfInfomsg,
  SizeofRtAttr,
  SizeofRtGenmsg,
  SizeofRtMsg,
} from "./constants.js";
import { SockaddrNetlink } from "./sockaddr.js";
import { socket } from "./socket.js";

const le = C.SK_LITTLE_ENDIAN === 1;

/** NlMsghdr is a netlink message header, Go's `syscall.NlMsghdr`. */
export interface NlMsghdr {
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/** NetlinkMessage is one message of a netlink reply: its header and its payload. */
export interface NetlinkMessage {
  header: NlMsghdr;
  data: Uint8Array;
}

/** RtAttr is a route attribute's header, Go's `syscall.RtAttr`. */
export interface RtAttr {
  len: number;
  type: number;
}

/** NetlinkRouteAttr is one route attribute: its header and its value. */
export interface NetlinkRouteAttr {
  attr: RtAttr;
  value: Uint8Array;
}

/** IfInfomsg is the head of an RTM_NEWLINK message, Go's `syscall.IfInfomsg`. */
export interface IfInfomsg {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

/** IfAddrmsg is the head of an RTM_NEWADDR message, Go's `syscall.IfAddrmsg`. */
export interface IfAddrmsg {
  family: number;
  prefixlen: number;
  flags: number;
  scope: number;
  index: number;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function align(n: number, to: number): number {
  return (n + to - 1) & ~(to - 1);
}

const einval = (): Errno => new Errno(E.EINVAL!);

/**
 * newNetlinkRouteRequest builds a dump request (NLM_F_DUMP|NLM_F_REQUEST) of type `proto`
 * (RTM_GETLINK, RTM_GETADDR ...) for address family `family` with sequence number `seq`, Go's
 * unexported `newNetlinkRouteRequest`.
 *
 * @example
 * await s.sendto(syscall.newNetlinkRouteRequest(syscall.RTM_GETLINK, 1, syscall.AF_UNSPEC), 0, kernel);
 */
export function newNetlinkRouteRequest(proto: number, seq: number, family: number): Uint8Array {
  const len = NLMSG_HDRLEN + SizeofRtGenmsg;
  const b = new Uint8Array(align(len, NLMSG_ALIGNTO));
  const v = view(b);
  v.setUint32(C.SK_NLMSGHDR_LEN!, len, le);
  v.setUint16(C.SK_NLMSGHDR_TYPE!, proto, le);
  v.setUint16(C.SK_NLMSGHDR_FLAGS!, NLM_F_DUMP | NLM_F_REQUEST, le);
  v.setUint32(C.SK_NLMSGHDR_SEQ!, seq >>> 0, le);
  b[NLMSG_HDRLEN] = family;
  return b.subarray(0, len);
}

/**
 * parseNetlinkMessage splits netlink reply bytes into messages; a header that claims fewer
 * bytes than a header or more than remain is a bare EINVAL, as in Go. Go:
 * `syscall.ParseNetlinkMessage`.
 */
export function parseNetlinkMessage(b: Uint8Array): NetlinkMessage[] {
  if (!isBytes(b)) throw invalidArg("b", "a Uint8Array", b);
  const msgs: NetlinkMessage[] = [];
  while (b.length >= NLMSG_HDRLEN) {
    const v = view(b);
    const len = v.getUint32(C.SK_NLMSGHDR_LEN!, le);
    const l = align(len, NLMSG_ALIGNTO);
    if (len < NLMSG_HDRLEN || l > b.length) throw einval();
    const header: NlMsghdr = {
      len,
      type: v.getUint16(C.SK_NLMSGHDR_TYPE!, le),
      flags: v.getUint16(C.SK_NLMSGHDR_FLAGS!, le),
      seq: v.getUint32(C.SK_NLMSGHDR_SEQ!, le),
      pid: v.getUint32(C.SK_NLMSGHDR_PID!, le),
    };
    msgs.push({ header, data: b.subarray(NLMSG_HDRLEN, len) });
    b = b.subarray(l);
  }
  return msgs;
}

/**
 * parseNetlinkRouteAttr gives the route attributes of a link, address or route message (the
 * bytes after its IfInfomsg, IfAddrmsg or rtmsg); another message type is a bare EINVAL. Go:
 * `syscall.ParseNetlinkRouteAttr`.
 */
export function parseNetlinkRouteAttr(m: NetlinkMessage): NetlinkRouteAttr[] {
  const t = m.header.type;
  let skip: number;
  if (t === RTM_NEWLINK || t === RTM_DELLINK) skip = SizeofIfInfomsg;
  else if (t === RTM_NEWADDR || t === RTM_DELADDR) skip = SizeofIfAddrmsg;
  else if (t === RTM_NEWROUTE || t === RTM_DELROUTE) skip = SizeofRtMsg;
  else throw einval();
  if (m.data.length < skip) throw einval();
  let b = m.data.subarray(skip);
  const attrs: NetlinkRouteAttr[] = [];
  while (b.length >= SizeofRtAttr) {
    const v = view(b);
    const len = v.getUint16(C.SK_RTATTR_LEN!, le);
    if (len < SizeofRtAttr || len > b.length) throw einval();
    attrs.push({ attr: { len, type: v.getUint16(C.SK_RTATTR_TYPE!, le) }, value: b.subarray(SizeofRtAttr, len) });
    b = b.subarray(Math.min(align(len, RTA_ALIGNTO), b.length));
  }
  return attrs;
}

/** parseIfInfomsg reads the IfInfomsg at the head of an RTM_NEWLINK message's data. */
export function parseIfInfomsg(data: Uint8Array): IfInfomsg {
  if (data.length < SizeofIfInfomsg) throw einval();
  const v = view(data);
  return {
    family: v.getUint8(C.SK_IFINFOMSG_FAMILY!),
    type: v.getUint16(C.SK_IFINFOMSG_TYPE!, le),
    index: v.getInt32(C.SK_IFINFOMSG_INDEX!, le),
    flags: v.getUint32(C.SK_IFINFOMSG_FLAGS!, le),
    change: v.getUint32(C.SK_IFINFOMSG_CHANGE!, le),
  };
}

/** parseIfAddrmsg reads the IfAddrmsg at the head of an RTM_NEWADDR message's data. */
export function parseIfAddrmsg(data: Uint8Array): IfAddrmsg {
  if (data.length < SizeofIfAddrmsg) throw einval();
  const v = view(data);
  return {
    family: v.getUint8(C.SK_IFADDRMSG_FAMILY!),
    prefixlen: v.getUint8(C.SK_IFADDRMSG_PREFIXLEN!),
    flags: v.getUint8(C.SK_IFADDRMSG_FLAGS!),
    scope: v.getUint8(C.SK_IFADDRMSG_SCOPE!),
    index: v.getUint32(C.SK_IFADDRMSG_INDEX!, le),
  };
}

/** The receive buffer of a dump: the kernel sizes its dump messages to what the reader takes. */
const ribBufferSize = 32 * 1024;

/**
 * netlinkRIB dumps a routing information base: `proto` RTM_GETLINK, RTM_GETADDR or
 * RTM_GETROUTE for `family` (AF_UNSPEC for all), and resolves with every reply byte up to and
 * including NLMSG_DONE, for {@link parseNetlinkMessage}. As Go's, a reply out of sequence, from
 * another port or an NLMSG_ERROR is a bare EINVAL; the syscalls' own failures are bare Errnos
 * too, which the net layer names "netlinkrib". Go: `syscall.NetlinkRIB`.
 *
 * @example
 * const msgs = syscall.parseNetlinkMessage(await syscall.netlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC));
 */
export async function netlinkRIB(proto: number, family: number): Promise<Uint8Array> {
  try {
    return await dump(proto, family);
  } catch (err) {
    throw err instanceof SyscallError ? err.err : err;
  }
}

async function dump(proto: number, family: number): Promise<Uint8Array> {
  const s = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  try {
    const kernel = new SockaddrNetlink({ family: AF_NETLINK });
    s.bind(kernel);
    await s.sendto(newNetlinkRouteRequest(proto, 1, family), 0, kernel);
    const local = s.getsockname();
    if (!(local instanceof SockaddrNetlink)) throw einval();
    const parts: Uint8Array[] = [];
    const rb = new Uint8Array(ribBufferSize);
    for (;;) {
      const { n, recvflags } = await s.recvmsg(rb, null, 0);
      if (n < NLMSG_HDRLEN || (recvflags & MSG_TRUNC) !== 0) throw einval();
      const chunk = rb.slice(0, n);
      parts.push(chunk);
      for (const m of parseNetlinkMessage(chunk)) {
        if (m.header.seq !== 1 || m.header.pid !== local.pid) throw einval();
        if (m.header.type === NLMSG_DONE) return concat(parts);
        if (m.header.type === NLMSG_ERROR) throw einval();
      }
    }
  } finally {
    await s.close();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
