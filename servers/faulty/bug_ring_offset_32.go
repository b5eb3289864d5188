package faulty

// FAULTY ON PURPOSE: the output ring's write position comes from a 32-bit
// count of the bytes the connection has queued, which wraps at 2³².

import (
	"sync"

	"github.com/echospec/echospec/suites/spec"
)

// ring32Size is the output ring of the ring-offset-32 server: sized in
// bytes (1 MB), not a power of two, so that a count wrapped at 2³² lands
// on another position of the ring.
const ring32Size = 1_000_000

func ringOffset32() Bug {
	return withEngine(Bug{
		Name:     "ring-offset-32",
		Category: spec.CatEcho,
		Defect:   "queues echo in a 1 MB ring per connection whose write position is the bytes queued so far, counted in a uint32, modulo the ring's size: past 4 GiB on one connection the count wraps, the echo goes to the wrong place, and stale bytes are sent where it belonged",
		Models:   "a 32-bit byte count of a connection (offset, ring index, statistics counter) that wraps at 2³² (or turns negative at 2³¹): every stream shorter than gigabytes is exact",
		Aims:     catches("E14: wrong-byte"),
	}, skeleton(hooks{serve: pipe(pipeOpts{newQueue: func() queue { return newRing32(ring32Size) }})}))
}

// ring32 is a byte ring buffer used as a pipe queue, correct but for the
// width of its count of bytes pushed.
type ring32 struct {
	mu             sync.Mutex
	cond           *sync.Cond
	buf            []byte
	in             uint32 // BUG: bytes pushed in all, in 32 bits: wraps at 4 GiB
	out            int64  // bytes popped in all
	n              int    // bytes held
	closed, failed bool
}

func newRing32(size int) *ring32 {
	q := &ring32{buf: make([]byte, size)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *ring32) push(b []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.buf)-q.n < len(b) && !q.failed {
		q.cond.Wait()
	}
	if q.failed {
		return false
	}
	w := int(q.in % uint32(len(q.buf))) // BUG: right only while the count has not wrapped
	k := copy(q.buf[w:], b)
	copy(q.buf, b[k:])
	q.in += uint32(len(b))
	q.n += len(b)
	q.cond.Broadcast()
	return true
}

func (q *ring32) pop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n == 0 && !q.closed && !q.failed {
		q.cond.Wait()
	}
	if q.failed || q.n == 0 {
		return nil, false
	}
	r := int(q.out % int64(len(q.buf)))
	end := min(r+q.n, len(q.buf))
	out := append([]byte(nil), q.buf[r:end]...)
	q.out += int64(len(out))
	q.n -= len(out)
	q.cond.Broadcast()
	return out, true
}

func (q *ring32) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *ring32) fail() {
	q.mu.Lock()
	q.failed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}
