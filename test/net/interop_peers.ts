/**
 * The interop protocol and its peers, for interop.test.ts: the same exchange implemented by
 * sockit, Node core `net`, a python3 `socket` script and a Go 1.19 program.
 *
 * The protocol, the same for every peer:
 *   client: send C ("ping from client\n"); read S; send P (1 MiB); shutdown(SHUT_WR);
 *           read to EOF, which must be P reversed; read again: still EOF; close.
 *   server: read C; send S; read to EOF (the payload Q); send Q reversed; shutdown(SHUT_WR);
 *           read again: still EOF; close.
 * A peer that originates P reports sha256(P), a server reports sha256(Q), so both directions
 * are compared byte for byte even when the other end is another process.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { createHash } from "node:crypto";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { TCPConn, UnixConn, type Conn } from "../../src/index.js";
import { PythonPeer, readAll, readFull, within } from "../helpers.js";

export const SMALL_C = Buffer.from("ping from client\n");
export const SMALL_S = Buffer.from("pong from server\n");
export const BIG = 1 << 20;
/** Upper bound of any one exchange, so a silent peer fails the test instead of hanging it. */
export const LIMIT = 15_000;

/** The stream conns sockit returns, with closeRead/closeWrite. */
export type StreamConn = TCPConn | UnixConn;

/** stream narrows a Conn to a TCPConn or UnixConn, failing the test otherwise. */
export function stream(c: Conn): StreamConn {
  assert.ok(c instanceof TCPConn || c instanceof UnixConn, "a stream conn");
  return c;
}

/** reversed returns a reversed copy of `b`: what a server sends back. */
export function reversed(b: Buffer): Buffer {
  return Buffer.from(b).reverse();
}

/** sha is the hex sha256 of `b`, as the python and Go peers print it. */
export function sha(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// The protocol, sockit side.

/** sockitClient runs the client side of the protocol on a sockit conn, then closes it. */
export async function sockitClient(c: StreamConn, payload: Buffer): Promise<void> {
  try {
    assert.equal(await c.write(SMALL_C), SMALL_C.length);
    assert.deepEqual(await readFull(c, SMALL_S.length), SMALL_S);
    assert.equal(await c.write(payload), payload.length);
    await c.closeWrite();
    // Half-close: our write side is shut, the peer still sends the whole reply.
    const back = await readAll(c);
    assert.equal(back.length, payload.length, "reply length");
    assert.ok(back.equals(reversed(payload)), "reply is the payload reversed, byte for byte");
    assert.equal(await c.read(new Uint8Array(16)), null, "EOF stays EOF");
  } finally {
    await c[Symbol.asyncDispose]();
  }
}

/** sockitServer runs the server side on a sockit conn, closes it, and returns the payload received. */
export async function sockitServer(c: StreamConn): Promise<Buffer> {
  try {
    assert.deepEqual(await readFull(c, SMALL_C.length), SMALL_C);
    assert.equal(await c.write(SMALL_S), SMALL_S.length);
    const got = await readAll(c); // ends when the client shuts its write side
    // Half-close the other way: the client no longer sends, we still can.
    assert.equal(await c.write(reversed(got)), got.length);
    await c.closeWrite();
    assert.equal(await c.read(new Uint8Array(16)), null, "EOF stays EOF");
    return got;
  } finally {
    await c[Symbol.asyncDispose]();
  }
}

// ---------------------------------------------------------------------------------------------
// The protocol, Node core side.

/** SockReader turns a Node socket's events into exact reads (async iteration would destroy it at EOF). */
export class SockReader {
  #chunks: Buffer[] = [];
  #len = 0;
  #ended = false;
  #err: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(readonly sock: net.Socket) {
    sock.on("data", (b: Buffer) => {
      this.#chunks.push(b);
      this.#len += b.length;
      this.#notify();
    });
    sock.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("error", (e) => {
      this.#err = e;
      this.#notify();
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async #until(cond: () => boolean): Promise<void> {
    while (!cond()) {
      if (this.#err !== null) throw this.#err;
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  #take(n: number): Buffer {
    const all = Buffer.concat(this.#chunks);
    this.#chunks = [all.subarray(n)];
    this.#len -= n;
    return all.subarray(0, n);
  }

  async readExact(n: number): Promise<Buffer> {
    await this.#until(() => this.#len >= n || this.#ended);
    if (this.#len < n) throw new Error(`early EOF after ${this.#len} of ${n} bytes`);
    return this.#take(n);
  }

  async readToEnd(): Promise<Buffer> {
    await this.#until(() => this.#ended);
    return this.#take(this.#len);
  }

  write(b: Buffer): Promise<void> {
    return new Promise((res, rej) => this.sock.write(b, (e) => (e ? rej(e) : res())));
  }

  end(): Promise<void> {
    return new Promise((res) => this.sock.end(res));
  }
}

/** nodeClient runs the client side on a Node socket, then destroys it. */
export async function nodeClient(sock: net.Socket, payload: Buffer): Promise<void> {
  const r = new SockReader(sock);
  try {
    await r.write(SMALL_C);
    assert.deepEqual(await r.readExact(SMALL_S.length), SMALL_S);
    await r.write(payload);
    await r.end();
    const back = await r.readToEnd();
    assert.ok(back.equals(reversed(payload)), "node client: reply is the payload reversed");
  } finally {
    sock.destroy();
  }
}

/** nodeServer runs the server side on a Node socket and returns the payload received. */
export async function nodeServer(sock: net.Socket): Promise<Buffer> {
  const r = new SockReader(sock);
  try {
    assert.deepEqual(await r.readExact(SMALL_C.length), SMALL_C);
    await r.write(SMALL_S);
    const got = await r.readToEnd();
    await r.write(reversed(got));
    await r.end();
    return got;
  } finally {
    sock.destroy();
  }
}

/** Starts a Node `net` server that runs the server protocol once; resolves its first conn's payload. */
export async function startNodeServer(
  listenArg: { port: number; host: string } | { path: string },
): Promise<{ server: net.Server; served: Promise<Buffer> }> {
  const server = net.createServer({ allowHalfOpen: true });
  const served = new Promise<Buffer>((resolve, reject) => {
    server.once("connection", (sock) => nodeServer(sock).then(resolve, reject));
  });
  served.catch(() => {}); // observed by the test; avoid an unhandled rejection meanwhile
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(listenArg, res);
  });
  return { server, served };
}

/** closeServer closes a Node server and waits until it has closed. */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

/** nodeConnect connects a Node socket (half-open allowed), resolving once connected. */
export function nodeConnect(opts: net.NetConnectOpts): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect({ ...opts, allowHalfOpen: true });
    s.once("connect", () => {
      s.off("error", rej);
      res(s);
    });
    s.once("error", rej);
  });
}

// ---------------------------------------------------------------------------------------------
// The protocol, python3 side.

/** The python3 peer: argv role ("server" | "client"), kind ("inet4" | "inet6" | "unix"), address. */
export const PY = String.raw`
import hashlib, os, socket, sys
role, kind, addr = sys.argv[1], sys.argv[2], sys.argv[3]
SMALL_C = b"ping from client\n"
SMALL_S = b"pong from server\n"
fam = {"unix": socket.AF_UNIX, "inet4": socket.AF_INET, "inet6": socket.AF_INET6}[kind]

def sockaddr():
    if kind == "unix":
        # "@name" is the abstract name b"\0name", exactly that long (as Go binds it).
        return b"\0" + addr[1:].encode() if addr.startswith("@") else addr
    host, port = addr.rsplit(":", 1)
    return (host.strip("[]"), int(port))

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            sys.exit("early EOF after %d of %d bytes" % (len(b), n))
        b += d
    return b

def recv_all(s):
    parts = []
    while True:
        d = s.recv(1 << 16)
        if not d:
            return b"".join(parts)
        parts.append(d)

if role == "server":
    l = socket.socket(fam, socket.SOCK_STREAM)
    l.settimeout(10)
    l.bind(sockaddr())
    l.listen(1)
    print(repr(l.getsockname()), flush=True)
    c, peer = l.accept()
    c.settimeout(10)
    print(repr(peer), flush=True)
    if recv_exact(c, len(SMALL_C)) != SMALL_C:
        sys.exit("bad greeting")
    c.sendall(SMALL_S)
    q = recv_all(c)
    c.sendall(q[::-1])
    c.shutdown(socket.SHUT_WR)
    if c.recv(1) != b"":
        sys.exit("no EOF after the client's half-close")
    print(hashlib.sha256(q).hexdigest(), len(q), flush=True)
    c.close()
    l.close()
    if kind == "unix" and not addr.startswith("@"):
        os.unlink(addr)
else:
    p = os.urandom(1 << 20)
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(10)
    c.connect(sockaddr())
    print(repr(c.getpeername()), flush=True)
    print(repr(c.getsockname()), flush=True)
    c.sendall(SMALL_C)
    if recv_exact(c, len(SMALL_S)) != SMALL_S:
        sys.exit("bad reply to the greeting")
    c.sendall(p)
    c.shutdown(socket.SHUT_WR)
    back = recv_all(c)
    if back != p[::-1]:
        sys.exit("reply is not the payload reversed (%d bytes back)" % len(back))
    if c.recv(1) != b"":
        sys.exit("EOF did not stay EOF")
    print(hashlib.sha256(p).hexdigest(), len(p), flush=True)
    c.close()
print("ok", flush=True)
`;

/** Runs the python peer; `finish()` waits (bounded) for a clean exit and returns its lines. */
export function python(args: string[]): { peer: PythonPeer; finish(): Promise<string[]>; cleanup(): Promise<void> } {
  const peer = new PythonPeer(PY, args);
  const closed = new Promise<void>((r) => peer.proc.on("close", () => r()));
  return {
    peer,
    async cleanup() {
      if (peer.proc.exitCode === null) peer.proc.kill();
      await closed;
    },
    async finish() {
      try {
        await within(peer.done(), LIMIT, `python3 peer to exit (stderr: ${peer.stderr})`);
      } finally {
        if (peer.proc.exitCode === null) peer.proc.kill();
        await closed;
      }
      assert.equal(peer.lines.at(-1), "ok", `python peer output: ${peer.lines.join(" | ")}`);
      return peer.lines;
    },
  };
}

/** Python's repr of the bytes b"\0name", which is how it prints an exact-length abstract address. */
export function pyAbstractRepr(name: string): string {
  assert.ok(name.startsWith("@"));
  return `b'\\x00${name.slice(1)}'`;
}


// ---------------------------------------------------------------------------------------------
// The protocol, Go side: a Go 1.19 program (standard library only).

/** The Go peer: argv role ("server" | "client"), network, address. */
export const GO_PEER = String.raw`package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

var smallC = []byte("ping from client\n")
var smallS = []byte("pong from server\n")

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

type halfCloser interface{ CloseWrite() error }

func main() {
	role, network, addr := os.Args[1], os.Args[2], os.Args[3]
	deadline := time.Now().Add(10 * time.Second)
	switch role {
	case "server":
		ln, err := net.Listen(network, addr)
		check(err)
		fmt.Println(ln.Addr().String())
		check(ln.(interface{ SetDeadline(time.Time) error }).SetDeadline(deadline))
		c, err := ln.Accept()
		check(err)
		check(c.SetDeadline(deadline))
		fmt.Println(c.RemoteAddr().String())
		greet := make([]byte, len(smallC))
		_, err = io.ReadFull(c, greet)
		check(err)
		if !bytes.Equal(greet, smallC) {
			check(fmt.Errorf("bad greeting %q", greet))
		}
		_, err = c.Write(smallS)
		check(err)
		q, err := io.ReadAll(c)
		check(err)
		_, err = c.Write(reversed(q))
		check(err)
		check(c.(halfCloser).CloseWrite())
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			check(fmt.Errorf("want EOF after the half-close, got %d, %v", n, err))
		}
		fmt.Println(sum(q), len(q))
		check(c.Close())
		check(ln.Close())
	case "client":
		c, err := net.DialTimeout(network, addr, 10*time.Second)
		check(err)
		check(c.SetDeadline(deadline))
		fmt.Println(c.RemoteAddr().String())
		p := make([]byte, 1<<20)
		_, err = rand.Read(p)
		check(err)
		_, err = c.Write(smallC)
		check(err)
		reply := make([]byte, len(smallS))
		_, err = io.ReadFull(c, reply)
		check(err)
		if !bytes.Equal(reply, smallS) {
			check(fmt.Errorf("bad reply %q", reply))
		}
		_, err = c.Write(p)
		check(err)
		check(c.(halfCloser).CloseWrite())
		back, err := io.ReadAll(c)
		check(err)
		if !bytes.Equal(back, reversed(p)) {
			check(fmt.Errorf("reply is not the payload reversed (%d bytes)", len(back)))
		}
		fmt.Println(sum(p), len(p))
		check(c.Close())
	}
	fmt.Println("ok")
}
`;

/** A child process whose stdout lines are collected; the first can be awaited. */
export class ProcPeer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  readonly ready: Promise<string>;
  readonly closed: Promise<number | null>;
  stderr = "";

  constructor(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: env ?? process.env });
    let first!: (l: string) => void;
    this.ready = new Promise((r) => (first = r));
    let buf = "";
    this.proc.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      for (let i; (i = buf.indexOf("\n")) >= 0; ) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (this.lines.length === 0) first(line);
        this.lines.push(line);
      }
    });
    this.proc.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.closed = new Promise((r) => this.proc.on("close", (code) => r(code)));
  }

  /** Waits (bounded) for a clean exit. */
  async finish(what: string): Promise<string[]> {
    try {
      const code = await within(this.closed, LIMIT, what);
      assert.equal(code, 0, `${what} failed: ${this.stderr}`);
    } finally {
      if (this.proc.exitCode === null) this.proc.kill();
      await this.closed;
    }
    assert.equal(this.lines.at(-1), "ok", `${what} output: ${this.lines.join(" | ")}`);
    return this.lines;
  }
}
