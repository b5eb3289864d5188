package faulty

// FAULTY ON PURPOSE: the pipe is correct with a boundedQueue and
// closeAtEOF false; the faulty servers built on it change one of them.

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/echospec/echospec/servers/engine"
)

// queue carries echo from a connection's reader goroutine to its writer
// goroutine.
type queue interface {
	// push hands b over (the queue owns it now); it may block while the
	// queue is full. It returns false once the writer has failed.
	push(b []byte) bool
	// pop returns the next echo to write, blocking while there is none;
	// false once the queue is closed and empty, or the writer failed.
	pop() ([]byte, bool)
	// close says no more will be pushed.
	close()
	// fail says the writer has given up: push and pop return false.
	fail()
}

// pipeOpts shape a pipe.
type pipeOpts struct {
	// newQueue makes a connection's queue.
	newQueue func() queue
	// coalesce, when set, makes the writer wait that long after the first
	// echo it finds before it writes, and then write everything queued in
	// one go: fewer, larger writes.
	coalesce time.Duration
	// closeAtEOF closes the connection as soon as the reader sees the
	// client's FIN, instead of letting the writer finish first.
	closeAtEOF bool
}

// pipe returns a serve hook that runs each connection as a reader
// goroutine and a writer goroutine with a queue between them: the reader
// reads, uppercases and pushes; the writer pops and writes. With a bounded
// queue the reader blocks when the writer cannot keep up (backpressure);
// at EOF the reader closes the queue, waits for the writer to write the
// rest, then half-closes and closes.
func pipe(o pipeOpts) func(s *server, c *net.TCPConn) {
	return func(s *server, c *net.TCPConn) {
		q := o.newQueue()
		writerDone := make(chan struct{})
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer close(writerDone)
			s.pipeWriter(c, q, o.coalesce)
		}()
		eof := false
		for {
			buf := make([]byte, bufferSize)
			n, err := c.Read(buf)
			if n > 0 {
				engine.Upper(buf[:n])
				if !q.push(buf[:n]) {
					break // the writer failed: the connection is broken
				}
			}
			if err != nil {
				eof = errors.Is(err, io.EOF)
				break
			}
		}
		if eof && o.closeAtEOF {
			s.drop(c)
			q.close()
			<-writerDone
			return
		}
		if eof {
			q.close()
		} else {
			q.fail() // reset: nothing more can reach the client
		}
		<-writerDone
		if eof {
			c.CloseWrite()
		}
		s.drop(c)
	}
}

func (s *server) pipeWriter(c *net.TCPConn, q queue, coalesce time.Duration) {
	for {
		b, ok := q.pop()
		if !ok {
			return
		}
		if tp, can := q.(interface{ tryPop() ([]byte, bool) }); can && coalesce > 0 {
			time.Sleep(coalesce)
			for {
				more, ok := tp.tryPop()
				if !ok {
					break
				}
				b = append(b, more...)
			}
		}
		if _, err := c.Write(b); err != nil {
			q.fail()
			s.drop(c) // wakes the reader if it is blocked in Read
			return
		}
	}
}

// chunkQueue is a queue of echo chunks. With max > 0 it holds at most max
// chunks and push waits for room (correct); max == 0 is unbounded.
// dropOldest makes a full queue drop its oldest chunk instead of waiting.
type chunkQueue struct {
	mu         sync.Mutex
	cond       *sync.Cond
	items      [][]byte
	max        int
	dropOldest bool
	closed     bool
	failed     bool
}

func newChunkQueue(max int, dropOldest bool) *chunkQueue {
	q := &chunkQueue{max: max, dropOldest: dropOldest}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// boundedQueue is the correct queue: four chunks at most, push waits.
func boundedQueue() queue { return newChunkQueue(4, false) }

func (q *chunkQueue) push(b []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.max > 0 && len(q.items) >= q.max && !q.failed {
		if q.dropOldest {
			q.items = q.items[1:]
			break
		}
		q.cond.Wait()
	}
	if q.failed {
		return false
	}
	q.items = append(q.items, b)
	q.cond.Broadcast()
	return true
}

func (q *chunkQueue) pop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed && !q.failed {
		q.cond.Wait()
	}
	return q.take()
}

func (q *chunkQueue) tryPop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.take()
}

func (q *chunkQueue) take() ([]byte, bool) {
	if q.failed || len(q.items) == 0 {
		return nil, false
	}
	b := q.items[0]
	q.items[0] = nil
	q.items = q.items[1:]
	q.cond.Broadcast()
	return b, true
}

func (q *chunkQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *chunkQueue) fail() {
	q.mu.Lock()
	q.failed = true
	q.items = nil
	q.cond.Broadcast()
	q.mu.Unlock()
}
