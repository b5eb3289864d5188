package faulty

// FAULTY ON PURPOSE: the skeleton is correct, but every hook below exists
// so that one faulty server can break one thing.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/echospec/echospec/servers/engine"
)

// bufferSize is the per-connection read buffer of the skeleton, as in the
// goroutine engine.
const bufferSize = 16 << 10

// hooks are the points where a faulty server breaks the skeleton. The zero
// hooks are the correct goroutine-per-connection engine: accept, one
// goroutine per connection, read 16 KiB, uppercase, write all of it, and at
// the client's FIN half-close and close.
type hooks struct {
	// dispatch hands an accepted connection over, in the accept loop; nil
	// runs serve in a goroutine of its own (s.spawn).
	dispatch func(s *server, c *net.TCPConn)
	// serve serves one connection until it ends; nil is s.echo.
	serve func(s *server, c *net.TCPConn)

	// The hooks of s.echo, each nil for the correct behaviour:

	// buffer returns the connection's read buffer (a fresh 16 KiB one).
	buffer func() []byte
	// read reads into buf (c.Read).
	read func(s *server, c *net.TCPConn, buf []byte) (int, error)
	// transform returns the echo of the n bytes read into buf (engine.Upper
	// on buf[:n], in place).
	transform func(buf []byte, n int) []byte
	// write writes the whole echo (c.Write).
	write func(s *server, c *net.TCPConn, b []byte) error
	// writeFailed runs when a write fails, before the connection is
	// dropped (nothing).
	writeFailed func(err error)
	// eof ends a connection whose client sent FIN, after the last echo
	// (half-close, then drop).
	eof func(s *server, c *net.TCPConn)
	// readFailed ends a connection whose read failed with anything but
	// EOF: a reset, a timeout, Close (drop).
	readFailed func(s *server, c *net.TCPConn, err error)

	// acceptFailed decides what an accept error other than the listener's
	// close does: true keeps accepting (after a 5 ms back-off, so as not to
	// spin on EMFILE while the listen queue stays readable).
	acceptFailed func(s *server, err error) bool

	// start runs once the server listens, for servers that need workers.
	start func(s *server)
	// acceptors is how many goroutines accept on the listener (0 is 1),
	// as engines run one accept loop per core.
	acceptors int
	// drainOnClose makes Close wait for the connections to end instead of
	// closing them.
	drainOnClose bool
}

// server is a running skeleton.
type server struct {
	h     *hooks
	ln    *net.TCPListener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[*net.TCPConn]struct{}
	done  bool
	quit  chan struct{}

	work  chan *net.TCPConn // worker-pool servers: connections for the workers
	limit *limiter          // max-conns servers: connections being served
	// state is what a bug's hooks keep per server, set by its start hook.
	state any
}

// skeleton makes the engine of bug b from hooks h.
func skeleton(h hooks) func(b Bug) engine.Engine {
	return func(b Bug) engine.Engine {
		return engine.Func(b.Name, "FAULTY ON PURPOSE: "+b.Defect, b.Profile, func(addr string) (engine.Server, error) {
			return startSkeleton(b.Name, addr, &h)
		})
	}
}

func startSkeleton(name, addr string, h *hooks) (engine.Server, error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("faulty server %s: %w", name, err)
	}
	s := &server{h: h, ln: ln.(*net.TCPListener), conns: map[*net.TCPConn]struct{}{}, quit: make(chan struct{})}
	if h.start != nil {
		h.start(s)
	}
	for range max(1, h.acceptors) {
		s.wg.Add(1)
		go s.acceptLoop()
	}
	return s, nil
}

// Addr returns the listening address.
func (s *server) Addr() string { return s.ln.Addr().String() }

// Close stops accepting, closes every connection (unless the server
// drains) and waits for every goroutine to end.
func (s *server) Close() error {
	s.mu.Lock()
	s.done = true
	close(s.quit)
	if !s.h.drainOnClose {
		for c := range s.conns {
			c.Close()
		}
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// closing reports whether Close has been called.
func (s *server) closing() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

func (s *server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if s.h.acceptFailed != nil {
				if s.h.acceptFailed(s, err) {
					continue
				}
				return
			}
			// Temporary errors (EMFILE, ECONNABORTED) must not end the
			// server; back off a little so as not to spin on them.
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if !s.track(c) {
			c.Close()
			return
		}
		if s.h.dispatch != nil {
			s.h.dispatch(s, c)
		} else {
			s.spawn(c)
		}
	}
}

// spawn serves c in a goroutine of its own.
func (s *server) spawn(c *net.TCPConn) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.serve(c)
	}()
}

// serve serves c with the serve hook or echo.
func (s *server) serve(c *net.TCPConn) {
	if s.h.serve != nil {
		s.h.serve(s, c)
		return
	}
	s.echo(c, nil)
}

func (s *server) track(c *net.TCPConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// drop forgets c and closes it. It may be called more than once.
func (s *server) drop(c *net.TCPConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// active is how many connections the server holds.
func (s *server) active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// echo is the protocol on one connection, correct unless a hook breaks it.
// first, if not empty, is data already read from c (by a sniffing accept
// loop) to echo before anything else.
func (s *server) echo(c *net.TCPConn, first []byte) {
	h := s.h
	buf := make([]byte, bufferSize)
	if h.buffer != nil {
		buf = h.buffer()
	}
	if len(first) > 0 {
		if !s.send(c, s.upper(first, len(first))) {
			return
		}
	}
	for {
		var n int
		var err error
		if h.read != nil {
			n, err = h.read(s, c, buf)
		} else {
			n, err = c.Read(buf)
		}
		if n > 0 && !s.send(c, s.upper(buf, n)) {
			return
		}
		if err == nil {
			continue
		}
		switch {
		case errors.Is(err, io.EOF) && h.eof != nil:
			h.eof(s, c)
		case errors.Is(err, io.EOF):
			// Every byte read has been echoed: answer FIN with FIN.
			c.CloseWrite()
			s.drop(c)
		case h.readFailed != nil:
			h.readFailed(s, c, err)
		default:
			s.drop(c) // reset, or Close: this connection is over
		}
		return
	}
}

// upper returns the echo of buf[:n].
func (s *server) upper(buf []byte, n int) []byte {
	if s.h.transform != nil {
		return s.h.transform(buf, n)
	}
	engine.Upper(buf[:n])
	return buf[:n]
}

// send writes b whole; on failure it drops c and returns false.
func (s *server) send(c *net.TCPConn, b []byte) bool {
	var err error
	if s.h.write != nil {
		err = s.h.write(s, c, b)
	} else {
		_, err = c.Write(b)
	}
	if err == nil {
		return true
	}
	if s.h.writeFailed != nil {
		s.h.writeFailed(err)
	}
	s.drop(c) // reset or broken pipe: this connection is over
	return false
}

// finish ends a connection whose read returned err, as the correct
// skeleton does: after the client's FIN (every byte read has been
// echoed) half-close, then drop; after any other error, drop.
func (s *server) finish(c *net.TCPConn, err error) {
	if errors.Is(err, io.EOF) {
		c.CloseWrite()
	}
	s.drop(c)
}
