//go:build darwin || freebsd || linux

package nbio

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lesismal/nbio"

	"github.com/echospec/echospec/servers/engine"
)

const (
	// maxWriteBuffer is the MaxWriteBufferSize of nbio's examples.
	maxWriteBuffer = 6 << 20
	// closeTimeout bounds how long Close waits for Engine.Stop.
	closeTimeout = 10 * time.Second
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
// returns once the listener is bound and its goroutines run; it reports the
// real address in Addrs (port 0 resolved).
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
	if err := g.Start(); err != nil {
		return nil, fmt.Errorf("nbio engine: %w", err)
	}
	return &Server{g: g, addr: g.Addrs[0]}, nil
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
