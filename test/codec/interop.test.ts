/**
 * Framing against independent peers on loopback: a Go 1.19 program (binary.Write of a
 * big-endian uint32 length then the payload, bufio.Writer lines; and the reverse, reading with
 * bufio.Reader and binary.BigEndian.Uint32, printing a digest) and python3 (struct.pack("!I")
 * both ways). Arrivals are merged (Go's bufio, python's one sendall of many frames) and split
 * (one byte per write).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { listen } from "../../src/index.js";
import { framed } from "../../src/codec/framed.js";
import { lengthField } from "../../src/codec/lengthfield.js";
import { lines } from "../../src/codec/delimiter.js";
import { buildGo, haveGo, payload, type GoProgram } from "../net/gointerop_peer.js";
import { ProcPeer } from "../net/interop_peers.js";
import { PythonPeer, guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const N = 300;
const frame = (i: number) => payload(i, (i * 37) % 1000);
const line = (i: number) => `line ${i} ${"x".repeat(i % 50)}`;

const GO_FRAME_PEER = String.raw`package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

func frame(k int) []byte {
	b := make([]byte, (k*37)%1000)
	for j := range b {
		b[j] = byte((k*31 + j*7 + 1) % 251)
	}
	return b
}

func line(k int) string { return fmt.Sprintf("line %d %s", k, strings.Repeat("x", k%50)) }

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, f+"\n", a...)
	os.Exit(1)
}

func dial(addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		fail("dial: %v", err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func main() {
	addr, mode := os.Args[2], os.Args[3]
	n, _ := strconv.Atoi(os.Args[4])
	switch os.Args[1] {
	case "write":
		c := dial(addr)
		// The first 20 frames one byte per write (split arrivals), the rest merged by bufio.
		var w io.Writer = c
		if mode == "trickle" {
			var first bytes.Buffer
			for k := 0; k < 20; k++ {
				binary.Write(&first, binary.BigEndian, uint32(len(frame(k))))
				first.Write(frame(k))
			}
			for _, b := range first.Bytes() {
				if _, err := c.Write([]byte{b}); err != nil {
					fail("write: %v", err)
				}
			}
		}
		bw := bufio.NewWriter(w)
		for k := 0; k < n; k++ {
			if mode == "trickle" && k < 20 {
				continue
			}
			if err := binary.Write(bw, binary.BigEndian, uint32(len(frame(k)))); err != nil {
				fail("binary.Write: %v", err)
			}
			bw.Write(frame(k))
		}
		if err := bw.Flush(); err != nil {
			fail("flush: %v", err)
		}
		c.Close()
		l := dial(addr)
		lw := bufio.NewWriter(l)
		for k := 0; k < n; k++ {
			lw.WriteString(line(k) + "\n")
		}
		if err := lw.Flush(); err != nil {
			fail("flush: %v", err)
		}
		l.Close()
	case "read":
		c := dial(addr)
		br := bufio.NewReader(c)
		h := sha256.New()
		var hdr [4]byte
		for k := 0; k < n; k++ {
			if _, err := io.ReadFull(br, hdr[:]); err != nil {
				fail("frame %d header: %v", k, err)
			}
			p := make([]byte, binary.BigEndian.Uint32(hdr[:]))
			if _, err := io.ReadFull(br, p); err != nil {
				fail("frame %d: %v", k, err)
			}
			if !bytes.Equal(p, frame(k)) {
				fail("frame %d differs", k)
			}
			h.Write(hdr[:])
			h.Write(p)
		}
		if _, err := br.ReadByte(); err != io.EOF {
			fail("after the frames: %v, want EOF", err)
		}
		c.Close()
		l := dial(addr)
		lr := bufio.NewReader(l)
		for k := 0; k < n; k++ {
			s, err := lr.ReadString('\n')
			if err != nil || s != line(k)+"\n" {
				fail("line %d: %q %v", k, s, err)
			}
		}
		l.Close()
		fmt.Printf("sha256 %x\n", h.Sum(nil))
	}
	fmt.Println("ok")
}
`;

describe("Go 1.19 interop", { skip: haveGo() ? false : "skipped: `go` is not on PATH" }, () => {
  let prog: GoProgram | null = null;
  before(async () => {
    prog = await buildGo(GO_FRAME_PEER, 60_000);
  });
  after(() => prog?.remove());

  for (const mode of ["bulk", "trickle"]) {
    it(`reads Go's binary.Write frames and bufio lines byte-exactly (${mode})`, async () => {
      await using ln = await listen("tcp", "127.0.0.1:0");
      const g = new ProcPeer(prog!.bin, ["write", ln.addr().toString(), mode, String(N)]);
      try {
        const work = (async () => {
          await using fc = framed(await ln.accept(), lengthField({ length: 4 }));
          for (let i = 0; i < N; i++) assert.deepEqual(Buffer.from((await fc.read())!), frame(i), `frame ${i}`);
          assert.equal(await fc.read(), null);
          await using lc = framed(await ln.accept(), lines());
          for (let i = 0; i < N; i++) assert.equal(Buffer.from((await lc.read())!).toString(), line(i));
          assert.equal(await lc.read(), null);
        })();
        await within(work, 10_000, "the frames from Go");
        assert.deepEqual(await g.finish("the Go writer"), ["ok"]);
      } finally {
        if (g.proc.exitCode === null) g.proc.kill();
        await g.closed;
      }
    });
  }

  it("writes frames (writeMany) and lines that Go's bufio.Reader and binary.BigEndian read", async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const g = new ProcPeer(prog!.bin, ["read", ln.addr().toString(), "-", String(N)]);
    try {
      const frames = Array.from({ length: N }, (_, i) => frame(i));
      const work = (async () => {
        const fc = framed(await ln.accept(), lengthField());
        // Half as one batch, the rest one frame per write.
        await fc.writeMany(frames.slice(0, N / 2));
        for (const f of frames.slice(N / 2)) await fc.write(f);
        await fc.close();
        const lc = framed(await ln.accept(), lines());
        await lc.writeMany(Array.from({ length: N }, (_, i) => Buffer.from(line(i))));
        await lc.close();
      })();
      await within(work, 10_000, "writing to Go");
      const h = createHash("sha256");
      for (const f of frames) {
        const hdr = Buffer.alloc(4);
        hdr.writeUInt32BE(f.length);
        h.update(hdr).update(f);
      }
      assert.deepEqual(await g.finish("the Go reader"), [`sha256 ${h.digest("hex")}`, "ok"]);
    } finally {
      if (g.proc.exitCode === null) g.proc.kill();
      await g.closed;
    }
  });
});

const PY_PEER = String.raw`
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.settimeout(10)
def exact(n):
    b = bytearray()
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("short read")
        b += c
    return bytes(b)
n = int(sys.argv[2])
replies = []
for i in range(n):
    (l,) = struct.unpack("!I", exact(4))
    p = exact(l)[::-1]
    replies.append(struct.pack("!I", len(p)) + p)
for r in replies[:10]:
    for k in range(len(r)):
        s.sendall(r[k:k+1])
s.sendall(b"".join(replies[10:]))
s.shutdown(socket.SHUT_WR)
print("ok", flush=True)
`;

describe("python3 interop", () => {
  it('exchanges struct.pack("!I") frames both ways, split and merged', async () => {
    await using ln = await listen("tcp", "127.0.0.1:0");
    const port = ln.addr().toString().split(":").pop()!;
    const py = new PythonPeer(PY_PEER, [port, String(N)]);
    const frames = Array.from({ length: N }, (_, i) => frame(i));
    const work = (async () => {
      await using f = framed(await ln.accept(), lengthField());
      await f.writeMany(frames);
      for (let i = 0; i < N; i++) assert.deepEqual(Buffer.from((await f.read())!), Buffer.from(frames[i]!).reverse(), `reply ${i}`);
      assert.equal(await f.read(), null);
    })();
    await within(work, 10_000, "the python exchange");
    await py.done();
    assert.deepEqual(py.lines, ["ok"]);
  });
});
