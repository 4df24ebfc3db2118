/**
 * Control messages (ancillary data) for readMsg and writeMsg, as Go's syscall package offers
 * them: `unixRights` builds an SCM_RIGHTS message to pass fds over a unix socket, and
 * `parseControlMessages` / `parseUnixRights` read them back.
 */
import { binding } from "../sys/binding.js";
import { Errno, SyscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";
import { invalidArg, isFd } from "../sys/args.js";

/** MSG_TRUNC in readMsg's `flags`: the datagram was longer than the buffer (its tail is gone). */
export const MSG_TRUNC: number = C.MSG_TRUNC ?? 0;
/** MSG_CTRUNC in readMsg's `flags`: the control data was longer than the control buffer. */
export const MSG_CTRUNC: number = C.MSG_CTRUNC ?? 0;

/** An SCM_RIGHTS payload is an array of C ints in host byte order. */
const sizeofInt = C.SK_SIZEOF_INT!;
const littleEndian = C.SK_LITTLE_ENDIAN === 1;

/** One control message: its level and type (e.g. SOL_SOCKET, SCM_RIGHTS) and its payload. */
export interface ControlMessage {
  level: number;
  type: number;
  data: Uint8Array;
}

/**
 * unixRights encodes fds as one SCM_RIGHTS control message, for `writeMsg` on a unix conn.
 * Pass the fds as arguments, or as one array (a long list spread into arguments can overflow
 * the stack). The kernel takes at most 253 fds per message (SCM_MAX_FD); sendmsg refuses more
 * with EINVAL, as in Go. Go: `syscall.UnixRights`.
 *
 * @example
 * await conn.writeMsg(new Uint8Array([1]), unixRights(file.fd()), null);
 * await conn.writeMsg(new Uint8Array([1]), unixRights([a.fd(), b.fd()]), null);
 *
 * @throws TypeError (ERR_INVALID_ARG_TYPE) for anything that is not an fd number.
 */
export function unixRights(...fds: number[] | [readonly number[]]): Uint8Array {
  const list: readonly unknown[] = fds.length === 1 && Array.isArray(fds[0]) ? fds[0] : fds;
  for (let i = 0; i < list.length; i++) {
    if (!isFd(list[i])) throw invalidArg(`fds[${i}]`, "a file descriptor number", list[i]);
  }
  return binding.unixRights(list as number[]);
}

/** oobSpace gives the control-buffer bytes `n` passed fds need (CMSG_SPACE), for readMsg. */
export function oobSpace(fds: number): number {
  return binding.cmsgSpace(fds * sizeofInt);
}

/**
 * parseControlMessages splits the control bytes `readMsg` received (its `oobn` of them) into
 * messages. Go: `syscall.ParseSocketControlMessage`.
 */
export function parseControlMessages(oob: Uint8Array, oobn = oob.length): ControlMessage[] {
  const r = binding.parseControlMessages(oob, oobn);
  if (typeof r === "number") throw new SyscallError("parsesocketcontrolmessage", new Errno(-r));
  return r.map(([level, type, data]) => ({ level, type, data }));
}

/**
 * parseUnixRights gives the fds an SCM_RIGHTS message carries. They are this process's now
 * (close-on-exec): close them when done. Go: `syscall.ParseUnixRights`.
 */
export function parseUnixRights(m: ControlMessage): number[] {
  if (m.level !== C.SOL_SOCKET || m.type !== C.SCM_RIGHTS) throw new Errno(binding.errnos.EINVAL!);
  const view = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  const fds: number[] = [];
  for (let off = 0; off + sizeofInt <= m.data.length; off += sizeofInt) {
    fds.push(view.getInt32(off, littleEndian));
  }
  return fds;
}

/** sizeof(struct ucred): pid, uid and gid, 32 bits each (Go's `syscall.SizeofUcred`). */
const sizeofUcred = 12;

/**
 * unixCredentials builds one SCM_CREDENTIALS control message carrying `cred`, for
 * `writeMsg` on a unix socket whose receiver has SO_PASSCRED on (`setPassCredentials`).
 * The kernel checks the ids when the message goes: another process's pid, uid or gid is
 * EPERM without privilege. Linux only: elsewhere it throws ENOSYS. Go: `syscall.UnixCredentials`.
 *
 * @example
 * await conn.writeMsg(hello, unixCredentials({ pid: process.pid, uid: process.getuid(), gid: process.getgid() }), null);
 */
export function unixCredentials(cred: { pid: number; uid: number; gid: number }): Uint8Array {
  for (const k of ["pid", "uid", "gid"] as const) {
    const v = (cred as Record<string, unknown> | null)?.[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < -1 || v > 0xffffffff) throw invalidArg(`cred.${k}`, "an integer id", v);
  }
  // uid and gid are unsigned in the kernel; the binding takes them as int32 bit patterns.
  const r = binding.unixCredentials(cred.pid, cred.uid | 0, cred.gid | 0);
  if (typeof r === "number") throw new SyscallError("unixcredentials", new Errno(-r));
  return r;
}

/** unixCredentialsSpace gives the control-buffer bytes one SCM_CREDENTIALS message needs, for readMsg. */
export function unixCredentialsSpace(): number {
  return binding.cmsgSpace(sizeofUcred);
}

/**
 * parseUnixCredentials gives the pid, uid and gid an SCM_CREDENTIALS message carries: the
 * sender's, checked by the kernel (or filled in by it when the sender sent none). Anything
 * else is EINVAL, as in Go. Go: `syscall.ParseUnixCredentials`.
 */
export function parseUnixCredentials(m: ControlMessage): { pid: number; uid: number; gid: number } {
  if (m.level !== C.SOL_SOCKET || m.type !== C.SCM_CREDENTIALS || m.data.length !== sizeofUcred) {
    throw new Errno(binding.errnos.EINVAL!);
  }
  const view = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  return { pid: view.getInt32(0, littleEndian), uid: view.getUint32(4, littleEndian), gid: view.getUint32(8, littleEndian) };
}

