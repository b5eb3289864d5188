// Package myengine is an engine author's upper-echo server, deliberately
// simple: one goroutine per connection, reading into a 32 KiB buffer and
// writing the uppercased bytes back before it reads again — so a client
// that stops reading stops being read (backpressure: TCP's own windows
// hold the rest).
//
// Its tests are what an author writes to run echospec against it:
// myengine_suite_test.go in a Ginkgo suite, plain/ in a plain go test.
package myengine

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Server is a running echo server.
type Server struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves until
// Close.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops accepting, closes every connection and returns once every
// goroutine the server started has ended.
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

func (s *Server) accept() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of fds (EMFILE) and the like: the listener is still
			// good, but retrying at once would spin. Back off, 5 ms
			// doubling to 1 s.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.mu.Lock()
		if s.done { // Close ran since Accept returned
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			upper(buf[:n])
			// Write blocks while the client does not read: so does this
			// connection's next Read. That is the backpressure.
			if _, werr := c.Write(buf[:n]); werr != nil {
				return // reset or broken pipe: this connection is over
			}
		}
		if err != nil { // EOF: everything is echoed; answer FIN with FIN
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
	}
}

// upper turns ASCII a..z into A..Z in place.
func upper(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}
