//go:build darwin || freebsd || linux

package evio

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/evio"

	"github.com/echospec/echospec/servers/engine"
)

const (
	// tickEvery is how often the Tick handler looks for a stop request,
	// and so about how long Close waits before evio starts shutting down.
	tickEvery = 50 * time.Millisecond
	// startTimeout bounds how long Start waits for evio's Serving event,
	// closeTimeout how long Close waits for evio.Serve to return.
	startTimeout = 10 * time.Second
	closeTimeout = 10 * time.Second
	// nudgeEvery is how often Close, while evio.Serve has not returned,
	// connects to the server to end one more loop (Server.Close).
	nudgeEvery = 100 * time.Millisecond
)

// Engine returns the evio engine.
func Engine() engine.Engine {
	return engine.Func("evio",
		"third-party: evio event loops (epoll/kqueue), one per core, each accepting and serving its connections",
		engine.Profile{}, Start)
}

// Server is a running evio server.
type Server struct {
	addr     string
	stopping atomic.Bool

	done     chan struct{} // closed when evio.Serve has returned
	serveErr error         // evio.Serve's result, valid after done

	once     sync.Once
	closeErr error
}

// Start runs evio.Serve on addr and returns once evio's Serving event has
// fired: the socket is listening (Serving reports the real address, port 0
// resolved), and the loops start right after.
func Start(addr string) (engine.Server, error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return nil, err
	}
	s := &Server{done: make(chan struct{})}
	serving := make(chan string, 1)

	var events evio.Events
	events.NumLoops = -1 // one loop per core
	events.Serving = func(srv evio.Server) evio.Action {
		serving <- srv.Addrs[0].String()
		return evio.None
	}
	events.Data = func(_ evio.Conn, in []byte) ([]byte, evio.Action) {
		engine.Upper(in) // in is evio's copy (ReuseInputBuffer is off)
		return in, evio.None
	}
	events.Opened = func(evio.Conn) ([]byte, evio.Options, evio.Action) {
		if s.stopping.Load() {
			return nil, evio.Options{}, evio.Shutdown // Close's nudge
		}
		return nil, evio.Options{}, evio.None
	}
	events.Tick = func() (time.Duration, evio.Action) {
		if s.stopping.Load() {
			return 0, evio.Shutdown
		}
		return tickEvery, evio.None
	}

	go func() {
		defer close(s.done)
		s.serveErr = evio.Serve(events, "tcp://"+addr)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case a := <-serving:
		s.addr = a
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("evio engine: %w", s.serveErr)
	case <-timer.C:
		return nil, fmt.Errorf("evio engine: not serving after %v (evio.Serve goroutine left running)", startTimeout)
	}
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// Close asks the Tick handler to return Shutdown and waits for evio.Serve
// to return; by then evio has stopped its loops and closed every connection,
// the listener and its pollers.
//
// evio's shutdown can lose its wake-up: each loop that ends signals a
// sync.Cond once, and evio.Serve's own goroutine waits on it only after it
// has started the loops (evio_unix.go serve, waitForShutdown), so a loop
// that ends first — the Tick handler runs as soon as loop 0 starts, and
// returns Shutdown at once if Close came right after Start — signals
// nobody, and evio.Serve waits for ever. Seen 1 in 300 Start/Close pairs
// beside two CPU hogs. So while evio.Serve has not returned, Close
// connects every nudgeEvery: a loop still running accepts, its Opened
// handler returns Shutdown, and that loop's end signals again. (With a
// single loop, on a one-CPU host, nothing is left to nudge.)
//
// evio leaks one goroutine per server: its ticker goroutine hands the delay
// returned with Shutdown back to the loop, sleeps it, triggers the loop's
// poller once more and then waits forever for a loop that has gone
// (evio_unix.go loopTicker). The adapter returns a delay of 0 so that the
// last trigger lands while the poller is still open; a longer delay would
// have the goroutine write to the poller's wake fd after evio closed it,
// possibly a reused fd.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.stopping.Store(true)
		timer := time.NewTimer(closeTimeout)
		defer timer.Stop()
		nudge := time.NewTicker(nudgeEvery)
		defer nudge.Stop()
		for {
			select {
			case <-s.done:
				if s.serveErr != nil {
					s.closeErr = fmt.Errorf("evio engine: %w", s.serveErr)
				}
				return
			case <-nudge.C:
				if c, err := net.DialTimeout("tcp", s.addr, nudgeEvery); err == nil {
					c.Close()
				}
			case <-timer.C:
				s.closeErr = fmt.Errorf("evio engine: evio.Serve still running %v after Tick returned Shutdown", closeTimeout)
				return
			}
		}
	})
	return s.closeErr
}
