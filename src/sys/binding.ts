/**
 * The native core's whole surface, in one place (the manifest), and its loader.
 *
 * Every syscall wrapper returns a number: >= 0 on success, or -errno on failure. The core never
 * throws on a syscall failure; the layers above build every error object. Only misuse of the
 * binding itself (wrong argument types) throws a TypeError.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** A decoded socket address: family, raw address bytes, port, IPv6 scope id. */
export type RawSockaddr = [family: number, addr: Uint8Array, port: number, scopeId: number];

/** An opaque native poll handle (a `uv_poll_t` wrapped in a napi external). */
export type PollHandle = { readonly __pollHandle: unique symbol };

/**
 * Called by libuv when a polled fd is ready. `events` is a mask of {@link Binding.POLL_READABLE}
 * and {@link Binding.POLL_WRITABLE}; `status` is 0, or -errno when polling failed (then `events`
 * is 0 and every waiter should retry its syscall to surface the error).
 */
export type PollCallback = (events: number, status: number) => void;

/** The native core (`native/`, N-API, C11). One method per syscall family member. */
export interface Binding {
  /** Address families, socket types, levels, options, shutdown modes, message flags. */
  readonly constants: Readonly<Record<string, number>>;
  /** Every errno name this platform defines, mapped to its number (E.g. `EAGAIN: 11`). */
  readonly errnos: Readonly<Record<string, number>>;
  readonly POLL_READABLE: number;
  readonly POLL_WRITABLE: number;

  /** socket(2) with SOCK_NONBLOCK|SOCK_CLOEXEC added; returns the fd. */
  socket(domain: number, type: number, protocol: number): number;
  /** close(2); EINTR is not retried (Linux closes the fd anyway). */
  close(fd: number): number;
  bind(fd: number, sa: Uint8Array): number;
  listen(fd: number, backlog: number): number;
  /** accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC; retries EINTR; returns the new fd. */
  accept(fd: number): number;
  /** connect(2); returns 0, or -EINPROGRESS when the connect continues in the background. */
  connect(fd: number, sa: Uint8Array): number;
  shutdown(fd: number, how: number): number;
  /** read(2) into `buf[off, off+len)`; retries EINTR; returns the count (0 at end of stream). */
  read(fd: number, buf: Uint8Array, off: number, len: number): number;
  /** write(2) from `buf[off, off+len)`, MSG_NOSIGNAL semantics (never raises SIGPIPE). */
  write(fd: number, buf: Uint8Array, off: number, len: number): number;
  /** writev(2) of whole buffers (at most IOV_MAX of them), never raising SIGPIPE. */
  writev(fd: number, bufs: readonly Uint8Array[]): number;
  /** getsockopt(2) of an int option; the value goes to `out[0]`; returns 0 or -errno. */
  getsockoptInt(fd: number, level: number, name: number, out: Int32Array): number;
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  /** SO_LINGER: `onoff` 0 or 1, `secs` the linger time. */
  setsockoptLinger(fd: number, onoff: number, secs: number): number;
  /** Encodes a sockaddr_in (4-byte ip) or sockaddr_in6 (16-byte ip) in the platform's layout. */
  sockaddrInet(ip: Uint8Array, port: number, scopeId: number): Uint8Array;
  /**
   * Encodes a sockaddr_un from raw path bytes. A leading NUL byte makes a Linux abstract name,
   * whose length is exactly 2 + bytes (no trailing NUL); other names get a trailing NUL.
   * Returns -EINVAL when the name does not fit sun_path.
   */
  sockaddrUnix(path: Uint8Array): Uint8Array | number;
  /** getsockname(2), decoded; for AF_UNIX `addr` holds the exact sun_path bytes the kernel gave. */
  getsockname(fd: number): RawSockaddr | number;
  getpeername(fd: number): RawSockaddr | number;
  /**
   * recvmsg(2) of one message into `buf[off, off+len)`, retrying EINTR; returns the bytes
   * copied (a datagram's tail beyond `len` is dropped; MSG_TRUNC in `info[4]` says so). The
   * sender's address is decoded flat into `from` and `info`: `info[0]` family (0 when the
   * kernel gave no address, e.g. an unbound unix sender or a connected stream), `info[1]` the
   * number of address bytes written to `from` (4 or 16 IP bytes, or the exact sun_path bytes),
   * `info[2]` port, `info[3]` IPv6 scope id, `info[4]` msg_flags, `info[5]` control bytes
   * received into `oob` (null for none). `from` must hold at least 110 bytes; `info` 6 ints.
   * Received fds (SCM_RIGHTS) are close-on-exec (MSG_CMSG_CLOEXEC on Linux).
   */
  recvmsg(
    fd: number,
    buf: Uint8Array,
    off: number,
    len: number,
    oob: Uint8Array | null,
    flags: number,
    from: Uint8Array,
    info: Int32Array,
  ): number;
  /**
   * sendmsg(2) of `buf[off, off+len)` with optional control bytes `oob` to `sa` (an encoded
   * sockaddr, or null on a connected socket); never raises SIGPIPE; returns the bytes sent.
   */
  sendmsg(fd: number, buf: Uint8Array, off: number, len: number, oob: Uint8Array | null, sa: Uint8Array | null): number;
  /** setsockopt(2) of a raw option value (ip_mreq, ipv6_mreq, ip_mreqn ... built by the caller). */
  setsockoptBytes(fd: number, level: number, name: number, value: Uint8Array): number;
  /** getsockopt(2) of a raw option value into `out`; returns the value's length or -errno. */
  getsockoptBytes(fd: number, level: number, name: number, out: Uint8Array): number;
  /**
   * socketpair(2) with SOCK_NONBLOCK|SOCK_CLOEXEC; the two fds go to `out[0]` and `out[1]`.
   * Returns 0 or -errno.
   */
  socketpair(domain: number, type: number, protocol: number, out: Int32Array): number;
  /** CMSG_SPACE(n): the bytes a control message with n data bytes takes, padding included. */
  cmsgSpace(n: number): number;
  /** Builds one SCM_RIGHTS control message carrying `fds`. */
  unixRights(fds: readonly number[]): Uint8Array;
  /**
   * Splits received control bytes into messages: [level, type, data][] with `data` a copy of
   * each message's payload; -EINVAL when the bytes are malformed.
   */
  parseControlMessages(oob: Uint8Array, len: number): [level: number, type: number, data: Uint8Array][] | number;
  /** if_nametoindex(3): the interface's index, 0 when there is none. */
  ifNameToIndex(name: string): number;
  /** if_indextoname(3): the interface's name, null when there is none. */
  ifIndexToName(index: number): string | null;
  /**
   * Creates a `uv_poll_t` for `fd` on this thread's loop; it starts stopped and unreferenced.
   * Returns -errno when libuv refuses the fd (EBADF, EEXIST, EPERM for a regular file).
   */
  pollOpen(fd: number, onEvent: PollCallback): PollHandle | number;
  /** Starts polling for `events` (a POLL_* mask), or stops when it is 0. Returns 0 or -errno. */
  pollUpdate(h: PollHandle, events: number): number;
  /** uv_ref / uv_unref: whether a started handle keeps the event loop alive. */
  pollRef(h: PollHandle, ref: boolean): void;
  /** Stops and closes the handle; no callback runs after this returns. Idempotent. */
  pollClose(h: PollHandle): void;
}

/** The error a call into sockit raises when the native core could not be loaded. */
export class BindingError extends Error {
  override readonly name = "BindingError";
  /** Node's error code for a failed native load. */
  readonly code = "ERR_SOCKIT_NATIVE";
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const candidates = ["build/Release/sockit.node", "build/Debug/sockit.node"];

function load(): Binding | BindingError {
  const require = createRequire(import.meta.url);
  let first: unknown;
  for (const rel of candidates) {
    try {
      return require(path.join(root, rel)) as Binding;
    } catch (err) {
      first ??= err;
    }
  }
  const last = first;
  const why = last instanceof Error ? last.message.split("\n")[0] : String(last);
  return new BindingError(
    `sockit: the native core is missing or cannot load (${path.join(root, candidates[0]!)}: ${why}); ` +
      "rebuild it with `npm rebuild sockit` (needs python3, make and a C compiler)",
    { cause: last },
  );
}

function unavailable(err: BindingError): Binding {
  return new Proxy({} as Binding, {
    get(_target, prop) {
      // Allow harmless probes (`then` for await, inspection) without throwing.
      if (prop === "then" || typeof prop === "symbol") return undefined;
      throw err;
    },
  });
}

const loaded = load();

/** The loaded binding; if loading failed, any use throws the {@link BindingError}. */
export const binding: Binding = loaded instanceof BindingError ? unavailable(loaded) : loaded;

/** The load failure, or null when the native core is available. */
export const bindingError: BindingError | null = loaded instanceof BindingError ? loaded : null;
