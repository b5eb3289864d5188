//go:build linux

package threadpool

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/echospec/echospec/servers/engine"
)

func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i/256)
	}
	return p
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.TCPConn)
}

// echoHalfClose sends p while reading the echo, half-closes, and checks the
// whole echo arrives followed by EOF.
func echoHalfClose(t *testing.T, c *net.TCPConn, p []byte) {
	t.Helper()
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(p)
		if err == nil {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read echo: %v after %d of %d bytes", err, len(got), len(p))
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	want := bytes.Clone(p)
	engine.Upper(want)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("echo differs at byte %d: got %d bytes, want %d", i, len(got), len(want))
	}
}

func fdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestEchoHalfClose(t *testing.T) {
	fds := fdCount(t)
	srv, err := Engine().Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{[]byte("hello, World! az AZ {}`@"), payload(1 << 20), nil} {
		c := dial(t, srv.Addr())
		echoHalfClose(t, c, p)
		c.Close()
	}
	// More clients than threads, all at once: every one is served.
	var wg sync.WaitGroup
	for range 2*DefaultThreads + 5 {
		wg.Go(func() {
			c := dial(t, srv.Addr())
			defer c.Close()
			echoHalfClose(t, c, payload(64<<10))
		})
	}
	wg.Wait()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := fdCount(t); n != fds {
		t.Errorf("fds: %d before Start, %d after Close", fds, n)
	}
}

// expectNoEcho checks that c gets nothing back within d: it is waiting for
// a thread.
func expectNoEcho(t *testing.T, c *net.TCPConn, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, 1)
	n, err := c.Read(b)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("queued connection: read %d bytes, %v; want nothing until a thread frees up", n, err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
}

func expectEcho(t *testing.T, c *net.TCPConn, want string) {
	t.Helper()
	b := make([]byte, len(want))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != want {
		t.Fatalf("echo: got %q, %v; want %q", b, err, want)
	}
}

// TestQueue: with N threads busy, further connections wait (they are not
// dropped) and are served in turn as threads free up.
func TestQueue(t *testing.T) {
	const n, extra = 2, 3
	e := New(n)
	if got := e.Profile().MaxConns; got != n {
		t.Fatalf("Profile().MaxConns = %d, want %d", got, n)
	}
	srv, err := e.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	busy := make([]*net.TCPConn, n)
	for i := range busy {
		busy[i] = dial(t, srv.Addr())
		defer busy[i].Close()
		busy[i].Write([]byte("busy"))
		expectEcho(t, busy[i], "BUSY")
	}
	waiting := make([]*net.TCPConn, extra)
	for i := range waiting {
		waiting[i] = dial(t, srv.Addr())
		defer waiting[i].Close()
		waiting[i].Write([]byte("wait"))
	}
	for _, c := range waiting {
		expectNoEcho(t, c, 150*time.Millisecond)
	}
	// Free one thread: the first waiting connection is served next, the
	// others still wait.
	echoHalfClose(t, busy[0], []byte(" done"))
	expectEcho(t, waiting[0], "WAIT")
	for _, c := range waiting[1:] {
		expectNoEcho(t, c, 100*time.Millisecond)
	}
	// Free the rest: everyone gets served.
	echoHalfClose(t, busy[1], nil)
	echoHalfClose(t, waiting[0], []byte("ed"))
	for _, c := range waiting[1:] {
		expectEcho(t, c, "WAIT")
		echoHalfClose(t, c, payload(32<<10))
	}
}

// TestCloseWithQueue: Close ends served and queued connections alike, and
// leaves no fd open.
func TestCloseWithQueue(t *testing.T) {
	fds := fdCount(t)
	srv, err := Start("127.0.0.1:0", 1)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.TCPConn, 4)
	for i := range conns {
		conns[i] = dial(t, srv.Addr())
		conns[i].Write([]byte("x"))
	}
	expectEcho(t, conns[0], "X")
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Errorf("conn %d still open after Close (read %d bytes)", i, n)
		}
		c.Close()
	}
	if n := fdCount(t); n != fds {
		t.Errorf("fds: %d before Start, %d after Close", fds, n)
	}
}
