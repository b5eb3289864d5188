//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package gnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
	gerrors "github.com/panjf2000/gnet/v2/pkg/errors"
	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
)

// startTimeout bounds how long Start waits for gnet's OnBoot, and
// closeTimeout how long Close waits for gnet to stop.
const (
	startTimeout = 10 * time.Second
	closeTimeout = 10 * time.Second
)

// Engine returns the gnet engine.
func Engine() engine.Engine {
	return engine.Func("gnet",
		"third-party: gnet v2 multi-reactor event loops (epoll/kqueue), one main reactor accepting, one sub-reactor per core",
		engine.Profile{}, Start)
}

// Server is a running gnet engine.
type Server struct {
	eng  gnet.Engine
	addr string

	done   chan struct{} // closed when gnet.Run has returned
	runErr error         // gnet.Run's result, valid after done

	once     sync.Once
	closeErr error
}

type booted struct {
	eng  gnet.Engine
	addr string
	err  error
}

// echo is the upper-echo event handler.
type echo struct {
	gnet.BuiltinEventEngine
	boot chan booted
}

// OnBoot fires once gnet has bound and listened, before its loops run. It
// reports the engine and the real address (port 0 resolved).
func (h *echo) OnBoot(eng gnet.Engine) gnet.Action {
	addr, err := boundAddr(eng)
	h.boot <- booted{eng: eng, addr: addr, err: err}
	return gnet.None
}

// OnTraffic echoes everything buffered. Next(-1) returns either a slice of
// the loop's read buffer (consumed whole, so reused only by the next read) or
// a fresh copy, and Write copies whatever the socket does not take at once,
// so uppercasing in place is safe.
func (h *echo) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	engine.Upper(buf)
	_, _ = c.Write(buf) // on error gnet has already closed the connection
	return gnet.None
}

// Start runs gnet on addr and returns once OnBoot has fired: the socket is
// listening, so connections are accepted (the kernel queues them until the
// reactors pick them up, which they do right after OnBoot).
func Start(addr string) (engine.Server, error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return nil, err
	}
	h := &echo{boot: make(chan booted, 1)}
	s := &Server{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.runErr = gnet.Run(h, "tcp://"+addr, gnet.WithMulticore(true))
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case b := <-h.boot:
		s.eng = b.eng
		if b.err != nil {
			s.Close()
			return nil, fmt.Errorf("gnet engine: listening address: %w", b.err)
		}
		s.addr = b.addr
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("gnet engine: %w", s.runErr)
	case <-timer.C:
		// gnet.Run is stuck before OnBoot; nothing to stop it with.
		return nil, fmt.Errorf("gnet engine: not booted after %v (gnet.Run goroutine left running)", startTimeout)
	}
}

// boundAddr reads the listening address from a duplicate of gnet's listener
// fd: gnet does not report the port it bound when asked for port 0.
func boundAddr(eng gnet.Engine) (string, error) {
	fd, err := eng.Dup()
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", err
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return (&net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}).String(), nil
	case *unix.SockaddrInet6:
		return (&net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}).String(), nil
	}
	return "", fmt.Errorf("unexpected socket address %T", sa)
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// Close stops gnet with Engine.Stop and waits for gnet.Run to return. gnet
// closes every connection and waits for its reactors before Run returns.
// Engine.Stop polls for the end every 500 ms, so Close takes up to that
// long. gnet's goroutine pool (ants, started when the package is loaded)
// lives for the whole process and is not the server's.
func (s *Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		err := s.eng.Stop(ctx)
		if errors.Is(err, gerrors.ErrEngineInShutdown) {
			err = nil // gnet stopped on its own (e.g. its acceptor failed)
		}
		select {
		case <-s.done:
		case <-ctx.Done():
			err = errors.Join(err, fmt.Errorf("gnet engine: gnet.Run still running %v after Stop", closeTimeout))
		}
		if err == nil {
			err = s.runErr
		}
		if err != nil {
			s.closeErr = fmt.Errorf("gnet engine: %w", err)
		}
	})
	return s.closeErr
}
