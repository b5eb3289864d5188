//go:build linux

package blocking

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/internal/rawsock"
)

// Conns serves connections thread-per-connection: each one accepted by
// AcceptLoop gets its own locked OS thread running ServeConn, with a
// BufferSize buffer, and at most max are served at once. It is shared by
// this engine and by the prefork workers.
type Conns struct {
	slots   chan struct{} // one token per connection being served
	done    chan struct{} // closed by Shutdown
	threads Threads

	mu     sync.Mutex
	fds    map[int]struct{} // connections whose thread may still use the fd
	closed bool
}

// NewConns returns an empty set serving at most max connections at once.
func NewConns(max int) *Conns {
	return &Conns{
		slots: make(chan struct{}, max),
		done:  make(chan struct{}),
		fds:   map[int]struct{}{},
	}
}

// AcceptLoop accepts on the blocking listening socket lfd and serves each
// connection on a new thread, until Shutdown. It runs on the calling
// goroutine, which should be locked to its own thread (Threads.Go). When max
// connections are being served it stops accepting until one ends. After
// Shutdown, a thread blocked in accept returns only when the listening
// socket is shut down (or the process exits).
func (c *Conns) AcceptLoop(lfd int) {
	AcceptLoop(lfd, c.done, c.slots, c.serve)
}

// serve owns fd and the slot token taken for it.
func (c *Conns) serve(fd int) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		unix.Close(fd)
		<-c.slots
		return
	}
	c.fds[fd] = struct{}{}
	c.mu.Unlock()
	c.threads.Go(func() {
		defer func() {
			// Forget fd before closing it: after this, Shutdown cannot touch
			// it, so a reuse of the number cannot be shut down by mistake.
			c.mu.Lock()
			delete(c.fds, fd)
			c.mu.Unlock()
			unix.Close(fd)
			<-c.slots
		}()
		ServeConn(fd, make([]byte, BufferSize))
	})
}

// Shutdown refuses new connections and wakes every connection thread with
// shutdown(SHUT_RDWR) on its socket (a blocked read returns EOF, a blocked
// write EPIPE). The threads close their own fds. Shutdown is idempotent.
func (c *Conns) Shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	close(c.done)
	for fd := range c.fds {
		unix.Shutdown(fd, unix.SHUT_RDWR)
	}
}

// Wait waits until every connection thread has ended.
func (c *Conns) Wait() { c.threads.Wait() }

// AcceptLoop accepts on the blocking listening socket lfd until done is
// closed, handing each new connection (blocking, close-on-exec) to handle,
// which owns it from then on. If slots is not nil a token is put into it
// before each accept, so at most cap(slots) connections are held: handle
// owns the token too and must take it back out when the connection is over.
//
// Errors never end the loop before done is closed: network errors the
// kernel passes on from a dying connection (ECONNABORTED, EPROTO, ...) are
// retried at once, exhaustion (EMFILE, ENFILE, ENOBUFS, ENOMEM) and anything
// else after a growing pause, leaving the connection in the backlog until
// resources come back. A thread blocked in accept is woken by
// shutdown(lfd, SHUT_RDWR) (EINVAL), after which the loop sees done.
func AcceptLoop(lfd int, done <-chan struct{}, slots chan struct{}, handle func(fd int)) {
	var pause time.Duration
	for {
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
		}
		fd, err := rawsock.Accept(lfd, false)
		if err == nil {
			pause = 0
			handle(fd)
			continue
		}
		if slots != nil {
			<-slots
		}
		select {
		case <-done:
			return
		default:
		}
		switch err {
		case unix.ECONNABORTED, unix.EAGAIN, unix.EPERM, unix.EPROTO,
			unix.ENETDOWN, unix.ENOPROTOOPT, unix.EHOSTDOWN, unix.ENONET,
			unix.EHOSTUNREACH, unix.EOPNOTSUPP, unix.ENETUNREACH:
			continue
		}
		pause = min(max(2*pause, 5*time.Millisecond), time.Second)
		t := time.NewTimer(pause)
		select {
		case <-done:
			t.Stop()
			return
		case <-t.C:
		}
	}
}
