package faulty

// FAULTY ON PURPOSE: the limiter is correct; the max-conns servers built on
// it each get one thing wrong.

import (
	"net"
	"sync"
)

// limiter counts the connections a max-conns server is serving.
type limiter struct {
	mu      sync.Mutex
	cond    *sync.Cond
	serving int
	max     int
	// full reports whether no more may be served; nil is serving >= max.
	full func(serving, max int) bool
}

// withLimit returns a start hook that gives the server a limiter of max.
func withLimit(max int, full func(serving, max int) bool) func(s *server) {
	return func(s *server) {
		l := &limiter{max: max, full: full}
		l.cond = sync.NewCond(&l.mu)
		s.limit = l
		go func() { // wake waiters when the server closes
			<-s.quit
			l.mu.Lock()
			l.cond.Broadcast()
			l.mu.Unlock()
		}()
	}
}

func (l *limiter) isFull() bool {
	if l.full != nil {
		return l.full(l.serving, l.max)
	}
	return l.serving >= l.max
}

// acquire waits for room to serve one more connection; false if the
// server closed meanwhile.
func (s *server) acquire() bool {
	l := s.limit
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.isFull() && !s.closing() {
		l.cond.Wait()
	}
	if s.closing() {
		return false
	}
	l.serving++
	return true
}

// tryAcquire takes room for one more connection if there is some.
func (s *server) tryAcquire() bool {
	l := s.limit
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isFull() {
		return false
	}
	l.serving++
	return true
}

func (s *server) release() {
	l := s.limit
	l.mu.Lock()
	l.serving--
	l.cond.Signal()
	l.mu.Unlock()
}

// waitForRoom is the correct max-conns dispatch: at the limit the accept
// loop waits, so further connections wait (accepted or in the backlog)
// instead of failing.
func waitForRoom(s *server, c *net.TCPConn) {
	if !s.acquire() {
		s.drop(c)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.release()
		s.serve(c)
	}()
}
