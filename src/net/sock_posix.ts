/**
 * socket() makes a NetFD that is listening or connected (Go's sock_posix.go): create the fd,
 * set the default options, run the caller's control hook, then bind and listen, or bind (if
 * asked) and connect.
 */
import { readFileSync } from "node:fs";
import { binding, type RawSockaddr } from "../sys/binding.js";
import { syscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { RawConn } from "../poll/rawconn.js";
import { abortError, OpError, type Addr } from "./errors.js";
import { UDPAddr } from "./addr.js";
import { IPv4zero, IPv6unspecified } from "./ip.js";
import { NetFD, wrapSyscallError } from "./fd_posix.js";

/** A local or remote address as the socket layer needs it: the address and its encoder. */
export interface SockAddr {
  readonly addr: Addr;
  /**
   * A datagram listener on a multicast group binds the wildcard with SO_REUSEADDR, so one
   * port can serve several groups (Go's listenDatagram).
   */
  readonly reuseAddr?: boolean;
  /**
   * Encodes the address for a socket of `family`; null means "no address" (nothing to bind).
   * An address the kernel would refuse throws a bare Errno, named here after the syscall.
   */
  sockaddr(family: number): Uint8Array | null;
}

/**
 * ControlFunc is the hook of {@link DialerOptions.control} and {@link ListenConfigOptions.control},
 * Go's `Control func(network, address string, c syscall.RawConn) error`: it is called for each
 * socket made, after socket(2) and sockit's default options, before bind(2) and connect(2), so
 * options it sets (SO_REUSEPORT, SO_RCVBUF, IP_TTL, SO_MARK, ...) apply from the start.
 *
 * `network` is the concrete network: "tcp4" or "tcp6" for "tcp" (by the socket's family),
 * likewise "udp4"/"udp6" and "ip4"/"ip6" (for "ip:proto" networks the protocol is dropped), and
 * "unix", "unixgram" or "unixpacket" as given. `address` is the remote address of a dial (its
 * `toString()`), the local one of a listen (for a multicast group, the wildcard it binds), ""
 * when there is none. `c.control((fd) => ...)` lends the fd, the very socket the conn or
 * listener will own; it is neither bound nor connected yet, so `c.read` and `c.write` are of
 * little use here. Use `c` during the call only.
 *
 * A throw aborts the dial or listen: the socket is closed, and the error is the OpError's
 * `err`, as in Go ("dial tcp 127.0.0.1:80: <its message>"; a thrown non-Error is wrapped in an
 * Error). A multi-address dial calls it once per address tried, and fails over to the next
 * address as on any other error.
 *
 * Go: the hook is synchronous and returns an error. Here it may also return a promise, which
 * is awaited with the socket open (a rejection aborts as a throw does).
 *
 * @example
 * const seen: string[] = [];
 * const control = (network: string, address: string, c: RawConn) => {
 *   seen.push(`${network} ${address}`);
 *   c.control((fd) => setMyOptions(fd)); // e.g. setsockopt(2) from an addon of your own
 * };
 * await new Dialer({ control }).dial("tcp", "127.0.0.1:80"); // seen: ["tcp4 127.0.0.1:80"]
 */
export type ControlFunc = (network: string, address: string, c: RawConn) => void | PromiseLike<void>;

/**
 * What a socket takes beyond its addresses: ListenConfig's `backlog` and `reusePort`, and the
 * `control` hook of a ListenConfig or a Dialer (the one field dials use).
 */
export interface ListenSockopts {
  /** The accept queue's length for listen(2); absent: the kernel's somaxconn, as Go. */
  backlog?: number;
  /** SO_REUSEPORT before bind, so several sockets may bind the one address. */
  reusePort?: boolean;
  /** Called after the default options, before bind and connect (Go's ctrlFn). */
  control?: ControlFunc | null;
}

/** socket creates a NetFD for `net`; with laddr and no raddr it listens, else it dials. */
export async function socket(
  net: string,
  family: number,
  sotype: number,
  proto: number,
  ipv6only: boolean,
  laddr: SockAddr | null,
  raddr: SockAddr | null,
  signal: AbortSignal | null,
  lopts: ListenSockopts = {},
): Promise<NetFD> {
  const s = binding.socket(family, sotype, proto);
  if (s < 0) throw syscallError("socket", s);
  const fd = new NetFD(s, family, sotype, net);
  const control = lopts.control ?? null;
  try {
    setDefaultSockopts(fd, family, sotype, ipv6only);
    if (lopts.reusePort === true) fd.setsockoptInt(C.SOL_SOCKET!, C.SO_REUSEPORT ?? -1, 1);
    if (laddr !== null && raddr === null && sotype !== C.SOCK_DGRAM && sotype !== C.SOCK_RAW) {
      await listenStream(fd, laddr, lopts.backlog ?? listenerBacklog(), control);
    } else {
      if (laddr?.reuseAddr) fd.setsockoptInt(C.SOL_SOCKET!, C.SO_REUSEADDR!, 1);
      const pending = control === null ? undefined : runControl(fd, control, dialCtrlAddr(fd, laddr, raddr), signal);
      if (pending !== undefined) await pending;
      await dialFD(fd, laddr, raddr, signal);
    }
    return fd;
  } catch (err) {
    fd.close();
    throw err;
  }
}

function setDefaultSockopts(fd: NetFD, family: number, sotype: number, ipv6only: boolean): void {
  if (family === C.AF_INET6 && sotype !== C.SOCK_RAW) {
    fd.setsockoptInt(C.IPPROTO_IPV6!, C.IPV6_V6ONLY!, ipv6only ? 1 : 0);
  }
  if ((sotype === C.SOCK_DGRAM || sotype === C.SOCK_RAW) && family !== C.AF_UNIX) {
    // Go allows broadcast datagrams by default.
    fd.setsockoptInt(C.SOL_SOCKET!, C.SO_BROADCAST!, 1);
  }
}

/**
 * ctrlNetwork is the network a control hook is told (Go's netFD.ctrlNetwork): unix networks as
 * they are, an IP network with its family's digit ("tcp" on an IPv6 socket is "tcp6").
 */
function ctrlNetwork(fd: NetFD): string {
  const net = fd.net;
  if (net === "unix" || net === "unixgram" || net === "unixpacket") return net;
  const last = net[net.length - 1];
  if (last === "4" || last === "6") return net;
  return net + (fd.family === C.AF_INET ? "4" : "6");
}

/**
 * dialCtrlAddr is the address a control hook is told outside a stream listen (Go's netFD.dial
 * and listenDatagram): the remote address, else the local one, else "". A datagram listener on
 * a multicast group binds its family's wildcard, and Go names that ("0.0.0.0:PORT").
 */
function dialCtrlAddr(fd: NetFD, laddr: SockAddr | null, raddr: SockAddr | null): string {
  if (raddr !== null) return raddr.addr.toString();
  if (laddr === null) return "";
  if (laddr.reuseAddr === true && laddr.addr instanceof UDPAddr) {
    const { port, zone } = laddr.addr;
    return new UDPAddr({ ip: fd.family === C.AF_INET ? IPv4zero : IPv6unspecified, port, zone }).toString();
  }
  return laddr.addr.toString();
}

/**
 * runControl calls the caller's hook with a RawConn on the new socket, awaiting it only if it
 * returned a promise. Its error is thrown as it is (Go returns ctrlFn's error unwrapped); the
 * RawConn's own errors say "raw-control" and the network, the socket having no address yet.
 */
function runControl(fd: NetFD, control: ControlFunc, address: string, signal: AbortSignal | null): Promise<void> | undefined {
  const rc = new RawConn(fd.pfd, (op, err) => new OpError(op, fd.net, null, null, err));
  let r: void | PromiseLike<void>;
  try {
    r = control(ctrlNetwork(fd), address, rc);
  } catch (err) {
    throw asError(err);
  }
  if (r === undefined || typeof (r as { then?: unknown }).then !== "function") return undefined;
  return Promise.resolve(r).then(
    () => {
      if (signal?.aborted) throw abortError(signal.reason);
    },
    (err: unknown) => {
      throw asError(err);
    },
  );
}

/** asError keeps an Error as it is and wraps anything else thrown, for OpError's message. */
function asError(v: unknown): Error {
  return v instanceof Error ? v : new Error(String(v), { cause: v });
}

async function listenStream(fd: NetFD, laddr: SockAddr, backlog: number, control: ControlFunc | null): Promise<void> {
  // Go sets SO_REUSEADDR on every stream listener, unix ones included (sockopt_linux.go).
  fd.setsockoptInt(C.SOL_SOCKET!, C.SO_REUSEADDR!, 1);
  const sysfd = fd.pfd.sysfd;
  // The hook runs before the address is encoded: a unix name too long for sockaddr_un is
  // refused by bind, after the hook, in Go too (its UnixAddr.sockaddr checks nothing).
  const pending = control === null ? undefined : runControl(fd, control, laddr.addr.toString(), null);
  if (pending !== undefined) await pending;
  bind(fd, laddr);
  const rc = binding.listen(sysfd, backlog);
  if (rc < 0) throw syscallError("listen", rc);
  fd.laddr = fd.addrOf(binding.getsockname(sysfd));
}

function bind(fd: NetFD, laddr: SockAddr): void {
  let lsa: Uint8Array | null;
  try {
    lsa = laddr.sockaddr(fd.family);
  } catch (err) {
    throw wrapSyscallError("bind", err);
  }
  if (lsa === null) return;
  const rc = binding.bind(fd.pfd.sysfd, lsa);
  if (rc < 0) throw syscallError("bind", rc);
}

async function dialFD(fd: NetFD, laddr: SockAddr | null, raddr: SockAddr | null, signal: AbortSignal | null) {
  if (laddr !== null) {
    bind(fd, laddr);
  }
  if (raddr !== null) {
    let rsa: Uint8Array | null;
    try {
      rsa = raddr.sockaddr(fd.family);
    } catch (err) {
      throw wrapSyscallError("connect", err);
    }
    if (rsa !== null) {
      const peer = await connect(fd, rsa, signal);
      fd.isConnected = true;
      if (peer !== null) {
        fd.raddr = fd.addrOf(peer) ?? raddr!.addr;
        return;
      }
    }
  }
  fd.setAddrs(raddr?.addr ?? null);
}

/**
 * connect starts a non-blocking connect and waits for it to finish (Go's `netFD.connect`),
 * returning the peer's sockaddr when it had to check for it. It always yields to the event
 * loop first, even on loopback where the handshake is often over when connect(2) returns: a
 * dial that never yields starves the loop (measured: a same-process accept loop fell behind
 * until the backlog overflowed). After that one turn it checks, and only a connect still in
 * progress waits on a poll handle. An abort moves the write deadline into the past, which
 * wakes the wait; the error then comes from the signal.
 */
async function connect(fd: NetFD, rsa: Uint8Array, signal: AbortSignal | null): Promise<RawSockaddr | null> {
  const rc = binding.connect(fd.pfd.sysfd, rsa);
  if (rc === 0 || rc === -binding.errnos.EISCONN!) {
    if (signal?.aborted) throw abortError(signal.reason);
    return null;
  }
  if (rc !== -binding.errnos.EINPROGRESS! && rc !== -binding.errnos.EALREADY!) throw syscallError("connect", rc);
  // Let the loop run once (its I/O callbacks come before setImmediate's), then look: on
  // loopback the handshake is over by now, and the conn never needs a poll handle for it.
  await new Promise((resolve) => setImmediate(resolve));
  if (signal?.aborted) throw abortError(signal.reason);
  const peer = connected(fd);
  if (peer !== null) return peer;
  const onAbort = () => fd.pfd.setDeadline("w", 1);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const p = await waitConnected(fd);
    // The connect wait is over; most conns idle before they next wait, so give the handle back.
    fd.pfd.releasePoll();
    return p;
  } catch (err) {
    if (signal?.aborted) throw abortError(signal.reason);
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

const soError = new Int32Array(1);

/**
 * connected reports how a connect in progress stands: the peer's sockaddr once connected,
 * null while it is still in progress; a failed connect throws its error. Readiness is only a
 * hint, so success is confirmed with getpeername (Go issues 14548, 19289).
 */
function connected(fd: NetFD): RawSockaddr | null {
  const rc = binding.getsockoptInt(fd.pfd.sysfd, C.SOL_SOCKET!, C.SO_ERROR!, soError);
  if (rc < 0) throw syscallError("getsockopt", rc);
  const e = soError[0]!;
  if (e === binding.errnos.EINPROGRESS || e === binding.errnos.EALREADY || e === binding.errnos.EINTR) return null;
  if (e !== 0 && e !== binding.errnos.EISCONN) throw syscallError("connect", -e);
  const peer = binding.getpeername(fd.pfd.sysfd);
  return typeof peer === "number" ? null : peer;
}

/**
 * Waits until a connect that `connected` found in progress has finished, as a write-direction
 * operation of the poll layer: its first attempt only parks (the check was just made), then
 * each readiness checks again (Go's netFD.connect: waitWrite, then SO_ERROR).
 */
async function waitConnected(fd: NetFD): Promise<RawSockaddr> {
  let peer: RawSockaddr | null = null;
  let justChecked = true;
  await fd.pfd.rawWrite(() => {
    if (!justChecked) peer = connected(fd);
    justChecked = false;
    return peer === null ? -binding.errnos.EAGAIN! : 0;
  });
  return peer!;
}

let backlog = 0;

/** listenerBacklog is the kernel's somaxconn, read once, as Go uses (fallback SOMAXCONN). */
export function listenerBacklog(): number {
  if (backlog !== 0) return backlog;
  backlog = C.SOMAXCONN ?? 128;
  try {
    const n = Number.parseInt(readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim(), 10);
    if (Number.isSafeInteger(n) && n > 0) backlog = Math.min(n, 2 ** 31 - 1);
  } catch {
    // Not Linux, or no /proc: keep the platform's SOMAXCONN.
  }
  return backlog;
}
