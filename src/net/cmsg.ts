/**
 * Control messages (ancillary data) for readMsg and writeMsg, as Go's syscall package offers
 * them: `unixRights` builds an SCM_RIGHTS message to pass fds over a unix socket, and
 * `parseControlMessages` / `parseUnixRights` read them back.
 */
import { binding } from "../sys/binding.js";
import { Errno, SyscallError } from "../sys/errors.js";
import { C } from "../sys/constants.js";

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
 * Go: `syscall.UnixRights`.
 *
 * @example
 * await conn.writeMsg(new Uint8Array([1]), unixRights(fd), null);
 */
export function unixRights(...fds: number[]): Uint8Array {
  return binding.unixRights(fds);
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
