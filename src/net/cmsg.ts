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
