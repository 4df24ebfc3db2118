/**
 * netPipe (issue 10): Go's net.Pipe semantics, unbuffered writes met by reads, close and
 * deadlines, and Go 1.19's own texts for the same sequence of calls (a Go program prints them;
 * skipped where the go tool is missing).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { netPipe, ErrClosedPipe, OpError, errorIs, ErrDeadlineExceeded } from "../../src/index.js";
import { settle, within } from "../helpers.js";
import { buildGo, haveGo } from "./gointerop_peer.js";

const te = new TextEncoder();
const td = new TextDecoder();

describe("netPipe", () => {
  it("a write waits until reads on the other end have taken all of it, with no buffer", async () => {
    const [a, b] = netPipe();
    const w = a.write(te.encode("hello world"));
    assert.equal(await settle(w, 20), "pending", "no reader yet: the write waits");
    const buf = new Uint8Array(5);
    assert.equal(await b.read(buf), 5);
    assert.equal(td.decode(buf), "hello");
    assert.equal(await settle(w, 20), "pending", "6 bytes not yet taken");
    const rest = new Uint8Array(64);
    assert.equal(await b.read(rest), 6);
    assert.equal(td.decode(rest.subarray(0, 6)), " world");
    assert.equal(await w, 11);
    // And the other way.
    const back = b.write(te.encode("ok"));
    assert.equal(await a.read(rest), 2);
    assert.equal(await back, 2);
    await a.close();
    await b.close();
  });

  it("writes go whole and in order; an empty write waits for one read to meet it", async () => {
    const [a, b] = netPipe();
    const w1 = a.write(te.encode("abc"));
    const w2 = a.write(te.encode("def"));
    const buf = new Uint8Array(2);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const n = (await b.read(buf))!;
      got.push(td.decode(buf.subarray(0, n)));
    }
    assert.deepEqual(got, ["ab", "c", "de", "f"]);
    assert.deepEqual(await Promise.all([w1, w2]), [3, 3]);
    const empty = a.write(new Uint8Array(0));
    assert.equal(await settle(empty, 20), "pending");
    assert.equal(await b.read(buf), 0);
    assert.equal(await empty, 0);
    await a.close();
    await b.close();
  });

  it("close: local calls fail with ErrClosedPipe, the peer reads end of stream and its writes fail", async () => {
    const [a, b] = netPipe();
    const pendingRead = b.read(new Uint8Array(4));
    const pendingWrite = b.write(te.encode("x"));
    const aRead = a.read(new Uint8Array(4));
    // a's read takes b's write at once; b's read still waits.
    assert.equal(await aRead, 1);
    assert.equal(await pendingWrite, 1);
    const aWrite = a.write(te.encode("lost"));
    await a.close();
    await a.close(); // again: nothing, as in Go
    assert.equal(await pendingRead, 4, "the write made before close was met by b's waiting read");
    await assert.rejects(aWrite.then(() => a.read(new Uint8Array(1))), (e: unknown) => e === ErrClosedPipe);
    assert.equal(await b.read(new Uint8Array(4)), null, "end of stream once the peer closed");
    await assert.rejects(b.write(te.encode("y")), (e: unknown) => e === ErrClosedPipe);
    await assert.rejects(a.write(te.encode("z")), (e: unknown) => e === ErrClosedPipe);
    assert.equal(ErrClosedPipe.message, "io: read/write on closed pipe");
    assert.throws(() => b.setDeadline(Date.now() + 1000), (e: unknown) => e === ErrClosedPipe);
    await b.close();
  });

  it("close wakes waiting calls: local ones fail, the peer's reads end", async () => {
    const [a, b] = netPipe();
    const r = a.read(new Uint8Array(4));
    const pr = b.read(new Uint8Array(4));
    const w = b.write(te.encode("to a")); // met by a's read at once
    assert.equal(await r, 4);
    await w;
    const r2 = a.read(new Uint8Array(4));
    await a.close();
    await assert.rejects(r2, (e: unknown) => e === ErrClosedPipe);
    assert.equal(await pr, null);
    await b.close();
  });

  it("deadlines: a waiting read or write fails with 'read pipe: i/o timeout', and a new deadline revives", async () => {
    const [a, b] = netPipe();
    a.setReadDeadline(Date.now() + 40);
    const t0 = Date.now();
    const err = await within(a.read(new Uint8Array(4)).then(() => assert.fail("read"), (e: unknown) => e as OpError), 2000, "the read to time out");
    assert.ok(Date.now() - t0 >= 30);
    assert.equal(err.message, "read pipe: i/o timeout");
    assert.ok(err.timeout());
    assert.ok(errorIs(err, ErrDeadlineExceeded));
    await assert.rejects(a.read(new Uint8Array(4)), { message: "read pipe: i/o timeout" });
    a.setReadDeadline(null);
    const w = b.write(te.encode("hi"));
    assert.equal(await a.read(new Uint8Array(4)), 2);
    await w;
    b.setWriteDeadline(Date.now() + 40);
    const werr = await within(b.write(te.encode("nobody reads")).then(() => assert.fail("write"), (e: unknown) => e as OpError), 2000, "the write to time out");
    assert.equal(werr.message, "write pipe: i/o timeout");
    assert.equal(werr.bytesWritten, 0);
    assert.equal(a.localAddr().network(), "pipe");
    assert.equal(String(a.remoteAddr()), "pipe");
    await assert.rejects(a.read("no" as unknown as Uint8Array), { name: "TypeError" });
    await a.close();
    await b.close();
  });

  it("Go 1.19's net.Pipe says the same for the same calls", async (t) => {
    if (!haveGo()) return t.skip("the go tool is not installed");
    const prog = await buildGo(goProgram, 120_000);
    try {
      const r = spawnSync(prog.bin, [], { encoding: "utf8", timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), await sockitAnswers());
    } finally {
      prog.remove();
    }
  });
});

/** The same sequence as goProgram, with sockit: one line per call. */
async function sockitAnswers(): Promise<string[]> {
  const out: string[] = [];
  const say = async (what: string, p: Promise<number | null>) => {
    try {
      const n = await p;
      out.push(`${what}: ${n === null ? "EOF" : n}`);
    } catch (e) {
      out.push(`${what}: ${(e as Error).message}`);
    }
  };
  const [a, b] = netPipe();
  out.push(`addr: ${a.localAddr().network()} ${a.remoteAddr().toString()}`);
  a.setReadDeadline(Date.now() - 1);
  await say("read past deadline", a.read(new Uint8Array(4)));
  a.setDeadline(null);
  const w = b.write(te.encode("hello"));
  await say("read 3", a.read(new Uint8Array(3)));
  await say("read rest", a.read(new Uint8Array(8)));
  await say("write", w);
  b.setWriteDeadline(Date.now() - 1);
  await say("write past deadline", b.write(te.encode("x")));
  await b.close();
  await say("read after peer close", a.read(new Uint8Array(4)));
  await say("write after peer close", a.write(te.encode("x")));
  await say("read after close", b.read(new Uint8Array(4)));
  await say("write after close", b.write(te.encode("x")));
  try {
    a.setDeadline(Date.now() + 1000);
    out.push("set deadline after peer close: ok");
  } catch (e) {
    out.push(`set deadline after peer close: ${(e as Error).message}`);
  }
  await a.close();
  return out;
}

const goProgram = `package main

import (
	"fmt"
	"io"
	"net"
	"time"
)

func say(what string, n int, err error) {
	switch {
	case err == io.EOF:
		fmt.Printf("%s: EOF\\n", what)
	case err != nil:
		fmt.Printf("%s: %v\\n", what, err)
	default:
		fmt.Printf("%s: %d\\n", what, n)
	}
}

func main() {
	a, b := net.Pipe()
	fmt.Printf("addr: %s %s\\n", a.LocalAddr().Network(), a.RemoteAddr().String())
	a.SetReadDeadline(time.Now().Add(-time.Millisecond))
	n, err := a.Read(make([]byte, 4))
	say("read past deadline", n, err)
	a.SetDeadline(time.Time{})
	done := make(chan [2]interface{})
	go func() { n, err := b.Write([]byte("hello")); done <- [2]interface{}{n, err} }()
	n, err = a.Read(make([]byte, 3))
	say("read 3", n, err)
	n, err = a.Read(make([]byte, 8))
	say("read rest", n, err)
	res := <-done
	e, _ := res[1].(error)
	say("write", res[0].(int), e)
	b.SetWriteDeadline(time.Now().Add(-time.Millisecond))
	n, err = b.Write([]byte("x"))
	say("write past deadline", n, err)
	b.Close()
	n, err = a.Read(make([]byte, 4))
	say("read after peer close", n, err)
	n, err = a.Write([]byte("x"))
	say("write after peer close", n, err)
	n, err = b.Read(make([]byte, 4))
	say("read after close", n, err)
	n, err = b.Write([]byte("x"))
	say("write after close", n, err)
	if err := a.SetDeadline(time.Now().Add(time.Second)); err != nil {
		fmt.Printf("set deadline after peer close: %v\\n", err)
	} else {
		fmt.Println("set deadline after peer close: ok")
	}
	a.Close()
}
`;
