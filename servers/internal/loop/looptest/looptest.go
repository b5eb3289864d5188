//go:build linux

// Package looptest is the unit-test battery every event-loop engine runs:
// echo, half-close, a pipelined multi-MiB echo to a slow reader, many
// connections at once, backpressure from a client that stops reading,
// resets, idle CPU and fd hygiene. Everything is on loopback and every
// network operation has a deadline.
package looptest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
)

// opTimeout bounds every single network operation of the tests.
const opTimeout = 10 * time.Second

// Run runs the battery against e, one fresh server per test.
func Run(t *testing.T, e engine.Engine) {
	t.Run("Echo", func(t *testing.T) { testEcho(t, e) })
	t.Run("HalfClose", func(t *testing.T) { testHalfClose(t, e) })
	t.Run("PipelinedSlowReader", func(t *testing.T) { testPipelinedSlowReader(t, e) })
	t.Run("ManyConns", func(t *testing.T) { testManyConns(t, e) })
	t.Run("Backpressure", func(t *testing.T) { testBackpressure(t, e) })
	t.Run("BusyNeighbour", func(t *testing.T) { testBusyNeighbour(t, e) })
	t.Run("Resets", func(t *testing.T) { testResets(t, e) })
	t.Run("IdleCPU", func(t *testing.T) { testIdleCPU(t, e) })
	t.Run("CloseReleasesFds", func(t *testing.T) { testCloseReleasesFds(t, e) })
}

// Serve starts e on a free loopback port and closes it when t ends,
// checking Close's error and that it returns promptly.
func Serve(t testing.TB, e engine.Engine) engine.Server {
	t.Helper()
	srv, err := e.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		start := time.Now()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Close took %v", d)
		}
	})
	return srv
}

// Dial connects to addr with a deadline on every later operation.
func Dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	return DialWith(t, addr, nil)
}

// DialWith is Dial with a hook on the socket before connect.
func DialWith(t testing.TB, addr string, setup func(fd int)) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: opTimeout}
	if setup != nil {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { setup(int(fd)) })
		}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(opTimeout))
	return c.(*net.TCPConn)
}

// Pattern returns n pseudo-random bytes covering every byte value.
func Pattern(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n:n]
}

// Upper returns the protocol's transform of b, leaving b alone.
func Upper(b []byte) []byte {
	u := bytes.Clone(b)
	engine.Upper(u)
	return u
}

// Expect checks got against the echo of sent, naming the first wrong byte.
func Expect(t testing.TB, what string, sent, got []byte) {
	t.Helper()
	want := Upper(sent)
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s: sent %d bytes, got %d back; first difference at offset %d", what, len(sent), len(got), i)
}

// RoundTrip sends data, half-closes, reads to EOF and checks the echo.
func RoundTrip(t testing.TB, c *net.TCPConn, data []byte) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if err == nil {
			err = c.CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read echo: %v after %d bytes (an RST instead of a FIN?)", err, len(got))
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	Expect(t, "echo", data, got)
}

func testEcho(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	c := Dial(t, srv.Addr())
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, msg := range [][]byte{[]byte("hello, World! abc-xyz {`az@[}"), all} {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("read: %v", err)
		}
		Expect(t, "echo", msg, got)
	}
}

func testHalfClose(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	RoundTrip(t, Dial(t, srv.Addr()), []byte("the quick brown fox"))
	RoundTrip(t, Dial(t, srv.Addr()), nil) // FIN at once: a FIN back
	RoundTrip(t, Dial(t, srv.Addr()), Pattern(1<<20, 1))
}

// testPipelinedSlowReader sends several MiB while reading them back slowly
// through a small receive buffer, so that the server meets EAGAIN and short
// writes and must keep the unsent tails in order.
func testPipelinedSlowReader(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	c := DialWith(t, srv.Addr(), func(fd int) {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<10)
	})
	data := Pattern(6<<20, 2)
	errc := make(chan error, 1)
	go func() {
		// Many writes of odd sizes, then the FIN.
		for p := data; len(p) > 0; {
			n := min(len(p), 100_003)
			if _, err := c.Write(p[:n]); err != nil {
				errc <- err
				return
			}
			p = p[n:]
		}
		errc <- c.CloseWrite()
	}()
	got := make([]byte, 0, len(data))
	buf := make([]byte, 4<<10)
	for reads := 0; ; reads++ {
		if reads%64 == 63 {
			time.Sleep(time.Millisecond)
		}
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read after %d bytes: %v", len(got), err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	Expect(t, "pipelined echo", data, got)
}

func testManyConns(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		c := Dial(t, srv.Addr())
		data := Pattern(64<<10+i*997, uint64(100+i))
		wg.Go(func() {
			go func() { c.Write(data); c.CloseWrite() }()
			got, err := io.ReadAll(c)
			if err != nil {
				errs <- fmt.Errorf("conn %d: %v", i, err)
			} else if !bytes.Equal(got, Upper(data)) {
				errs <- fmt.Errorf("conn %d: sent %d bytes, got %d, wrong", i, len(data), len(got))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testBackpressure stalls one client (it writes, never reads) until its
// writes block, checks that the server stopped taking its bytes, that
// another connection is served meanwhile, and that nothing was lost.
func testBackpressure(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	stalled := Dial(t, srv.Addr())
	data := Pattern(64<<20, 3)
	written := 0
	for written < len(data) {
		stalled.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := stalled.Write(data[written:min(written+(256<<10), len(data))])
		written += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("stalled write after %d bytes: %v", written, err)
		}
	}
	// Kernel buffers on both sides plus the server's bound: some MiB, not
	// the whole 64 MiB.
	if written >= 48<<20 {
		t.Fatalf("a client that does not read got %d bytes accepted: the server does not stop reading", written)
	}
	t.Logf("stalled client blocked after %d bytes", written)

	start := time.Now()
	RoundTrip(t, Dial(t, srv.Addr()), Pattern(256<<10, 4))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("another connection took %v while one client stalled", d)
	}

	stalled.SetDeadline(time.Now().Add(opTimeout))
	if err := stalled.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(stalled)
	if err != nil {
		t.Fatalf("stalled client reading back: %v after %d bytes", err, len(got))
	}
	Expect(t, "stalled echo", data[:written], got)
}

// testBusyNeighbour streams at full speed on one connection and checks that
// small round trips on another stay fast meanwhile: one busy connection
// must not starve the rest of its loop.
func testBusyNeighbour(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	busy := Dial(t, srv.Addr())
	data := Pattern(4<<20, 6)
	stop := make(chan struct{})
	done := make(chan error, 2)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := busy.Write(data); err != nil {
				done <- err
				return
			}
		}
	}()
	go func() {
		_, err := io.Copy(io.Discard, busy)
		done <- err
	}()
	quiet := Dial(t, srv.Addr())
	msg := []byte("ping pong")
	got := make([]byte, len(msg))
	var worst time.Duration
	for range 20 {
		start := time.Now()
		if _, err := quiet.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(quiet, got); err != nil {
			t.Fatal(err)
		}
		Expect(t, "ping", msg, got)
		worst = max(worst, time.Since(start))
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("busy connection: %v", err)
	}
	busy.CloseWrite()
	if err := <-done; err != nil {
		t.Fatalf("busy connection: %v", err)
	}
	t.Logf("slowest round trip beside a busy connection: %v", worst)
	if worst > time.Second {
		t.Errorf("a round trip took %v beside a busy connection", worst)
	}
}

// testResets ends connections with RSTs in the middle of echoing — the
// server's reads meet ECONNRESET, its writes EPIPE — and checks that it
// goes on serving.
func testResets(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	for i := range 10 {
		c := Dial(t, srv.Addr())
		if _, err := c.Write(Pattern(512<<10, uint64(i))); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			c.SetLinger(0) // RST at once
		}
		c.Close() // unread echo: RST anyway
	}
	RoundTrip(t, Dial(t, srv.Addr()), Pattern(1<<20, 5))
}

func testIdleCPU(t *testing.T, e engine.Engine) {
	if e.Profile().BusyIdle {
		t.Skip("engine declares busy-idle")
	}
	srv := Serve(t, e)
	for range 10 {
		Dial(t, srv.Addr())
	}
	c := Dial(t, srv.Addr())
	RoundTrip(t, c, []byte("warm up"))
	before := cpuTime(t)
	const idle = 500 * time.Millisecond
	time.Sleep(idle)
	if used := cpuTime(t) - before; used > idle/5 {
		t.Errorf("idle server used %v of CPU in %v", used, idle)
	}
}

func cpuTime(t testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// OpenFds counts this process's open fds.
func OpenFds(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents) - 1 // ReadDir's own
}

func testCloseReleasesFds(t *testing.T, e engine.Engine) {
	before := OpenFds(t)
	srv, err := e.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var cs []*net.TCPConn
	for range 20 {
		cs = append(cs, Dial(t, srv.Addr()))
	}
	RoundTrip(t, cs[0], []byte("x"))
	if _, err := cs[1].Write([]byte("pending")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close with 20 open connections took %v", d)
	}
	for _, c := range cs {
		c.Close()
	}
	if after := OpenFds(t); after != before {
		t.Errorf("fds: %d before Start, %d after Close", before, after)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		t.Errorf("still accepting after Close")
	}
}
