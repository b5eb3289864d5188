//go:build linux

package loop

import "errors"

// Interest is what a loop wants to hear about one fd, and also what a
// Poller reports as ready.
type Interest uint8

const (
	// Read is interest in (or readiness for) reading or accepting.
	Read Interest = 1 << iota
	// Write is interest in (or readiness for) writing.
	Write
)

// Event is one fd a Poller found ready. Errors and hang-ups are reported
// as Read|Write: the next read or write on the fd surfaces the error, and
// the connection state machine handles it there, in one place.
type Event struct {
	Fd    int
	Ready Interest
}

// A Poller is an engine's readiness mechanism, the only thing in which the
// event-loop engines differ. A Poller belongs to one loop and is only ever
// used from that loop's thread (Close excepted, after the loop ended).
type Poller interface {
	// Add starts watching fd for in. An error means this poller cannot
	// watch fd at all (select: fd ≥ FD_SETSIZE); the loop then closes the
	// connection at once.
	Add(fd int, in Interest) error
	// Modify changes the interest of a watched fd. A level-triggered
	// poller must honour it; an edge-triggered one watches everything
	// from Add on and may ignore it.
	Modify(fd int, in Interest) error
	// Remove stops watching fd. The loop calls it just before closing fd.
	Remove(fd int)
	// Wait waits for readiness for at most timeoutMs milliseconds (-1:
	// without limit, 0: not at all), appends what is ready to evs and
	// returns it. A busy-polling poller may ignore the timeout.
	Wait(evs []Event, timeoutMs int) ([]Event, error)
	// Close releases the poller's own resources, such as an epoll fd.
	Close() error
}

// A Placer is a Poller that can watch only some fd numbers (select: those
// below FD_SETSIZE) and so keeps a reserve of them for its connections,
// whatever the rest of the process does with fds. The loop serves at most
// Slots connections at once and hands each accepted fd to Place; a
// connection's fd is given back with Release instead of being closed.
type Placer interface {
	Poller
	// Slots is how many connections can be placed at once.
	Slots() int
	// Place makes a just-accepted connection watchable: it returns fd
	// itself, or moves it onto a reserved number, closes fd and returns
	// that number. On error fd is left as it was, for the loop to close.
	Place(fd int) (int, error)
	// Release closes a connection fd that Place returned, keeping its
	// number in the reserve if it came from there.
	Release(fd int)
}

// ErrUnwatchable is returned by Poller.Add for an fd the mechanism cannot
// watch.
var ErrUnwatchable = errors.New("fd cannot be watched by this poller")

// An Idler is a Poller with no way to wait for readiness (the plain
// non-blocking model: its Wait reports every fd and returns at once), which
// therefore paces itself: the loop tells it after every pass whether the
// pass got anything done, and it sleeps in its next Wait after a pass that
// did not. Found by type assertion, like Placer.
type Idler interface {
	Poller
	// Progress is called at the end of every pass with whether the pass
	// made progress: accepted a connection, read data or an EOF, wrote a
	// byte, or ended a connection. A pass whose every syscall met EAGAIN
	// (or EMFILE on accept) made none.
	Progress(made bool)
}

// dispatchNoting dispatches ev and, when note is set, reports whether that
// made progress on its connection: the connection ended, its EOF was read,
// its pending output changed, or a read returned data. The last is seen
// from c.rd: a level-triggered pass reads until EAGAIN (which clears rd)
// or until the budget is spent, so rd still set after a read means the
// read returned data. It is exact with the level-triggered budget of one
// read per pass; with a bigger budget, a pass whose reads were all echoed
// at once before an EAGAIN counts as idle, which costs at most some
// back-off latency, never a lost byte.
func (l *loop) dispatchNoting(ev Event, note bool) bool {
	var c *conn
	if note && ev.Fd >= 0 && ev.Fd < len(l.conns) {
		c = l.conns[ev.Fd]
	}
	if c == nil {
		l.dispatch(ev)
		return false
	}
	eof, pending := c.eof, c.pending()
	l.dispatch(ev)
	return c.closed || c.eof != eof || c.pending() != pending || (c.rd && !l.cfg.Edge)
}
