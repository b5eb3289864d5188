// Package leaky is package myengine with one defect, the one echospec's
// process specs exist to catch: each connection's echo is queued in an
// unbounded buffer, written by a goroutine of its own, so the server
// keeps reading from a client that does not read its echo — and its
// memory grows with everything that client sends (S7, memory-growth).
// Every spec that looks at the echo alone passes.
package leaky

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
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	written := make(chan struct{})
	go func() { // the writer: drains the queue, however long it grows
		defer close(written)
		for {
			b, eof := q.take()
			if len(b) > 0 {
				if _, err := c.Write(b); err != nil {
					q.fail()
					return
				}
			}
			if eof {
				if tc, ok := c.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
				return
			}
		}
	}()
	for {
		buf := make([]byte, 32<<10)
		n, err := c.Read(buf)
		upper(buf[:n])
		// THE DEFECT: queue it and read on, whether or not the client
		// reads its echo. No bound, no backpressure.
		if !q.put(buf[:n], err != nil) || err != nil {
			break
		}
	}
	<-written
}

// queue is a connection's pending echo, without bound.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	bufs   [][]byte
	eof    bool
	failed bool
}

func (q *queue) put(b []byte, eof bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(b) > 0 {
		q.bufs = append(q.bufs, b)
	}
	q.eof = q.eof || eof
	q.cond.Signal()
	return !q.failed
}

func (q *queue) take() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.bufs) == 0 && !q.eof {
		q.cond.Wait()
	}
	if len(q.bufs) == 0 {
		return nil, true
	}
	b := q.bufs[0]
	q.bufs = q.bufs[1:]
	return b, false
}

func (q *queue) fail() {
	q.mu.Lock()
	q.failed = true
	q.mu.Unlock()
}

// upper turns ASCII a..z into A..Z in place.
func upper(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}
