/**
 * A connector for undici (and so for `fetch` through an undici dispatcher): every connection
 * the dispatcher opens is a sockit dial to one address, on any stream network, with TLS over it
 * for https: URLs. undici is not a dependency of sockit: the connector is a plain function of
 * the shape undici's `connect` option takes.
 */
import { isIP, type Socket } from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { Dialer, type DialerOptions } from "../net/dial.js";
import { invalidArg } from "../sys/args.js";
import { toSocket } from "./socket.js";

/** What undici passes a connector for each connection. */
export interface UndiciConnectOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string | null;
  localAddress?: string | null;
  httpSocket?: Duplex;
}

/** Options of {@link undiciConnect}: a Dialer (or its options), and TLS options for https: URLs. */
export interface UndiciConnectorOptions {
  dialer?: Dialer | DialerOptions;
  /** Node's `tls.connect` options for https: origins (`ca`, `rejectUnauthorized`, ...). */
  tls?: tls.ConnectionOptions;
}

/**
 * The connector function undici's `Agent({ connect })` and `Client({ connect })` take. Its
 * socket is typed as undici types it, a `net.Socket`; for plain http: it is a ConnSocket, the
 * look-alike undici drives through the same members.
 */
export type UndiciConnector = (opts: UndiciConnectOptions, callback: (...args: [null, Socket] | [Error, null]) => void) => void;

/**
 * undiciConnect gives an undici connector that dials `address` on `network` with sockit for
 * every connection, whatever the request's origin (which still gives the Host header and, for
 * https:, the TLS server name).
 *
 * @example
 * import { Agent, fetch } from "undici";
 * const dispatcher = new Agent({ connect: undiciConnect("unix", "@my-api") });
 * const res = await fetch("http://my-api/status", { dispatcher });
 */
export function undiciConnect(network: string, address: string, opts: UndiciConnectorOptions = {}): UndiciConnector {
  const d = opts.dialer;
  if (d !== undefined && !(d instanceof Dialer) && (d === null || typeof d !== "object")) {
    throw invalidArg("dialer", "a Dialer or Dialer options", d);
  }
  const dialer = d instanceof Dialer ? d : new Dialer(d ?? {});
  return (req, callback) => {
    let once: typeof callback | null = callback;
    const settle = (err: Error | null, socket: Duplex | null): void => {
      const cb = once;
      once = null;
      if (err !== null) cb?.(err, null);
      else cb?.(null, socket as Socket);
    };
    dialer.dial(network, address).then(
      (conn) => {
        const socket = toSocket(conn);
        if (req.protocol !== "https:") return settle(null, socket);
        const servername = req.servername ?? (isIP(req.hostname) !== 0 ? undefined : req.hostname);
        const secure = tls.connect({ ALPNProtocols: ["http/1.1"], ...opts.tls, socket, servername: servername ?? undefined });
        secure.once("secureConnect", () => settle(null, secure));
        secure.once("error", (err) => (settle(err, null), secure.destroy()));
      },
      (err: Error) => settle(err, null),
    );
  };
}
