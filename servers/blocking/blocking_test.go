//go:build linux

package blocking

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
)

// payload returns n bytes covering every byte value, lower case included.
func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i/256)
	}
	return p
}

func upper(p []byte) []byte {
	q := bytes.Clone(p)
	engine.Upper(q)
	return q
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
// whole echo arrives followed by EOF (a FIN, not a reset).
func echoHalfClose(t *testing.T, addr string, p []byte) {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
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
	want := upper(p)
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
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	echoHalfClose(t, srv.Addr(), []byte("hello, World! az AZ {}`@"))
	echoHalfClose(t, srv.Addr(), payload(1<<20)) // far beyond the socket buffers: backpressure both ways
	echoHalfClose(t, srv.Addr(), nil)            // FIN straight away: FIN back
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { echoHalfClose(t, srv.Addr(), payload(64<<10)) })
	}
	wg.Wait()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := fdCount(t); n != fds {
		t.Errorf("fds: %d before Start, %d after Close", fds, n)
	}
}

// TestCloseWakesBlockedThreads: Close must return promptly while one thread
// is blocked in read (idle client) and another in write (client that does
// not read), and the clients must see their connection end.
func TestCloseWakesBlockedThreads(t *testing.T) {
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	idle := dial(t, srv.Addr())
	defer idle.Close()
	stuck := dial(t, srv.Addr())
	defer stuck.Close()
	// Fill both directions until our writes block: the server is then
	// blocked writing to us.
	stuck.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	chunk := payload(64 << 10)
	sent := 0
	for {
		n, err := stuck.Write(chunk)
		sent += n
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("write: %v", err)
			}
			break
		}
		if sent > 64<<20 {
			t.Fatalf("sent %d bytes without the server pushing back", sent)
		}
	}
	if _, err := idle.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if _, err := io.ReadFull(idle, buf); err != nil || buf[0] != 'X' {
		t.Fatalf("idle echo: %q %v", buf, err)
	}
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	idle.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := idle.Read(buf); err == nil {
		t.Errorf("idle connection still open after Close (read %d bytes)", n)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		t.Errorf("still accepting after Close")
	}
}

// TestResetClient: a client that resets mid-stream must not disturb others.
func TestResetClient(t *testing.T) {
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for range 5 {
		c := dial(t, srv.Addr())
		c.Write(payload(256 << 10))
		c.SetLinger(0)
		c.Close() // RST with the echo unread
	}
	echoHalfClose(t, srv.Addr(), payload(128<<10))
}

func TestLoopbackOnly(t *testing.T) {
	if srv, err := Start("0.0.0.0:0"); err == nil {
		srv.Close()
		t.Fatal("Start accepted a non-loopback address")
	}
}

// TestThreadsWait: after Wait, the threads themselves are gone, not just
// their goroutines.
func TestThreadsWait(t *testing.T) {
	var th Threads
	tids := make(chan int, 8)
	for range 8 {
		th.Go(func() { tids <- unix.Gettid() })
	}
	th.Wait()
	close(tids)
	for tid := range tids {
		if tid != os.Getpid() && threadAlive(tid) {
			t.Errorf("thread %d still alive after Wait", tid)
		}
	}
}

func threadCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestThreadPerConnection: every open connection holds a thread, and Close
// leaves none of them behind.
func TestThreadPerConnection(t *testing.T) {
	const n = 40
	before := threadCount(t)
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.TCPConn, n)
	for i := range conns {
		conns[i] = dial(t, srv.Addr())
		defer conns[i].Close()
		conns[i].Write([]byte("q"))
		b := make([]byte, 1)
		if _, err := io.ReadFull(conns[i], b); err != nil || b[0] != 'Q' {
			t.Fatalf("conn %d: %q %v", i, b, err)
		}
	}
	// Locked goroutines may take over threads the runtime already had idle,
	// so the count is at least one per connection plus the accept thread.
	if during := threadCount(t); during < n+1 {
		t.Errorf("threads: %d with %d connections open (want ≥ %d)", during, n, n+1)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// The runtime may have started a few threads of its own meanwhile.
	if after := threadCount(t); after > before+4 {
		t.Errorf("threads: %d before Start, %d after Close", before, after)
	}
}

// TestAcceptEMFILE: running out of fds makes accept fail with EMFILE; the
// server must wait and serve the connection once fds are back, not stop.
func TestAcceptEMFILE(t *testing.T) {
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	echoHalfClose(t, srv.Addr(), []byte("warm up"))

	var orig unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	// Room for exactly one more fd, the client's socket: the limit bounds fd
	// numbers, and every number below the lowest free one is taken. The
	// server's accept then fails with EMFILE.
	free, err := unix.Dup(0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(free)
	low := orig
	low.Cur = uint64(free + 1)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	c, derr := net.DialTimeout("tcp", srv.Addr(), 2*time.Second)
	time.Sleep(100 * time.Millisecond) // several failed accepts
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	if derr != nil {
		t.Fatalf("dial under the low limit: %v", derr)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("after emfile"))
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "AFTER EMFILE" {
		t.Fatalf("echo after EMFILE: %q, %v", got, err)
	}
	echoHalfClose(t, srv.Addr(), payload(64<<10))
}
