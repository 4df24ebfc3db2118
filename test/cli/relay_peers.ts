/**
 * The peers and helpers of the `sockit relay` tests (relay.test.ts, relay_interop.test.ts):
 * Node core servers on 127.0.0.1, byte collection, the relay's listening line, temp dirs.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sockit, waitFor, type Running } from "./sockit.js";

/** sha256 is the hex digest of `b`. */
export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** A Node `net` server on 127.0.0.1 that hands each conn (half-open allowed) to `serve`. */
export async function tcpServer(serve: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, serve);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** collect resolves with everything `s` sends up to its end of stream. */
export function collect(s: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on("data", (d: Buffer) => chunks.push(d));
  return once(s, "end").then(() => Buffer.concat(chunks));
}

/** An echo server that also tracks how many conns it holds at once. */
export async function echoServer() {
  const stats = { now: 0, most: 0, total: 0 };
  const srv = await tcpServer((s) => {
    stats.now++;
    stats.total++;
    stats.most = Math.max(stats.most, stats.now);
    s.on("data", (d) => s.write(d));
    s.on("end", () => s.end());
    s.on("close", () => stats.now--);
  });
  return { ...srv, stats };
}

/** listening waits for `-v`'s "listening on NET ADDR" line and returns ADDR. */
export function listening(cmd: Running): Promise<string> {
  return waitFor(() => /listening on \S+ (\S+)/.exec(cmd.stderr())?.[1] ?? null, "the listening line");
}

/** portOf is the port at the end of an address. */
export function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(":") + 1));
}

/** connectTCP connects a half-open Node socket to 127.0.0.1:port. */
export async function connectTCP(port: number): Promise<net.Socket> {
  const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  await once(c, "connect");
  return c;
}

/** tempDir makes a temporary directory, removed when the process exits. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "sockit-relay-"));
  process.on("exit", () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/**
 * forkingRelay runs `relay [options] tcp-listen:127.0.0.1:0,fork tcp:ECHO` against an echo
 * server, gives `body` the relay's port, then stops it with SIGTERM (exit 143).
 */
export async function forkingRelay(options: string[], body: (port: number, echo: Awaited<ReturnType<typeof echoServer>>) => Promise<void>) {
  const echo = await echoServer();
  try {
    const cmd = sockit(["relay", "-v", ...options, "tcp-listen:127.0.0.1:0,fork", `tcp:127.0.0.1:${echo.port}`]);
    await body(portOf(await listening(cmd)), echo);
    cmd.p.kill("SIGTERM");
    assert.equal((await cmd.done).status, 143);
  } finally {
    echo.server.close();
  }
}

