/**
 * The Go 1.19 peer of gointerop.test.ts (standard library only), for the datagram networks:
 * udp, unixgram and unixpacket, plus a run of failing operations whose err.Error() texts sockit
 * must reproduce byte for byte. Built once per test file with `go build` (see {@link buildGo}).
 *
 * Subcommands (every one prints "ok" last when it succeeded, and fails with a message on
 * stderr and exit status 1 otherwise; every socket has a 10 s deadline):
 *
 *   dgram-server NET ADDR SIZES   ListenPacket(NET, ADDR); print its LocalAddr; then for each
 *                                 size: ReadFrom, print "from <sender> <n>", check the bytes,
 *                                 WriteTo the datagram back to the sender.
 *   dgram-client NET RADDR LADDR SIZES
 *                                 Dial "udp" (LADDR "-") or DialUnix("unixgram", LADDR, RADDR)
 *                                 (LADDR "-" is nil); print LocalAddr and RemoteAddr; for each
 *                                 size: Write the datagram, Read the echo and check it.
 *   seq-server ADDR SIZES         Listen("unixpacket", ADDR); print its Addr; Accept; print the
 *                                 conn's RemoteAddr and LocalAddr; run the record exchange.
 *   seq-client ADDR SIZES         Dial("unixpacket", ADDR); print LocalAddr and RemoteAddr; run
 *                                 the record exchange.
 *   errors DIR ABS                Run failing operations with names under DIR (a directory) and
 *                                 ABS (an "@abstract" prefix); print "err\tKEY\tTEXT" per
 *                                 operation and "label\tKEY\tNAME\tADDR" for each ephemeral
 *                                 address a text may contain.
 *
 * SIZES is a comma-separated list of datagram or record sizes; datagram or record k of size n
 * holds the bytes (k*31 + j*7 + 1) % 251 for j < n (see {@link payload}).
 *
 * The record exchange (unixpacket), the same on both sides and run by both at once: write every
 * record, then a zero-length record, then "tail", then CloseWrite; meanwhile read every record
 * (checked), then a read that must be io.EOF (the zero-length record), then "tail", then io.EOF
 * again (the peer's CloseWrite). Prints "records N", "eof", "tail", "eof".
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { within } from "../helpers.js";
import { ProcPeer } from "./interop_peers.js";

/** The bytes of datagram or record `k` of `size` bytes, as the Go peer makes and checks them. */
export function payload(k: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let j = 0; j < size; j++) b[j] = (k * 31 + j * 7 + 1) % 251;
  return b;
}

export const GO_DGRAM_PEER = String.raw`package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var deadline = time.Now().Add(10 * time.Second)

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func fail(format string, args ...interface{}) {
	check(fmt.Errorf(format, args...))
}

func payload(k, size int) []byte {
	b := make([]byte, size)
	for j := range b {
		b[j] = byte((k*31 + j*7 + 1) % 251)
	}
	return b
}

func sizes(arg string) []int {
	var out []int
	for _, f := range strings.Split(arg, ",") {
		n, err := strconv.Atoi(f)
		check(err)
		out = append(out, n)
	}
	return out
}

func dgramServer(network, addr string, sz []int) {
	pc, err := net.ListenPacket(network, addr)
	check(err)
	fmt.Println(pc.LocalAddr().String())
	check(pc.SetDeadline(deadline))
	buf := make([]byte, 65536)
	for k, size := range sz {
		n, from, err := pc.ReadFrom(buf)
		check(err)
		if from == nil {
			fail("datagram %d: no sender address, nothing to answer to", k)
		}
		fmt.Printf("from %s %d\n", from.String(), n)
		if !bytes.Equal(buf[:n], payload(k, size)) {
			fail("datagram %d: got %d bytes, want %d of payload(%d)", k, n, size, k)
		}
		_, err = pc.WriteTo(buf[:n], from)
		check(err)
	}
	check(pc.Close())
}

func dgramClient(network, raddr, laddr string, sz []int) {
	var c net.Conn
	var err error
	if network == "unixgram" {
		var la *net.UnixAddr
		if laddr != "-" {
			la = &net.UnixAddr{Name: laddr, Net: "unixgram"}
		}
		c, err = net.DialUnix("unixgram", la, &net.UnixAddr{Name: raddr, Net: "unixgram"})
	} else {
		c, err = net.Dial(network, raddr)
	}
	check(err)
	check(c.SetDeadline(deadline))
	fmt.Println(c.LocalAddr().String())
	fmt.Println(c.RemoteAddr().String())
	buf := make([]byte, 65536)
	for k, size := range sz {
		_, err := c.Write(payload(k, size))
		check(err)
		n, err := c.Read(buf)
		check(err)
		if !bytes.Equal(buf[:n], payload(k, size)) {
			fail("echo %d: got %d bytes, want %d of payload(%d)", k, n, size, k)
		}
	}
	check(c.Close())
}

// writeEmpty writes a zero-length record. Go 1.19's poll.FD.Write returns a zero-length write's
// EAGAIN as an error instead of waiting for room (it tests nn == len(p) before EAGAIN), which
// happens when the socket's send buffer is full; this waits and retries until the deadline.
func writeEmpty(c *net.UnixConn) error {
	for {
		_, err := c.Write(nil)
		if errors.Is(err, syscall.EAGAIN) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			continue
		}
		return err
	}
}

func exchange(c *net.UnixConn, sz []int) {
	check(c.SetDeadline(deadline))
	done := make(chan error, 1)
	go func() {
		for k, size := range sz {
			if _, err := c.Write(payload(k, size)); err != nil {
				done <- err
				return
			}
		}
		if err := writeEmpty(c); err != nil {
			done <- err
			return
		}
		if _, err := c.Write([]byte("tail")); err != nil {
			done <- err
			return
		}
		done <- c.CloseWrite()
	}()
	buf := make([]byte, 65536)
	for k, size := range sz {
		n, err := c.Read(buf)
		if err != nil {
			fail("record %d: %v", k, err)
		}
		if !bytes.Equal(buf[:n], payload(k, size)) {
			fail("record %d: got %d bytes, want %d of payload(%d)", k, n, size, k)
		}
	}
	fmt.Println("records", len(sz))
	if n, err := c.Read(buf); n != 0 || err != io.EOF {
		fail("the zero-length record: want 0, io.EOF; got %d, %v", n, err)
	}
	fmt.Println("eof")
	n, err := c.Read(buf)
	check(err)
	fmt.Println(string(buf[:n]))
	if n, err := c.Read(buf); n != 0 || err != io.EOF {
		fail("after the peer's CloseWrite: want 0, io.EOF; got %d, %v", n, err)
	}
	fmt.Println("eof")
	check(<-done)
	check(c.Close())
}

func seqServer(addr string, sz []int) {
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: addr, Net: "unixpacket"})
	check(err)
	fmt.Println(ln.Addr().String())
	check(ln.SetDeadline(deadline))
	c, err := ln.AcceptUnix()
	check(err)
	fmt.Println(c.RemoteAddr().String())
	fmt.Println(c.LocalAddr().String())
	exchange(c, sz)
	check(ln.Close())
}

func seqClient(addr string, sz []int) {
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: addr, Net: "unixpacket"})
	check(err)
	fmt.Println(c.LocalAddr().String())
	fmt.Println(c.RemoteAddr().String())
	exchange(c, sz)
}

func report(key string, err error) {
	text := "<nil>"
	if err != nil {
		text = err.Error()
	}
	fmt.Printf("err\t%s\t%s\n", key, text)
}

func label(key, name string, a net.Addr) {
	fmt.Printf("label\t%s\t%s\t%s\n", key, name, a.String())
}

func errorsRun(dir, abs string) {
	x := []byte("x")
	buf := make([]byte, 16)
	var err error

	_, err = net.Dial("unixgram", abs+"-nobody")
	report("dial-unixgram-missing-abstract", err)
	_, err = net.Dial("unixgram", dir+"/missing.sock")
	report("dial-unixgram-missing-path", err)
	_, err = net.Dial("unixpacket", abs+"-nobody")
	report("dial-unixpacket-missing-abstract", err)
	_, err = net.Dial("unixpacket", dir+"/missing.sock")
	report("dial-unixpacket-missing-path", err)
	_, err = net.Dial("unixgram", "")
	report("dial-unixgram-empty", err)
	_, err = net.Dial("udp", "127.0.0.1")
	report("dial-udp-missing-port", err)
	_, err = net.Dial("udp", "127.0.0.1:99999")
	report("dial-udp-bad-port", err)
	_, err = net.Listen("udp", "127.0.0.1:0")
	report("listen-udp", err)
	_, err = net.ListenPacket("tcp", "127.0.0.1:0")
	report("listenpacket-tcp", err)

	{
		s, err := net.ListenPacket("udp", "127.0.0.1:0")
		check(err)
		c, err := net.DialUDP("udp", nil, s.LocalAddr().(*net.UDPAddr))
		check(err)
		for _, key := range []string{"udp-writeto-connected", "udp-writemsg-connected"} {
			label(key, "client", c.LocalAddr())
			label(key, "server", s.LocalAddr())
		}
		_, err = c.WriteTo(x, s.LocalAddr())
		report("udp-writeto-connected", err)
		_, _, err = c.WriteMsgUDP(x, nil, s.LocalAddr().(*net.UDPAddr))
		report("udp-writemsg-connected", err)
		check(c.Close())
		check(s.Close())
	}
	{
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		check(err)
		for _, key := range []string{"udp-read-timeout", "udp-readfrom-closed", "udp-writeto-closed", "udp-close-twice"} {
			label(key, "conn", pc.LocalAddr())
		}
		check(pc.SetReadDeadline(time.Now().Add(-time.Second)))
		_, _, err = pc.ReadFrom(buf)
		report("udp-read-timeout", err)
		check(pc.Close())
		_, _, err = pc.ReadFrom(buf)
		report("udp-readfrom-closed", err)
		_, err = pc.WriteTo(x, pc.LocalAddr())
		report("udp-writeto-closed", err)
		report("udp-close-twice", pc.Close())
	}
	{
		srv := &net.UnixAddr{Name: dir + "/srv.sock", Net: "unixgram"}
		s, err := net.ListenUnixgram("unixgram", srv)
		check(err)
		c, err := net.DialUnix("unixgram", &net.UnixAddr{Name: dir + "/cli.sock", Net: "unixgram"}, srv)
		check(err)
		_, err = c.WriteTo(x, s.LocalAddr())
		report("unixgram-writeto-connected", err)
		_, _, err = c.WriteMsgUnix(x, nil, srv)
		report("unixgram-writemsg-connected", err)
		_, err = s.WriteTo(x, &net.UnixAddr{Name: dir + "/missing.sock", Net: "unixgram"})
		report("unixgram-writeto-missing-path", err)
		_, err = s.WriteTo(x, &net.UnixAddr{Name: abs + "-nobody", Net: "unixgram"})
		report("unixgram-writeto-missing-abstract", err)
		_, err = s.WriteTo(x, &net.UnixAddr{Name: abs + "-nope", Net: "unix"})
		report("unixgram-writeto-wrong-net", err)
		_, err = s.WriteTo(x, nil)
		report("unixgram-writeto-nil", err)
		_, err = s.Write(x)
		report("unixgram-write-unconnected", err)
		_, err = net.ListenPacket("unixgram", srv.Name)
		report("listenpacket-unixgram-in-use", err)
		_, err = net.ListenPacket("unixgram", dir+"/"+strings.Repeat("y", 120))
		report("listenpacket-unixgram-too-long", err)
		check(c.Close())
		check(s.Close())
	}
	{
		s, err := net.ListenPacket("unixgram", abs+"-gone")
		check(err)
		c, err := net.Dial("unixgram", abs+"-gone")
		check(err)
		label("unixgram-write-refused", "client", c.LocalAddr())
		check(s.Close())
		_, err = c.Write(x)
		report("unixgram-write-refused", err)
		check(c.Close())
	}
	{
		ln, err := net.Listen("unixgram", abs+"-listen")
		check(err)
		_, err = ln.Accept()
		report("listen-unixgram-accept", err)
		check(ln.Close())
	}
	{
		ln, err := net.Listen("unixpacket", abs+"-seq")
		check(err)
		c, err := net.Dial("unixpacket", abs+"-seq")
		check(err)
		check(c.SetDeadline(deadline))
		a, err := ln.Accept()
		check(err)
		_, err = c.(*net.UnixConn).WriteTo(x, ln.Addr())
		report("unixpacket-writeto-connected", err)
		check(a.Close())
		if n, err := c.Read(buf); n != 0 || err != io.EOF {
			fail("unixpacket after the peer's close: want 0, io.EOF; got %d, %v", n, err)
		}
		_, err = c.Write(x)
		report("unixpacket-write-broken-pipe", err)
		check(c.Close())
		check(ln.Close())
		_, err = ln.Accept()
		report("unixpacket-accept-closed", err)
	}
	{
		// A zero-length record written while the send buffer is full (the peer never reads).
		ln, err := net.Listen("unixpacket", abs+"-full")
		check(err)
		c, err := net.Dial("unixpacket", abs+"-full")
		check(err)
		a, err := ln.Accept()
		check(err)
		big := make([]byte, 16384)
		check(c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)))
		for {
			if _, err := c.Write(big); err != nil {
				if !os.IsTimeout(err) {
					fail("filling the send buffer: %v", err)
				}
				break
			}
		}
		check(c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond)))
		_, err = c.Write(nil)
		report("unixpacket-empty-write-full", err)
		check(a.Close())
		check(c.Close())
		check(ln.Close())
	}
}

func main() {
	switch os.Args[1] {
	case "dgram-server":
		dgramServer(os.Args[2], os.Args[3], sizes(os.Args[4]))
	case "dgram-client":
		dgramClient(os.Args[2], os.Args[3], os.Args[4], sizes(os.Args[5]))
	case "seq-server":
		seqServer(os.Args[2], sizes(os.Args[3]))
	case "seq-client":
		seqClient(os.Args[2], sizes(os.Args[3]))
	case "errors":
		errorsRun(os.Args[2], os.Args[3])
	default:
		fail("unknown subcommand %q", os.Args[1])
	}
	fmt.Println("ok")
}
`;

/** Whether the go tool is on PATH (and runs). */
export function haveGo(): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

/** A Go program built into a private temp dir; `remove()` deletes the dir. */
export interface GoProgram {
  readonly bin: string;
  remove(): void;
}

/**
 * buildGo builds `source` (one `package main` file, standard library only) with `go build`
 * into a fresh temp dir, bounded by `ms`. The go tool gets no network (GOPROXY=off) and the
 * local toolchain; its build cache makes a rebuild of unchanged source take well under a second.
 */
export async function buildGo(source: string, ms: number): Promise<GoProgram> {
  const dir = mkdtempSync(path.join(tmpdir(), "sockit-go-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(path.join(dir, "peer.go"), source);
    const bin = path.join(dir, "peer");
    const env = { ...process.env, GOPROXY: "off", GOFLAGS: "", GOTOOLCHAIN: "local" };
    const build = new ProcPeer("go", ["build", "-o", bin, path.join(dir, "peer.go")], env);
    try {
      const code = await within(build.closed, ms, "go build of the Go peer");
      assert.equal(code, 0, `go build failed: ${build.stderr}`);
    } finally {
      if (build.proc.exitCode === null) build.proc.kill();
      await build.closed;
    }
    return { bin, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
