// Command ref is the Go reference program of `npm run bench -- --vs-go`: the bench's workloads
// written the usual Go way (net.Dial / net.Listen, a goroutine per conn, blocking Read and
// Write), measured the way the bench's Node children measure them.
//
//	ref-go ROLE --key value ...
//
// It speaks the bench's child protocol: JSON lines on stdout, and end of stdin means finish.
// The roles and their flags are those of bench/bulk.ts (sink, bulk), bench/pingpong.ts
// (pingpong), bench/connect.ts (connect) and bench/recv.ts (recv-receiver, recv-sender).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// chunkSize is the size of every bulk write and of every read buffer.
const chunkSize = 64 * 1024

// messageSize is the size of a flood's datagrams.
const messageSize = 64

// args are the role's flags: the fields of the Node role's arguments.
type args struct {
	impl, network, dir, address, path, readWith string
	warmupMs, ms                                int
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: ref-go ROLE [--key value]..."))
	}
	role := os.Args[1]
	var a args
	fs := flag.NewFlagSet(role, flag.ExitOnError)
	fs.StringVar(&a.impl, "impl", "go", "ignored: the implementation's name")
	fs.StringVar(&a.network, "network", "tcp", "tcp, unix, udp, unixgram or unixpacket")
	fs.StringVar(&a.dir, "dir", os.TempDir(), "directory for unix socket files")
	fs.StringVar(&a.address, "address", "", "address to dial")
	fs.StringVar(&a.path, "path", "", "path for a receiver's unix socket")
	fs.StringVar(&a.readWith, "readWith", "read", "how a receiver reads (only read)")
	fs.IntVar(&a.warmupMs, "warmupMs", 250, "warm-up before the window, in ms")
	fs.IntVar(&a.ms, "ms", 1000, "the measured window, in ms")
	fs.Parse(os.Args[2:])

	var err error
	switch role {
	case "sink":
		err = sink(a)
	case "bulk":
		err = bulk(a)
	case "pingpong":
		err = pingpong(a)
	case "connect":
		err = connect(a)
	case "recv-receiver":
		err = receiver(a)
	case "recv-sender":
		err = sender(a)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fail(err)
	}
}

// fail reports err on stderr and exits with status 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "ref-go: %v\n", err)
	os.Exit(1)
}

// emit sends one JSON message to the runner.
func emit(msg map[string]any) {
	b, _ := json.Marshal(msg)
	os.Stdout.Write(append(b, '\n'))
}

// waitStdinEnd returns when the runner closes our stdin.
func waitStdinEnd() {
	io.Copy(io.Discard, os.Stdin)
}

// meter counts work over a timed window, as harness.ts's Meter does: ticks during the
// warm-up are not counted, the first tick after it starts the window, and the first tick at
// or after the window's end is counted and closes it.
type meter struct {
	warmEnd, t0, end time.Time
	window           time.Duration
	started          bool
	n                float64
	rate             float64
}

func newMeter(a args) *meter {
	return &meter{
		warmEnd: time.Now().Add(time.Duration(a.warmupMs) * time.Millisecond),
		window:  time.Duration(a.ms) * time.Millisecond,
	}
}

// tick records amount of work; it returns false once the window is over.
func (m *meter) tick(amount float64) bool {
	t := time.Now()
	if t.Before(m.warmEnd) {
		return true
	}
	if !m.started {
		m.started, m.t0, m.end = true, t, t.Add(m.window)
		return true
	}
	m.n += amount
	if t.Before(m.end) {
		return true
	}
	m.rate = m.n / t.Sub(m.t0).Seconds()
	return false
}

var serial int

// listenAddress gives a fresh address to listen on: loopback with a kernel-chosen port, or
// a socket file in dir.
func listenAddress(network, dir string) string {
	if network == "tcp" {
		return "127.0.0.1:0"
	}
	serial++
	return filepath.Join(dir, fmt.Sprintf("go-%d-%d.sock", os.Getpid(), serial))
}

// sink accepts conns and reads each to its end, 64 KiB at a time; it answers {address} and
// serves until stdin closes.
func sink(a args) error {
	ln, err := net.Listen(a.network, listenAddress(a.network, a.dir))
	if err != nil {
		return err
	}
	defer ln.Close()
	emit(map[string]any{"address": ln.Addr().String()})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go discard(c)
		}
	}()
	waitStdinEnd()
	return nil
}

// discard reads c until end of stream (or a reset) and closes it.
func discard(c net.Conn) {
	defer c.Close()
	buf := make([]byte, chunkSize)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// bulk writes 64 KiB buffers to the sink and answers {rate} in MB/s.
func bulk(a args) error {
	c, err := net.Dial(a.network, a.address)
	if err != nil {
		return err
	}
	defer c.Close()
	chunk := make([]byte, chunkSize)
	m := newMeter(a)
	for {
		n, err := c.Write(chunk)
		if err != nil {
			return err
		}
		if !m.tick(float64(n)) {
			break
		}
	}
	emit(map[string]any{"rate": m.rate / 1e6})
	return nil
}

// pingpong measures round trips/s of 1 byte between a client and an echo goroutine.
func pingpong(a args) error {
	ln, err := net.Listen(a.network, listenAddress(a.network, a.dir))
	if err != nil {
		return err
	}
	defer ln.Close()
	c, err := net.Dial(a.network, ln.Addr().String())
	if err != nil {
		return err
	}
	s, err := ln.Accept()
	if err != nil {
		return err
	}
	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		echo(s)
	}()
	one := []byte{0}
	buf := make([]byte, chunkSize)
	m := newMeter(a)
	for {
		if _, err := c.Write(one); err != nil {
			return err
		}
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if n != 1 {
			return errors.New("ping-pong: the echo was not one byte")
		}
		if !m.tick(1) {
			break
		}
	}
	c.Close()
	<-echoed
	emit(map[string]any{"rate": m.rate})
	return nil
}

// echo writes back what it reads until end of stream, then closes s.
func echo(s net.Conn) {
	defer s.Close()
	buf := make([]byte, chunkSize)
	for {
		n, err := s.Read(buf)
		if err != nil {
			return
		}
		if _, err := s.Write(buf[:n]); err != nil {
			return
		}
	}
}

// connect measures dial + accept + close of both ends per second, one conn at a time; an
// accept loop hands each conn over a channel, and the dialed end is closed first.
func connect(a args) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	accepted := make(chan net.Conn)
	go func() {
		for {
			s, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- s
		}
	}()
	address := ln.Addr().String()
	m := newMeter(a)
	for {
		c, err := net.Dial("tcp", address)
		if err != nil {
			return err
		}
		s, ok := <-accepted
		if !ok {
			return errors.New("connect: the listener failed")
		}
		c.Close()
		s.Close()
		if !m.tick(1) {
			break
		}
	}
	emit(map[string]any{"rate": m.rate})
	return nil
}

// receiver binds (udp, unixgram) or accepts (unixpacket), answers {address}, counts the
// datagrams Read returns over the window, answers {rate} and waits for stdin to close.
func receiver(a args) error {
	if a.readWith != "read" {
		return fmt.Errorf("receiver: only read is implemented, not %s", a.readWith)
	}
	var conn net.Conn
	switch a.network {
	case "udp":
		pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return err
		}
		emit(map[string]any{"address": pc.LocalAddr().String()})
		conn = pc
	case "unixgram":
		pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: a.path, Net: "unixgram"})
		if err != nil {
			return err
		}
		emit(map[string]any{"address": a.path})
		conn = pc
	case "unixpacket":
		ln, err := net.Listen("unixpacket", a.path)
		if err != nil {
			return err
		}
		emit(map[string]any{"address": a.path})
		conn, err = ln.Accept()
		ln.Close()
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("receiver: unknown network %s", a.network)
	}
	defer conn.Close()
	buf := make([]byte, chunkSize)
	// The window is timed from the first message, once the sender is under way.
	if _, err := conn.Read(buf); err != nil {
		return err
	}
	m := newMeter(a)
	for {
		if _, err := conn.Read(buf); err != nil {
			return err
		}
		if !m.tick(1) {
			break
		}
	}
	emit(map[string]any{"rate": m.rate})
	waitStdinEnd()
	return nil
}

// sender writes 64-byte datagrams to the receiver until stdin closes (or the receiver goes).
func sender(a args) error {
	network := a.network
	if network == "udp" {
		network = "udp4"
	}
	c, err := net.Dial(network, a.address)
	if err != nil {
		return err
	}
	go func() {
		waitStdinEnd()
		os.Exit(0)
	}()
	msg := make([]byte, messageSize)
	for {
		if _, err := c.Write(msg); err != nil {
			// The receiver closed first: the trial is over.
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
				return nil
			}
			return err
		}
	}
}
