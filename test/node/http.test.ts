/**
 * Node's HTTP over sockit conns (issue 11 §1, §2): the cases of Node's own HTTP tests that
 * a socket must get right — keep-alive agent reuse, a request timeout, the server's
 * keepAliveTimeout and headersTimeout, pipelining, an upgrade (a WebSocket handshake), a
 * 64 MiB chunked body, an abort mid-body — each over tcp, unix, abstract unix and
 * unixpacket, with serveHTTP on the server side and httpAgent on the client side.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { dial, listen, serveHTTP, httpAgent, toSocket, type Listener } from "../../src/index.js";
import { abstractName, guardFdLeaks, testUnixAddr, until, within } from "../helpers.js";

const networks: [name: string, net: string, addr: () => string][] = [
  ["tcp", "tcp", () => "127.0.0.1:0"],
  ["unix", "unix", testUnixAddr],
  ["abstract unix", "unix", abstractName],
  ["unixpacket", "unixpacket", testUnixAddr],
];

/** A served http.Server on a sockit listener, and the address to dial it at. */
async function serve(net: string, addr: string, handler: http.RequestListener, opts: http.ServerOptions = {}) {
  const ln: Listener = await listen(net, addr);
  const server = http.createServer(opts, handler);
  const svc = serveHTTP(ln, server);
  return { server, svc, address: ln.addr().toString() };
}

/** request makes one request and gives the response with its body. */
function request(opts: http.RequestOptions, body?: Buffer | string): Promise<{ res: http.IncomingMessage; body: Buffer; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ res, body: Buffer.concat(parts), req }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

for (const [name, net, addr] of networks) {
  describe(`HTTP over ${name}`, () => {
    guardFdLeaks();

    it("reuses a keep-alive agent's conn, and gives Node's socket fields", async () => {
      let conns = 0;
      const { server, svc, address } = await serve(net, addr(), (req, res) => {
        res.end(JSON.stringify({ remote: req.socket.remoteAddress ?? null, family: req.socket.remoteFamily ?? null }));
      });
      server.on("connection", () => conns++);
      const agent = httpAgent(net, address, { keepAlive: true });
      try {
        const a = await request({ agent, path: "/a", host: "svc.test" });
        const b = await request({ agent, path: "/b", host: "svc.test" });
        assert.equal(a.res.statusCode, 200);
        assert.equal(b.req.reusedSocket, true, "the second request reused the conn");
        assert.equal(conns, 1);
        const fields = JSON.parse(a.body.toString()) as { remote: string | null; family: string | null };
        if (net === "tcp") assert.deepEqual(fields, { remote: "127.0.0.1", family: "IPv4" });
        else assert.deepEqual(fields, { remote: null, family: null }, "unix sockets have no remote address, as in Node");
      } finally {
        agent.destroy();
        await svc.close();
      }
    });

    it("fires a request timeout, and the server's keepAliveTimeout closes an idle conn", async () => {
      const { server, svc, address } = await serve(net, addr(), (req, res) => {
        if (req.url === "/hang") return; // never answers
        res.end("ok");
      });
      server.keepAliveTimeout = 200;
      const agent = httpAgent(net, address, { keepAlive: true });
      try {
        const t0 = Date.now();
        const req = http.request({ agent, path: "/hang", timeout: 300 });
        req.on("error", () => {}); // destroy() before a response is "socket hang up", as in Node
        req.end();
        await within(once(req, "timeout"), 5000, "the request's timeout");
        const waited = Date.now() - t0;
        assert.ok(waited >= 250 && waited < 3000, `timeout after ${waited} ms`);
        const closed = new Promise((resolve) => req.on("close", resolve));
        req.destroy();
        await closed;
        const { req: r2 } = await request({ agent, path: "/ok" });
        const socket = r2.socket!;
        const closedAt = Date.now();
        await within(once(socket, "close"), 5000, "the server closing the idle conn");
        assert.ok(Date.now() - closedAt < 3000);
      } finally {
        agent.destroy();
        await svc.close();
      }
    });

    it("answers 408 when headers do not arrive within headersTimeout", async () => {
      const { svc, address } = await serve(net, addr(), (_req, res) => res.end("never"), {
        headersTimeout: 300, requestTimeout: 400, connectionsCheckingInterval: 100,
      } as http.ServerOptions);
      try {
        const conn = await dial(net, address);
        const s = toSocket(conn);
        s.write("GET / HTTP/1.1\r\nHost: x\r\n"); // the headers never end
        const chunks: Buffer[] = [];
        s.on("data", (c: Buffer) => chunks.push(c));
        await within(once(s, "close"), 5000, "the server giving up on the headers");
        assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 408 Request Timeout/);
      } finally {
        await svc.close();
      }
    });

    it("answers pipelined requests in order", async () => {
      const { svc, address } = await serve(net, addr(), (req, res) => res.end(`you asked ${req.url}`));
      try {
        const s = toSocket(await dial(net, address));
        const chunks: Buffer[] = [];
        s.on("data", (c: Buffer) => chunks.push(c));
        s.write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        await within(once(s, "close"), 5000, "three answers");
        const text = Buffer.concat(chunks).toString();
        const bodies = [...text.matchAll(/you asked (\/\d)/g)].map((m) => m[1]);
        assert.deepEqual(bodies, ["/1", "/2", "/3"]);
      } finally {
        await svc.close();
      }
    });

    it("upgrades to a WebSocket and speaks over the upgraded conn", async () => {
      const { server, svc, address } = await serve(net, addr(), (_req, res) => res.end());
      server.on("upgrade", (req: http.IncomingMessage, socket, head: Buffer) => {
        const key = req.headers["sec-websocket-key"]!;
        const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        if (head.length > 0) socket.unshift(head);
        socket.on("data", (frame: Buffer) => socket.end(Buffer.concat([Buffer.from("echo:"), frame])));
      });
      const agent = httpAgent(net, address);
      try {
        const key = Buffer.from("0123456789abcdef").toString("base64");
        const req = http.request({ agent, path: "/ws", headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13" } });
        req.end();
        const [res, socket] = (await within(once(req, "upgrade"), 5000, "the upgrade")) as [http.IncomingMessage, import("node:net").Socket];
        assert.equal(res.statusCode, 101);
        assert.equal(res.headers["sec-websocket-accept"], createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64"));
        socket.write("frame");
        const [data] = (await once(socket, "data")) as [Buffer];
        assert.equal(data.toString(), "echo:frame");
        socket.destroy();
      } finally {
        agent.destroy();
        await svc.close();
      }
    });

    it("carries a 64 MiB chunked body, and survives an abort mid-body", async () => {
      let aborted: Promise<unknown> | null = null;
      const { svc, address } = await serve(net, addr(), (req, res) => {
        if (req.url === "/abort") {
          aborted = new Promise((resolve) => req.on("close", () => resolve(req.complete)));
          req.resume();
          return;
        }
        const h = createHash("sha256");
        let n = 0;
        req.on("data", (c: Buffer) => (h.update(c), (n += c.length)));
        req.on("end", () => res.end(`${n} ${h.digest("hex")}`));
      });
      const agent = httpAgent(net, address);
      try {
        const chunk = Buffer.alloc(1 << 20);
        const want = createHash("sha256");
        const req = http.request({ agent, method: "POST", path: "/upload", headers: { "Transfer-Encoding": "chunked" } });
        const answer = new Promise<string>((resolve, reject) => {
          req.on("response", (res) => {
            const parts: Buffer[] = [];
            res.on("data", (c: Buffer) => parts.push(c));
            res.on("end", () => resolve(Buffer.concat(parts).toString()));
          });
          req.on("error", reject);
        });
        for (let i = 0; i < 64; i++) {
          chunk.fill(i);
          want.update(chunk);
          if (!req.write(Buffer.from(chunk))) await once(req, "drain");
        }
        req.end();
        assert.equal(await within(answer, 60_000, "the 64 MiB upload"), `${64 << 20} ${want.digest("hex")}`);

        const half = http.request({ agent, method: "POST", path: "/abort", headers: { "Content-Length": String(10 << 20) } });
        half.on("error", () => {});
        half.write(Buffer.alloc(1 << 20));
        await new Promise((r) => setTimeout(r, 50));
        half.destroy();
        await until(() => aborted !== null, "the server to see the request");
        assert.equal(await within(aborted!, 5000, "the server seeing the abort"), false, "the request never completed");
      } finally {
        agent.destroy();
        await svc.close();
      }
    });
  });
}

