/**
 * Go's `syscall` package, the part of it sockit offers (exported as the `syscall` namespace):
 * `socket` of any family, type and protocol, owned by a RawSocket on the poll layer (reads wait
 * for readiness, with deadlines and close), Go's socket address types, the platform's
 * constants, and netlink route dumps. See docs/syscall.md.
 */
export * from "./constants.js";
export {
  SockaddrInet4,
  SockaddrInet6,
  SockaddrUnix,
  SockaddrNetlink,
  SockaddrLinklayer,
  SockaddrVM,
  htons,
  type Sockaddr,
} from "./sockaddr.js";
export {
  RawSocket,
  socket,
  socketpair,
  type AcceptResult,
  type RecvfromResult,
  type RecvmsgResult,
  type WaitOptions,
} from "./socket.js";
export {
  netlinkRIB,
  newNetlinkRouteRequest,
  parseNetlinkMessage,
  parseNetlinkRouteAttr,
  parseIfInfomsg,
  parseIfAddrmsg,
  type NlMsghdr,
  type NetlinkMessage,
  type RtAttr,
  type NetlinkRouteAttr,
  type IfInfomsg,
  type IfAddrmsg,
} from "./netlink.js";
export { unixRights, parseControlMessages, parseUnixRights, oobSpace, type ControlMessage } from "../net/cmsg.js";
