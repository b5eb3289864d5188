//go:build linux

package iouring

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
)

const (
	// Bound is the most unsent echo a connection holds: its buffer's
	// largest size. With Bound bytes pending no receive is posted.
	Bound = 64 << 10
	// smallBuf is a new connection's buffer; a receive that fills it
	// grows it to Bound.
	smallBuf = 4 << 10
)

// conn is one connection. Its buffer is a ring: the echo waiting to be
// sent is buf[head:tail] (indexes modulo len(buf)); a receive writes at
// tail into the free part, a send reads from head, both in place and never
// over each other. At most one receive and one send are in flight, so the
// echo leaves in the order it came.
type conn struct {
	fd         int
	slot, gen  uint32
	buf        []byte
	head, tail uint64

	posted   int // length of the receive in flight
	inflight int // requests of this connection whose completion is not in

	recving, sending bool
	eof              bool // the client's FIN was received
	dead             bool // finished or broken: closed once inflight is 0
	grow             bool // a receive filled the buffer: grow before the next
	nonempty         bool // the last receive said more data is waiting
}

func (c *conn) pending() int { return int(c.tail - c.head) }

// add starts serving a freshly accepted connection.
func (l *loop) add(fd int) {
	// Echo latency should not wait for Nagle; Go's net does the same.
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	counters.syscalls.Add(1)
	counters.conns.Add(1)
	var slot uint32
	if n := len(l.freeSlot); n > 0 {
		slot = l.freeSlot[n-1]
		l.freeSlot = l.freeSlot[:n-1]
	} else {
		slot = uint32(len(l.conns))
		l.conns = append(l.conns, nil)
	}
	l.gen++
	c := &conn{fd: fd, slot: slot, gen: l.gen & 0xffffff, buf: l.getBuf(smallBuf)}
	l.conns[slot] = c
	l.live++
	l.progress(c)
}

// progress posts what c can do next: a send of the oldest unsent echo, a
// receive into the free part of the buffer, or, after the FIN and the last
// send, the end.
func (l *loop) progress(c *conn) {
	if c.dead {
		return
	}
	size := uint64(len(c.buf))
	if p := c.pending(); p > 0 && !c.sending {
		start := c.head % size
		n := min(size-start, uint64(p))
		c.sending = true
		c.inflight++
		l.submit(sqe{opcode: opSend, fd: int32(c.fd), addr: uint64(uintptr(unsafe.Pointer(&c.buf[start]))),
			len: uint32(n), opFlags: unix.MSG_NOSIGNAL, userData: userData(kSend, c.gen, c.slot)})
	}
	if !c.eof && !c.recving {
		if c.pending() == 0 && !c.sending {
			c.head, c.tail = 0, 0 // the whole buffer is free again
		}
		if c.grow && !c.sending {
			l.growBuf(c)
			size = uint64(len(c.buf))
		}
		// Backpressure: with the buffer full (Bound pending at most), no
		// receive is posted until a send makes room.
		if free := size - uint64(c.pending()); free > 0 {
			start := c.tail % size
			n := min(size-start, free)
			e := sqe{opcode: opRecv, fd: int32(c.fd), addr: uint64(uintptr(unsafe.Pointer(&c.buf[start]))),
				len: uint32(n), userData: userData(kRecv, c.gen, c.slot)}
			if l.pollFirst && !c.nonempty {
				// Most likely nothing has arrived yet (the client waits
				// for its echo): skip the attempt that would fail.
				e.ioprio = recvsendPollFirst
			}
			c.recving = true
			c.posted = int(n)
			c.inflight++
			l.submit(e)
		}
	}
	if c.eof && c.pending() == 0 && !c.sending && !c.recving {
		// Everything received has been echoed: answer the FIN with a FIN.
		// Nothing is left unread, so close sends no RST.
		unix.Shutdown(c.fd, unix.SHUT_WR)
		counters.syscalls.Add(1)
		c.dead = true
		l.release(c)
	}
}

// received handles a receive's completion.
func (l *loop) received(c *conn, e cqe) {
	c.recving = false
	if c.dead {
		l.release(c)
		return
	}
	switch {
	case e.res == -int32(unix.EINTR) || e.res == -int32(unix.EAGAIN):
		// Try again.
	case e.res == -int32(unix.EINVAL) && l.pollFirst:
		l.pollFirst = false // a kernel before 5.19
	case e.res < 0: // ECONNRESET, ETIMEDOUT, ...: over, quietly
		l.kill(c)
		return
	case e.res == 0:
		c.eof = true
	default:
		n := uint64(e.res)
		start := c.tail % uint64(len(c.buf))
		engine.Upper(c.buf[start : start+n])
		c.tail += n
		c.nonempty = e.flags&cqeFSockNonempty != 0
		if int(n) == c.posted && len(c.buf) < Bound {
			c.grow = true
		}
	}
	l.progress(c)
}

// sent handles a send's completion: a short send leaves the unsent tail at
// head, and progress sends exactly that next.
func (l *loop) sent(c *conn, e cqe) {
	c.sending = false
	if c.dead {
		l.release(c)
		return
	}
	switch {
	case e.res == -int32(unix.EINTR) || e.res == -int32(unix.EAGAIN):
	case e.res < 0: // EPIPE, ECONNRESET
		l.kill(c)
		return
	default:
		c.head += uint64(e.res)
	}
	l.progress(c)
}

// kill ends c at once (a reset, an error, Close): its requests in flight
// are cancelled, and it is closed when their completions are all in.
func (l *loop) kill(c *conn) {
	if c.dead {
		return
	}
	c.dead = true
	if c.recving {
		l.cancel(c, kRecv)
	}
	if c.sending {
		l.cancel(c, kSend)
	}
	l.release(c)
}

func (l *loop) cancel(c *conn, kind uint8) {
	c.inflight++
	l.submit(sqe{opcode: opAsyncCancel, addr: userData(kind, c.gen, c.slot), userData: userData(kConnCancel, c.gen, c.slot)})
}

// release closes a dead connection and frees its buffer and slot, once no
// request of it is in flight: until then the kernel may still use them.
func (l *loop) release(c *conn) {
	if !c.dead || c.inflight > 0 || c.fd < 0 {
		return
	}
	unix.Close(c.fd)
	counters.syscalls.Add(1)
	c.fd = -1
	l.putBuf(c.buf)
	c.buf = nil
	l.conns[c.slot] = nil
	l.freeSlot = append(l.freeSlot, c.slot)
	l.live--
}

// growBuf moves c's pending echo into a Bound-sized buffer. Only with no
// request in flight on the old one.
func (l *loop) growBuf(c *conn) {
	c.grow = false
	if len(c.buf) >= Bound {
		return
	}
	nb := l.getBuf(Bound)
	size := uint64(len(c.buf))
	n := 0
	for i := c.head; i < c.tail; {
		start := i % size
		k := min(size-start, c.tail-i)
		n += copy(nb[n:], c.buf[start:start+k])
		i += k
	}
	l.putBuf(c.buf)
	c.buf, c.head, c.tail = nb, 0, uint64(n)
}

func (l *loop) getBuf(size int) []byte {
	list := &l.small
	if size == Bound {
		list = &l.big
	}
	if n := len(*list); n > 0 {
		b := (*list)[n-1]
		*list = (*list)[:n-1]
		return b
	}
	return make([]byte, size)
}

func (l *loop) putBuf(b []byte) {
	list := &l.small
	if len(b) == Bound {
		list = &l.big
	}
	if len(*list) < maxFree {
		*list = append(*list, b)
	}
}
