package faulty

// FAULTY ON PURPOSE: the output ring buffer forgets the second copy when a
// chunk wraps around its end.

import (
	"sync"

	"github.com/echospec/echospec/spec"
)

// ringSize is the output ring of the ring-wrap server: "300 KB", more than
// most exchanges of the suite, less than its long streams.
const ringSize = 300_000

func init() { register(ringWrap) }

func ringWrap() Bug {
	return withEngine(Bug{
		Name:     "ring-wrap",
		Category: spec.CatPartialWrite,
		Defect:   "queues echo in a 300 KB ring buffer per connection whose push copies only up to the ring's end when a chunk wraps, leaving stale bytes where the rest belonged",
		Models:   "ring-buffer wrap-around bug (one copy where two are needed); streams shorter than the ring never show it",
		Aims:     catches(spec.WrongByte, "W3"),
		Catches:  catches(spec.WrongByte, "E4", "E4p", "E5", "E5p"),
	}, skeleton(hooks{serve: pipe(pipeOpts{newQueue: func() queue { return newRing(ringSize, placeNoWrap) }})}))
}

// ring is a byte ring buffer used as a pipe queue, correct but for place,
// which puts a pushed chunk into buf: where each ring server's defect is.
type ring struct {
	mu             sync.Mutex
	cond           *sync.Cond
	buf            []byte
	r, n           int    // read position, bytes held
	pushed         uint64 // bytes pushed in all
	closed, failed bool
	place          func(q *ring, b []byte)
}

func newRing(size int, place func(q *ring, b []byte)) *ring {
	q := &ring{buf: make([]byte, size), place: place}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// placeNoWrap is ring-wrap's place.
func placeNoWrap(q *ring, b []byte) {
	w := (q.r + q.n) % len(q.buf)
	copy(q.buf[w:], b) // BUG: past the end, b[len(q.buf)-w:] belongs at q.buf[0:]
}

func (q *ring) push(b []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.buf)-q.n < len(b) && !q.failed {
		q.cond.Wait()
	}
	if q.failed {
		return false
	}
	q.place(q, b)
	q.pushed += uint64(len(b))
	q.n += len(b)
	q.cond.Broadcast()
	return true
}

func (q *ring) pop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n == 0 && !q.closed && !q.failed {
		q.cond.Wait()
	}
	if q.failed || q.n == 0 {
		return nil, false
	}
	end := min(q.r+q.n, len(q.buf))
	out := append([]byte(nil), q.buf[q.r:end]...)
	q.r = end % len(q.buf)
	q.n -= len(out)
	q.cond.Broadcast()
	return out, true
}

func (q *ring) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *ring) fail() {
	q.mu.Lock()
	q.failed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}
