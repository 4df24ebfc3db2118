/**
 * The Node and Web stream adapters: real HTTP over a sockit conn, pipelines, half-close.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { dial, listen, toDuplex, toWebStreams } from "../../src/index.js";
import { guardFdLeaks, readAll, testUnixAddr } from "../helpers.js";

guardFdLeaks();

it("Node's HTTP client runs over a sockit unix conn", async () => {
  const path = testUnixAddr();
  const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
  await new Promise<void>((r) => server.listen(path, r));
  try {
    const conn = await dial("unix", path);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ path: "/sockit", createConnection: () => toDuplex(conn) as never }, (res) => {
        let s = "";
        res.setEncoding("utf8").on("data", (d: string) => (s += d));
        res.on("end", () => resolve(s));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(body, "hello /sockit");
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

it("a Duplex pipeline half-closes and reads the peer to the end", async () => {
  await using ln = await listen("tcp", "127.0.0.1:0");
  const accepted = ln.accept();
  const duplex = toDuplex(await dial("tcp", ln.addr().toString()));
  await using server = await accepted;
  const payload = Buffer.alloc(200_000, 7);
  const echo = (async () => {
    const got = await readAll(server);
    await server.write(got);
    await server.closeWrite();
  })();
  const chunks: Buffer[] = [];
  duplex.on("data", (d: Buffer) => chunks.push(d));
  const ended = new Promise((r) => duplex.on("end", r));
  duplex.end(payload);
  await echo;
  await ended;
  assert.deepEqual(Buffer.concat(chunks), payload);
  duplex.destroy();
  await new Promise((r) => duplex.on("close", r));
});

it("Web streams pipe an echo and close the writable with a half-close", async () => {
  await using ln = await listen("tcp", "127.0.0.1:0");
  const accepted = ln.accept();
  await using client = await dial("tcp", ln.addr().toString());
  const server = await accepted;
  const { readable, writable } = toWebStreams(server);
  const echoing = readable.pipeTo(writable);
  await client.write(new TextEncoder().encode("web streams"));
  await client.closeWrite();
  assert.equal((await readAll(client)).toString(), "web streams");
  await echoing;
  await server[Symbol.asyncDispose]();
});

it("destroying the Duplex closes the conn; the peer sees end of stream", async () => {
  await using ln = await listen("tcp", "127.0.0.1:0");
  const accepted = ln.accept();
  const duplex = toDuplex(await dial("tcp", ln.addr().toString()));
  await using server = await accepted;
  duplex.destroy();
  assert.equal(await server.read(new Uint8Array(1)), null);
});
