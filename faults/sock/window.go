package sock

import (
	"net"
	"sync"
	"time"
)

// WindowWatch samples a connection's TCP_INFO every millisecond until
// Stop and adds up how long a condition held: the proof, from the
// client's side, that a fault or a load was in place.
type WindowWatch struct {
	stop  chan struct{}
	done  sync.WaitGroup
	held  time.Duration
	total time.Duration
	err   error
}

// WatchWindow watches whether c's receive queue is full (at least full
// bytes unread): then the window c advertises is (nearly) closed, and a
// server with more to send meets a full send buffer — short writes or
// EAGAIN. It is the proof that the server's writes were forced short.
func WatchWindow(c net.Conn, full int) *WindowWatch {
	return Watch(c, func(i Info) bool { return i.Queued >= full })
}

// WatchBacklog watches whether c has bytes written and not yet sent: on
// loopback, where every segment sent is acknowledged at once, that means
// the peer's receive window is closed — the peer has a full receive
// queue of unread input. It is the proof that a client writes faster
// than the server reads.
func WatchBacklog(c net.Conn) *WindowWatch {
	return Watch(c, func(i Info) bool { return i.NotSent > 0 })
}

// Watch samples c's TCP_INFO every millisecond until Stop and adds up
// how long cond held.
func Watch(c net.Conn, cond func(Info) bool) *WindowWatch {
	w := &WindowWatch{stop: make(chan struct{})}
	w.done.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-w.stop:
				return
			case now := <-tick.C:
				info, err := TCPInfo(c)
				if err != nil {
					w.err = err
					return
				}
				if cond(info) {
					w.held += now.Sub(last)
				}
				w.total += now.Sub(last)
				last = now
			}
		}
	})
	return w
}

// Stop ends the sampling and returns how long the condition was seen to
// hold.
func (w *WindowWatch) Stop() (time.Duration, error) {
	close(w.stop)
	w.done.Wait()
	return w.held, w.err
}

// Watched is how long the watch sampled (after Stop).
func (w *WindowWatch) Watched() time.Duration { return w.total }
