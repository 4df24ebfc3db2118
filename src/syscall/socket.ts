/**
 * RawSocket, Go's `syscall.Socket` and the calls on its fd (Bind, Connect, Listen, Accept4,
 * Sendto, Recvfrom, Sendmsg, Recvmsg, Getsockname, Getpeername, the socket options, Shutdown)
 * over the poll layer: a call the kernel cannot satisfy now waits for readiness rather than
 * blocking, under deadlines, an AbortSignal and close, as Go's would inside `RawConn.Read`.
 *
 * Each failure is a SyscallError naming the syscall ("bind: address already in use"), Go's
 * `os.NewSyscallError` over the Errno; the poll layer's own errors (ErrClosed "use of closed
 * network connection", ErrDeadlineExceeded "i/o timeout") come as they are.
 */
import { binding, type AnySockaddr } from "../sys/binding.js";
import { E, Errno, SyscallError, syscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { invalidArg, isBytes } from "../sys/args.js";
import { FD } from "../poll/fd.js";
import { FDDeadlines } from "../poll/stream.js";
import { RawConn } from "../poll/rawconn.js";
import { fileFromFd, type File } from "../ipc/file.js";
import { decodeSockaddr, encodeSockaddr, type Sockaddr } from "./sockaddr.js";
import { SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, SOMAXCONN } from "./constants.js";

/** The slots of recvmsgRaw's `info`, as the binding lays them out. */
const INFO_ADDRLEN = C.SK_RECVMSG_INFO_ADDRLEN ?? 1;
const INFO_FLAGS = C.SK_RECVMSG_INFO_FLAGS ?? 4;
const INFO_OOBN = C.SK_RECVMSG_INFO_OOBN ?? 5;

/** A bare Errno becomes the SyscallError naming `name`; the poll layer's errors pass. */
function named(name: string): (err: Error) => Error {
  return (err) => (err instanceof Errno ? new SyscallError(name, err) : err);
}

/** An int32 argument: a TypeError for anything else, before it reaches the binding. */
function int32(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw invalidArg(name, "a 32-bit integer", v);
  }
  return v;
}

function bytesArg(name: string, p: unknown): Uint8Array {
  if (!isBytes(p)) throw invalidArg(name, "a Uint8Array", p);
  return p;
}

/** `sa` encoded for `call`, its range errors named after the call ("bind: invalid argument"). */
function encodeFor(sa: Sockaddr, call: string): Uint8Array {
  try {
    return encodeSockaddr(sa);
  } catch (err) {
    throw named(call)(err as Error);
  }
}

/** The optional destination of sendto and sendmsg: null (connected) or an encoded Sockaddr. */
function destination(to: Sockaddr | null | undefined, call: string): Uint8Array | null {
  return to === null || to === undefined ? null : encodeFor(to, call);
}

/** What recvfrom resolves with: the bytes read and the sender (null when the kernel gave none). */
export interface RecvfromResult {
  n: number;
  from: Sockaddr | null;
}

/** What recvmsg resolves with, Go's `(n, oobn, recvflags, from)`. */
export interface RecvmsgResult {
  n: number;
  /** The control bytes received into `oob`. */
  oobn: number;
  /** msg_flags: MSG_TRUNC, MSG_CTRUNC, MSG_EOR ... */
  recvflags: number;
  from: Sockaddr | null;
}

/** What accept resolves with: the new socket and its peer (null when it cannot be read). */
export interface AcceptResult {
  socket: RawSocket;
  sa: Sockaddr | null;
}

/** Options of the calls that may wait. */
export interface WaitOptions {
  /** Ends this call alone when aborted, with the signal's reason wrapped (as for accept). */
  signal?: AbortSignal;
}

/**
 * RawSocket owns a socket of any family, type and protocol (Go's `syscall.Socket` fd, on the
 * poll layer); make one with {@link socket}. Reads wait until the socket is readable, writes
 * until it is writable, each under its deadline; close wakes every waiting call with ErrClosed.
 *
 * @example
 * const s = await syscall.socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0);
 * s.bind(new syscall.SockaddrInet4({ addr: [127, 0, 0, 1] }));
 * s.setReadDeadline(Date.now() + 1000);
 * const { n, from } = await s.recvfrom(buf, 0); // or "i/o timeout" after a second
 */
export class RawSocket extends FDDeadlines {
  /** The socket's address family (AF_*), as given to socket. */
  readonly family: number;
  /** The socket's type (SOCK_*), without SOCK_NONBLOCK and SOCK_CLOEXEC. */
  readonly type: number;
  #raw: RawConn | null = null;
  /** Scratch for recvmsgRaw; each call decodes it before its read lock goes. */
  #from: Uint8Array | null = null;
  #info: Int32Array | null = null;

  /** @internal Use {@link socket}. */
  constructor(fd: number, family: number, type: number) {
    super(new FD(fd, { zeroReadIsEOF: false, isStream: type === SOCK_STREAM, isSocket: true }));
    this.family = family;
    this.type = type;
  }

  /** @internal Closes the fd. */
  protected teardown(): void {
    this.pfd.close();
  }

  /** @internal A second close's error is ErrClosed as it is. */
  protected closeError(err: Error): Error {
    return err;
  }

  /** @internal Deadline setters' errors (ErrClosed) come as they are. */
  protected setError(err: Error): Error {
    return err;
  }

  /** The fd for a synchronous call; ErrClosed once closed. */
  get #fd(): number {
    return this.pfd.sysfd;
  }

  /**
   * bind gives the socket its local address (bind(2)). Go: `syscall.Bind`.
   *
   * @example
   * s.bind(new syscall.SockaddrUnix({ name: "@my-abstract-name" }));
   */
  bind(sa: Sockaddr): void {
    const fd = this.#fd;
    const rc = binding.bind(fd, encodeFor(sa, "bind"));
    if (rc < 0) throw syscallError("bind", rc);
  }

  /**
   * connect connects the socket to `sa` (connect(2)). A connect the kernel finishes later
   * (EINPROGRESS) waits until the socket is writable, then checks SO_ERROR, as Go's
   * netFD.connect does; the write deadline and `signal` bound the wait. Go: `syscall.Connect`
   * followed by net's wait.
   *
   * @example
   * await s.connect(new syscall.SockaddrInet4({ port: 80, addr: [127, 0, 0, 1] }));
   */
  async connect(sa: Sockaddr, opts: WaitOptions = {}): Promise<void> {
    const fd = this.#fd;
    const rc = binding.connect(fd, encodeFor(sa, "connect"));
    if (rc === 0 || rc === -E.EISCONN!) return;
    if (rc !== -E.EINPROGRESS! && rc !== -E.EALREADY! && rc !== -E.EINTR!) throw syscallError("connect", rc);
    await this.pfd.rawWrite(connectDone, named("connect"), opts.signal);
  }

  /**
   * listen marks a stream or seqpacket socket as accepting connections, with a queue of
   * `backlog` (default SOMAXCONN). Go: `syscall.Listen`.
   */
  listen(backlog: number = SOMAXCONN): void {
    const rc = binding.listen(this.#fd, int32("backlog", backlog));
    if (rc < 0) throw syscallError("listen", rc);
  }

  /**
   * accept waits for the next connection and returns it as a new RawSocket (non-blocking and
   * close-on-exec, as every sockit fd) with its peer's address. ECONNABORTED is retried, as in
   * Go. Go: `syscall.Accept4`.
   *
   * @example
   * const { socket: conn, sa } = await ln.accept();
   */
  async accept(opts: WaitOptions = {}): Promise<AcceptResult> {
    let nfd: number;
    try {
      nfd = await this.pfd.accept(opts.signal);
    } catch (err) {
      throw named("accept4")(err as Error);
    }
    const socket = new RawSocket(nfd, this.family, this.type);
    const peer = binding.getpeernameAny(nfd);
    return { socket, sa: typeof peer === "number" ? null : decodeOrNull(peer) };
  }

  /**
   * sendto sends `p` with `flags` (MSG_*) to `to`, or on a connected socket to its peer (`to`
   * null); resolves with the bytes sent (a stream socket may take fewer). Waits while the send
   * buffer is full. Go: `syscall.Sendto`, which returns no count.
   *
   * @example
   * await s.sendto(request, 0, new syscall.SockaddrNetlink({ family: syscall.AF_NETLINK }));
   */
  sendto(p: Uint8Array, flags: number, to: Sockaddr | null): Promise<number> {
    return this.#send(p, null, flags, to, "sendto");
  }

  /**
   * sendmsg sends `p` with the control messages `oob` (null for none; build them with
   * `unixRights`) to `to` (null when connected); resolves with the bytes sent. Go:
   * `syscall.SendmsgN`.
   */
  sendmsg(p: Uint8Array, oob: Uint8Array | null, to: Sockaddr | null, flags = 0): Promise<number> {
    return this.#send(p, oob, flags, to, "sendmsg");
  }

  async #send(p: Uint8Array, oob: Uint8Array | null, flags: number, to: Sockaddr | null, call: string): Promise<number> {
    bytesArg("p", p);
    if (oob !== null) bytesArg("oob", oob);
    int32("flags", flags);
    const sa = destination(to, call);
    return this.pfd.rawWrite((fd) => binding.sendmsg(fd, p, 0, p.length, oob, sa, flags), named(call));
  }

  /**
   * recvfrom waits for data and reads it into `p` with `flags` (MSG_PEEK, MSG_TRUNC ...): one
   * datagram on a message socket (its tail beyond `p` is dropped). `n` 0 on a stream socket is
   * its end. `from` is the sender, null when the kernel gave none (a connected stream). Go:
   * `syscall.Recvfrom`.
   *
   * @example
   * const { n, from } = await s.recvfrom(buf, 0);
   */
  async recvfrom(p: Uint8Array, flags: number): Promise<RecvfromResult> {
    const r = await this.#recv(p, null, flags, "recvfrom");
    return { n: r.n, from: r.from };
  }

  /**
   * recvmsg is {@link RawSocket.recvfrom} with a control buffer `oob` (null for none; size it
   * with `oobSpace`): `oobn` control bytes arrive in it, to read with `parseControlMessages`,
   * and `recvflags` says whether anything was cut short. Received fds are close-on-exec. Go:
   * `syscall.Recvmsg`.
   */
  recvmsg(p: Uint8Array, oob: Uint8Array | null, flags = 0): Promise<RecvmsgResult> {
    return this.#recv(p, oob, flags, "recvmsg");
  }

  async #recv(p: Uint8Array, oob: Uint8Array | null, flags: number, call: string): Promise<RecvmsgResult> {
    bytesArg("p", p);
    if (oob !== null) bytesArg("oob", oob);
    int32("flags", flags);
    const from = (this.#from ??= new Uint8Array(C.SK_SOCKADDR_STORAGE_SIZE!));
    const info = (this.#info ??= new Int32Array(C.SK_RECVMSG_INFO_COUNT!));
    const out: RecvmsgResult = { n: 0, oobn: 0, recvflags: 0, from: null };
    out.n = await this.pfd.rawRead((fd) => {
      const n = binding.recvmsgRaw(fd, p, 0, p.length, oob, flags, from, info);
      if (n < 0) return n;
      // Decoded now, while this call holds the read lock: the next reader reuses the scratch.
      const len = info[INFO_ADDRLEN]!;
      const raw = len > 0 ? binding.sockaddrDecode(from.subarray(0, len)) : -E.EAFNOSUPPORT!;
      out.from = typeof raw === "number" ? null : decodeOrNull(raw);
      out.recvflags = info[INFO_FLAGS]!;
      out.oobn = info[INFO_OOBN]!;
      return n;
    }, named(call));
    return out;
  }

  /** getsockname returns the socket's local address (getsockname(2)). Go: `syscall.Getsockname`. */
  getsockname(): Sockaddr {
    return this.#query("getsockname", binding.getsocknameAny(this.#fd));
  }

  /** getpeername returns the connected peer's address (getpeername(2)). Go: `syscall.Getpeername`. */
  getpeername(): Sockaddr {
    return this.#query("getpeername", binding.getpeernameAny(this.#fd));
  }

  #query(call: string, raw: AnySockaddr | number): Sockaddr {
    if (typeof raw === "number") throw syscallError(call, raw);
    try {
      return decodeSockaddr(raw);
    } catch (err) {
      throw named(call)(err as Error);
    }
  }

  /**
   * shutdown shuts down reading (SHUT_RD), writing (SHUT_WR) or both (SHUT_RDWR). Go:
   * `syscall.Shutdown`.
   */
  shutdown(how: number): void {
    const rc = binding.shutdown(this.#fd, int32("how", how));
    if (rc < 0) throw syscallError("shutdown", rc);
  }

  /** getsockoptInt reads an int option: "getsockopt: ..." on failure. Go: `syscall.GetsockoptInt`. */
  getsockoptInt(level: number, name: number): number {
    return this.#rawConn().getsockoptInt(int32("level", level), int32("name", name));
  }

  /** setsockoptInt sets an int option: "setsockopt: ..." on failure. Go: `syscall.SetsockoptInt`. */
  setsockoptInt(level: number, name: number, value: number): void {
    this.#rawConn().setsockoptInt(int32("level", level), int32("name", name), int32("value", value));
  }

  /**
   * getsockoptBytes reads a raw option value of at most `maxLen` bytes (at most 65536). Go:
   * `syscall.GetsockoptString` and friends.
   */
  getsockoptBytes(level: number, name: number, maxLen: number): Uint8Array {
    return this.#rawConn().getsockoptBytes(int32("level", level), int32("name", name), maxLen);
  }

  /** setsockoptBytes sets an option from raw bytes. Go: `syscall.SetsockoptString` and friends. */
  setsockoptBytes(level: number, name: number, value: Uint8Array): void {
    this.#rawConn().setsockoptBytes(int32("level", level), int32("name", name), value);
  }

  #rawConn(): RawConn {
    return (this.#raw ??= this.syscallConn());
  }

  /**
   * file returns a File owning a dup of the socket (close-on-exec), named "socket:[fd]", to pass
   * on (to a child, or with `unixRights`). Closing either side leaves the other open. To turn
   * the socket into a net conn, listener or packet conn, use net's `rawSocketConn`,
   * `rawSocketListener` or `rawSocketPacketConn`, which hand it over. Go: `os.NewFile` over
   * `syscall.Dup`.
   *
   * @example
   * const f = s.file(); // f.fd() is the same socket
   */
  file(): File {
    const fd = this.#fd;
    const d = binding.dup(fd);
    if (d < 0) throw syscallError("fcntl", d);
    return fileFromFd(d, `socket:[${fd}]`);
  }
}

/** The decoded address, or null for a family no Sockaddr describes. */
function decodeOrNull(raw: AnySockaddr): Sockaddr | null {
  try {
    return decodeSockaddr(raw);
  } catch {
    return null;
  }
}

const soError = new Int32Array(1);

/**
 * One look at a connect in progress, once writable (Go's netFD.connect loop): SO_ERROR 0 with a
 * peer is done; 0 without one, EINPROGRESS, EALREADY or EINTR is still under way; any other is
 * the connect's failure.
 */
function connectDone(fd: number): number {
  const rc = binding.getsockoptInt(fd, C.SOL_SOCKET!, C.SO_ERROR!, soError);
  if (rc < 0) return rc;
  const e = soError[0]!;
  // Writability with no error yet and no peer is a wake-up before the end (Go checks the same).
  if (e === 0) return binding.getpeernameAny(fd) === -E.ENOTCONN! ? -E.EAGAIN! : 0;
  if (e === E.EISCONN) return 0;
  if (e === E.EINPROGRESS || e === E.EALREADY || e === E.EINTR) return -E.EAGAIN!;
  return -e;
}

/**
 * socket makes a socket of `domain` (AF_*), `typ` (SOCK_*) and `proto` (0 for the family's
 * default, NETLINK_ROUTE, `htons(ETH_P_ALL)` ...), non-blocking and close-on-exec whatever
 * `typ` says, owned by the RawSocket it resolves with. Failures are Go's: "socket: address
 * family not supported by protocol". Go: `syscall.Socket`.
 *
 * @example
 * const s = await syscall.socket(syscall.AF_NETLINK, syscall.SOCK_RAW, syscall.NETLINK_ROUTE);
 *
 * @throws TypeError (ERR_INVALID_ARG_TYPE) for an argument that is no 32-bit integer.
 */
export async function socket(domain: number, typ: number, proto: number): Promise<RawSocket> {
  const fd = binding.socket(int32("domain", domain), int32("typ", typ), int32("proto", proto));
  if (fd < 0) throw syscallError("socket", fd);
  return new RawSocket(fd, domain, typ & ~(SOCK_NONBLOCK | SOCK_CLOEXEC));
}

/**
 * socketpair makes a pair of connected sockets (socketpair(2): AF_UNIX on Linux), each owned by
 * a RawSocket. Go: `syscall.Socketpair`.
 *
 * @example
 * const [a, b] = await syscall.socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET, 0);
 */
export async function socketpair(domain: number, typ: number, proto: number): Promise<[RawSocket, RawSocket]> {
  const fds = new Int32Array(2);
  const rc = binding.socketpair(int32("domain", domain), int32("typ", typ), int32("proto", proto), fds);
  if (rc < 0) throw syscallError("socketpair", rc);
  const t = typ & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  return [new RawSocket(fds[0]!, domain, t), new RawSocket(fds[1]!, domain, t)];
}
