//go:build linux

package loop_test

import (
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/epoll"
	"github.com/echospec/echospec/servers/internal/enginetest"
	"github.com/echospec/echospec/servers/internal/loop"
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

// TestMaxConnsWait: at MaxConns the loop stops accepting; further
// connections wait in the backlog and are served, in order, as slots free.
func TestMaxConnsWait(t *testing.T) {
	enginetest.MaxConns(t, pollEngine(loop.Config{MaxConns: 2}))
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
	srv := enginetest.Serve(t, pollEngine(loop.Config{}))
	start := time.Now()
	enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), []byte("still serving"))
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
	srv := enginetest.Serve(t, e)
	for i := range 4 {
		enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), enginetest.Pattern(2<<20, uint64(i)))
	}
}
