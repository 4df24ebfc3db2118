/**
 * How the command treats each of Go's network names: by the kind of socket it gives.
 */

/**
 * The socket a network gives: a byte stream (tcp*, unix), records over a conn (unixpacket,
 * SOCK_SEQPACKET), datagrams (udp*, unixgram) or raw IP packets (ip*:proto).
 */
export type NetKind = "stream" | "seqpacket" | "datagram" | "raw";

/**
 * netKind tells the kind of `network`'s sockets. Names sockit does not know count as streams,
 * so that `dial` and `listen` report Go's "unknown network" error for them.
 *
 * @example
 * netKind("ip4:icmp"); // "raw"
 */
export function netKind(network: string): NetKind {
  if (/^udp[46]?$/.test(network) || network === "unixgram") return "datagram";
  if (/^ip[46]?:/.test(network)) return "raw";
  if (network === "unixpacket") return "seqpacket";
  return "stream";
}

/**
 * isMessageKind reports whether each write is one message (a datagram, a record) rather than
 * bytes of a stream.
 */
export function isMessageKind(kind: NetKind): boolean {
  return kind !== "stream";
}

/**
 * The largest message the command sends from stdin: a longer read of stdin goes out as several
 * messages. It is OpenBSD nc's buffer size (BUFSIZE in netcat.c), and it stays well below
 * UDP's limit (65,507 bytes over IPv4), which a 64 KiB read of a pipe would pass.
 */
export const maxMessage = 16 * 1024;
