//go:build linux

package loop_test

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/epoll"
	"github.com/echospec/echospec/servers/internal/loop"
	"github.com/echospec/echospec/servers/internal/loop/looptest"
	"github.com/echospec/echospec/servers/poll"
)

func pollEngine(cfg loop.Config) engine.Engine {
	cfg.Name = "test engine"
	if cfg.NewPoller == nil {
		cfg.NewPoller = poll.NewPoller
	}
	return engine.Func("test", "poll with a test config", engine.Profile{MaxConns: cfg.MaxConns}, func(addr string) (engine.Server, error) {
		return loop.Start(addr, cfg)
	})
}

// TestMaxConnsWait: at MaxConns the loop stops accepting; the next
// connection waits in the backlog and is served once one closes.
func TestMaxConnsWait(t *testing.T) {
	srv := looptest.Serve(t, pollEngine(loop.Config{MaxConns: 2}))
	c1 := looptest.Dial(t, srv.Addr())
	c2 := looptest.Dial(t, srv.Addr())
	buf := make([]byte, 3)
	for _, c := range []*net.TCPConn{c1, c2} {
		c.Write([]byte("one"))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ONE" {
			t.Fatalf("first two connections: %q %v", buf, err)
		}
	}
	c3 := looptest.Dial(t, srv.Addr()) // connects: the backlog takes it
	c3.Write([]byte("three"))
	c3.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c3.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("third connection served beyond MaxConns=2: %q %v", buf[:n], err)
	}
	looptest.RoundTrip(t, c2, nil) // the server closes c2: a slot frees
	c3.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 5)
	if _, err := c3.Read(got); err != nil || string(got) != "THREE" {
		t.Fatalf("third connection after a slot freed: %q %v", got, err)
	}
}

// TestAcceptErrorsDoNotStop: EMFILE pauses accepting, ECONNABORTED is
// skipped; the server serves on.
func TestAcceptErrorsDoNotStop(t *testing.T) {
	real := *loop.AcceptConn
	var calls atomic.Int32
	*loop.AcceptConn = func(lfd int, nb bool) (int, error) {
		switch calls.Add(1) {
		case 1, 2:
			return -1, unix.EMFILE
		case 3:
			return -1, unix.ECONNABORTED
		case 4:
			return -1, unix.ENFILE
		}
		return real(lfd, nb)
	}
	defer func() { *loop.AcceptConn = real }()
	srv := looptest.Serve(t, pollEngine(loop.Config{}))
	start := time.Now()
	looptest.RoundTrip(t, looptest.Dial(t, srv.Addr()), []byte("still serving"))
	if n := calls.Load(); n < 5 {
		t.Fatalf("accept called %d times, want the errors exercised", n)
	}
	t.Logf("served after %v of accept errors", time.Since(start))
}

// TestEdgeBudget: a tiny budget forces every connection through the ready
// list; the echo must stay exact.
func TestEdgeBudget(t *testing.T) {
	e := pollEngine(loop.Config{Loops: 2, Edge: true, Budget: 1,
		NewPoller: func() (loop.Poller, error) { return epoll.NewPoller(true) }})
	srv := looptest.Serve(t, e)
	for i := range 4 {
		looptest.RoundTrip(t, looptest.Dial(t, srv.Addr()), looptest.Pattern(2<<20, uint64(i)))
	}
}
