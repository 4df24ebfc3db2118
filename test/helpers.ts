/**
 * Shared test helpers, after Go's net tests: local listeners, temp unix paths, a python3 peer,
 * and the fd-leak guard every suite installs.
 */
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { listen, type Listener } from "../src/index.js";

/** openFds counts this process's open file descriptors. */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/**
 * guardFdLeaks fails the suite if it ends with more open fds than it started with. Call it at
 * the top of a test file.
 */
export function guardFdLeaks(): void {
  let start = 0;
  before(() => {
    start = openFds();
  });
  after(async () => {
    // Give closes scheduled by the last test a turn of the loop.
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(openFds() <= start, `fd leak: ${openFds()} open fds after the suite, ${start} before`);
  });
}

let dir: string | null = null;
let seq = 0;

/** testUnixAddr returns a fresh socket path in a private temp dir (removed at exit). */
export function testUnixAddr(): string {
  if (dir === null) {
    dir = mkdtempSync(path.join(tmpdir(), "sockit-"));
    const d = dir;
    process.on("exit", () => rmSync(d, { recursive: true, force: true }));
  }
  return path.join(dir, `s${process.pid}-${seq++}.sock`);
}

/** abstractName returns a fresh Linux abstract unix name ("@..."). */
export function abstractName(): string {
  return `@sockit-test-${process.pid}-${seq++}`;
}

/** newLocalListener listens on loopback (or a temp path) for `network`. */
export function newLocalListener(network: string): Promise<Listener> {
  switch (network) {
    case "tcp":
    case "tcp4":
      return listen(network, "127.0.0.1:0");
    case "tcp6":
      return listen(network, "[::1]:0");
    case "unix":
    case "unixpacket":
      return listen(network, testUnixAddr());
  }
  throw new Error(`newLocalListener: no local listener for ${network}`);
}

/** hasIPv6 reports whether ::1 can be bound here. */
export async function hasIPv6(): Promise<boolean> {
  try {
    const ln = await listen("tcp6", "[::1]:0");
    await ln.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * python runs a python3 script as an independent peer; its stdout lines are collected. The
 * script's first printed line can be awaited with `ready`.
 */
export class PythonPeer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  readonly ready: Promise<string>;
  readonly exited: Promise<number | null>;
  #stderr = "";

  constructor(script: string, args: string[] = []) {
    this.proc = spawn("python3", ["-c", script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let resolveReady!: (l: string) => void;
    this.ready = new Promise((r) => (resolveReady = r));
    let buf = "";
    this.proc.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (this.lines.length === 0) resolveReady(line);
        this.lines.push(line);
      }
    });
    this.proc.stderr.setEncoding("utf8").on("data", (d: string) => (this.#stderr += d));
    this.exited = new Promise((r) => this.proc.on("exit", (code) => r(code)));
  }

  /** The peer's stderr so far, for assertion messages. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Waits for exit, failing the test if the script failed. */
  async done(): Promise<void> {
    const code = await this.exited;
    assert.equal(code, 0, `python peer failed: ${this.#stderr}`);
  }
}

/** readAll reads a conn to end of stream. */
export async function readAll(conn: { read(p: Uint8Array): Promise<number | null> }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return Buffer.concat(chunks);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
}

/** readFull reads exactly `n` bytes, failing on early end of stream. */
export async function readFull(conn: { read(p: Uint8Array): Promise<number | null> }, n: number): Promise<Buffer> {
  const out = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = await conn.read(out.subarray(got));
    if (r === null) throw new Error(`readFull: end of stream after ${got} of ${n} bytes`);
    got += r;
  }
  return out;
}

/** settle gives a rejection (or its absence) a moment to happen, for "still pending" checks. */
export function settle<T>(p: Promise<T>, ms = 50): Promise<"pending" | { value: T } | { error: unknown }> {
  return Promise.race([
    p.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<"pending">((r) => setTimeout(() => r("pending"), ms)),
  ]);
}
