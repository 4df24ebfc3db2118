/**
 * Shared test helpers, after Go's net tests: local listeners, temp unix paths, a python3 peer,
 * and the fd-leak guard every suite installs.
 */
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, mkdtempSync, rmSync, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { listen, listenPacket, PathError, type Listener } from "../src/index.js";
import { C } from "../src/sys/constants.js";

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

/** threadCount counts this process's threads (/proc/self/task). */
export function threadCount(): number {
  return readdirSync("/proc/self/task").length;
}

/**
 * guardThreadLeaks fails the suite if it ends with more threads than it started with: a
 * waiter thread (native/waiter.c) that outlived its wait. The threadpool is started first (an
 * fs call), since libuv makes its threads on first use and they would count as new.
 */
export function guardThreadLeaks(): void {
  let start = 0;
  before(async () => {
    await fsp.stat("/");
    start = threadCount();
  });
  after(async () => {
    const until = Date.now() + 2000;
    while (threadCount() > start && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.ok(threadCount() <= start, `thread leak: ${threadCount()} threads after the suite, ${start} before`);
  });
}

/**
 * otherUserSays runs `call` (an expression over `s`, the built sockit module, giving a
 * promise) as uid and gid 65534 through setpriv, and returns what it printed: "ok" if it
 * resolved, else its error's message. It skips the test, saying why, where that cannot run
 * (not root, no setpriv, or a checkout the other user cannot read).
 */
export function otherUserSays(t: { skip(message: string): void }, call: string): string | null {
  const index = fileURLToPath(new URL("../src/index.js", import.meta.url));
  const code = `import(${JSON.stringify(index)}).then((s) => ${call}).then(() => console.log("ok"), (e) => console.log(e.message))`;
  const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "-e", code], { encoding: "utf8", timeout: 10_000 });
  if (r.error !== undefined || process.getuid?.() !== 0 || /Cannot find module|EACCES|permission denied, open/.test(r.stderr)) {
    t.skip(`needs root, setpriv, and a checkout uid 65534 can read: ${r.error?.message ?? r.stderr.split("\n")[0]}`);
    return null;
  }
  return r.stdout.trim();
}

/** until resolves once `done()` holds, checking every 5 ms, and fails the test after `ms`. */
export async function until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * rejectsWithText resolves with the error `p` rejects with (within `ms`), checked to be a
 * sockit PathError whose message is exactly `text`.
 */
export async function rejectsWithText(p: Promise<unknown>, text: string, ms = 10_000): Promise<PathError> {
  const err = await within(
    p.then(
      () => assert.fail(`expected "${text}", but it succeeded`),
      (e: unknown) => e,
    ),
    ms,
    text,
  );
  assert.ok(err instanceof PathError, `a PathError, not ${String(err)}`);
  assert.equal(err.message, text);
  return err;
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

/**
 * within bounds a wait: it settles as `p` does, or rejects after `ms` with an error naming
 * `what`, so that no test can hang on a peer that went quiet.
 */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** A TCP listener that never answers; see {@link unansweredListener}. */
export interface UnansweredListener {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** "127.0.0.1:PORT". */
  readonly address: string;
  /** Stops the listener (and the python3 process holding it). */
  close(): Promise<void>;
}

/**
 * unansweredListener starts a python3 TCP listener on 127.0.0.1 whose accept queue is full
 * (listen(0), filled by its own never-accepted connects). Linux then drops further SYNs
 * (tcp_conn_request: sk_acceptq_is_full), so a connect to it stays pending until abandoned:
 * a loopback-only way to test dial timeouts and cancellation. The python process exits when
 * `close()` ends its stdin, or after 60 s at the latest.
 */
export async function unansweredListener(): Promise<UnansweredListener> {
  const script = [
    "import socket, sys, time, select",
    "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(0)",
    "port = l.getsockname()[1]",
    "fill = []",
    "for i in range(3):",
    "    c = socket.socket(); c.setblocking(False); c.connect_ex(('127.0.0.1', port)); fill.append(c)",
    "time.sleep(0.1)",
    "print(port, flush=True)",
    "select.select([sys.stdin], [], [], 60)",
  ].join("\n");
  const peer = new PythonPeer(script);
  const closed = new Promise<void>((r) => peer.proc.on("close", () => r()));
  let line: string;
  try {
    line = await within(peer.ready, 10_000, `python3 unanswered listener (stderr: ${peer.stderr})`);
  } catch (err) {
    peer.proc.kill();
    await closed;
    throw err;
  }
  const port = Number(line);
  return {
    port,
    address: `127.0.0.1:${port}`,
    async close() {
      peer.proc.stdin.end();
      const t = setTimeout(() => peer.proc.kill(), 2000);
      await closed;
      clearTimeout(t);
    },
  };
}

/** TCP socket options as the kernel holds them; see {@link tcpSockopts}. */
export interface TCPSockopts {
  /** SO_KEEPALIVE: 0 or 1. */
  keepAlive: number;
  /** TCP_KEEPIDLE in seconds. */
  keepIdle: number;
  /** TCP_KEEPINTVL in seconds. */
  keepIntvl: number;
  /** TCP_NODELAY: 0 or 1. */
  noDelay: number;
}

/**
 * tcpSockopts reads the options of this process's TCP socket with local port `localPort` and
 * remote port `remotePort` from outside the code under test (see {@link inetSockopts}).
 * Resolves null where pidfd_getfd is not available, so callers can skip.
 */
export async function tcpSockopts(localPort: number, remotePort: number): Promise<TCPSockopts | null> {
  const out = await inetSockopts(
    localPort,
    C.SOCK_STREAM!,
    {
      keepAlive: [C.SOL_SOCKET!, C.SO_KEEPALIVE!],
      keepIdle: [C.IPPROTO_TCP!, C.TCP_KEEPIDLE!],
      keepIntvl: [C.IPPROTO_TCP!, C.TCP_KEEPINTVL!],
      noDelay: [C.IPPROTO_TCP!, C.TCP_NODELAY!],
    },
    remotePort,
  );
  return out as TCPSockopts | null;
}

/**
 * inetSockopts reads int options of this process's IP socket of type `sotype` (SOCK_DGRAM,
 * SOCK_RAW ...) bound to local port `localPort`, from outside the code under test as
 * {@link tcpSockopts} does: a python3 child copies the fd with pidfd_getfd(2) and calls
 * getsockopt(2) on the copy. `opts` maps a result name to its [level, name] (an int), or to
 * [level, name, size] for a struct of ints, which comes back as a number[]. Resolves null where
 * pidfd_getfd is not available, so callers can skip.
 *
 * @example
 * const o = await inetSockopts(port, C.SOCK_DGRAM!, { rcvbuf: [C.SOL_SOCKET!, C.SO_RCVBUF!] });
 */
export async function inetSockopts(
  localPort: number,
  sotype: number,
  opts: Record<string, [level: number, name: number] | [level: number, name: number, size: number]>,
  remotePort = -1,
): Promise<Record<string, number> | null> {
  const script = [
    "import ctypes, json, os, socket, struct, sys",
    "pid, lport, sotype, opts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])",
    "rport = int(sys.argv[5])",
    "libc = ctypes.CDLL(None, use_errno=True)",
    "try:",
    "    pidfd = os.pidfd_open(pid)",
    "except (AttributeError, OSError) as e:",
    "    print(json.dumps({'unsupported': str(e)})); sys.exit(0)",
    "found = None",
    "for name in os.listdir('/proc/%d/fd' % pid):",
    "    try:",
    "        if not os.readlink('/proc/%d/fd/%s' % (pid, name)).startswith('socket:'): continue",
    "    except OSError: continue",
    "    fd = libc.syscall(438, pidfd, int(name), 0)  # pidfd_getfd",
    "    if fd < 0:",
    "        print(json.dumps({'unsupported': os.strerror(ctypes.get_errno())})); sys.exit(0)",
    "    s = socket.socket(fileno=fd)",
    "    try:",
    "        if s.family in (socket.AF_INET, socket.AF_INET6) and s.type == sotype \\",
    "                and s.getsockname()[1] == lport and (rport < 0 or s.getpeername()[1] == rport):",
    "            found = {}",
    "            for k, o in opts.items():",
    "                if len(o) == 3:  # a struct of ints, e.g. SO_LINGER: read its bytes, unpack",
    "                    b = s.getsockopt(o[0], o[1], o[2])",
    "                    found[k] = list(struct.unpack('%di' % (len(b) // 4), b))",
    "                else:",
    "                    found[k] = s.getsockopt(o[0], o[1])",
    "    except OSError: pass",
    "    finally:",
    "        s.detach(); os.close(fd)",
    "    if found: break",
    "print(json.dumps(found), flush=True)",
  ].join("\n");
  const peer = new PythonPeer(script, [String(process.pid), String(localPort), String(sotype), JSON.stringify(opts), String(remotePort)]);
  const closed = new Promise<void>((r) => peer.proc.on("close", () => r()));
  try {
    await within(peer.done(), 10_000, "python3 getsockopt probe");
  } finally {
    if (peer.proc.exitCode === null) peer.proc.kill();
    await closed;
  }
  const out = JSON.parse(peer.lines[0] ?? "null") as Record<string, number> | { unsupported: string } | null;
  if (out !== null && "unsupported" in out) return null;
  assert.ok(out !== null, `inetSockopts: no socket of type ${sotype} on local port ${localPort} in this process`);
  return out as Record<string, number>;
}

/**
 * rawIPSkip says why raw IP sockets cannot be made here (no CAP_NET_RAW), as a skip message, or
 * false when they can: it opens and closes an ip4:icmp packet conn on 127.0.0.1.
 */
export async function rawIPSkip(): Promise<string | false> {
  try {
    await (await listenPacket("ip4:icmp", "127.0.0.1")).close();
    return false;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EPERM" || code === "EACCES") return `skipped: raw IP sockets need CAP_NET_RAW (${(err as Error).message})`;
    throw err;
  }
}

/** prng is a small seeded generator (mulberry32) in [0, 1), so a failure replays from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
