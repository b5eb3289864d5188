// Package goroutine is the coroutine model: Go's net package with one
// goroutine per connection, multiplexed by the runtime's netpoller (epoll on
// Linux) onto a few OS threads.
//
// What blocks: each goroutine blocks in Read, then in Write until the whole
// echo is out; the netpoller parks it without holding a thread. What scales:
// connections cost a goroutine (a few KiB of stack) plus one 16 KiB buffer,
// so tens of thousands are cheap. Backpressure is natural: a goroutine whose
// Write blocks on a client that does not read stops reading from it, so the
// memory per connection is bounded by the buffer. After the client's FIN the
// pending echo is already written (Write returns only when done), so the
// goroutine half-closes and closes with FIN. Limits: scheduling and the
// netpoller add latency per wake-up, and a goroutine per connection is
// memory that an event loop would not spend.
package goroutine

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/echospec/echospec/servers/engine"
)

// BufferSize is the per-connection read buffer, and so the most echo a
// connection holds in the server at once.
const BufferSize = 16 << 10

// Engine returns the goroutine-per-connection engine.
func Engine() engine.Engine {
	return engine.Func("goroutine", "coroutines: Go net, one goroutine per connection on the runtime netpoller", engine.Profile{}, Start)
}

// Server is a running goroutine engine.
type Server struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
}

// Start listens on addr, a loopback HOST:PORT or a Unix socket's
// "unix:PATH" (engine.Listen), and serves until Close.
func Start(addr string) (engine.Server, error) {
	ln, err := engine.Listen(addr)
	if err != nil {
		return nil, fmt.Errorf("goroutine engine: %w", err)
	}
	s := &Server{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return engine.ListenerAddr(s.ln) }

// Close stops accepting, closes every connection and waits for every
// goroutine to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.done = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Errors such as EMFILE must not end the server, and retrying
			// at once would spin: back off as net/http does, 5 ms
			// doubling to 1 s.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	buf := make([]byte, BufferSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			engine.Upper(buf[:n])
			if _, werr := c.Write(buf[:n]); werr != nil {
				return // reset or broken pipe: this connection is over
			}
		}
		if err != nil {
			// EOF: every byte read has been echoed; answer FIN with FIN.
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
	}
}
