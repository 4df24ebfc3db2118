/**
 * The address grammar of `sockit relay`, socat's `KIND:ARGS[,OPTION]...`: which endpoint an
 * argument names, parsed before anything is opened, so that a mistyped address is a usage
 * error (exit 2) and not a failure of one side.
 */
import { UsageError } from "./usage.js";
import { netKind, type NetKind } from "./networks.js";

/** Direction is which way a file, fifo or fd endpoint moves bytes: read it, write it, or both. */
export type Direction = "read" | "write" | "both";

/** RelayAddr is a parsed relay address; `text` is the argument as given, for messages. */
export type RelayAddr =
  | { how: "dial"; network: string; address: string; kind: NetKind; text: string }
  | { how: "listen"; network: string; address: string; kind: NetKind; fork: boolean; text: string }
  | { how: "stdio"; text: string }
  | { how: "exec"; argv: string[]; text: string }
  | { how: "file" | "fifo"; path: string; dir: Direction; text: string }
  | { how: "fd"; fd: number; dir: Direction; text: string };

/** The options an address may end with, after a comma, and the kinds that take them. */
const addrOptions = ["fork", "rdonly", "wronly"] as const;
type AddrOption = (typeof addrOptions)[number];

/** The kinds that dial or listen: the name before the colon → Go's network name. */
const netKinds: Record<string, string> = {
  tcp: "tcp", tcp4: "tcp4", tcp6: "tcp6",
  udp: "udp", udp4: "udp4", udp6: "udp6",
  unix: "unix", abstract: "unix", unixgram: "unixgram", unixpacket: "unixpacket",
};

/**
 * parseRelayAddr reads one relay address. `position` (1 or 2) sets the direction of `file:`
 * and `fifo:`, which are read as ADDR1 and written as ADDR2 unless `,rdonly` or `,wronly`
 * says otherwise. Options are recognized only at the end and only by name, so a path such
 * as `/tmp/a,b` stays whole; `exec:` and `system:` take the rest of the argument as it is.
 *
 * @example
 * parseRelayAddr("tcp-listen:8080,fork", 1); // { how: "listen", network: "tcp", address: ":8080", fork: true, ... }
 */
export function parseRelayAddr(text: string, position: 1 | 2): RelayAddr {
  if (text === "-" || text.toLowerCase() === "stdio") return { how: "stdio", text };
  const colon = text.indexOf(":");
  if (colon < 0) throw new UsageError(`relay address ${JSON.stringify(text)} needs KIND:ARGS`);
  const kind = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (kind === "exec" || kind === "system") return execAddr(kind, rest, text);
  const [args, opts] = splitOptions(rest);
  const fork = opts.has("fork");
  const dir: Direction = opts.has("rdonly") ? "read" : opts.has("wronly") ? "write" : "both";
  if (opts.has("rdonly") && opts.has("wronly")) throw new UsageError(`${text}: rdonly and wronly exclude each other`);
  const listenKind = kind.endsWith("-listen") ? kind.slice(0, -"-listen".length) : null;
  if (fork && listenKind === null) throw new UsageError(`${text}: fork is an option of a listen address`);
  if (dir !== "both" && !["file", "fifo", "fd"].includes(kind)) throw new UsageError(`${text}: ${[...opts].join(",")} is an option of file:, fifo: and fd:`);
  if (args === "") throw new UsageError(`relay address ${JSON.stringify(text)} has nothing after ${kind}:`);
  switch (kind) {
    case "file":
    case "fifo":
      return { how: kind, path: args, dir: dir === "both" ? (position === 1 ? "read" : "write") : dir, text };
    case "fd":
      if (!/^\d+$/.test(args)) throw new UsageError(`${text}: fd: needs a file descriptor number`);
      return { how: "fd", fd: Number(args), dir, text };
  }
  if (/^ip[46]?$/.test(kind)) return rawAddr(kind, args, text);
  const network = netKinds[listenKind ?? kind];
  if (network === undefined) throw new UsageError(`unknown relay address kind ${JSON.stringify(kind)} in ${JSON.stringify(text)}`);
  const address = netAddress(listenKind ?? kind, args, listenKind !== null);
  const nk = netKind(network);
  if (listenKind === null) return { how: "dial", network, address, kind: nk, text };
  if (fork && isPacketKind(nk)) throw new UsageError(`${text}: fork needs a conn network (${network} has no conns to accept)`);
  return { how: "listen", network, address, kind: nk, fork, text };
}

/** isPacketKind reports whether a network is served by listenPacket rather than listen. */
export function isPacketKind(k: NetKind): boolean {
  return k === "datagram" || k === "raw";
}

/** splitOptions cuts the known options off the end of `rest`: `8080,fork` → ["8080", {fork}]. */
function splitOptions(rest: string): [string, Set<AddrOption>] {
  const opts = new Set<AddrOption>();
  let args = rest;
  for (let comma = args.lastIndexOf(","); comma >= 0; comma = args.lastIndexOf(",")) {
    const name = args.slice(comma + 1).toLowerCase() as AddrOption;
    if (!addrOptions.includes(name)) break;
    opts.add(name);
    args = args.slice(0, comma);
  }
  return [args, opts];
}

/**
 * netAddress turns the ARGS of a socket kind into Go's address: `abstract:NAME` is `@NAME`,
 * and a listen address that is only a port (`tcp-listen:8080`) listens on every address.
 */
function netAddress(kind: string, args: string, listening: boolean): string {
  if (kind === "abstract") return `@${args}`;
  if (kind.startsWith("unix")) return args;
  if (listening && /^\d+$/.test(args)) return `:${args}`;
  return args;
}

/** rawAddr reads `ip4:PROTO:HOST`: network `ip4:PROTO`, address HOST (raw IP, dialed). */
function rawAddr(kind: string, args: string, text: string): RelayAddr {
  const colon = args.indexOf(":");
  if (colon <= 0 || colon === args.length - 1) throw new UsageError(`${text}: ${kind}: needs PROTO:HOST`);
  const network = `${kind}:${args.slice(0, colon)}`;
  return { how: "dial", network, address: args.slice(colon + 1), kind: "raw", text };
}

/**
 * execAddr reads `exec:CMD ARG...`, split on runs of whitespace with no quoting (socat's
 * EXEC:), and `system:CMD`, handed whole to `/bin/sh -c` (socat's SYSTEM:).
 */
function execAddr(kind: string, rest: string, text: string): RelayAddr {
  if (kind === "system") {
    if (rest.trim() === "") throw new UsageError(`${text}: system: needs a command`);
    return { how: "exec", argv: ["/bin/sh", "-c", rest], text };
  }
  const argv = rest.split(/\s+/).filter((w) => w !== "");
  if (argv.length === 0) throw new UsageError(`${text}: exec: needs a command`);
  return { how: "exec", argv, text };
}
