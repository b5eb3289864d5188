//go:build linux

// Package enginetest is the unit-test battery every reference engine runs,
// whatever its IO model: echo, half-close, a pipelined multi-MiB echo to a
// slow reader, many connections at once, backpressure from a client that
// stops reading, a busy neighbour, resets, idle CPU, the declared MaxConns,
// loopback only, and Close ending every connection, fd, thread and process.
// Where a model legitimately differs (threads per connection, worker
// processes, a small MaxConns) the battery reads it from Options or the
// engine's Profile rather than from a copy of the test. Everything is on
// loopback and every network operation has a deadline.
//
// Run runs it all; MaxConns and Close also run alone, for an engine's own
// test of a particular configuration. The package also holds the helpers
// the engines' own tests share (Serve, Dial, RoundTrip, Pattern, ...) and
// the process facts they need (OpenFds, Threads, Children, Gone).
//
// An engine is never judged by its own code: payloads and the echo they
// demand come from fixtures/payload, and what a process holds or costs from
// fixtures/probe, the suite's own fixtures.
package enginetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/servers/engine"
)

const (
	// opTimeout bounds every single network operation of the tests.
	opTimeout = 10 * time.Second
	// dialTimeout bounds a connect: on loopback it takes microseconds, and
	// the backlog completes it even while the server does not accept.
	dialTimeout = 2 * time.Second
	// closeWithin bounds Close with connections open, idle or blocked.
	closeWithin = 2 * time.Second
	// maxConnsChecked is the largest declared MaxConns the battery holds
	// open to check it; larger bounds would take too many threads or fds.
	maxConnsChecked = 64
)

// Options are the ways an engine legitimately differs from an event loop
// serving every connection in this process. The zero value is such a loop.
type Options struct {
	// ThreadPerConn: the engine serves each connection on an OS thread of
	// its own that ends with the connection. The battery checks that n
	// open connections hold at least n threads in the serving processes
	// (plus one accept thread each) and that Close leaves none behind.
	ThreadPerConn bool
	// Workers, if set, returns the pids of the processes that serve srv's
	// connections in place of this one (prefork's workers): their CPU
	// counts for IdleCPU, their threads for ThreadPerConn, and Close must
	// end them. Their fds end with them, so the fd check after Close sees
	// this process's own only.
	Workers func(srv engine.Server) []int
}

// Run runs the battery against e, one fresh server per test.
func Run(t *testing.T, e engine.Engine, o Options) {
	t.Run("Echo", func(t *testing.T) { testEcho(t, e) })
	t.Run("HalfClose", func(t *testing.T) { testHalfClose(t, e) })
	t.Run("PipelinedSlowReader", func(t *testing.T) { testPipelinedSlowReader(t, e) })
	t.Run("ManyConns", func(t *testing.T) { testManyConns(t, e) })
	t.Run("Backpressure", func(t *testing.T) { testBackpressure(t, e) })
	t.Run("BusyNeighbour", func(t *testing.T) { testBusyNeighbour(t, e) })
	t.Run("Resets", func(t *testing.T) { testResets(t, e) })
	t.Run("IdleCPU", func(t *testing.T) { testIdleCPU(t, e, o) })
	t.Run("MaxConns", func(t *testing.T) { MaxConns(t, e) })
	t.Run("ThreadPerConn", func(t *testing.T) { testThreadPerConn(t, e, o) })
	t.Run("LoopbackOnly", func(t *testing.T) { testLoopbackOnly(t, e) })
	t.Run("Close", func(t *testing.T) { Close(t, e, o) })
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

// launch starts e for a test that closes it itself and sets *closed; if
// the test ends first (a failure), the server is closed then.
func launch(t testing.TB, e engine.Engine) (srv engine.Server, closed *bool) {
	t.Helper()
	srv, err := e.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	closed = new(bool)
	t.Cleanup(func() {
		if !*closed {
			srv.Close()
		}
	})
	return srv, closed
}

// Dial connects to addr with a deadline on every later operation; the
// connection is closed when t ends.
func Dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	return DialWith(t, addr, nil)
}

// DialWith is Dial with a hook on the socket before connect.
func DialWith(t testing.TB, addr string, setup func(fd int)) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: dialTimeout}
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

// Pattern returns n pseudo-random bytes covering every byte value: the
// suite's payload.Random.
func Pattern(n int, seed uint64) []byte { return payload.Random(n, seed) }

// Expect checks got against the echo of sent with the suite's own
// verifier (verify.Compare): the first wrong byte, the bytes lost or extra.
func Expect(t testing.TB, what string, sent, got []byte) {
	t.Helper()
	if err := verify.Compare(sent, got, payload.UpperEcho); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// RoundTrip sends data, half-closes and checks the echo and the server's
// clean close that must follow, with the suite's verifying client
// (verify.Exchange).
func RoundTrip(t testing.TB, c *net.TCPConn, data []byte) {
	t.Helper()
	exchange(t, "echo", c, data, verify.Options{HalfClose: true})
}

// exchange runs verify.Exchange on c and fails t with its message.
func exchange(t testing.TB, what string, c *net.TCPConn, data []byte, o verify.Options) {
	t.Helper()
	if err := check(c, data, o); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// check is verify.Exchange of data on c within opTimeout.
func check(c *net.TCPConn, data []byte, o verify.Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := verify.Exchange(ctx, c, data, o)
	return err
}

// ping writes msg on c and checks that want, its echo, comes back.
func ping(t testing.TB, c *net.TCPConn, msg, want string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	expectEcho(t, c, want)
}

// expectEcho reads len(want) bytes from c and checks they are want.
func expectEcho(t testing.TB, c *net.TCPConn, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if n, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("echo: got %q, %v; want %q", got[:n], err, want)
	}
}

// expectNoEcho checks that c gets nothing back within d: it waits to be
// served. Afterwards c has servedWithin to be.
func expectNoEcho(t testing.TB, c *net.TCPConn, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, 1)
	if n, err := c.Read(b); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection beyond MaxConns: read %d bytes, %v; want nothing until a slot frees", n, err)
	}
	c.SetReadDeadline(time.Now().Add(servedWithin))
}

// servedWithin is how soon a waiting connection is served once a slot
// frees.
const servedWithin = 5 * time.Second

// fill writes data on c, which is not read, until a write stalls for
// 300ms, and returns how much was written. The server must push back well
// before the whole of data.
func fill(t testing.TB, c *net.TCPConn, data []byte) int {
	t.Helper()
	written := 0
	for written < len(data) {
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Write(data[written:min(written+(256<<10), len(data))])
		written += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("stalled write after %d bytes: %v", written, err)
		}
	}
	c.SetWriteDeadline(time.Now().Add(opTimeout))
	return written
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
	// Many writes of odd sizes, then the FIN; reads of 4 KiB with a pause.
	exchange(t, "pipelined echo", c, Pattern(6<<20, 2), verify.Options{
		Chunks:    func(int) int { return 100_003 },
		HalfClose: true,
		ReadSize:  4 << 10,
		ReadPause: 20 * time.Microsecond,
	})
}

// testManyConns runs 40 echoes at once: more than a small thread pool
// serves at once, so some wait their turn, and every one is served.
func testManyConns(t *testing.T, e engine.Engine) {
	srv := Serve(t, e)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		c := Dial(t, srv.Addr())
		data := Pattern(64<<10+i*997, uint64(100+i))
		wg.Go(func() {
			if err := check(c, data, verify.Options{HalfClose: true}); err != nil {
				errs <- fmt.Errorf("conn %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// skipUnlessTwoServed skips a test that needs two connections served at
// once.
func skipUnlessTwoServed(t *testing.T, e engine.Engine) {
	if e.Profile().MaxConns == 1 {
		t.Skip("MaxConns 1: needs two connections served at once")
	}
}

// testBackpressure stalls one client (it writes, never reads) until its
// writes block, checks that the server stopped taking its bytes, that
// another connection is served meanwhile, and that nothing was lost.
func testBackpressure(t *testing.T, e engine.Engine) {
	skipUnlessTwoServed(t, e)
	srv := Serve(t, e)
	stalled := Dial(t, srv.Addr())
	data := Pattern(64<<20, 3)
	written := fill(t, stalled, data)
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
	skipUnlessTwoServed(t, e)
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

// testIdleCPU holds idle connections open (fewer than MaxConns, so the
// last one is served) and checks that the server, in this process and its
// workers, barely uses the CPU. It judges CPU time used, not
// probe.DemandShare: this process also holds the test's client and the
// runtime, whose waits for a CPU on a loaded host are not the server's.
func testIdleCPU(t *testing.T, e engine.Engine, o Options) {
	if e.Profile().BusyIdle {
		t.Skip("engine declares busy-idle")
	}
	srv := Serve(t, e)
	idle := 10
	if mc := e.Profile().MaxConns; mc > 0 {
		idle = min(idle, mc-1)
	}
	for range idle {
		Dial(t, srv.Addr())
	}
	c := Dial(t, srv.Addr())
	RoundTrip(t, c, []byte("warm up"))
	procs := append([]int{os.Getpid()}, workerPIDs(srv, o)...)
	before := sample(t, procs)
	const d = 500 * time.Millisecond
	time.Sleep(d)
	after := sample(t, procs)
	if used := after.CPU - before.CPU; used > d/5 {
		t.Errorf("idle server used %v of CPU in %v (%v → %v)", used, d, before, after)
	}
}

func workerPIDs(srv engine.Server, o Options) []int {
	if o.Workers == nil {
		return nil
	}
	return o.Workers(srv)
}

// sample probes the processes pids.
func sample(t testing.TB, pids []int) probe.Sample {
	t.Helper()
	s, err := probe.Processes(pids...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// MaxConns checks e's declared Profile.MaxConns, if it is small enough to
// hold open: that many connections are served at once; further ones wait
// (connected, not served, never refused) and are served, in arrival order,
// as slots free up. It skips engines that declare no bound or a large one.
func MaxConns(t *testing.T, e engine.Engine) {
	mc := e.Profile().MaxConns
	if mc == 0 {
		t.Skip("no MaxConns declared")
	}
	if mc > maxConnsChecked {
		t.Skipf("MaxConns %d: too many connections to hold open here", mc)
	}
	srv := Serve(t, e)
	busy := make([]*net.TCPConn, mc)
	for i := range busy {
		busy[i] = Dial(t, srv.Addr())
		ping(t, busy[i], "busy", "BUSY")
	}
	waiting := make([]*net.TCPConn, 3)
	for i := range waiting {
		waiting[i] = Dial(t, srv.Addr()) // connects: the backlog or a queue takes it
		if _, err := waiting[i].Write([]byte("wait")); err != nil {
			t.Fatal(err)
		}
	}
	expectNoEcho(t, waiting[0], 300*time.Millisecond)
	for _, c := range waiting[1:] {
		expectNoEcho(t, c, 150*time.Millisecond)
	}
	// Free one slot: the first waiting connection is served next, the
	// others still wait.
	RoundTrip(t, busy[0], []byte(" done"))
	expectEcho(t, waiting[0], "WAIT")
	for _, c := range waiting[1:] {
		expectNoEcho(t, c, 100*time.Millisecond)
	}
	// Free the rest: everyone gets served.
	for _, c := range busy[1:] {
		RoundTrip(t, c, nil)
	}
	RoundTrip(t, waiting[0], []byte("ed"))
	for i, c := range waiting[1:] {
		expectEcho(t, c, "WAIT")
		RoundTrip(t, c, Pattern(32<<10, uint64(i)))
	}
}

// testThreadPerConn: every open connection holds a thread, and Close
// leaves none of them behind.
func testThreadPerConn(t *testing.T, e engine.Engine, o Options) {
	if !o.ThreadPerConn {
		t.Skip("not a thread-per-connection engine")
	}
	const n = 40
	before := Threads(t, os.Getpid())
	srv, closed := launch(t, e)
	for range n {
		ping(t, Dial(t, srv.Addr()), "q", "Q")
	}
	procs := workerPIDs(srv, o)
	if procs == nil {
		procs = []int{os.Getpid()}
	}
	during := 0
	for _, pid := range procs {
		during += Threads(t, pid)
	}
	// Locked goroutines may take over threads the runtime already had idle,
	// so the count is at least one per connection plus each process's
	// accept thread.
	if want := n + len(procs); during < want {
		t.Errorf("threads: %d in %d serving processes with %d connections open (want ≥ %d)", during, len(procs), n, want)
	}
	*closed = true
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// The runtime may have started a few threads of its own meanwhile.
	if after := Threads(t, os.Getpid()); after > before+4 {
		t.Errorf("threads: %d before Start, %d after Close", before, after)
	}
}

func testLoopbackOnly(t *testing.T, e engine.Engine) {
	if srv, err := e.Start("0.0.0.0:0"); err == nil {
		srv.Close()
		t.Fatal("Start accepted a non-loopback address")
	}
}

// Close closes a server of e with connections in every state: one idle
// (its server side waits in read), one stalled (the client writes and
// never reads, so the server is blocked writing or has stopped reading),
// one with bytes pending, and, if e declares a small MaxConns, more than
// that, so that some wait in a queue or the backlog. Close must return
// promptly, every connection must see its end (EOF or a reset, not
// silence), this process's fds must be back to their number before Start,
// the workers and every child process gone, and the port closed.
func Close(t *testing.T, e engine.Engine, o Options) {
	// Whatever the runtime opens once (its netpoller) is open before the
	// count.
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
	fds := OpenFds(t)
	srv, closed := launch(t, e)
	workers := workerPIDs(srv, o)

	done := Dial(t, srv.Addr())
	RoundTrip(t, done, []byte("x"))
	idle := Dial(t, srv.Addr())
	ping(t, idle, "x", "X")
	stuck := Dial(t, srv.Addr())
	if sent := fill(t, stuck, Pattern(64<<20, 7)); sent == 64<<20 {
		t.Fatalf("sent %d bytes without the server pushing back", sent)
	}
	n := 20
	if mc := e.Profile().MaxConns; mc > 0 && mc <= maxConnsChecked {
		n = max(n, mc+4) // some wait in a queue or the backlog
	}
	rest := make([]*net.TCPConn, n)
	for i := range rest {
		rest[i] = Dial(t, srv.Addr())
	}
	if _, err := rest[0].Write([]byte("pending")); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	*closed = true
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > closeWithin {
		t.Errorf("Close with %d connections open took %v", n+2, d)
	}

	// Each has 2s to see its end, all at once.
	var wg sync.WaitGroup
	wg.Go(func() {
		idle.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := idle.Read(make([]byte, 1)); n > 0 || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("idle connection still open after Close: read %d bytes, %v", n, err)
		}
	})
	for i, c := range append([]*net.TCPConn{stuck}, rest...) {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := io.Copy(io.Discard, c); errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("connection %d of %d still open after Close (the first is the stalled one)", i, n+1)
			}
		})
	}
	wg.Wait()
	for _, c := range append(rest, done, idle, stuck) {
		c.Close()
	}

	if after := OpenFds(t); after != fds {
		t.Errorf("fds: %d before Start, %d after Close", fds, after)
	}
	for _, pid := range workers {
		if !Gone(pid) {
			t.Errorf("worker %d still running after Close", pid)
		}
	}
	if c := Children(t); len(c) > 0 {
		t.Errorf("child processes left after Close: %v", c)
	}
	if c, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		c.Close()
		t.Errorf("still accepting after Close")
	}
}

// OpenFds counts this process's open fds.
func OpenFds(t testing.TB) int {
	t.Helper()
	n, err := probe.FDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Threads counts the threads of process pid.
func Threads(t testing.TB, pid int) int {
	t.Helper()
	n, err := probe.Threads(pid)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Gone reports whether pid has ended (no process, or an unreaped zombie).
func Gone(pid int) bool { return probe.Gone(pid) }

// Children returns the pids of this process's children.
func Children(t testing.TB) []int {
	t.Helper()
	pids, err := probe.Children(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	return pids
}
