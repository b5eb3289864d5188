package sock

import (
	"net"
	"sync"
	"time"
)

// WindowWatch samples, every millisecond until Stop, whether c's receive
// queue is full (at least full bytes unread): then the window c advertises
// is (nearly) closed, and a server with more to send meets a full send
// buffer — short writes or EAGAIN. It is the proof, from the client's
// side, that the server's writes were forced short.
type WindowWatch struct {
	stop   chan struct{}
	done   sync.WaitGroup
	closed time.Duration
	err    error
}

// WatchWindow starts sampling c.
func WatchWindow(c net.Conn, full int) *WindowWatch {
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
				if info.Queued >= full {
					w.closed += now.Sub(last)
				}
				last = now
			}
		}
	})
	return w
}

// Stop ends the sampling and returns how long the queue was seen full.
func (w *WindowWatch) Stop() (time.Duration, error) {
	close(w.stop)
	w.done.Wait()
	return w.closed, w.err
}
