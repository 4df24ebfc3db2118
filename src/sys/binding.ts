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

/**
 * A decoded socket address of any family the syscall layer knows: the family, the address bytes
 * (the IP, the sun_path bytes the kernel counted, or sll_addr's 8 bytes; empty for netlink and
 * vsock) and five numbers, by family: AF_INET [port], AF_INET6 [port, scopeId], AF_NETLINK
 * [pad, pid, groups], AF_PACKET [protocol (as stored: network byte order), ifindex, hatype,
 * pkttype, halen], AF_VSOCK [cid, port, flags]; unused numbers are 0.
 */
export type AnySockaddr = [family: number, bytes: Uint8Array, n0: number, n1: number, n2: number, n3: number, n4: number];

/** An opaque native poll handle (a `uv_poll_t` wrapped in a napi external). */
export type PollHandle = { readonly __pollHandle: unique symbol };

/** An opaque native named semaphore (native/sem.c). */
export type SemHandle = { readonly __semHandle: unique symbol };

/** An opaque native wait on a waiter thread (native/waiter.c), for {@link Binding.waiterCancel}. */
export type WaiterHandle = { readonly __waiterHandle: unique symbol };

/** An opaque native poll loop: the ring and the check handle that dispatch readiness (native/poll.c). */
export type PollLoop = { readonly __pollLoop: unique symbol };

/**
 * Called after each loop turn's poll phase with `count` ring entries (id, events, status),
 * starting at entry `first`, that readiness added since the last turn, or with `first` -1 to
 * settle what a dispatch put off (see {@link Binding.pollLoop}). `events` is a mask of
 * {@link Binding.POLL_READABLE} and {@link Binding.POLL_WRITABLE}; `status` is 0, or -errno
 * when polling failed (then every waiter should retry its syscall to surface the error).
 */
export type PollDispatch = (first: number, count: number) => void;

/**
 * The native core (`native/`, N-API, C11). One method per syscall family member; each is
 * registered in native/binding.c as `sk_<family>_<verb>_js` of native/<family>.c, in this
 * order, and declared in native/binding.h (test/sys/manifest.test.ts checks the three agree).
 * Integer arguments must be exact integers in range (NaN, Infinity and 1.5 are TypeErrors).
 */
export interface Binding {
  /**
   * Address families, socket types, levels, options, shutdown modes, message flags, open(2)
   * flags (`O_*`), file types (`S_IF*`), `PIPE_BUF`, and sockit's own layout facts (`SK_*`):
   * `SK_SOCKADDR_UN_SIZE`, `SK_SOCKADDR_STORAGE_SIZE`, `SK_RECVMSG_FROM_SIZE`, the
   * `SK_RECVMSG_INFO_*` slots of {@link Binding.recvmsg}'s `info` (and `SK_RECVMSG_INFO_COUNT`,
   * its length), the `SK_POLL_RING_*` slots of {@link Binding.pollLoop}'s ring, `SK_SIZEOF_INT`, `SK_LITTLE_ENDIAN` (1 or 0), and on Linux `SK_IP_MREQN_SIZE`
   * with the `SK_IP_MREQN_*` field offsets, and (native/constants_linux.c) the netlink, packet
   * and vsock names with the `SK_SIZEOF_*` sizes and field offsets of nlmsghdr, ifinfomsg,
   * ifaddrmsg and rtattr. A name the platform lacks is absent.
   */
  readonly constants: Readonly<Record<string, number>>;
  /** Every errno name this platform defines, mapped to its number (E.g. `EAGAIN: 11`). */
  readonly errnos: Readonly<Record<string, number>>;
  /** The readable bit of a {@link PollDispatch} entry's events and of a pollUpdate mask. */
  readonly POLL_READABLE: number;
  /** The writable bit of a {@link PollDispatch} entry's events and of a pollUpdate mask. */
  readonly POLL_WRITABLE: number;
  /**
   * The signal that interrupts a waiter thread (SIGRTMAX - 6 on Linux): reserved, so that
   * `signals.ignore` and `signals.reset` refuse it.
   */
  readonly WAITER_SIGNAL: number;

  /** socket(2) with SOCK_NONBLOCK|SOCK_CLOEXEC added; returns the fd. */
  socket(domain: number, type: number, protocol: number): number;
  /**
   * socketpair(2) with SOCK_NONBLOCK|SOCK_CLOEXEC; the two fds go to `out[0]` and `out[1]`.
   * Returns 0 or -errno.
   */
  socketpair(domain: number, type: number, protocol: number, out: Int32Array): number;
  /** close(2); EINTR is not retried (Linux closes the fd anyway). */
  close(fd: number): number;
  /** bind(2) to an encoded sockaddr (from sockaddrInet or sockaddrUnix). */
  bind(fd: number, sa: Uint8Array): number;
  /** listen(2) with a queue of `backlog` connections. */
  listen(fd: number, backlog: number): number;
  /** accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC; retries EINTR; returns the new fd. */
  accept(fd: number): number;
  /** connect(2); returns 0, or -EINPROGRESS when the connect continues in the background. */
  connect(fd: number, sa: Uint8Array): number;
  /** shutdown(2) of one direction or both (`SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`). */
  shutdown(fd: number, how: number): number;
  /** read(2) into `buf[off, off+len)`; retries EINTR; returns the count (0 at end of stream). */
  read(fd: number, buf: Uint8Array, off: number, len: number): number;
  /**
   * write(2) from `buf[off, off+len)`, for pipes, FIFOs, ttys and files; retries EINTR; returns
   * the count. On a socket whose peer is gone it raises SIGPIPE (Node ignores it): use
   * {@link Binding.send} for sockets.
   */
  write(fd: number, buf: Uint8Array, off: number, len: number): number;
  /**
   * send(2) from `buf[off, off+len)` with MSG_NOSIGNAL (never raises SIGPIPE; a gone peer is
   * -EPIPE), for sockets only (-ENOTSOCK otherwise); retries EINTR; returns the count. Where
   * MSG_NOSIGNAL is missing (macOS) it is write(2) on a socket that has SO_NOSIGPIPE.
   */
  send(fd: number, buf: Uint8Array, off: number, len: number): number;
  /**
   * writev(2) of `bufs[start..]`, the first from byte `off`, at most IOV_MAX buffers per call;
   * with `send` true it is sendmsg(2) with MSG_NOSIGNAL (sockets: a gone peer is -EPIPE, never
   * SIGPIPE). Retries EINTR; returns the bytes written, which may end inside any buffer (a
   * partial write), or -errno. Every element must be a Uint8Array.
   */
  writev(fd: number, bufs: readonly Uint8Array[], start: number, off: number, send: boolean): number;
  /** getsockopt(2) of an int option; the value goes to `out[0]`; returns 0 or -errno. */
  getsockoptInt(fd: number, level: number, name: number, out: Int32Array): number;
  /** setsockopt(2) of an int option. */
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  /** SO_LINGER: `onoff` 0 or 1, `secs` the linger time. */
  setsockoptLinger(fd: number, onoff: number, secs: number): number;
  /** setsockopt(2) of a raw option value (ipv6_mreq, ip_mreqn ... built by the caller). */
  setsockoptBytes(fd: number, level: number, name: number, value: Uint8Array): number;
  /**
   * getsockopt(2) of a raw option value into `out` (in place, at most `out.length` bytes);
   * returns the value's length or -errno.
   */
  getsockoptBytes(fd: number, level: number, name: number, out: Uint8Array): number;
  /**
   * The credentials of a unix socket's peer as the kernel recorded them when it connected:
   * `out` gets [pid, uid, gid] (SO_PEERCRED; getpeereid where there is none, with pid -1).
   * Returns 0 or -errno.
   */
  peerCredentials(fd: number, out: Int32Array): number;
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
  /** getpeername(2), decoded as {@link Binding.getsockname} is. */
  getpeername(fd: number): RawSockaddr | number;
  /**
   * Encodes a sockaddr_nl (netlink(7)); its family is always AF_NETLINK. -EAFNOSUPPORT where
   * there is no netlink.
   */
  sockaddrNetlink(pad: number, pid: number, groups: number): Uint8Array | number;
  /**
   * Encodes a sockaddr_ll (packet(7)); `protocol` is stored as given (network byte order) and
   * `addr` holds at most 8 bytes. -EINVAL for a negative ifindex; -EAFNOSUPPORT off Linux.
   */
  sockaddrLinklayer(protocol: number, ifindex: number, hatype: number, pkttype: number, halen: number, addr: Uint8Array): Uint8Array | number;
  /** Encodes a sockaddr_vm (vsock(7)); -EAFNOSUPPORT off Linux. */
  sockaddrVM(cid: number, port: number, flags: number): Uint8Array | number;
  /**
   * Decodes an encoded sockaddr of any known family (see {@link AnySockaddr}): -EAFNOSUPPORT
   * for another family, -EINVAL for fewer bytes than a family or more than a sockaddr_storage.
   */
  sockaddrDecode(sa: Uint8Array): AnySockaddr | number;
  /** getsockname(2) of any known family, decoded as {@link Binding.sockaddrDecode} does. */
  getsocknameAny(fd: number): AnySockaddr | number;
  /** getpeername(2) of any known family, decoded as {@link Binding.sockaddrDecode} does. */
  getpeernameAny(fd: number): AnySockaddr | number;
  /**
   * recvmsg(2) of one message into `buf[off, off+len)`, retrying EINTR; returns the bytes
   * copied (a datagram's tail beyond `len` is dropped; MSG_TRUNC in the flags says so). The
   * sender's address is decoded flat into `from` and `info`, whose slots are the
   * `SK_RECVMSG_INFO_*` constants: `FAMILY` (0 when the kernel gave no address, e.g. an unbound
   * unix sender or a connected stream), `ADDRLEN` the number of address bytes written to `from`
   * (4 or 16 IP bytes, or the exact sun_path bytes), `PORT`, `SCOPE` the IPv6 scope id, `FLAGS`
   * msg_flags, `OOBN` the control bytes received into `oob` (null for none). `from` must hold
   * at least `SK_RECVMSG_FROM_SIZE` bytes, `info` `SK_RECVMSG_INFO_COUNT` ints.
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
   * sockaddr, or null on a connected socket), with `flags` (default 0) ORed into MSG_NOSIGNAL;
   * never raises SIGPIPE; returns the bytes sent.
   */
  sendmsg(fd: number, buf: Uint8Array, off: number, len: number, oob: Uint8Array | null, sa: Uint8Array | null, flags?: number): number;
  /**
   * recvmsg(2) as {@link Binding.recvmsg}, for senders of any family: `from` (at least
   * `SK_SOCKADDR_STORAGE_SIZE` bytes) gets the sender's sockaddr bytes as the kernel wrote them,
   * `info[SK_RECVMSG_INFO_ADDRLEN]` their count (0: none) and `FAMILY` their family, for
   * {@link Binding.sockaddrDecode}; `FLAGS` and `OOBN` as for recvmsg, `PORT` and `SCOPE` 0.
   */
  recvmsgRaw(
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
   * recvmmsg(2) of up to `count` messages (1 to SK_MMSG_MAX), message i into `bufs[i]`, with
   * `flags`: the count that arrived, or -errno (EAGAIN when none was waiting; ENOSYS off
   * Linux). Message i's sender and facts go to `from` at `i * SK_RECVMSG_FROM_SIZE` and `info`
   * at `i * SK_RECVMSG_INFO_COUNT`, as recvmsg reports one, its length in the
   * `SK_RECVMSG_INFO_N` slot. No control bytes.
   */
  recvmmsg(fd: number, bufs: Uint8Array[], count: number, flags: number, from: Uint8Array, info: Int32Array): number;
  /**
   * sendmmsg(2) of `bufs[0, count)` as `count` messages (1 to SK_MMSG_MAX), message i to the
   * encoded sockaddr `sas[i]` (null when connected), with `flags` ORed into MSG_NOSIGNAL: the
   * count sent, or -errno (EAGAIN when none fit; ENOSYS off Linux).
   */
  sendmmsg(fd: number, bufs: Uint8Array[], count: number, sas: (Uint8Array | null)[], flags: number): number;
  /** CMSG_SPACE(n): the bytes a control message with n data bytes takes, padding included. */
  cmsgSpace(n: number): number;
  /** Builds one SCM_RIGHTS control message carrying `fds`. */
  unixRights(fds: readonly number[]): Uint8Array;
  /**
   * Splits received control bytes into messages: [level, type, data][] with `data` a copy of
   * each message's payload; -EINVAL when the bytes are malformed.
   */
  parseControlMessages(oob: Uint8Array, len: number): [level: number, type: number, data: Uint8Array][] | number;
  /**
   * One SCM_CREDENTIALS control message carrying (pid, uid, gid), in a CMSG_SPACE buffer (Linux),
   * or -ENOSYS where there is none.
   */
  unixCredentials(pid: number, uid: number, gid: number): Uint8Array | number;
  /** if_nametoindex(3): the interface's index, 0 when there is none. */
  ifNameToIndex(name: string): number;
  /** if_indextoname(3): the interface's name, null when there is none. */
  ifIndexToName(index: number): string | null;
  /**
   * pipe2(2) with O_NONBLOCK|O_CLOEXEC (pipe and fcntl on macOS, both ends closed on failure);
   * the read end goes to `out[0]`, the write end to `out[1]`. Returns 0 or -errno.
   */
  pipe(out: Int32Array): number;
  /** mkfifo(3) of `path` with permission bits `mode` (less the umask). Returns 0 or -errno. */
  mkfifo(path: string, mode: number): number;
  /**
   * fcntl(F_DUPFD_CLOEXEC): a new close-on-exec fd for the same open file description (which
   * shares O_NONBLOCK with `fd`). Returns the fd.
   */
  dup(fd: number): number;
  /**
   * Sets or clears O_NONBLOCK (F_GETFL/F_SETFL). It belongs to the open file description, so
   * every dup of `fd`, and any process sharing it, sees the change. Returns 0 or -errno.
   */
  setNonblock(fd: number, on: boolean): number;
  /**
   * fstat(2): `out[0]` st_mode (the whole mode: mask with `S_IFMT` for the type), `out[1]`
   * st_dev, `out[2]` st_ino, `out[3]` st_size; `out` needs at least 4 elements and is written
   * only on success. Returns 0 or -errno.
   */
  fstat(fd: number, out: Float64Array): number;
  /** stat(2) of `path`, following symbolic links, into `out` as {@link Binding.fstat} does. */
  stat(path: string, out: Float64Array): number;
  /**
   * Forks and execs `path` (no PATH search) with `argv` and `envp` (arrays of strings), in
   * `dir` (null: the parent's), never blocking for the exec. Child fd i becomes `fds[i]` (-1:
   * closed); every other fd is closed in the child (close_range, Linux 5.9+; elsewhere
   * close-on-exec keeps them out). `attr` has `SK_SPAWN_ATTR_COUNT` slots `SK_SPAWN_*`: flags
   * (`SK_SPAWN_SETSID`, `_SETPGID`, `_NOCTTY`, `_SETCTTY`, `_CREDENTIAL`, `_SETGROUPS`, and
   * `_BLOCKING`: clear O_NONBLOCK on the child's fds from 3 up),
   * pgid, pdeathsig (0: none; Linux), ctty, uid, gid, and the index in `envp` of a
   * "LISTEN_PID=" entry the child completes with its own pid (-1: none). `groups` are the
   * supplementary groups set with `_SETGROUPS`; `ignored` the signals the child keeps at
   * SIG_IGN (every other disposition is reset to SIG_DFL, and no signal is blocked). On
   * success `out[0]` is the pid and `out[1]` the read end of the exec-outcome pipe
   * (non-blocking, close-on-exec, recorded as the environment's): end of file once the exec
   * succeeded, else 8 bytes, two native int32s (stage `SK_SPAWN_STAGE_*`, errno), after which
   * the child exits with 127. Returns 0 or -errno (EINVAL for a string holding a NUL).
   */
  spawn(
    path: string,
    argv: readonly string[],
    envp: readonly string[],
    dir: string | null,
    fds: Int32Array,
    attr: Int32Array,
    groups: Int32Array,
    ignored: Int32Array,
    out: Int32Array,
  ): number;
  /**
   * wait4(2) with WNOHANG: the pid once the child has exited (or stopped), 0 while it runs, or
   * -errno (ECHILD). `out` (`SK_WAIT_COUNT` doubles, slots `SK_WAIT_*`) gets the raw status, its
   * decoding (exited, exit code or -1, signaled, signal, core dumped, stopped, stop signal,
   * continued) and the child's user and system CPU time in microseconds and maxrss (KiB).
   */
  wait(pid: number, out: Float64Array): number;
  /**
   * pidfd_open(2): a close-on-exec fd, recorded as the environment's, that polls readable once
   * the child `pid` has exited. -ENOSYS where the system has none (macOS, Linux before 5.3).
   */
  pidfd(pid: number): number;
  /** kill(2): sends `sig` (0 only checks) to `pid` (< 0: a process group). Returns 0 or -errno. */
  kill(pid: number, sig: number): number;
  /**
   * sigaction(2) on `sig`: `set` -1 only reads, 0 sets SIG_DFL, 1 SIG_IGN. Returns 1 if the
   * disposition was SIG_IGN before, 0 if not, or -errno (EINVAL for SIGKILL, SIGSTOP, or a
   * number that is no signal).
   */
  signalDisposition(sig: number, set: number): number;
  /**
   * Makes this thread's poll loop: readiness of its handles is written to `ring` (after the
   * `SK_POLL_RING_HEADER` slots, three slots per entry: the handle's id, its events, its
   * status; one entry per handle per turn; an id of -1 is an entry a closed handle took back)
   * and handed to `dispatch` after the poll phase (or at once when the ring is full), a chunk
   * of entries per call, each call followed by its microtasks. The header's
   * `SK_POLL_RING_BATCH` slot is 1 while a chunk and its microtasks run; setting
   * `SK_POLL_RING_SETTLE` then makes the loop call `dispatch(-1, 0)` after them. Returns
   * -errno when there is no loop to use.
   */
  pollLoop(dispatch: PollDispatch, ring: Int32Array): PollLoop | number;
  /**
   * Creates a `uv_poll_t` for `fd` on `loop`, reporting its readiness under `id` (>= 0); it
   * starts stopped and unreferenced. Returns -errno when libuv refuses the fd (EBADF, EEXIST,
   * EPERM for a regular file).
   */
  pollOpen(loop: PollLoop, fd: number, id: number): PollHandle | number;
  /** Starts polling for `events` (a POLL_* mask), or stops when it is 0. Returns 0 or -errno. */
  pollUpdate(h: PollHandle, events: number): number;
  /** uv_ref / uv_unref: whether a started handle keeps the event loop alive. */
  pollRef(h: PollHandle, ref: boolean): void;
  /**
   * Stops and closes the handle; no event of it is dispatched after this returns (its entry in
   * the ring is taken back). Idempotent.
   */
  pollClose(h: PollHandle): void;
  /**
   * Records `fd` as owned by sockit in this thread's environment, so that it is closed when the
   * environment tears down (a worker terminated or exiting, or the process at exit), since no
   * JavaScript runs then. The calls that make fds ({@link Binding.socket}, accept, socketpair,
   * pipe, dup) record theirs already and {@link Binding.close} forgets them; adopt is for an fd
   * taken over by other means (newFile). Fds received with SCM_RIGHTS are not recorded until
   * adopted. Adopting a recorded fd again changes nothing. Returns 0, -EBADF for a negative or
   * closed fd, or -ENOMEM.
   */
  adopt(fd: number): number;

  /**
   * Takes, changes or releases a file lock without waiting: flock(2) for `kind` SK_LOCK_FLOCK
   * (the range is ignored), fcntl(2) F_OFD_SETLK or F_SETLK for SK_LOCK_OFD and SK_LOCK_POSIX.
   * `type` is F_RDLCK (shared), F_WRLCK (exclusive) or F_UNLCK; `len` 0 reaches past the end of
   * the file. Returns 0, or -errno: a conflict is -EAGAIN (or -EACCES from fcntl on some
   * systems).
   */
  lockTry(fd: number, kind: number, type: number, start: number, len: number): number;
  /**
   * The waiting form of {@link Binding.lockTry} (LOCK_EX without LOCK_NB, F_OFD_SETLKW,
   * F_SETLKW) on a waiter thread of its own; `onDone(rc)` runs once with its result (0,
   * -EDEADLK, -EINTR after a cancel). Returns the wait's handle for
   * {@link Binding.waiterCancel}, or -errno when no thread could be made.
   */
  lockWait(
    fd: number,
    kind: number,
    type: number,
    start: number,
    len: number,
    onDone: (rc: number) => void,
  ): WaiterHandle | number;
  /**
   * F_OFD_GETLK or F_GETLK: whether a lock of `type` on the range would be granted. On 0,
   * `out[SK_LOCK_HOLDER_TYPE]` is F_UNLCK if it would; else `out` describes one lock in the way
   * (type, start, len, and the pid holding a POSIX lock, -1 for an OFD lock). -EINVAL for
   * SK_LOCK_FLOCK, which has no such query.
   */
  lockHolder(fd: number, kind: number, type: number, start: number, len: number, out: Float64Array): number;
  /**
   * Asks a waiter thread to stop: its blocking call fails with EINTR. The wait's `onDone` still
   * runs once, with -EINTR, or with the result the call had reached first. Idempotent.
   */
  waiterCancel(w: WaiterHandle): void;

  /**
   * mq_open(3) with O_NONBLOCK|O_CLOEXEC added: the queue's descriptor (an fd on Linux, polled
   * readable while a message waits and writable while there is room), or -errno. `maxmsg` 0
   * takes the system's default attributes. -ENOSYS where the platform has no queues.
   */
  mqOpen(name: string, oflag: number, mode: number, maxmsg: number, msgsize: number): number;
  /** mq_send(3) of `buf[off, off+len)` at priority `prio`: 0, or -errno (-EAGAIN when full). */
  mqSend(q: number, buf: Uint8Array, off: number, len: number, prio: number): number;
  /**
   * mq_receive(3) into `buf[off, off+len)`, which must hold the queue's message size: the
   * message's length, its priority in `prioOut[0]`, or -errno (-EAGAIN when empty).
   */
  mqReceive(q: number, buf: Uint8Array, off: number, len: number, prioOut: Float64Array): number;
  /** mq_getattr(3) into `out[SK_MQ_ATTR_*]` (flags, maxmsg, msgsize, curmsgs): 0 or -errno. */
  mqGetattr(q: number, out: Float64Array): number;
  /** mq_unlink(3): 0 or -errno. */
  mqUnlink(name: string): number;

  /**
   * sem_open(3) of the named semaphore (`value` is the initial count of one `oflag`'s O_CREAT
   * makes): its handle, or -errno. The sem_t is closed once {@link Binding.semClose} has run
   * and no wait on it is in flight.
   */
  semOpen(name: string, oflag: number, mode: number, value: number): SemHandle | number;
  /** Lets go of the handle (sem_close when no wait holds it). Idempotent. */
  semClose(s: SemHandle): void;
  /** sem_trywait(3): 0 when it took one, -EAGAIN at zero, or -errno (-EBADF once closed). */
  semTryWait(s: SemHandle): number;
  /**
   * sem_wait(3) on a waiter thread; `onDone(rc)` runs once with 0 (taken), -EINTR after a
   * cancel, or -errno. Returns the wait's handle for {@link Binding.waiterCancel}, or -errno.
   */
  semWait(s: SemHandle, onDone: (rc: number) => void): WaiterHandle | number;
  /** sem_post(3): 0 or -errno (-EOVERFLOW at SEM_VALUE_MAX). */
  semPost(s: SemHandle): number;
  /** sem_getvalue(3): the count (0 when processes wait), or -errno. */
  semGetValue(s: SemHandle): number;
  /** sem_unlink(3): 0 or -errno. */
  semUnlink(name: string): number;

  /** shm_open(3) with O_CLOEXEC: the segment's fd (recorded as the environment's), or -errno. */
  shmOpen(name: string, oflag: number, mode: number): number;
  /** shm_unlink(3): 0 or -errno. */
  shmUnlink(name: string): number;
  /** ftruncate(2) of `fd` to `size` bytes: 0 or -errno. */
  shmTruncate(fd: number, size: number): number;
  /**
   * mmap(2) of the first `size` bytes of `fd`, MAP_SHARED, or MAP_PRIVATE (copy-on-write, so a
   * write never faults) unless `writable`: an ArrayBuffer over the mapping (unmapped when V8
   * frees it), or -errno.
   */
  shmMap(fd: number, size: number, writable: boolean): ArrayBuffer | number;
  /** Detaches a mapping's ArrayBuffer: its views go to length 0 and the bytes are unmapped. */
  shmDetach(ab: ArrayBuffer): void;
  /**
   * splice(2) of up to `len` bytes from `fdIn` to `fdOut` (one of them a pipe), non-blocking
   * (SPLICE_F_NONBLOCK | SPLICE_F_MOVE); returns the bytes moved (0: end of stream) or -errno
   * (-ENOSYS off Linux).
   */
  splice(fdIn: number, fdOut: number, len: number): number;
  /**
   * Writes the splice calls made so far in this process to `out[0]`, the sendfile jobs queued
   * to `out[1]` and the copy_file_range jobs to `out[2]` (for tests).
   */
  copyCounters(out: Float64Array): void;
  /**
   * Queues one sendfile(2) (`kind` 0: a regular file to a socket or pipe) or
   * copy_file_range(2) (`kind` 1: file to file) of up to `len` bytes, at both fds' own offsets,
   * on the libuv threadpool; `done` gets the count (0: the input file's end) or -errno
   * (-ENOSYS off Linux). Returns 0, or -errno when nothing was queued (then `done` never runs).
   * Both fds must stay open until `done`.
   */
  copyJob(kind: number, fdIn: number, fdOut: number, len: number, done: (n: number) => void): number;
}

/** The error a call into sockit raises when the native core could not be loaded. */
export class BindingError extends Error {
  override readonly name = "BindingError";
  /** Node's error code for a failed native load. */
  readonly code = "ERR_SOCKIT_NATIVE";
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const built = "build/Release/sockit.node";

/**
 * findCore names the native core to load, as node-gyp-build chooses: a local build
 * (build/Release, then build/Debug) first, else the prebuilt binary in prebuilds/ for this
 * platform, architecture and libc (prebuildify's N-API builds). Without node-gyp-build (a
 * copy of the sources with no node_modules) only the local build is looked for.
 */
function findCore(require: NodeJS.Require): string {
  let gypBuild: { resolve(dir: string): string };
  try {
    gypBuild = require("node-gyp-build") as typeof gypBuild;
  } catch {
    return path.join(root, built);
  }
  return gypBuild.resolve(root);
}

/** The file the native core was loaded from, or null when it could not be loaded. */
let loadedFrom: string | null = null;

function load(): Binding | BindingError {
  const require = createRequire(import.meta.url);
  try {
    const file = findCore(require);
    const b = require(file) as Binding;
    loadedFrom = file;
    return b;
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return new BindingError(
      `sockit: the native core is missing or cannot load (${path.join(root, built)}, or a prebuilt one in ` +
        `${path.join(root, "prebuilds", `${process.platform}-${process.arch}`)}: ${why}); ` +
        "rebuild it with `npm rebuild sockit` (needs python3, make and a C compiler)",
      { cause: err },
    );
  }
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

/**
 * The loaded binding; if loading failed, any use throws the {@link BindingError}. It is a plain
 * copy of the module's exports (whose properties N-API makes read-only), so that the sys layer's
 * fault injection (fault.ts, for tests) can stand in for a syscall; a call through it costs the
 * same property load as before.
 */
export const binding: Binding = loaded instanceof BindingError ? unavailable(loaded) : { ...loaded };

/** The load failure, or null when the native core is available. */
export const bindingError: BindingError | null = loaded instanceof BindingError ? loaded : null;

/** The native core's file (build/Release/sockit.node, or a prebuilt one), or null when it did not load. */
export const coreFile: string | null = loadedFrom;
