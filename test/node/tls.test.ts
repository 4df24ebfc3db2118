/**
 * TLS over sockit conns (issue 11 §2): tlsClient and tlsServer both ways against Node's own
 * tls peers and each other, deadlines over TLS, close_notify on close, closeWrite, a bad
 * certificate; https through httpsAgent and serveHTTP; undici's fetch through undiciConnect
 * over abstract unix, unixpacket and tcp, plain and TLS.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Agent, fetch } from "undici";
import {
  dial, listen, serveHTTP, httpsAgent, tlsClient, tlsServer, undiciConnect, toSocket, errorIs, ErrDeadlineExceeded,
} from "../../src/index.js";
import { abstractName, guardFdLeaks, testUnixAddr, within } from "../helpers.js";

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url)));
const key = fixture("server.key");
const cert = fixture("server.crt");
const ca = fixture("ca.crt");
const text = (b: Uint8Array) => Buffer.from(b).toString();

/** readAll reads a conn to its end. */
async function readAll(c: { read(p: Uint8Array): Promise<number | null> }): Promise<string> {
  const buf = new Uint8Array(4096);
  let out = "";
  for (;;) {
    const n = await c.read(buf);
    if (n === null) return out;
    out += text(buf.subarray(0, n));
  }
}

describe("tlsClient and tlsServer", () => {
  guardFdLeaks();

  it("talk to each other, and to Node's tls, with Go's conn API", async () => {
    await using ln = await listen("unix", abstractName());
    const served = (async () => {
      const raw = await ln.accept();
      const s = tlsServer(raw, { key, cert, ALPNProtocols: ["echo/1"] });
      const got = await readAll(s); // until the client's close_notify (closeWrite)
      await s.write(new TextEncoder().encode(`echo:${got}`));
      await s.close();
      return got;
    })();
    const c = tlsClient(await dial("unix", ln.addr().toString()), { ca, servername: "sockit.test", ALPNProtocols: ["echo/1"] });
    await c.handshake();
    const st = c.connectionState();
    assert.equal(st.handshakeComplete, true);
    assert.match(st.version!, /^TLSv1\.[23]$/);
    assert.equal(st.negotiatedProtocol, "echo/1");
    assert.equal(st.serverName, "sockit.test");
    assert.equal(st.peerCertificate?.subject.CN, "sockit.test");
    await c.write(new TextEncoder().encode("hello"));
    await c.closeWrite();
    assert.equal(await readAll(c), "echo:hello", "the reply after our close_notify, then the server's");
    assert.equal(await served, "hello");
    await c.close();
    await assert.rejects(c.close(), /use of closed network connection/);

    // Node's tls.Server as the peer of tlsClient over tcp.
    const server = tls.createServer({ key, cert }, (s) => s.end("from node"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as { port: number }).port;
    const c2 = tlsClient(await dial("tcp", `127.0.0.1:${port}`), { ca, servername: "sockit.test" });
    assert.equal(await readAll(c2), "from node");
    await c2.close();
    server.close();
  });

  it("honours read and write deadlines over TLS", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const accepted = ln.accept().then((raw) => tlsServer(raw, { key, cert }));
    const c = tlsClient(await dial("tcp", ln.addr().toString()), { ca, servername: "sockit.test" });
    const s = await accepted;
    await c.handshake();
    c.setReadDeadline(Date.now() + 100);
    const t0 = Date.now();
    const e = await c.read(new Uint8Array(10)).catch((x: unknown) => x);
    assert.ok(errorIs(e, ErrDeadlineExceeded), String(e));
    assert.match(String(e), /read tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: i\/o timeout/);
    assert.ok(Date.now() - t0 >= 80);
    c.setReadDeadline(null);
    const r = c.read(new Uint8Array(10));
    await s.write(new TextEncoder().encode("late"));
    assert.equal(await r, 4, "a moved deadline revives reads");
    // A peer that never reads fills the buffers; the write deadline ends the write.
    c.setWriteDeadline(Date.now() + 200);
    const big = new Uint8Array(1 << 20);
    let err: unknown = null;
    for (let i = 0; i < 256 && err === null; i++) err = await c.write(big).then(() => null, (x: unknown) => x);
    assert.ok(errorIs(err, ErrDeadlineExceeded), String(err));
    await assert.rejects(c.write(new Uint8Array(1)), /i\/o timeout/, "a write timeout breaks the session, as in Go");
    await c.close();
    await s.close();
  });

  it("fails the handshake on an untrusted certificate, closing the conn", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const accepted = ln.accept().then((raw) => tlsServer(raw, { key, cert }));
    const c = tlsClient(await dial("tcp", ln.addr().toString()), { servername: "sockit.test" });
    await assert.rejects(c.handshake(), (e: Error & { code?: string }) => e.code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" || /certificate/.test(e.message));
    await c.close();
    // Node checks the chain after OpenSSL's handshake and then drops the conn: the server's
    // read ends (Go's server would read the client's alert as an error).
    const s = await accepted;
    assert.equal(await within(readAll(s).catch(() => ""), 5000, "the server's read to end"), "");
    await s.close();
  });
});

describe("https and undici over sockit conns", () => {
  guardFdLeaks();

  it("serves https through serveHTTP and requests it through httpsAgent", async () => {
    const ln = await listen("unixpacket", testUnixAddr());
    const svc = serveHTTP(ln, https.createServer({ key, cert }, (req, res) => res.end(`secure ${req.url}`)));
    const agent = httpsAgent("unixpacket", ln.addr().toString(), { ca, keepAlive: true });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        https.get({ agent, host: "sockit.test", path: "/x" }, (res) => {
          let b = "";
          res.on("data", (c: Buffer) => (b += c));
          res.on("end", () => resolve(b));
        }).on("error", reject);
      });
      assert.equal(body, "secure /x");
    } finally {
      agent.destroy();
      await svc.close();
    }
  });

  for (const [name, net, addr] of [
    ["abstract unix", "unix", abstractName],
    ["unixpacket", "unixpacket", testUnixAddr],
    ["tcp", "tcp", () => "127.0.0.1:0"],
  ] as const) {
    it(`fetches over ${name} with undici, plain and TLS`, async () => {
      const ln = await listen(net, addr());
      const svc = serveHTTP(ln, http.createServer((req, res) => {
        let n = 0;
        req.on("data", (c: Buffer) => (n += c.length));
        req.on("end", () => res.end(JSON.stringify({ url: req.url, host: req.headers.host, n })));
      }));
      const tlsLn = await listen(net, addr());
      const tlsSvc = serveHTTP(tlsLn, https.createServer({ key, cert }, (req, res) => res.end(`tls ${req.url}`)));
      const plain = new Agent({ connect: undiciConnect(net, ln.addr().toString()) });
      const secure = new Agent({ connect: undiciConnect(net, tlsLn.addr().toString(), { tls: { ca } }) });
      try {
        const res = await fetch("http://svc.test/hello?x=1", { dispatcher: plain, method: "POST", body: "x".repeat(300_000) });
        assert.deepEqual(await res.json(), { url: "/hello?x=1", host: "svc.test", n: 300_000 });
        const again = await fetch("http://svc.test/two", { dispatcher: plain });
        assert.equal((await again.json() as { url: string }).url, "/two");
        const sres = await fetch("https://sockit.test/secure", { dispatcher: secure });
        assert.equal(await sres.text(), "tls /secure");
      } finally {
        await plain.close();
        await secure.close();
        await svc.close();
        await tlsSvc.close();
      }
    });
  }

  it("a TLS client over toSocket closes when the server ends (Node's allowHalfOpen rule)", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const accepted = ln.accept().then(async (raw) => {
      const s = tlsServer(raw, { key, cert });
      await s.write(new TextEncoder().encode("bye"));
      await s.close();
    });
    const socket = tls.connect({ socket: toSocket(await dial("tcp", ln.addr().toString())), ca, servername: "sockit.test" });
    let got = "";
    socket.on("data", (c: Buffer) => (got += c));
    await within(once(socket, "close"), 5000, "the TLS socket to close after the server's end");
    assert.equal(got, "bye");
    await accepted;
  });
});
