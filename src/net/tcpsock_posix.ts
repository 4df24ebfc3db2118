/**
 * Dialing and listening on TCP (Go's tcpsock_posix.go).
 */
import { binding } from "../sys/binding.js";
import { C } from "../sys/constants.js";
import { Errno, SyscallError, E } from "../sys/errors.js";
import { OpError } from "./errors.js";
import type { NetFD } from "./fd_posix.js";
import type { TCPAddr } from "./addr.js";
import { internetSocket } from "./ipsock_posix.js";
import type { ControlFunc, ListenSockopts } from "./sock_posix.js";
import { TCPConn, TCPListener } from "./tcpsock.js";
import { debug } from "../poll/diag.js";

/**
 * dialTCP connects to `raddr`. Without a fixed local port it retries twice when the kernel
 * connected the socket to itself or spuriously refused the local address, as Go does; each
 * try is a new socket, and `control` runs on each.
 */
export async function dialTCP(
  net: string,
  laddr: TCPAddr | null,
  raddr: TCPAddr,
  signal: AbortSignal | null,
  control: ControlFunc | null = null,
): Promise<TCPConn> {
  const canRetry = laddr === null || laddr.port === 0;
  for (let attempt = 0; ; attempt++) {
    let fd: NetFD | null = null;
    try {
      fd = await internetSocket(net, laddr, raddr, C.SOCK_STREAM!, 0, "dial", signal, { control });
    } catch (err) {
      if (attempt < 2 && canRetry && spuriousENOTAVAIL(err)) {
        debug("dial %s %s: connect gave EADDRNOTAVAIL with a free local port; retrying", net, raddr.toString());
        continue;
      }
      throw err;
    }
    if (attempt < 2 && canRetry && selfConnect(fd)) {
      debug("dial %s %s: the socket connected to itself; retrying", net, raddr.toString());
      fd.close();
      continue;
    }
    return new TCPConn(fd);
  }
}

/**
 * selfConnect reports whether a connect ended with the socket connected to itself. It reads
 * the raw local sockaddr rather than the conn's local address, which stays unread (and
 * unallocated) until someone asks for it.
 */
function selfConnect(fd: NetFD): boolean {
  const l = binding.getsockname(fd.pfd.sysfd);
  const r = fd.raddr as TCPAddr | null;
  if (typeof l === "number" || r === null) return true;
  return l[2] === r.port && r.ip !== null && r.ip.equal(l[1]);
}

function spuriousENOTAVAIL(err: unknown): boolean {
  let e = err instanceof OpError ? err.err : err;
  if (e instanceof SyscallError) e = e.err;
  return e instanceof Errno && e.errno === E.EADDRNOTAVAIL;
}

/** listenTCP listens on `laddr`; accepted conns get keep-alive per `keepAlive` (ms). */
export async function listenTCP(net: string, laddr: TCPAddr, keepAlive: number | undefined, lopts: ListenSockopts = {}): Promise<TCPListener> {
  const fd = await internetSocket(net, laddr, null, C.SOCK_STREAM!, 0, "listen", null, lopts);
  return new TCPListener(fd, keepAlive);
}
