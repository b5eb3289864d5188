//go:build linux

package loop

import (
	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
)

// Bound is the most echo one connection holds in the server: output read
// and transformed but not yet accepted by the kernel. A connection with
// Bound bytes pending is not read from until some of it is written, so a
// client that stops reading is stopped being read from (backpressure).
const Bound = 64 << 10

// scratchSize is the per-loop read buffer. Reads land here, are
// transformed and sent straight from it; only what the kernel does not take
// is copied into the connection's pending buffer.
const scratchSize = 64 << 10

// conn is the state of one connection. It is the same in every engine;
// only the readiness that drives it comes from different mechanisms.
//
// The life of a connection: read → Upper → send; what send does not take
// is kept, in order, as pending output. Reading stops while Bound bytes are
// pending and resumes when the client drains them. On EOF the pending
// output is flushed, then SHUT_WR and close: the client sees every byte and
// then a FIN. A reset or EPIPE closes the connection quietly.
type conn struct {
	fd int

	// out[head:] is the pending output. out is nil when nothing is
	// pending: its Bound-sized buffer goes back to the loop's free list, so
	// an idle connection costs only this struct.
	out  []byte
	head int

	// rd and wr are what is known about the socket's readiness. A
	// level-triggered loop sets them from each round's events; an
	// edge-triggered one keeps them until EAGAIN proves them stale.
	rd, wr bool

	eof    bool     // the client's FIN was read
	closed bool     // the fd is closed; the struct may still sit on the ready list
	queued bool     // on the loop's ready list (edge-triggered)
	in     Interest // interest last given to the poller
}

func (c *conn) pending() int { return len(c.out) - c.head }

// wantRead reports whether the connection may be read from: not after EOF,
// and not while its pending output is at the bound.
func (c *conn) wantRead() bool { return !c.eof && c.pending() < Bound }

// interest is what a level-triggered poller must watch for c.
func (c *conn) interest() Interest {
	var in Interest
	if c.wantRead() {
		in |= Read
	}
	if c.pending() > 0 {
		in |= Write
	}
	return in
}

// hasMore reports whether c could make progress now without waiting for
// readiness: it is readable and was left unread because its budget ran
// out. Only meaningful in edge-triggered mode.
func (c *conn) hasMore() bool {
	return !c.closed && ((c.rd && c.wantRead()) || (c.wr && c.pending() > 0))
}

// service runs c's state machine as far as its known readiness and the
// loop's per-wake-up budget allow; it closes c when it is finished.
func (l *loop) service(c *conn) {
	if c.wr && c.pending() > 0 && !l.flush(c) {
		l.drop(c)
		return
	}
	for reads := 0; c.rd && c.wantRead() && reads < l.budget; {
		room := min(len(l.scratch), Bound-c.pending())
		n, err := unix.Read(c.fd, l.scratch[:room])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			c.rd = false
		case err != nil: // ECONNRESET, ETIMEDOUT, ...: over, quietly
			l.drop(c)
			return
		case n == 0:
			c.eof, c.rd = true, false
		default:
			reads++
			p := l.scratch[:n]
			engine.Upper(p)
			if !l.echo(c, p) {
				l.drop(c)
				return
			}
		}
	}
	if c.eof && c.pending() == 0 {
		// Everything read has been echoed: answer the FIN with a FIN.
		// Nothing is left unread, so close sends no RST.
		unix.Shutdown(c.fd, unix.SHUT_WR)
		l.drop(c)
		return
	}
	l.watch(c, c.interest())
}

// echo sends p after whatever is pending, keeping what the kernel does not
// take. It reports false when the connection is broken.
func (l *loop) echo(c *conn, p []byte) bool {
	if c.pending() == 0 && c.wr {
		n, ok := l.send(c, p)
		if !ok {
			return false
		}
		p = p[n:]
	}
	if len(p) > 0 {
		l.keep(c, p)
		if c.wr {
			return l.flush(c)
		}
	}
	return true
}

// flush sends pending output until it is gone or the socket is full.
func (l *loop) flush(c *conn) bool {
	n, ok := l.send(c, c.out[c.head:])
	c.head += n
	if c.pending() == 0 && c.out != nil {
		l.putBuf(c.out)
		c.out, c.head = nil, 0
	}
	return ok
}

// send writes p until it is all sent or the socket is full (then c.wr
// becomes false). MSG_NOSIGNAL turns a write to a reset connection into
// EPIPE instead of SIGPIPE. It returns the bytes sent and false when the
// connection is broken.
func (l *loop) send(c *conn, p []byte) (int, bool) {
	sent := 0
	for len(p) > 0 {
		n, err := unix.SendmsgN(c.fd, p, nil, nil, unix.MSG_NOSIGNAL)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			c.wr = false
			return sent, true
		case err != nil: // EPIPE, ECONNRESET
			return sent, false
		}
		sent += n
		p = p[n:]
	}
	return sent, true
}

// keep appends p to c's pending output. The caller never reads more than
// Bound-pending bytes, so it always fits.
func (l *loop) keep(c *conn, p []byte) {
	if c.out == nil {
		c.out, c.head = l.getBuf(), 0
	}
	if len(c.out)+len(p) > cap(c.out) {
		n := copy(c.out, c.out[c.head:])
		c.out, c.head = c.out[:n], 0
	}
	if len(c.out)+len(p) > cap(c.out) {
		panic("loop: pending output over its bound")
	}
	c.out = append(c.out, p...)
}

func (l *loop) getBuf() []byte {
	if n := len(l.free); n > 0 {
		b := l.free[n-1]
		l.free = l.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, Bound)
}

// maxFree caps the loop's free list, so a burst of slow clients does not
// pin its buffers for ever.
const maxFree = 32

func (l *loop) putBuf(b []byte) {
	if len(l.free) < maxFree {
		l.free = append(l.free, b[:0])
	}
}

// watch gives the poller c's interest if it changed.
func (l *loop) watch(c *conn, in Interest) {
	if in == c.in {
		return
	}
	c.in = in
	if err := l.poller.Modify(c.fd, in); err != nil {
		l.drop(c)
	}
}

// drop closes c and forgets it.
func (l *loop) drop(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	l.poller.Remove(c.fd)
	l.closeFd(c.fd)
	l.conns[c.fd] = nil
	if c.out != nil {
		l.putBuf(c.out)
		c.out, c.head = nil, 0
	}
	l.live--
}

// closeFd closes a connection's fd, or gives it back to the placer.
func (l *loop) closeFd(fd int) {
	if l.placer != nil {
		l.placer.Release(fd)
		return
	}
	unix.Close(fd)
}
