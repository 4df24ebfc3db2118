/**
 * A RawSocket handed over to the net layer (Go: `net.FileConn(os.NewFile(fd, ""))` and its
 * listener and packet forms): a socket made and set up with the syscall layer becomes the conn,
 * listener or packet conn of its family and type, through the same path as a File's socket
 * (file_posix.ts).
 */
import type { RawSocket } from "../syscall/socket.js";
import { fileConn, fileListener, filePacketConn } from "./file_posix.js";
import type { Conn } from "./conn.js";
import type { Listener } from "./listener.js";
import type { PacketConn } from "./packetconn.js";
import type { File } from "../ipc/file.js";

/**
 * Makes `make`'s owner from a dup of `s`, then closes `s`: on success the socket lives on only
 * in the new owner; on failure `s` is left open, as it was.
 */
async function handOver<T>(s: RawSocket, make: (f: File) => Promise<T>): Promise<T> {
  const f = s.file();
  let v: T;
  try {
    v = await make(f);
  } finally {
    await f.close();
  }
  await s.close();
  return v;
}

/**
 * rawSocketConn hands `s` over to a conn of its kind (a TCPConn, UDPConn, IPConn or UnixConn,
 * as `fileConn` picks): the conn owns the socket from then on, and `s` is closed. A socket of a
 * family net has no conn for (netlink, packet, vsock) fails as `fileConn` does ("file file+net
 * socket:[7]: protocol not supported") and `s` stays open. Go: `net.FileConn` over
 * `os.NewFile`, then closing the File.
 *
 * @example
 * const s = await syscall.socket(syscall.AF_INET, syscall.SOCK_STREAM, 0);
 * s.setsockoptInt(syscall.SOL_SOCKET, syscall.SO_PRIORITY, 6);
 * await s.connect(new syscall.SockaddrInet4({ port, addr: [127, 0, 0, 1] }));
 * const conn = await rawSocketConn(s); // a TCPConn
 */
export function rawSocketConn(s: RawSocket): Promise<Conn> {
  return handOver(s, fileConn);
}

/**
 * rawSocketListener hands a listening `s` over to a TCPListener or UnixListener, as
 * {@link rawSocketConn} does. Go: `net.FileListener` over `os.NewFile`.
 */
export function rawSocketListener(s: RawSocket): Promise<Listener> {
  return handOver(s, fileListener);
}

/**
 * rawSocketPacketConn hands `s` over to a UDPConn, IPConn or UnixConn, as
 * {@link rawSocketConn} does. Go: `net.FilePacketConn` over `os.NewFile`.
 */
export function rawSocketPacketConn(s: RawSocket): Promise<PacketConn> {
  return handOver(s, filePacketConn);
}
