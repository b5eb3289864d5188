//go:build linux

// Package loop is the event loop shared by the non-blocking engines
// (nonblocking, select, poll, epoll, epoll-et). It holds everything they
// have in common — the listener(s), accepting, the per-connection state
// machine, the wake-up for Close, the shutdown — so that an engine is only
// its readiness mechanism, a Poller.
//
// Each loop runs on its own locked OS thread and owns its connections
// outright: no locks on the data path. Per connection the server holds a
// small struct plus at most Bound (64 KiB) of pending output; reads go
// through one 64 KiB scratch buffer per loop. Close wakes every loop through
// an eventfd they all watch, waits for the loops and their threads to end,
// and closes every fd.
package loop

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/osthread"
	"github.com/echospec/echospec/servers/internal/rawsock"
)

// Config describes one engine to Start.
type Config struct {
	// Name prefixes errors, e.g. "epoll engine".
	Name string
	// Loops is the number of event loops, each on its own OS thread; 0
	// means 1. With more than one, each loop gets its own SO_REUSEPORT
	// listener on the same port and the kernel spreads connections.
	Loops int
	// Edge selects edge-triggered bookkeeping: readiness is remembered
	// until EAGAIN, and a connection whose budget ran out goes on a ready
	// list instead of waiting for the poller to report it again.
	Edge bool
	// Budget is the reads (of up to 64 KiB) one connection gets per
	// wake-up, so that one busy connection cannot starve the others; 0
	// means 1 when level-triggered and 4 when edge-triggered.
	Budget int
	// MaxConns caps the connections each loop serves at once; 0 means no
	// cap. At the cap the loop stops accepting, so further connections
	// wait in the listen backlog instead of failing. A Placer poller
	// lowers the cap to its Slots.
	MaxConns int
	// NewPoller makes one loop's readiness mechanism.
	NewPoller func() (Poller, error)
}

// acceptBatch bounds the connections accepted per wake-up, so that a flood
// of connects cannot starve established connections.
const acceptBatch = 64

// acceptBackoff is how long a loop stops accepting after an accept error
// that a retry cannot fix at once (EMFILE, ENFILE, ENOBUFS, ENOMEM). The
// pending connections wait in the backlog meanwhile.
const acceptBackoff = 50 * time.Millisecond

// acceptConn accepts one non-blocking connection; tests replace it.
var acceptConn = rawsock.Accept

// Server is a running loop engine.
type Server struct {
	addr     string
	wake     int // eventfd every loop watches; written once, by Close
	lfds     []int
	loops    []*loop
	wg       sync.WaitGroup
	stopping atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

// loop is one event loop. Everything in it belongs to its thread.
type loop struct {
	srv    *Server
	cfg    *Config
	poller Poller
	placer Placer // poller, when it places connections; else nil
	max    int    // most connections at once; 0: no cap
	lfd    int
	budget int
	tid    int

	conns   []*conn // by fd
	live    int
	scratch []byte
	free    [][]byte // Bound-sized buffers for pending output
	evs     []Event

	ready, spare []*conn // edge-triggered: connections with work left

	lrd      bool      // the listener may have connections to accept
	acceptOn bool      // the listener is watched (not paused)
	resumeAt time.Time // accepting is paused until then (zero: not by time)

	err error // first poller error, reported by Close
}

// Start listens on addr and serves with cfg's loops until Close. It
// returns once the listener(s) accept connections. Everything — eventfd,
// pollers, loop threads — is in place before listen(2), so that a client
// that sees the port accept sees the server as it will stay.
func Start(addr string, cfg Config) (engine.Server, error) {
	if cfg.Loops < 1 {
		cfg.Loops = 1
	}
	if cfg.Budget < 1 {
		cfg.Budget = 1
		if cfg.Edge {
			cfg.Budget = 4
		}
	}
	s := &Server{wake: -1}
	fail := func(err error) (engine.Server, error) {
		for _, l := range s.loops {
			l.poller.Close()
		}
		for _, fd := range s.lfds {
			unix.Close(fd)
		}
		if s.wake >= 0 {
			unix.Close(s.wake)
		}
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fail(fmt.Errorf("eventfd: %w", err))
	}
	s.wake = wake
	sockOpts := rawsock.Options{NonBlock: true, ReusePort: cfg.Loops > 1}
	bind := addr
	for i := 0; i < cfg.Loops; i++ {
		lfd, bound, err := rawsock.Bind(bind, sockOpts)
		if err != nil {
			return fail(err)
		}
		s.lfds = append(s.lfds, lfd)
		if i == 0 {
			s.addr, bind = bound, bound // the others share the real port
		}
		p, err := cfg.NewPoller()
		if err != nil {
			return fail(fmt.Errorf("poller: %w", err))
		}
		l := &loop{
			srv: s, cfg: &cfg, poller: p, lfd: lfd, budget: cfg.Budget, max: cfg.MaxConns,
			scratch: make([]byte, scratchSize), evs: make([]Event, 0, 256),
			lrd: true, acceptOn: true,
		}
		s.loops = append(s.loops, l)
		if pl, ok := p.(Placer); ok {
			l.placer = pl
			if l.max == 0 || pl.Slots() < l.max {
				l.max = pl.Slots()
			}
			if l.max == 0 {
				return fail(fmt.Errorf("no fd number the poller can watch is free for connections"))
			}
		}
		if err := p.Add(wake, Read); err != nil {
			return fail(fmt.Errorf("watch eventfd %d: %w", wake, err))
		}
		if err := p.Add(lfd, Read); err != nil {
			return fail(fmt.Errorf("watch listener fd %d: %w", lfd, err))
		}
	}
	// The loops lock their threads, then wait for the listeners.
	started := make(chan struct{}, len(s.loops))
	listening := make(chan struct{})
	for _, l := range s.loops {
		s.wg.Add(1)
		go l.run(started, listening)
	}
	for range s.loops {
		<-started
	}
	for _, lfd := range s.lfds {
		if err := rawsock.StartListening(lfd, sockOpts); err != nil {
			s.stopping.Store(true)
			close(listening)
			s.wg.Wait() // each loop closes its poller
			for _, l := range s.loops {
				waitThreadGone(l.tid)
			}
			s.loops = nil
			return fail(fmt.Errorf("listen %s: %w", s.addr, err))
		}
	}
	close(listening)
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// Close stops every loop, closes every connection, listener and the
// eventfd, and returns once the loops' goroutines and threads have ended.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.stopping.Store(true)
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		for {
			if _, err := unix.Write(s.wake, one[:]); err != unix.EINTR {
				break
			}
		}
		s.wg.Wait()
		var errs []error
		for _, l := range s.loops {
			if l.err != nil {
				errs = append(errs, l.err)
			}
		}
		for _, fd := range s.lfds {
			if err := unix.Close(fd); err != nil {
				errs = append(errs, fmt.Errorf("close listener: %w", err))
			}
		}
		if err := unix.Close(s.wake); err != nil {
			errs = append(errs, fmt.Errorf("close eventfd: %w", err))
		}
		for _, l := range s.loops {
			waitThreadGone(l.tid)
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// waitThreadGone waits, briefly (a second at most), until the thread tid
// has exited. A loop's goroutine ends still locked to its thread, so the
// runtime ends the thread rather than keeping it; this waits for the kernel
// to see that.
func waitThreadGone(tid int) { osthread.WaitExit(time.Now().Add(time.Second), tid) }

func (l *loop) run(started chan<- struct{}, listening <-chan struct{}) {
	defer l.srv.wg.Done()
	// Never unlocked: when run returns, the runtime ends the thread.
	runtime.LockOSThread()
	l.tid = unix.Gettid()
	started <- struct{}{}
	defer l.shutdown()
	<-listening
	idler, _ := l.poller.(Idler)
	for !l.srv.stopping.Load() {
		evs, err := l.poller.Wait(l.evs[:0], l.timeout())
		l.evs = evs[:0]
		if err != nil && err != unix.EINTR {
			// Not expected (EBADF, EINVAL, ENOMEM); keep serving but do
			// not spin on it.
			if l.err == nil {
				l.err = fmt.Errorf("%s wait: %w", l.cfg.Name, err)
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		live, moved := l.live, false
		for _, ev := range evs {
			switch {
			case ev.Fd == l.srv.wake:
				// Only Close writes it; the loop condition sees stopping.
			case ev.Fd == l.lfd:
				l.lrd = true
			default:
				moved = l.dispatchNoting(ev, idler != nil) || moved
			}
		}
		if l.cfg.Edge {
			l.runReady()
		}
		l.acceptReady()
		if idler != nil {
			idler.Progress(moved || l.live != live)
		}
	}
}

// dispatch hands one connection's readiness to its state machine.
func (l *loop) dispatch(ev Event) {
	if ev.Fd < 0 || ev.Fd >= len(l.conns) {
		return
	}
	c := l.conns[ev.Fd]
	if c == nil {
		return
	}
	if l.cfg.Edge {
		// Remember readiness until EAGAIN; serve from the ready list so
		// each connection gets one budget per round.
		c.rd = c.rd || ev.Ready&Read != 0
		c.wr = c.wr || ev.Ready&Write != 0
		l.enqueue(c)
		return
	}
	// Level-triggered: what this round reported is what is known. With
	// nothing pending the socket is very likely writable, so echo is sent
	// straight away; with output pending, Write is watched and reported.
	c.rd = ev.Ready&Read != 0
	c.wr = ev.Ready&Write != 0 || c.pending() == 0
	l.service(c)
}

func (l *loop) enqueue(c *conn) {
	if !c.queued {
		c.queued = true
		l.ready = append(l.ready, c)
	}
}

// runReady serves every connection on the ready list once. Connections
// that still have work go back on the list for the next round, after the
// poller has been asked (without waiting) for new events.
func (l *loop) runReady() {
	work := l.ready
	l.ready = l.spare[:0]
	for _, c := range work {
		c.queued = false
		if c.closed {
			continue
		}
		l.service(c)
		if c.hasMore() {
			l.enqueue(c)
		}
	}
	clear(work)
	l.spare = work[:0]
}

// timeout is how long the next Wait may block.
func (l *loop) timeout() int {
	if l.cfg.Edge && (len(l.ready) > 0 || (l.acceptOn && l.lrd)) {
		return 0
	}
	if !l.acceptOn && !l.resumeAt.IsZero() {
		d := time.Until(l.resumeAt)
		if d <= 0 {
			return 0
		}
		return int((d + time.Millisecond - 1) / time.Millisecond)
	}
	return -1
}

// acceptReady resumes a paused listener when it may, and accepts when the
// listener is ready.
func (l *loop) acceptReady() {
	if !l.acceptOn {
		if !l.resumeAt.IsZero() && time.Now().Before(l.resumeAt) {
			return
		}
		if l.full() {
			return
		}
		l.resumeAt = time.Time{}
		l.acceptOn = true
		l.lrd = true // an edge may have passed while paused: just try
		if err := l.poller.Modify(l.lfd, Read); err != nil && l.err == nil {
			l.err = fmt.Errorf("%s watch listener: %w", l.cfg.Name, err)
		}
	}
	if !l.lrd {
		return
	}
	l.acceptSome()
	if !l.cfg.Edge {
		l.lrd = false // the poller says again if more are waiting
	}
}

func (l *loop) full() bool { return l.max > 0 && l.live >= l.max }

// pauseAccept stops watching the listener: until resumeAt if it is set,
// else until a connection closes.
func (l *loop) pauseAccept(resumeAt time.Time) {
	l.resumeAt = resumeAt
	if l.acceptOn {
		l.acceptOn = false
		l.poller.Modify(l.lfd, 0)
	}
}

// acceptSome accepts up to acceptBatch connections. No accept error ends
// the server: the ones a retry fixes are retried, the others pause
// accepting for acceptBackoff, leaving connections in the backlog.
func (l *loop) acceptSome() {
	for range acceptBatch {
		if l.full() {
			l.pauseAccept(time.Time{})
			return
		}
		fd, err := acceptConn(l.lfd, true)
		switch err {
		case nil:
			l.add(fd)
		case unix.EAGAIN:
			l.lrd = false
			return
		case unix.ECONNABORTED, unix.EPROTO, unix.EPERM, unix.ENETDOWN, unix.ENOPROTOOPT,
			unix.EHOSTDOWN, unix.ENONET, unix.EHOSTUNREACH, unix.EOPNOTSUPP, unix.ENETUNREACH:
			// The connection died in the queue (accept(2) passes pending
			// network errors on): take the next one.
		default: // EMFILE, ENFILE, ENOBUFS, ENOMEM
			l.pauseAccept(time.Now().Add(acceptBackoff))
			return
		}
	}
}

// add starts serving a freshly accepted connection, or refuses it at once
// when the poller cannot watch it.
func (l *loop) add(fd int) {
	// Echo latency should not wait for Nagle; Go's net does the same.
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if l.placer != nil {
		nfd, err := l.placer.Place(fd)
		if err != nil {
			unix.Close(fd)
			return
		}
		fd = nfd
	}
	if err := l.poller.Add(fd, Read); err != nil {
		l.closeFd(fd)
		return
	}
	for fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*conn, len(l.conns)+64)...)
	}
	l.conns[fd] = &conn{fd: fd, in: Read}
	l.live++
}

// shutdown closes every connection and the poller; the Server closes the
// listeners and the eventfd once every loop is done with them.
func (l *loop) shutdown() {
	for _, c := range l.conns {
		if c != nil {
			l.drop(c)
		}
	}
	if err := l.poller.Close(); err != nil && l.err == nil {
		l.err = fmt.Errorf("%s close poller: %w", l.cfg.Name, err)
	}
}
