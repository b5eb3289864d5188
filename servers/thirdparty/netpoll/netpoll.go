//go:build darwin || freebsd || linux

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/echospec/echospec/servers/engine"
)

const (
	// shutdownTimeout is the graceful-shutdown deadline of netpoll's guide.
	shutdownTimeout = 5 * time.Second
	// startTimeout bounds how long Start waits for the first echo.
	startTimeout = 10 * time.Second
	// retryShutdown is how often Close repeats Shutdown until Serve returns.
	retryShutdown = 20 * time.Millisecond
	// echoChunk is the most echo takes from the input in one call.
	echoChunk = 1 << 20
)

// Engine returns the netpoll engine.
func Engine() engine.Engine {
	return engine.Func("netpoll",
		"third-party: cloudwego netpoll, shared epoll/kqueue pollers handing ready connections to pooled goroutines",
		engine.Profile{}, Start)
}

// Server is a running netpoll event loop.
type Server struct {
	evl  netpoll.EventLoop
	addr string

	done     chan struct{} // closed when EventLoop.Serve has returned
	serveErr error         // Serve's result, valid after done

	once     sync.Once
	closeErr error
}

// Start listens on addr and runs EventLoop.Serve on it. It returns once a
// byte has come back through it (engine.Echoes): Serve has registered the
// listener with netpoll's poller, so a Close that follows at once meets a
// running server. Before, a Close right after Start (as the suite's
// preflight does: start, connect once, stop) failed once in 7,604 with
// Serve's "bad file descriptor"; after, 0 in 9,000 (three loops of 3,000
// at a load average of 4). Why netpoll ends that way was not found.
func Start(addr string) (engine.Server, error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := netpoll.CreateListener("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("netpoll engine: %w", err)
	}
	evl, err := netpoll.NewEventLoop(echo)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("netpoll engine: %w", err)
	}
	s := &Server{evl: evl, addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.serveErr = evl.Serve(ln)
	}()
	if err := engine.Echoes(s.addr, time.Now().Add(startTimeout)); err != nil {
		return nil, errors.Join(fmt.Errorf("netpoll engine: start: %w", err), s.Close())
	}
	return s, nil
}

// echo is the OnRequest handler: netpoll calls it while the connection has
// unread input (again and again, until it has all been read). Next returns
// netpoll's own buffer, valid until Release, so the echo is uppercased in
// the output buffer Malloc returns.
//
// netpoll goes on calling it after it has closed the connection (the
// peer's FIN or RST), as long as input is left (connection_onevent.go
// onProcess: "onRequest must be executed at least once if conn have any
// readable data"), and that input can be hundreds of MiB: the poller reads
// without bound (F3) while the handler waits in Flush for a client that
// does not read. Its echo can never be sent (Flush of a closed connection
// fails at once with ErrConnClosed), so echo drops it instead of copying
// and uppercasing it for nothing; and it takes at most echoChunk a call,
// so that it sees the close after one chunk at most. Before (issue 19),
// that futile work (up to 266 MB a connection in R5) took seconds, on a
// loaded machine over half a minute, and kept the connection busy past
// Shutdown's deadline. Nothing on the wire changes.
func echo(_ context.Context, c netpoll.Connection) error {
	r, w := c.Reader(), c.Writer()
	defer r.Release()
	if !c.IsActive() {
		return r.Skip(r.Len())
	}
	in, err := r.Next(min(r.Len(), echoChunk))
	if err != nil {
		return err
	}
	out, err := w.Malloc(len(in))
	if err != nil {
		return err
	}
	copy(out, in)
	engine.Upper(out)
	return w.Flush()
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// Close shuts the event loop down with EventLoop.Shutdown and waits for
// Serve to return. Shutdown closes the listener and every idle connection
// and waits, polling, for busy ones (a handler still running, or input or
// output left) until its deadline; connections busy past it are left open,
// and Close reports it. Once its peer has gone, a connection's handler has
// at most one echoChunk left to echo (see echo), milliseconds even on a
// loaded machine, so a connection still busy after shutdownTimeout has a
// handler that does not finish: one waiting in Flush for a client that is
// still connected and does not read, or worse.
//
// Shutdown does nothing if Serve has not yet registered the server (a Close
// right after Start), so Close repeats it until Serve returns.
//
// Not the server's and not ended by Close: netpoll's pollers and gopool
// workers are process-wide; they start with the first netpoll server and
// live as long as the process (gopool workers end when idle).
func (s *Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		var err error
		for {
			if e := s.evl.Shutdown(ctx); e != nil {
				err = e
			}
			select {
			case <-s.done:
			case <-time.After(retryShutdown):
				if ctx.Err() == nil {
					continue
				}
				err = errors.Join(err, errors.New("Serve still running"))
			}
			break
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("connections still busy after %v are left open: %w", shutdownTimeout, err)
		}
		if err == nil {
			err = s.serveErr
		}
		if err != nil {
			s.closeErr = fmt.Errorf("netpoll engine: shutdown: %w", err)
		}
	})
	return s.closeErr
}
