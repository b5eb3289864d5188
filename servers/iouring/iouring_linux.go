//go:build linux

package iouring

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/osthread"
	"github.com/echospec/echospec/servers/internal/rawsock"
)

const (
	// sqEntries and cqEntries size each loop's rings. The CQ is larger:
	// every connection can have a receive and a send completing at once.
	sqEntries = 512
	cqEntries = 8192
	// acceptBackoff is how long a loop stops accepting after an accept
	// error a retry cannot fix at once (EMFILE, ENFILE, ENOBUFS, ENOMEM);
	// the connections wait in the backlog meanwhile.
	acceptBackoff = 50 * time.Millisecond
	// maxFree caps each loop's free lists of buffers.
	maxFree = 64
)

// Loops is the number of loops: one per core, at least 2.
func Loops() int { return max(runtime.NumCPU(), 2) }

// ioEngine is the engine; it implements engine.Checker.
type ioEngine struct{}

// Engine returns the io_uring engine.
func Engine() engine.Engine { return ioEngine{} }

func (ioEngine) Name() string { return "iouring" }
func (ioEngine) Model() string {
	return "io_uring completions, one ring and loop per core with SO_REUSEPORT listeners, multishot accept"
}
func (ioEngine) Profile() engine.Profile                  { return engine.Profile{} }
func (ioEngine) Available() error                         { return Available() }
func (ioEngine) Start(addr string) (engine.Server, error) { return Start(addr) }

// request kinds, in the top byte of a request's user_data. Connection
// requests carry the connection's slot and generation below it.
const (
	kAccept = iota + 1
	kWake
	kTimeout
	kCancel // cancels a loop-level request (accept, timeout)
	kNop
	kRecv
	kSend
	kConnCancel
)

func userData(kind uint8, gen uint32, slot uint32) uint64 {
	return uint64(kind)<<56 | uint64(gen&0xffffff)<<32 | uint64(slot)
}

func splitUserData(ud uint64) (kind uint8, gen uint32, slot uint32) {
	return uint8(ud >> 56), uint32(ud>>32) & 0xffffff, uint32(ud)
}

// Server is a running io_uring engine.
type Server struct {
	addr  string
	lfds  []int
	loops []*loop
	wg    sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Start listens on addr and serves until Close. It returns once the
// listeners accept connections: the rings, eventfds and loop threads are
// all in place before listen(2).
func Start(addr string) (engine.Server, error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return nil, fmt.Errorf("iouring engine: %w", err)
	}
	if err := Available(); err != nil {
		return nil, err
	}
	s := &Server{}
	n := Loops()
	// Listening sockets stay blocking: io_uring waits for readiness itself
	// (it arms a poll when a non-blocking attempt would block).
	sockOpts := rawsock.Options{ReusePort: n > 1}
	fail := func(err error) (engine.Server, error) {
		for _, l := range s.loops {
			if l.wake >= 0 {
				unix.Close(l.wake)
			}
		}
		for _, fd := range s.lfds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("iouring engine: %w", err)
	}
	bind := addr
	for i := 0; i < n; i++ {
		lfd, bound, err := rawsock.Bind(bind, sockOpts)
		if err != nil {
			return fail(err)
		}
		s.lfds = append(s.lfds, lfd)
		if i == 0 {
			s.addr, bind = bound, bound
		}
		wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			return fail(fmt.Errorf("eventfd: %w", err))
		}
		s.loops = append(s.loops, newLoop(s, lfd, wake))
	}
	// Each loop creates its ring on its own locked thread (single issuer).
	started := make(chan error, n)
	listening := make(chan bool)
	for _, l := range s.loops {
		s.wg.Add(1)
		go l.run(started, listening)
	}
	var errs []error
	for range s.loops {
		if err := <-started; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		for _, lfd := range s.lfds {
			if err := rawsock.StartListening(lfd, sockOpts); err != nil {
				errs = append(errs, fmt.Errorf("listen %s: %w", s.addr, err))
				break
			}
		}
	}
	if len(errs) > 0 {
		for range s.loops {
			listening <- false // the loops tear down without serving
		}
		s.wg.Wait()
		s.waitLoopThreads()
		return fail(errors.Join(errs...))
	}
	for range s.loops {
		listening <- true
	}
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// Close wakes every loop, which cancels and waits for all of its requests
// and closes its connections and ring; then the listeners and eventfds are
// closed and the loop threads waited for.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		for _, l := range s.loops {
			for {
				if _, err := unix.Write(l.wake, one[:]); err != unix.EINTR {
					break
				}
			}
		}
		s.wg.Wait()
		var errs []error
		for _, l := range s.loops {
			if l.err != nil {
				errs = append(errs, l.err)
			}
			if err := unix.Close(l.wake); err != nil {
				errs = append(errs, fmt.Errorf("close eventfd: %w", err))
			}
		}
		for _, fd := range s.lfds {
			if err := unix.Close(fd); err != nil {
				errs = append(errs, fmt.Errorf("close listener: %w", err))
			}
		}
		s.waitLoopThreads()
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// waitLoopThreads waits, briefly, until the loops' threads have exited: a
// loop's goroutine ends locked to its thread, so the runtime ends the
// thread.
func (s *Server) waitLoopThreads() {
	tids := make([]int, 0, len(s.loops))
	for _, l := range s.loops {
		if l.tid != 0 { // the loop never started
			tids = append(tids, l.tid)
		}
	}
	osthread.WaitExit(time.Now().Add(time.Second), tids...)
}

// loop is one ring and everything it serves. Everything in it belongs to
// its thread.
type loop struct {
	srv  *Server
	ring *ring
	lfd  int
	wake int // eventfd Close writes
	tid  int

	conns    []*conn  // by slot
	freeSlot []uint32 // free slots of conns
	live     int
	gen      uint32 // generation of the last connection, against stale completions
	inflight int    // requests queued or in the kernel, final completion not yet seen

	small, big [][]byte // free buffers

	stopping  bool
	multishot bool // multishot accept works here
	pollFirst bool // IORING_RECVSEND_POLL_FIRST works here
	acceptOn  bool // an accept request is in flight
	timerOn   bool // the accept backoff timer is in flight

	wakeBuf [8]byte
	ts      unix.Timespec // the backoff timer's duration; the kernel reads it

	err error // first unexpected error, reported by Close
}

func newLoop(s *Server, lfd, wake int) *loop {
	return &loop{srv: s, lfd: lfd, wake: wake, multishot: true, pollFirst: true}
}

func (l *loop) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

func (l *loop) run(started chan<- error, listening <-chan bool) {
	defer l.srv.wg.Done()
	// Never unlocked: when run returns, the runtime ends the thread.
	runtime.LockOSThread()
	l.tid = unix.Gettid()
	r, err := newRing(sqEntries, cqEntries, setupFlagSets)
	if err != nil {
		started <- err
		<-listening
		return
	}
	l.ring = r
	started <- nil
	if ok := <-listening; !ok {
		l.ring.close()
		return
	}
	l.armWake()
	l.armAccept()
	for !l.stopping || l.inflight > 0 {
		l.ring.fill()
		// Block only with nothing left to hand the kernel.
		if err := l.ring.enter(len(l.ring.backlog) == 0); err != nil {
			l.fail(err)
			time.Sleep(10 * time.Millisecond) // never spin on an unexpected error
		}
		before := l.ring.completed
		l.ring.reap(l.complete)
		if d := l.ring.dropped(); d > 0 {
			// Only without FEAT_NODROP, or when the kernel could not
			// allocate an overflow entry: the requests are lost.
			l.fail(fmt.Errorf("iouring engine: the kernel dropped %d completions", d))
		}
		publish(1, l.ring.completed-before)
	}
	l.shutdown()
}

// publish adds a loop iteration's work to the package counters.
func publish(enters, cqes uint64) {
	counters.enters.Add(enters)
	counters.cqes.Add(cqes)
}

// shutdown runs once every request has completed: every connection is
// already closed; the ring goes.
func (l *loop) shutdown() {
	for _, c := range l.conns {
		if c != nil && c.fd >= 0 {
			unix.Close(c.fd) // not reached: every connection was closed
		}
	}
	if err := l.ring.close(); err != nil {
		l.fail(err)
	}
}

// submit queues a request, counting it in flight.
func (l *loop) submit(e sqe) {
	l.inflight++
	counters.sqes.Add(1)
	l.ring.queue(e)
}

func (l *loop) armWake() {
	l.submit(sqe{opcode: opRead, fd: int32(l.wake), addr: uint64(uintptr(unsafe.Pointer(&l.wakeBuf[0]))),
		len: 8, off: ^uint64(0), userData: userData(kWake, 0, 0)})
}

func (l *loop) armAccept() {
	e := sqe{opcode: opAccept, fd: int32(l.lfd), opFlags: unix.SOCK_CLOEXEC, userData: userData(kAccept, 0, 0)}
	if l.multishot {
		e.ioprio = acceptMultishot
	}
	l.acceptOn = true
	l.submit(e)
}

func (l *loop) armTimer(d time.Duration) {
	l.ts = unix.NsecToTimespec(int64(d))
	l.timerOn = true
	l.submit(sqe{opcode: opTimeout, addr: uint64(uintptr(unsafe.Pointer(&l.ts))), len: 1, userData: userData(kTimeout, 0, 0)})
}

// complete handles one completion.
func (l *loop) complete(c cqe) {
	kind, gen, slot := splitUserData(c.userData)
	if kind != kAccept || c.flags&cqeFMore == 0 {
		l.inflight-- // the request's last completion
	}
	switch kind {
	case kWake:
		if c.res == -int32(unix.EINTR) || c.res == -int32(unix.EAGAIN) {
			if !l.stopping {
				l.armWake()
			}
			return
		}
		l.stop()
	case kAccept:
		l.accepted(c)
	case kTimeout:
		l.timerOn = false
		if !l.stopping {
			l.armAccept()
		}
	case kCancel, kNop:
	case kRecv, kSend, kConnCancel:
		if int(slot) >= len(l.conns) || l.conns[slot] == nil || l.conns[slot].gen != gen {
			l.fail(fmt.Errorf("iouring engine: completion for an unknown connection (slot %d)", slot))
			return
		}
		cn := l.conns[slot]
		cn.inflight--
		switch kind {
		case kRecv:
			l.received(cn, c)
		case kSend:
			l.sent(cn, c)
		default:
			l.release(cn)
		}
	}
}

// stop begins Close's work on this loop: cancel the accept and the timer,
// kill every connection; the loop ends when the last completion is in.
func (l *loop) stop() {
	l.stopping = true
	if l.acceptOn {
		l.submit(sqe{opcode: opAsyncCancel, addr: userData(kAccept, 0, 0), userData: userData(kCancel, 0, 0)})
	}
	if l.timerOn {
		l.submit(sqe{opcode: opAsyncCancel, addr: userData(kTimeout, 0, 0), userData: userData(kCancel, 0, 0)})
	}
	for _, c := range l.conns {
		if c != nil {
			l.kill(c)
		}
	}
}

// accepted handles an accept completion: a new connection, or an error.
func (l *loop) accepted(c cqe) {
	more := c.flags&cqeFMore != 0
	if !more {
		l.acceptOn = false
	}
	if c.res >= 0 {
		fd := int(c.res)
		if l.stopping {
			unix.Close(fd)
			counters.syscalls.Add(1)
		} else {
			l.add(fd)
		}
	} else {
		switch err := unix.Errno(-c.res); err {
		case unix.ECANCELED:
			return // Close
		case unix.EINVAL:
			if l.multishot {
				// A kernel before 5.19: one accept request per connection.
				l.multishot = false
				break
			}
			l.fail(fmt.Errorf("iouring engine: accept: %w", err))
			l.armTimer(acceptBackoff)
			return
		case unix.EINTR, unix.EAGAIN, unix.ECONNABORTED, unix.EPROTO, unix.EPERM, unix.ENETDOWN, unix.ENOPROTOOPT,
			unix.EHOSTDOWN, unix.ENONET, unix.EHOSTUNREACH, unix.EOPNOTSUPP, unix.ENETUNREACH:
			// The connection died in the queue: take the next one.
		default: // EMFILE, ENFILE, ENOBUFS, ENOMEM: wait, do not spin
			if !more {
				l.armTimer(acceptBackoff)
			}
			return
		}
	}
	if !more && !l.stopping {
		l.armAccept()
	}
}
