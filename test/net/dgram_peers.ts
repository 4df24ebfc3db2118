/**
 * An independent datagram peer for the udp, unixgram, unixpacket and raw IP suites: a python3
 * process that runs socket calls on request (one JSON command per stdin line, one JSON answer
 * per stdout line), so a test can drive python's `socket` step by step against sockit.
 * Every python socket has a 5 s timeout and every call a bound here, so nothing can hang.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { OpError } from "../../src/index.js";
import { within } from "../helpers.js";

/** The python3 side of {@link PyPeer}. */
const PY_RPC = String.raw`
import array, json, os, socket, sys

FAM = {"inet4": socket.AF_INET, "inet6": socket.AF_INET6, "unix": socket.AF_UNIX}
TYP = {"dgram": socket.SOCK_DGRAM, "seqpacket": socket.SOCK_SEQPACKET, "raw": socket.SOCK_RAW}
socks = {}

def enc(fam, a):
    if fam == socket.AF_UNIX:
        # "@name" is the abstract name b"\0name", exactly that long (as Go and sockit bind it).
        return b"\0" + a[1:].encode() if a.startswith("@") else a
    # "host:port", "[host]:port", or a bare host (raw IP).
    if a.startswith("["):
        h, p = a.rsplit(":", 1)
        return (h[1:-1], int(p))
    if fam == socket.AF_INET and ":" in a:
        h, p = a.rsplit(":", 1)
        return (h, int(p))
    return (a, 0)

def dec(fam, a, raw=False):
    if fam == socket.AF_UNIX:
        # An unbound unix sender has no name: None (recvfrom gave no address) or "".
        if a is None or a == "" or a == b"":
            return None
        if isinstance(a, bytes):
            return "@" + a[1:].decode() if a[:1] == b"\0" else a.decode()
        return a
    if a is None:
        return None
    h, p = a[0], a[1]
    if raw:
        return h
    return ("[%s]:%d" if ":" in h else "%s:%d") % (h, p)

def mcast_probe(group, ifindex):
    # Joins group on lo and sends to it from 127.0.0.1 with TTL 0: Linux routes multicast from a
    # loopback source out of lo, so nothing leaves the host. Raises if nothing arrives.
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        r.settimeout(1)
        r.bind(("0.0.0.0", 0))
        mreq = socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + ifindex.to_bytes(4, sys.byteorder)
        r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
        s.sendto(b"probe", (group, r.getsockname()[1]))
        try:
            r.recvfrom(16)
        except socket.timeout:
            raise Exception("a datagram sent to %s from 127.0.0.1 did not come back over lo" % group)
        return {}
    finally:
        r.close()
        s.close()

def handle(c):
    op = c["op"]
    if op == "mcast_probe":
        return mcast_probe(c["group"], c["ifindex"])
    if op == "socket":
        fam = FAM[c["fam"]]
        s = socket.socket(fam, TYP[c["type"]], c.get("proto", 0))
        s.settimeout(5)
        socks[c["id"]] = s
        if c.get("bind") is not None:
            s.bind(enc(fam, c["bind"]))
        return {"addr": dec(fam, s.getsockname(), s.type == socket.SOCK_RAW)}
    s = socks[c["id"]]
    fam = s.family
    if op == "connect":
        s.connect(enc(fam, c["to"]))
        return {"addr": dec(fam, s.getsockname())}
    if op == "listen":
        s.listen(8)
        return {}
    if op == "accept":
        a, peer = s.accept()
        a.settimeout(5)
        socks[c["newid"]] = a
        return {"peer": dec(fam, peer)}
    if op == "sendto":
        return {"n": s.sendto(bytes.fromhex(c["data"]), enc(fam, c["to"]))}
    if op == "send":
        return {"n": s.send(bytes.fromhex(c["data"]))}
    if op == "recvmsg":
        data, anc, flags, frm = s.recvmsg(c["size"], socket.CMSG_SPACE(4 * 4))
        return {"data": data.hex(), "from": dec(fam, frm, s.type == socket.SOCK_RAW), "flags": flags, "anc": len(anc)}
    if op == "recv_icmp":
        # Reads until an ICMP(v6) message of type c["want"] with identifier c["ident"] arrives.
        while True:
            data, frm = s.recvfrom(65536)
            off = (data[0] & 15) * 4 if fam == socket.AF_INET else 0
            if data[off] == c["want"] and int.from_bytes(data[off + 4:off + 6], "big") == c["ident"]:
                return {"data": data.hex(), "from": frm[0]}
    if op == "send_pipe":
        # Sends the read end of a fresh pipe holding c["text"]; the write end is closed first,
        # so the receiver reads the text and then end of file.
        r, w = os.pipe()
        os.write(w, c["text"].encode())
        os.close(w)
        try:
            n = socket.send_fds(s, [bytes.fromhex(c["data"])], [r])
        finally:
            os.close(r)
        return {"n": n}
    if op == "recv_fd_and_send":
        # Receives one fd (a socket), sends c["text"] on it, closes it.
        msg, fds, flags, _ = socket.recv_fds(s, c["size"], 4)
        if len(fds) != 1:
            raise Exception("expected one fd, got %r" % (fds,))
        t = socket.socket(fileno=fds[0])
        t.sendall(c["text"].encode())
        t.close()
        return {"data": msg.hex()}
    if op == "mcast_ttl0":
        # Multicast that cannot leave the host (used with a socket bound to 127.0.0.1).
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
        return {}
    if op == "close":
        s.close()
        del socks[c["id"]]
        return {}
    raise Exception("unknown op " + op)

for line in sys.stdin:
    c = json.loads(line)
    try:
        r = handle(c)
    except Exception as e:
        r = {"error": "%s: %s" % (type(e).__name__, e), "errno": getattr(e, "errno", None)}
    print(json.dumps(r), flush=True)
`;

/** What a python call answered; `error` is set when the python call raised. */
export interface PyAnswer {
  error?: string;
  errno?: number | null;
  addr?: string | null;
  peer?: string | null;
  n?: number;
  data?: string;
  from?: string | null;
  flags?: number;
  anc?: number;
}

/**
 * PyPeer is one python3 process holding any number of sockets, named by ids this class hands
 * out. `call` sends one command and resolves with python's answer; an answer with `error`
 * rejects unless `{ allowError: true }`.
 */
export class PyPeer {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve(a: PyAnswer): void; reject(e: Error): void }[] = [];
  readonly #closed: Promise<void>;
  #buf = "";
  #stderr = "";
  #nextId = 1;

  constructor() {
    this.#proc = spawn("python3", ["-c", PY_RPC], { stdio: ["pipe", "pipe", "pipe"] });
    // A forgotten peer must not keep the test process alive: pending calls hold their own timer.
    this.#proc.unref();
    for (const s of [this.#proc.stdin, this.#proc.stdout, this.#proc.stderr]) (s as unknown as { unref(): void }).unref();
    this.#proc.stdout.setEncoding("utf8").on("data", (d: string) => {
      this.#buf += d;
      let i;
      while ((i = this.#buf.indexOf("\n")) >= 0) {
        const line = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 1);
        this.#waiting.shift()?.resolve(JSON.parse(line) as PyAnswer);
      }
    });
    this.#proc.stderr.setEncoding("utf8").on("data", (d: string) => (this.#stderr += d));
    this.#closed = new Promise((r) =>
      this.#proc.on("close", () => {
        for (const w of this.#waiting.splice(0)) w.reject(new Error(`python3 peer exited: ${this.#stderr}`));
        r();
      }),
    );
  }

  /** A fresh socket id. */
  id(): number {
    return this.#nextId++;
  }

  /** Runs one command, bounded by `ms`. */
  async call(cmd: Record<string, unknown>, opts: { allowError?: boolean; ms?: number } = {}): Promise<PyAnswer> {
    const answer = new Promise<PyAnswer>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    this.#proc.stdin.write(JSON.stringify(cmd) + "\n");
    const a = await within(answer, opts.ms ?? 8000, `python3 ${JSON.stringify(cmd)} (stderr: ${this.#stderr})`);
    if (a.error !== undefined && !opts.allowError) throw new Error(`python3 ${cmd.op}: ${a.error}`);
    return a;
  }

  /** Makes a socket (bound to `bind` if given) and returns its id and local address. */
  async socket(fam: "inet4" | "inet6" | "unix", type: "dgram" | "seqpacket" | "raw", bind: string | null, proto = 0): Promise<{ id: number; addr: string | null }> {
    const id = this.id();
    const a = await this.call({ op: "socket", id, fam, type, bind, proto });
    return { id, addr: a.addr ?? null };
  }

  /** Ends the process (closing its sockets), bounded; kills it if it does not go. */
  async close(): Promise<void> {
    this.#proc.stdin.end();
    const t = setTimeout(() => this.#proc.kill(), 3000);
    await this.#closed;
    clearTimeout(t);
  }
}

/**
 * usePyPeer starts a PyPeer before the tests of the enclosing describe (or file) and ends it
 * after them; the returned function gives the running peer.
 */
export function usePyPeer(): () => PyPeer {
  let peer: PyPeer | null = null;
  before(() => {
    peer = new PyPeer();
  });
  after(async () => {
    await peer?.close();
    peer = null;
  });
  return () => {
    if (peer === null) throw new Error("usePyPeer: no peer outside the tests of its describe");
    return peer;
  };
}

/** Hex of a string's UTF-8 bytes, as PyPeer's commands take data. */
export function hex(s: string | Uint8Array): string {
  return Buffer.from(s).toString("hex");
}

/** Asserts that `p` rejects with an OpError whose message is exactly `message`. */
export async function rejectsWith(p: Promise<unknown>, message: string): Promise<OpError> {
  let caught: unknown;
  await assert.rejects(p, (e: unknown) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof OpError, `expected an OpError, got ${String(caught)}`);
  assert.equal(caught.message, message);
  return caught;
}

/** Asserts that `f` throws an OpError whose message is exactly `message`. */
export function throwsWith(f: () => unknown, message: string): OpError {
  let caught: unknown;
  assert.throws(f, (e: unknown) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof OpError, `expected an OpError, got ${String(caught)}`);
  assert.equal(caught.message, message);
  return caught;
}

