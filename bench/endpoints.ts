/**
 * Addresses for the bench's listeners and dialers, the same for sockit and Node core: TCP on
 * 127.0.0.1 with a kernel-chosen port, unix sockets as files in the run's temporary directory.
 */
import net from "node:net";
import { once } from "node:events";
import { join } from "node:path";

/** The networks the bench measures. */
export type BenchNet = "tcp" | "unix";

let serial = 0;

/** listenAddress gives a fresh address to listen on, in sockit's form. */
export function listenAddress(network: BenchNet, dir: string): string {
  return network === "tcp" ? "127.0.0.1:0" : join(dir, `${process.pid}-${serial++}.sock`);
}

/**
 * nodeListen starts a Node core server on a fresh address and returns the address it got, in
 * sockit's form ("127.0.0.1:40000" or a path).
 */
export async function nodeListen(server: net.Server, network: BenchNet, dir: string): Promise<string> {
  const addr = listenAddress(network, dir);
  if (network === "unix") server.listen(addr);
  else server.listen({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  const a = server.address();
  return typeof a === "string" ? a : `127.0.0.1:${a!.port}`;
}

/** nodeConnect connects with Node core to an address in sockit's form and waits for it. */
export async function nodeConnect(network: BenchNet, address: string): Promise<net.Socket> {
  const c =
    network === "unix"
      ? net.connect({ path: address })
      : net.connect({ host: "127.0.0.1", port: Number(address.slice(address.lastIndexOf(":") + 1)) });
  await once(c, "connect");
  return c;
}
