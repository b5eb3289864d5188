package faulty

// FAULTY ON PURPOSE: small echoes wait for a 20 ms flush timer.

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

const (
	// flushDelay is how long the flush-timer-20ms server lets output wait
	// for more before it writes it.
	flushDelay = 20 * time.Millisecond
	// flushAt is how much pending output is written at once, without
	// waiting for the timer.
	flushAt = 64 << 10
)

func init() { register(flushTimer20ms) }

func flushTimer20ms() Bug {
	return withEngine(Bug{
		Name:     "flush-timer-20ms",
		Category: spec.CatSlowClient,
		Defect:   "batches its output to save syscalls: echo is appended to a per-connection buffer that is written when 64 KiB have piled up or 20 ms after its first byte, so every small message waits 20 ms (bulk transfers are unaffected)",
		Models:   "a timer-driven flush (write batching, a Nagle-like coalescing delay, a flush ticker) on a request/response protocol: a fixed delay added to every small message",
		Aims:     catches(spec.Timing, "S10"),
	}, skeleton(hooks{serve: serveBatched}))
}

// batch is a connection's pending output.
type batch struct {
	c       *net.TCPConn
	wmu     sync.Mutex // held while taking and writing, so writes keep their order
	mu      sync.Mutex
	pending []byte
	failed  bool
	kick    chan struct{} // the first byte of a batch is pending
}

// flush writes everything pending.
func (b *batch) flush() error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	out := b.pending
	b.pending = nil
	failed := b.failed
	b.mu.Unlock()
	if failed {
		return net.ErrClosed
	}
	if len(out) == 0 {
		return nil
	}
	if _, err := b.c.Write(out); err != nil {
		b.mu.Lock()
		b.failed = true
		b.mu.Unlock()
		return err
	}
	return nil
}

// add appends echo, and says how much is pending.
func (b *batch) add(p []byte) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == 0 {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	b.pending = append(b.pending, p...)
	return len(b.pending)
}

func serveBatched(s *server, c *net.TCPConn) {
	b := &batch{c: c, kick: make(chan struct{}, 1)}
	done := make(chan struct{})
	flusherDone := make(chan struct{})
	go func() { // the flush timer
		defer close(flusherDone)
		for {
			select {
			case <-b.kick:
			case <-done:
				return
			}
			select {
			case <-time.After(flushDelay): // BUG: a small message waits here for more that never comes
			case <-done:
				return
			}
			if b.flush() != nil {
				c.Close() // wakes the reader
				return
			}
		}
	}()
	defer func() {
		close(done)
		<-flusherDone
	}()
	buf := make([]byte, bufferSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			engine.Upper(buf[:n])
			if b.add(buf[:n]) >= flushAt && b.flush() != nil {
				s.drop(c)
				return
			}
		}
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) && b.flush() == nil {
			c.CloseWrite()
		}
		s.drop(c)
		return
	}
}
