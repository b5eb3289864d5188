//go:build linux

// Package blocking is the classic thread-per-connection model: blocking
// sockets through raw system calls (no net package, no netpoller), one OS
// thread per connection, created on accept and ended on close (a goroutine
// locked with runtime.LockOSThread that exits locked), and one more locked
// thread blocked in accept.
//
// What blocks: a thread blocks in read, then in write until the whole echo is
// out, so a client that stops reading stops being read from: backpressure
// needs no code. Cost per connection: a kernel thread (clone, kernel and g0
// stacks, a scheduler entry) and one BufferSize (16 KiB) buffer, the most
// echo held for it in user space. What scales: nothing is shared, so it is
// simple and fair, but threads are costly to create and each idle connection
// pins one. Limits: the Go runtime aborts a process past 10 000 threads, so at
// most MaxConns connections are served at once (declared in the Profile);
// more wait in the listen backlog until a thread ends.
package blocking

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/rawsock"
)

// BufferSize is the per-connection read buffer, and so the most echo one
// connection holds in the server at once.
const BufferSize = 16 << 10

// MaxConns is the most connections served at once, each on its own thread.
// It stays well under the Go runtime's limit of 10 000 OS threads per
// process (debug.SetMaxThreads), past which the runtime aborts the process.
const MaxConns = 4096

// Engine returns the thread-per-connection engine.
func Engine() engine.Engine {
	return engine.Func("blocking",
		"blocking IO: raw blocking sockets, one OS thread per connection",
		engine.Profile{
			MaxConns: MaxConns,
			Reason: fmt.Sprintf("one OS thread per connection; the Go runtime aborts a process past 10000 threads, "+
				"so connections beyond %d wait in the listen backlog until a thread ends", MaxConns),
		},
		Start)
}

// Server is a running thread-per-connection engine.
type Server struct {
	lfd    int
	addr   string
	conns  *Conns
	accept Threads

	once     sync.Once
	closeErr error
}

// Start listens on addr (loopback only) and serves until Close. It returns
// once the accept thread is running.
func Start(addr string) (engine.Server, error) {
	lfd, bound, err := rawsock.Listen(addr, rawsock.Options{})
	if err != nil {
		return nil, fmt.Errorf("blocking engine: %w", err)
	}
	s := &Server{lfd: lfd, addr: bound, conns: NewConns(MaxConns)}
	ready := make(chan struct{})
	s.accept.Go(func() {
		close(ready)
		s.conns.AcceptLoop(lfd)
	})
	<-ready
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// Close stops accepting, wakes and ends every connection thread, waits until
// every thread has exited, and only then closes the listening socket.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.conns.Shutdown()
		// shutdown(2) on a listening socket stops it listening and wakes the
		// thread blocked in accept (EINVAL). The fd itself is closed only
		// once that thread is gone, so it can never be reused under it.
		err := unix.Shutdown(s.lfd, unix.SHUT_RDWR)
		s.accept.Wait()
		s.conns.Wait()
		s.closeErr = errors.Join(err, unix.Close(s.lfd))
	})
	return s.closeErr
}

// ServeConn echoes on fd, a connected blocking TCP socket, until the client's
// EOF or an error, using buf (any size > 0) as the only buffer. Every byte
// read is written back, transformed by engine.Upper, before the next read.
// On EOF all echo is therefore out: ServeConn half-closes (shutdown SHUT_WR,
// a FIN) and returns nil. On an error (reset, broken pipe, or the server's
// own shutdown of fd) it returns the error. The caller closes fd.
func ServeConn(fd int, buf []byte) error {
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil && err != unix.ENOTCONN {
				return err
			}
			return nil
		}
		engine.Upper(buf[:n])
		if err := WriteAll(fd, buf[:n]); err != nil {
			return err
		}
	}
}

// WriteAll writes all of p to the blocking socket fd, looping over short
// writes. MSG_NOSIGNAL turns a write to a reset peer into EPIPE instead of
// a SIGPIPE.
func WriteAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := unix.SendmsgN(fd, p, nil, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}
