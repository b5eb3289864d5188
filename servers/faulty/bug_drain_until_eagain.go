package faulty

// FAULTY ON PURPOSE: serves a readable connection until its input runs
// dry, while every other connection waits.

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

const (
	// turnBudget is how long the drain-until-eagain server's loop stays
	// with one connection at most: 250 ms, where 250 µs was meant.
	turnBudget = 250 * time.Millisecond
	// hotWait is how long the loop waits for more input from a connection
	// whose last read filled its buffer, before it moves on.
	hotWait = time.Millisecond
	// slowWait is how long the loop waits for a connection's output to
	// drain before it parks the connection and moves on.
	slowWait = 5 * time.Millisecond
)

// turns is the drain-until-eagain server's "event loop": connections take
// turns on it, in the order they became ready.
var turns fifoTurns

// fifoTurns hands one turn at a time to its callers, first come, first
// served.
type fifoTurns struct {
	mu      sync.Mutex
	busy    bool
	waiting []chan struct{}
}

func (t *fifoTurns) take() {
	t.mu.Lock()
	if !t.busy {
		t.busy = true
		t.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	t.waiting = append(t.waiting, ch)
	t.mu.Unlock()
	<-ch
}

func (t *fifoTurns) give() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.waiting) == 0 {
		t.busy = false
		return
	}
	close(t.waiting[0])
	t.waiting = t.waiting[1:]
}

func init() { register(drainUntilEAGAIN) }

func drainUntilEAGAIN() Bug {
	return withEngine(Bug{
		Name:     "drain-until-eagain",
		Category: spec.CatSlowClient,
		Defect: "serves ready connections in turn from one loop, and stays with a readable connection until a read would block (EAGAIN; a connection whose last read filled the buffer gets 1 ms more, and output that would block 5 ms), " +
			"with a per-turn budget of 250 ms where 250 µs was meant: a client streaming at full speed keeps its socket full and holds the loop for 250 ms at a time, while every other connection waits its turn; " +
			"output still blocked after 5 ms is waited for outside the loop, so a client that stops reading stalls nobody",
		Models: "the event-loop fairness bug: \"drain until EAGAIN\" on one ready connection (edge-triggered epoll without a real read budget) starves the others behind a fast sender",
		Aims:   catches(spec.Timing, "S11"),
	}, skeleton(hooks{serve: serveDraining}))
}

func serveDraining(s *server, c *net.TCPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		s.drop(c)
		return
	}
	buf := make([]byte, bufferSize)
	for {
		n, err := c.Read(buf) // wait until readable, outside the loop
		turns.take()
		began := time.Now()
		for n > 0 {
			engine.Upper(buf[:n])
			rest, werr := writeNonblocking(rc, buf[:n])
			if werr != nil {
				turns.give()
				s.drop(c)
				return
			}
			if len(rest) > 0 { // output would block: give the client a moment
				c.SetWriteDeadline(time.Now().Add(slowWait))
				m, werr := c.Write(rest)
				c.SetWriteDeadline(time.Time{})
				if werr != nil && !errors.Is(werr, os.ErrDeadlineExceeded) {
					turns.give()
					s.drop(c)
					return
				}
				rest = rest[m:]
			}
			if len(rest) > 0 { // the client is slow: wait for it outside the loop
				turns.give()
				if _, werr := c.Write(rest); werr != nil {
					s.drop(c)
					return
				}
				turns.take()
				began = time.Now()
			}
			if time.Since(began) >= turnBudget { // BUG: 250 µs was meant
				turns.give()
				turns.take()
				began = time.Now()
			}
			// BUG: with a budget that never ends a turn, the loop goes on
			// with this connection until EAGAIN.
			full := n == len(buf)
			n, err = readNonblocking(rc, buf)
			if n == 0 && err == nil && full {
				// A busy connection: its next bytes are surely on their
				// way, so wait a moment for them rather than go round the
				// loop.
				n, err = readWithin(hotWait)(s, c, buf)
				c.SetReadDeadline(time.Time{})
				if errors.Is(err, os.ErrDeadlineExceeded) {
					err = nil
				}
			}
		}
		turns.give()
		if err == nil {
			continue // EAGAIN: wait for more
		}
		if errors.Is(err, io.EOF) {
			c.CloseWrite()
		}
		s.drop(c)
		return
	}
}

// readNonblocking reads once without waiting: 0, nil if nothing is there
// (EAGAIN), 0, io.EOF at the client's FIN.
func readNonblocking(rc syscall.RawConn, buf []byte) (int, error) {
	var n int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		n, rerr = syscall.Read(int(fd), buf)
		return true
	})
	switch {
	case err != nil:
		return 0, err
	case errors.Is(rerr, syscall.EAGAIN):
		return 0, nil
	case rerr != nil:
		return 0, rerr
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// writeNonblocking writes as much of b as the socket takes without
// waiting, and returns the rest.
func writeNonblocking(rc syscall.RawConn, b []byte) ([]byte, error) {
	var werr error
	err := rc.Write(func(fd uintptr) bool {
		for len(b) > 0 {
			n, e := syscall.Write(int(fd), b)
			if errors.Is(e, syscall.EINTR) {
				continue
			}
			if errors.Is(e, syscall.EAGAIN) {
				return true
			}
			if e != nil {
				werr = e
				return true
			}
			b = b[n:]
		}
		return true
	})
	if err != nil {
		return b, err
	}
	return b, werr
}
