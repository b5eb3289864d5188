//go:build linux

package nonblocking_test

import (
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/enginetest"
	"github.com/echospec/echospec/servers/internal/loop"
	"github.com/echospec/echospec/servers/nonblocking"
)

// counting is the engine's Poller with its progress reports counted.
type counting struct {
	*nonblocking.Poller
	made, idle *atomic.Int64
}

func (c counting) Progress(made bool) {
	if made {
		c.made.Add(1)
	} else {
		c.idle.Add(1)
	}
	c.Poller.Progress(made)
}

// TestProgress checks what the loop reports to the Poller: passes over an
// idle connection make no progress, an echo does, and a client that stops
// reading with echo pending leaves the loop idle again.
func TestProgress(t *testing.T) {
	var made, idle atomic.Int64
	srv, err := loop.Start("127.0.0.1:0", loop.Config{Name: "test", NewPoller: func() (loop.Poller, error) {
		p, _ := nonblocking.NewPoller()
		return counting{p.(*nonblocking.Poller), &made, &idle}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := enginetest.Dial(t, srv.Addr())
	pingPong(t, c, 64)

	// quiet waits, up to 2 s, for a 100 ms window in which every pass
	// reports no progress: the last echo's pass, and a stalled client's
	// data still arriving in the kernel's buffers, may take a few passes
	// to end.
	quiet := func(what string) {
		t.Helper()
		var m, i int64
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
			m0, i0 := made.Load(), idle.Load()
			time.Sleep(100 * time.Millisecond)
			if m, i = made.Load()-m0, idle.Load()-i0; m == 0 && i > 0 {
				return
			}
		}
		t.Errorf("%s: in the last 100 ms of 2 s, %d passes with progress, %d without; want 0 with, some without", what, m, i)
	}
	quiet("one idle connection")

	m0 := made.Load()
	pingPong(t, c, 64)
	// The pass that echoed reports when it ends, maybe after the client
	// has read the echo.
	for deadline := time.Now().Add(time.Second); made.Load() == m0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if made.Load() == m0 {
		t.Errorf("an echo reported no pass with progress")
	}

	stallClient(t, enginetest.Dial(t, srv.Addr()))
	quiet("a client that stopped reading with echo pending")
}

// TestStalledClientCPU: a client that stops reading with echo pending
// does not make the loop spin (the suite's S9).
func TestStalledClientCPU(t *testing.T) {
	srv := enginetest.Serve(t, nonblocking.Engine())
	stallClient(t, enginetest.Dial(t, srv.Addr()))
	if used, d := cpuOver(t, time.Second); used > d/20 {
		t.Errorf("with a stalled client the process used %v of CPU in %v (limit 5%%)", used, d)
	}
	pingPong(t, enginetest.Dial(t, srv.Addr()), 64) // still serving
}

// TestManyIdleCPU: with 1,000 idle connections a pass is 1,000 failed
// reads, and the back-off, proportional to it, keeps the cost low (the
// suite's S8).
func TestManyIdleCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections")
	}
	srv := enginetest.Serve(t, nonblocking.Engine())
	conns := make([]*net.TCPConn, 1000)
	for i := range conns {
		conns[i] = enginetest.Dial(t, srv.Addr())
	}
	pingPong(t, conns[len(conns)-1], 64) // all accepted
	time.Sleep(100 * time.Millisecond)
	if used, d := cpuOver(t, time.Second); used > d/20 {
		t.Errorf("with %d idle connections the process used %v of CPU in %v (limit 5%%)", len(conns), used, d)
	}
	start := time.Now()
	pingPong(t, conns[0], 64)
	t.Logf("first echo after the idle second: %v", time.Since(start))
}

// TestLatency: the back-off costs little latency. The median round trip of
// 64-byte messages, with a pause between them so that the loop has backed
// off, stays well under the back-off cap plus loopback time (the suite's
// S10 allows ten times a goroutine server's plus 2 ms).
func TestLatency(t *testing.T) {
	srv := enginetest.Serve(t, nonblocking.Engine())
	c := enginetest.Dial(t, srv.Addr())
	var rtts []time.Duration
	for i := range 200 {
		if i%4 == 0 {
			time.Sleep(2 * time.Millisecond) // let it back off to the cap
		}
		start := time.Now()
		pingPong(t, c, 64)
		rtts = append(rtts, time.Since(start))
	}
	slices.Sort(rtts)
	med := rtts[len(rtts)/2]
	t.Logf("median round trip %v, 90th percentile %v", med, rtts[len(rtts)*9/10])
	if med > 2*time.Millisecond {
		t.Errorf("median round trip %v; want under 2ms", med)
	}
}

func TestNoDeviation(t *testing.T) {
	if p := nonblocking.Engine().Profile(); p != (engine.Profile{}) {
		t.Errorf("profile %+v; want no deviation declared", p)
	}
}

// pingPong sends n bytes and reads their echo.
func pingPong(t testing.TB, c *net.TCPConn, n int) {
	t.Helper()
	msg := enginetest.Pattern(n, uint64(n))
	if _, err := c.Write(msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, n)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo: %v", err)
	}
	enginetest.Expect(t, "echo", msg, got)
}

// stallClient writes on c without reading until the server stops taking
// data: its echo is pending and its socket buffers are full.
func stallClient(t testing.TB, c *net.TCPConn) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for total := 0; ; {
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Write(buf)
		total += n
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			break
		}
		if err != nil {
			t.Fatalf("write after %d bytes: %v", total, err)
		}
		if total > 256<<20 {
			t.Fatalf("the server took %d bytes from a client that does not read", total)
		}
	}
	c.SetWriteDeadline(time.Time{})
}

// cpuOver returns the CPU time this process uses over about d.
func cpuOver(t testing.TB, d time.Duration) (used, wall time.Duration) {
	t.Helper()
	before, err := probe.Processes(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(d)
	after, err := probe.Processes(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	return after.CPU - before.CPU, time.Since(start)
}
