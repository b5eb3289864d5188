//go:build darwin || freebsd || linux

package nbio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio"

	"github.com/echospec/echospec/servers/engine"
)

const (
	// maxWriteBuffer is the MaxWriteBufferSize of nbio's examples.
	maxWriteBuffer = 6 << 20
	// closeTimeout bounds how long Close waits for Engine.Stop.
	closeTimeout = 10 * time.Second
	// startTimeout bounds how long Start waits for nbio's acceptor and
	// pollers to run (warmup).
	startTimeout = 10 * time.Second
)

// Engine returns the nbio engine.
func Engine() engine.Engine {
	return engine.Func("nbio",
		"third-party: nbio pollers (epoll LT/kqueue) fed by a net-package acceptor goroutine",
		engine.Profile{}, Start)
}

// Server is a running nbio engine.
type Server struct {
	g    *nbio.Engine
	addr string

	once     sync.Once
	closeErr error
}

// Start creates and starts an nbio engine on addr. nbio.Engine.Start
// returns once the listener is bound and its goroutines are started; it
// reports the real address in Addrs (port 0 resolved). Start returns only
// once those goroutines run (warmup).
func Start(addr string) (engine.Server, error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return nil, err
	}
	g := nbio.NewEngine(nbio.Config{
		Network:            "tcp",
		Addrs:              []string{addr},
		MaxWriteBufferSize: maxWriteBuffer,
	})
	g.OnData(func(c *nbio.Conn, data []byte) {
		out := append([]byte(nil), data...) // data is the poller's buffer
		engine.Upper(out)
		_, _ = c.Write(out) // on error nbio has already closed the connection
	})
	var w warmup
	g.OnOpen(w.opened)
	if err := g.Start(); err != nil {
		return nil, fmt.Errorf("nbio engine: %w", err)
	}
	s := &Server{g: g, addr: g.Addrs[0]}
	if err := w.run(s.addr, g.NPoller); err != nil {
		return nil, errors.Join(fmt.Errorf("nbio engine: %w", err), s.Close())
	}
	return s, nil
}

// warmup makes sure nbio's acceptor and every poller loop run before
// Start returns. nbio's loops clear their shutdown flag as they begin
// (acceptorLoop, readWriteLoop: p.shutdown = false), so a Stop that comes
// before a loop has begun is forgotten: the acceptor then spins on its
// closed listener ("use of closed network connection", logged in a tight
// loop) and Stop waits for it forever. A Stop right after Start does that:
// the suite's preflight starts each target, connects once and stops it.
// Measured at a load average of 4 to 7: 3 of 3 loops of 3,000 Start,
// connect, Close hung, at the 14th, 29th and 59th Close; with warmup, 0 in
// 9,900 (TestStartClose).
type warmup struct {
	on  atomic.Bool
	fds chan int
}

// opened is nbio's OnOpen: it is called by the acceptor for each
// connection; during run, it passes the connection's fd, which picks its
// poller (fd % NPoller).
func (w *warmup) opened(c *nbio.Conn) {
	if w.on.Load() {
		select {
		case w.fds <- c.Hash():
		default: // not one of run's: it waits for its own
		}
	}
}

// run connects to addr until each of the pollers has echoed a byte of a
// connection it serves, which proves the acceptor (it handed the
// connection over) and that poller running.
func (w *warmup) run(addr string, pollers int) error {
	w.fds = make(chan int, 1)
	w.on.Store(true)
	defer w.on.Store(false)
	deadline := time.Now().Add(startTimeout)
	left := map[int]bool{}
	for i := range pollers {
		left[i] = true
	}
	for len(left) > 0 {
		if err := engine.Echoes(addr, deadline); err != nil {
			return fmt.Errorf("start: %w", err)
		}
		select {
		case fd := <-w.fds: // sent by the acceptor before the poller had the data
			delete(left, fd%pollers)
		default:
			return errors.New("start: a connection echoed that nbio's acceptor did not open")
		}
	}
	return nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// Close stops nbio with Engine.Stop (through Shutdown, for a deadline): it
// closes the listener and every connection, waits for the OnClose calls and
// for its poller and acceptor goroutines. nbio runs OnClose and the
// connection closes on a goroutine of its timer's Async queue, which may
// still be unwinding for a moment after Stop returns.
func (s *Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		if err := s.g.Shutdown(ctx); err != nil {
			s.closeErr = fmt.Errorf("nbio engine: Stop still running after %v: %w", closeTimeout, err)
		}
	})
	return s.closeErr
}
