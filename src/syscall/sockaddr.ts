/**
 * Go's syscall socket addresses: `SockaddrInet4`, `SockaddrInet6`, `SockaddrUnix`,
 * `SockaddrNetlink`, `SockaddrLinklayer` and `SockaddrVM`, plain objects with Go's fields. The
 * byte layouts stay in the native core (native/sockaddr.c): `encodeSockaddr` hands it the
 * fields, and `decodeSockaddr` takes apart what it decoded, as Go's `sockaddr()` methods and
 * `anyToSockaddr` do.
 */
import { binding, type AnySockaddr } from "../sys/binding.js";
import { E, Errno } from "../sys/errors.js";
import { invalidArg } from "../sys/args.js";
import { C } from "../sys/constants.js";
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX, AF_VSOCK } from "./constants.js";

/** Copies `v` (bytes or an array of byte values) into a new array of exactly `n` bytes. */
function fixedBytes(name: string, v: unknown, n: number, exact: boolean): Uint8Array {
  const ok =
    (v instanceof Uint8Array || (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255))) &&
    (exact ? v.length === n : v.length <= n);
  if (!ok) throw invalidArg(name, `${exact ? "" : "at most "}${n} bytes (a Uint8Array or byte array)`, v);
  const out = new Uint8Array(n);
  out.set(v as ArrayLike<number>);
  return out;
}

/** Checks an integer field against `[0, max]`: a TypeError for a non-integer, EINVAL out of range (Go). */
function field(name: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalidArg(name, "an integer", v);
  if (v < 0 || v > max) throw new Errno(E.EINVAL!);
  return v;
}

/**
 * SockaddrInet4 is an IPv4 socket address, Go's `syscall.SockaddrInet4`: `port` (0-65535) and
 * the 4 bytes of `addr`.
 *
 * @example
 * new syscall.SockaddrInet4({ port: 8080, addr: [127, 0, 0, 1] });
 */
export class SockaddrInet4 {
  /** The port, in host byte order. */
  port: number;
  /** The address's 4 bytes. */
  addr: Uint8Array;
  constructor(init: { port?: number; addr?: ArrayLike<number> } = {}) {
    this.port = init.port ?? 0;
    this.addr = fixedBytes("addr", init.addr ?? new Uint8Array(4), 4, true);
  }
}

/**
 * SockaddrInet6 is an IPv6 socket address, Go's `syscall.SockaddrInet6`: `port`, `zoneId` (the
 * scope id: an interface index for link-local addresses) and the 16 bytes of `addr`.
 *
 * @example
 * new syscall.SockaddrInet6({ port: 8080, addr: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] });
 */
export class SockaddrInet6 {
  /** The port, in host byte order. */
  port: number;
  /** The scope id (sin6_scope_id). */
  zoneId: number;
  /** The address's 16 bytes. */
  addr: Uint8Array;
  constructor(init: { port?: number; zoneId?: number; addr?: ArrayLike<number> } = {}) {
    this.port = init.port ?? 0;
    this.zoneId = init.zoneId ?? 0;
    this.addr = fixedBytes("addr", init.addr ?? new Uint8Array(16), 16, true);
  }
}

/**
 * SockaddrUnix is a unix socket address, Go's `syscall.SockaddrUnix`: a path, "@name" for a
 * Linux abstract name, or "" (bind: autobind; received: an unnamed peer reads as "@", as Go's).
 *
 * @example
 * new syscall.SockaddrUnix({ name: "/tmp/app.sock" });
 */
export class SockaddrUnix {
  /** The socket's name. */
  name: string;
  constructor(init: { name?: string } = {}) {
    this.name = init.name ?? "";
  }
}

/**
 * SockaddrNetlink is a netlink address, Go's `syscall.SockaddrNetlink`: `pid` 0 is the kernel
 * (or, to bind, "let the kernel choose"), `groups` the multicast groups bitmask. The encoded
 * family is always AF_NETLINK, whatever `family` says, as in Go.
 *
 * @example
 * await s.bind(new syscall.SockaddrNetlink({ family: syscall.AF_NETLINK }));
 */
export class SockaddrNetlink {
  /** AF_NETLINK. */
  family: number;
  /** Padding, zero. */
  pad: number;
  /** The port id: 0 for the kernel. */
  pid: number;
  /** The multicast groups bitmask. */
  groups: number;
  constructor(init: { family?: number; pad?: number; pid?: number; groups?: number } = {}) {
    this.family = init.family ?? AF_NETLINK;
    this.pad = init.pad ?? 0;
    this.pid = init.pid ?? 0;
    this.groups = init.groups ?? 0;
  }
}

/**
 * SockaddrLinklayer is a link-level address, Go's `syscall.SockaddrLinklayer` (sockaddr_ll):
 * `protocol` in network byte order as the kernel stores it (`htons(ETH_P_IP)`), `ifindex`,
 * `hatype` (ARPHRD_*), `pkttype` (PACKET_*), and the first `halen` of `addr`'s 8 bytes.
 *
 * @example
 * await s.bind(new syscall.SockaddrLinklayer({ protocol: syscall.htons(syscall.ETH_P_ALL), ifindex: 1 }));
 */
export class SockaddrLinklayer {
  /** The ethertype, network byte order (as stored in sll_protocol). */
  protocol: number;
  /** The interface index. */
  ifindex: number;
  /** The hardware type (ARPHRD_*). */
  hatype: number;
  /** The packet type (PACKET_*). */
  pkttype: number;
  /** How many bytes of `addr` are the address. */
  halen: number;
  /** The hardware address, 8 bytes. */
  addr: Uint8Array;
  constructor(
    init: { protocol?: number; ifindex?: number; hatype?: number; pkttype?: number; halen?: number; addr?: ArrayLike<number> } = {},
  ) {
    this.protocol = init.protocol ?? 0;
    this.ifindex = init.ifindex ?? 0;
    this.hatype = init.hatype ?? 0;
    this.pkttype = init.pkttype ?? 0;
    this.halen = init.halen ?? 0;
    this.addr = fixedBytes("addr", init.addr ?? new Uint8Array(8), 8, false);
  }
}

/**
 * SockaddrVM is a virtual machine socket address (vsock(7)), x/sys/unix's `SockaddrVM`: `cid`
 * (VMADDR_CID_LOCAL for loopback, VMADDR_CID_ANY to bind), `port` and `flags`. Go's standard
 * syscall package has none.
 *
 * @example
 * new syscall.SockaddrVM({ cid: syscall.VMADDR_CID_LOCAL, port: 1234 });
 */
export class SockaddrVM {
  /** The context id. */
  cid: number;
  /** The port. */
  port: number;
  /** The flags (VMADDR_FLAG_TO_HOST). */
  flags: number;
  constructor(init: { cid?: number; port?: number; flags?: number } = {}) {
    this.cid = init.cid ?? 0;
    this.port = init.port ?? 0;
    this.flags = init.flags ?? 0;
  }
}

/** Sockaddr is any of the syscall layer's socket addresses, Go's `syscall.Sockaddr`. */
export type Sockaddr = SockaddrInet4 | SockaddrInet6 | SockaddrUnix | SockaddrNetlink | SockaddrLinklayer | SockaddrVM;

const littleEndian = C.SK_LITTLE_ENDIAN === 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const u32 = 0xffffffff;

/** The native encoder's answer: the bytes, or its errno thrown. */
function encoded(r: Uint8Array | number): Uint8Array {
  if (typeof r === "number") throw new Errno(-r);
  return r;
}

/** Encodes a unix name as Go's SockaddrUnix.sockaddr does: "@" leads an abstract name. */
function unixBytes(name: unknown): Uint8Array {
  if (typeof name !== "string") throw invalidArg("name", "a string", name);
  const bytes = encoder.encode(name);
  if (bytes[0] === 0x40) bytes[0] = 0;
  return encoded(binding.sockaddrUnix(bytes));
}

/**
 * encodeSockaddr lays out `sa` for bind, connect and sendto. A field out of its range is a bare
 * EINVAL (Go's `sockaddr()`: a port above 65535, a unix name too long), which the caller names
 * after its syscall; a value of the wrong type, or something that is no Sockaddr, a TypeError.
 */
export function encodeSockaddr(sa: Sockaddr): Uint8Array {
  if (sa instanceof SockaddrInet4) return binding.sockaddrInet(fixedBytes("addr", sa.addr, 4, true), field("port", sa.port, 0xffff), 0);
  if (sa instanceof SockaddrInet6) {
    return binding.sockaddrInet(fixedBytes("addr", sa.addr, 16, true), field("port", sa.port, 0xffff), field("zoneId", sa.zoneId, u32));
  }
  if (sa instanceof SockaddrUnix) return unixBytes(sa.name);
  if (sa instanceof SockaddrNetlink) {
    return encoded(binding.sockaddrNetlink(field("pad", sa.pad, 0xffff), field("pid", sa.pid, u32), field("groups", sa.groups, u32)));
  }
  if (sa instanceof SockaddrLinklayer) {
    const addr = fixedBytes("addr", sa.addr, 8, false);
    const protocol = field("protocol", sa.protocol, 0xffff);
    const ifindex = field("ifindex", sa.ifindex, 0x7fffffff);
    const hatype = field("hatype", sa.hatype, 0xffff);
    return encoded(binding.sockaddrLinklayer(protocol, ifindex, hatype, field("pkttype", sa.pkttype, 0xff), field("halen", sa.halen, 0xff), addr));
  }
  if (sa instanceof SockaddrVM) return encoded(binding.sockaddrVM(field("cid", sa.cid, u32), field("port", sa.port, u32), field("flags", sa.flags, 0xff)));
  throw invalidArg("sa", "a Sockaddr (SockaddrInet4, SockaddrInet6, SockaddrUnix, SockaddrNetlink, SockaddrLinklayer or SockaddrVM)", sa);
}

/** Go's reading of sun_path: a leading NUL shows as "@", and the name ends at the first NUL. */
function unixName(path: Uint8Array): string {
  if (path.length === 0) return "@";
  const p = path.slice();
  if (p[0] === 0) p[0] = 0x40;
  const end = p.indexOf(0);
  return decoder.decode(end < 0 ? p : p.subarray(0, end));
}

/** decodeSockaddr builds the Sockaddr of the native core's decoding (Go's `anyToSockaddr`). */
export function decodeSockaddr(raw: AnySockaddr): Sockaddr {
  const [family, bytes, n0, n1, n2, n3, n4] = raw;
  switch (family) {
    case AF_INET:
      return new SockaddrInet4({ port: n0, addr: bytes });
    case AF_INET6:
      return new SockaddrInet6({ port: n0, zoneId: n1, addr: bytes });
    case AF_UNIX:
      return new SockaddrUnix({ name: unixName(bytes) });
    case AF_NETLINK:
      return new SockaddrNetlink({ family, pad: n0, pid: n1, groups: n2 });
    case AF_PACKET:
      return new SockaddrLinklayer({ protocol: n0, ifindex: n1, hatype: n2, pkttype: n3, halen: n4, addr: bytes });
    case AF_VSOCK:
      return new SockaddrVM({ cid: n0, port: n1, flags: n2 });
  }
  throw new Errno(E.EAFNOSUPPORT!);
}

/**
 * htons swaps a 16-bit number into network byte order on a little-endian host (a no-op on a
 * big-endian one): what socket(AF_PACKET, ...) and SockaddrLinklayer.protocol take. Beyond Go,
 * whose callers write it themselves.
 *
 * @example
 * await syscall.socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, syscall.htons(syscall.ETH_P_ALL));
 */
export function htons(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw invalidArg("n", "an integer from 0 to 65535", n);
  return littleEndian ? ((n & 0xff) << 8) | (n >> 8) : n;
}
