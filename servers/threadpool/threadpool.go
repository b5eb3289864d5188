//go:build linux

// Package threadpool is the thread-pool model: a fixed pool of N OS threads
// (locked goroutines, DefaultThreads unless set) serving blocking sockets
// through raw system calls, fed by one accept thread through a bounded FIFO
// queue. Each pool thread takes one connection and serves it to completion
// (blocking.ServeConn: read, echo, half-close) before taking the next.
//
// What blocks: pool threads block in read and write; the accept thread
// blocks in accept, and stops accepting while N+QueueSize connections are
// held, leaving the rest in the kernel's listen backlog. What scales: threads
// are created once, not per connection, and memory is fixed: N buffers of
// blocking.BufferSize (16 KiB) in user space, the most echo held per served
// connection; backpressure is blocking writes. Limits: at most N connections
// are served at once (declared in the Profile); an idle client pins a thread,
// and later connections wait, in arrival order, until a thread frees up.
package threadpool

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/blocking"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/rawsock"
)

// DefaultThreads is the pool size of Engine.
const DefaultThreads = 16

// QueueSize is how many accepted connections may wait for a pool thread;
// beyond that they wait, unaccepted, in the listen backlog.
const QueueSize = 128

// Engine returns the thread-pool engine with DefaultThreads threads.
func Engine() engine.Engine { return New(DefaultThreads) }

// New returns a thread-pool engine with n pool threads (n ≥ 1).
func New(n int) engine.Engine {
	return engine.Func("threadpool",
		fmt.Sprintf("thread pool: raw blocking sockets, %d OS threads each serving one connection at a time from a bounded queue", n),
		engine.Profile{
			MaxConns: n,
			Reason: fmt.Sprintf("%d pool threads each serve one connection to completion; "+
				"more connections wait in the queue and listen backlog until a thread frees up", n),
		},
		func(addr string) (engine.Server, error) { return Start(addr, n) })
}

// Server is a running thread-pool engine.
type Server struct {
	lfd  int
	addr string

	done    chan struct{} // closed by Close
	slots   chan struct{} // a token per accepted connection not yet finished
	queue   chan int      // accepted connections waiting for a thread
	threads blocking.Threads

	mu     sync.Mutex
	active map[int]struct{} // connections a pool thread is serving
	closed bool

	once     sync.Once
	closeErr error
}

// Start listens on addr (loopback only) and serves with n pool threads until
// Close. It returns once the accept thread is running.
func Start(addr string, n int) (engine.Server, error) {
	if n < 1 {
		return nil, fmt.Errorf("threadpool engine: %d threads", n)
	}
	lfd, bound, err := rawsock.Listen(addr, rawsock.Options{})
	if err != nil {
		return nil, fmt.Errorf("threadpool engine: %w", err)
	}
	s := &Server{
		lfd:    lfd,
		addr:   bound,
		done:   make(chan struct{}),
		slots:  make(chan struct{}, n+QueueSize),
		queue:  make(chan int, n+QueueSize), // as many as tokens: a send never blocks
		active: map[int]struct{}{},
	}
	for range n {
		s.threads.Go(s.worker)
	}
	ready := make(chan struct{})
	s.threads.Go(func() {
		close(ready)
		blocking.AcceptLoop(lfd, s.done, s.slots, func(fd int) { s.queue <- fd })
	})
	<-ready
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

func (s *Server) worker() {
	buf := make([]byte, blocking.BufferSize)
	for {
		select {
		case <-s.done:
			return
		case fd := <-s.queue:
			s.serve(fd, buf)
		}
	}
}

// serve owns fd and its slot token.
func (s *Server) serve(fd int, buf []byte) {
	defer func() { <-s.slots }()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		unix.Close(fd)
		return
	}
	s.active[fd] = struct{}{}
	s.mu.Unlock()

	blocking.ServeConn(fd, buf)

	s.mu.Lock()
	delete(s.active, fd) // before close: Close must never shut down a reused fd
	s.mu.Unlock()
	unix.Close(fd)
}

// Close stops accepting, wakes the connections being served with
// shutdown(SHUT_RDWR), waits until every pool and accept thread has exited,
// then closes the connections still queued and the listening socket.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		for fd := range s.active {
			unix.Shutdown(fd, unix.SHUT_RDWR)
		}
		s.mu.Unlock()
		err := unix.Shutdown(s.lfd, unix.SHUT_RDWR) // wakes the accept thread
		s.threads.Wait()
		for len(s.queue) > 0 {
			unix.Close(<-s.queue)
		}
		s.closeErr = errors.Join(err, unix.Close(s.lfd))
	})
	return s.closeErr
}
