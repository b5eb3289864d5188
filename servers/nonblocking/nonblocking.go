//go:build linux

// Package nonblocking is the plain non-blocking model: O_NONBLOCK sockets
// and one loop that, on every pass, tries accept on the listener, read on
// every connection that may read and write on every connection with echo
// pending, learning readiness only from EAGAIN. It has no readiness
// mechanism: no select, poll or epoll.
//
// What blocks: nothing. But a pass that made no progress (every syscall
// met EAGAIN, or EMFILE on accept) is followed by a sleep that backs off:
// 20 µs, doubling to 1 ms while the loop was active in the last 25 ms, then
// on to 100 ms; the first pass that accepts, reads, writes or closes
// anything resets it. So an idle server, one whose only client stopped
// reading with echo pending, and one out of fds wake ten times a second,
// and a loaded server never sleeps. What scales: badly. A pass costs one
// syscall per socket whether it has data or not, so with N connections
// every pass is N failed reads (about a millisecond for a thousand); the
// idle sleep is then stretched to 200 passes' worth (250 ms at most), so
// that polling stays under 1/200 of a core whatever N is, and latency after
// an idle spell grows with N instead. Per connection: one fd, a small
// struct and at most 64 KiB of pending echo (loop.Bound); a client that
// stops reading is not read from. Limits: one thread for everything; Close
// waits out the current sleep. Latency: a message that arrives while the
// loop sleeps waits for the sleep to end. Because the sleep doubles, that
// wait is at most about as long as the silence before the message, and at
// most 1 ms within 25 ms of the last activity: back-to-back ping-pong pays
// tens of microseconds, a message after a long silence up to 100 ms (more
// with over a thousand idle connections).
package nonblocking

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/loop"
)

// Engine returns the non-blocking polling engine.
func Engine() engine.Engine {
	return engine.Func("nonblocking",
		"non-blocking sockets polled in turn by one loop (accept, read, write until EAGAIN) that sleeps with back-off after a pass without progress",
		engine.Profile{},
		Start)
}

// Start listens on addr and serves until Close.
func Start(addr string) (engine.Server, error) {
	return loop.Start(addr, loop.Config{Name: "nonblocking engine", NewPoller: NewPoller})
}

// The idle back-off. After a pass without progress the loop sleeps
// backoffMin, then twice as long after each further one, up to backoffCap
// while it was active within deepAfter, and up to deepCap once it has been
// idle longer: each wake-up costs a pass plus, on a loaded host, a wait for
// a CPU, so a long-idle loop must wake rarely. When an idle pass itself
// costs more than cap/passRatio (about a thousand connections), the cap is
// passRatio times that cost instead, so that the loop spends at most
// 1/(passRatio+1) of its time polling, up to backoffMax, which bounds the
// wait for Close and for a message.
const (
	backoffMin = 20 * time.Microsecond
	backoffCap = time.Millisecond
	deepAfter  = 25 * time.Millisecond
	deepCap    = 100 * time.Millisecond
	passRatio  = 200
	backoffMax = 250 * time.Millisecond
	// timerSlack is the loop thread's timer slack: the default 50 µs
	// would stretch the first back-off steps several times over.
	timerSlack = time.Microsecond
)

// Poller is the absence of a readiness mechanism: it reports every watched
// fd as ready for whatever is wanted of it, and the loop's syscalls find
// out with EAGAIN whether it really was. It is a loop.Idler: told of a
// pass without progress, its next Wait sleeps instead.
type Poller struct {
	in  []loop.Interest // by fd
	pos []int           // by fd: index in fds, plus one (0: not watched)
	fds []int

	idle      bool          // the last pass made no progress
	idleSince time.Time     // when the passes without progress began
	backoff   time.Duration // the last sleep; 0 after a pass with progress
	passAt    time.Time     // when the last Wait returned: the pass began
	lastPass  time.Duration // the idle pass before the last; 0: none
	slackSet  bool          // the loop thread's timer slack is lowered
}

// NewPoller returns a polling Poller.
func NewPoller() (loop.Poller, error) { return &Poller{}, nil }

var _ loop.Idler = (*Poller)(nil)

// Add watches fd.
func (p *Poller) Add(fd int, in loop.Interest) error {
	if fd < 0 {
		return loop.ErrUnwatchable
	}
	for fd >= len(p.in) {
		p.in = append(p.in, make([]loop.Interest, len(p.in)+64)...)
		p.pos = append(p.pos, make([]int, len(p.pos)+64)...)
	}
	p.fds = append(p.fds, fd)
	p.pos[fd] = len(p.fds)
	p.in[fd] = in
	return nil
}

// Modify changes what is tried on fd.
func (p *Poller) Modify(fd int, in loop.Interest) error {
	p.in[fd] = in
	return nil
}

// Remove forgets fd.
func (p *Poller) Remove(fd int) {
	i := p.pos[fd] - 1
	if i < 0 {
		return
	}
	last := p.fds[len(p.fds)-1]
	p.fds[i] = last
	p.pos[last] = i + 1
	p.fds = p.fds[:len(p.fds)-1]
	p.pos[fd], p.in[fd] = 0, 0
}

// Progress records whether the pass that just ended made progress.
func (p *Poller) Progress(made bool) { p.idle = !made }

// Wait does not wait for readiness: after a pass with progress it only
// yields the processor to other goroutines; after one without, it sleeps
// the back-off (never longer than timeoutMs, when that is set). Then it
// reports every fd as ready for its interest.
func (p *Poller) Wait(evs []loop.Event, timeoutMs int) ([]loop.Event, error) {
	if p.idle {
		p.pause(timeoutMs)
	} else {
		p.backoff, p.lastPass, p.idleSince = 0, 0, time.Time{}
		runtime.Gosched()
	}
	p.passAt = time.Now()
	for _, fd := range p.fds {
		if in := p.in[fd]; in != 0 {
			evs = append(evs, loop.Event{Fd: fd, Ready: in})
		}
	}
	return evs, nil
}

// pause sleeps the next back-off step after an idle pass.
func (p *Poller) pause(timeoutMs int) {
	now := time.Now()
	if p.idleSince.IsZero() {
		p.idleSince = now
	}
	pass := now.Sub(p.passAt)
	cost := pass // what an idle pass costs: the cheaper of the last two,
	if p.lastPass > 0 && p.lastPass < cost {
		cost = p.lastPass // so that one preempted pass does not count
	}
	p.lastPass = pass
	limit := backoffCap
	if now.Sub(p.idleSince) >= deepAfter {
		limit = deepCap
	}
	limit = min(max(limit, passRatio*cost), backoffMax)
	d := min(max(2*p.backoff, backoffMin), limit)
	p.backoff = d
	if timeoutMs >= 0 {
		d = min(d, time.Duration(timeoutMs)*time.Millisecond)
	}
	if d <= 0 {
		return
	}
	if d > backoffCap {
		// A long sleep parks the goroutine on a runtime timer. A raw
		// nanosleep would also do, but each one wakes the runtime's
		// sysmon thread (entering a syscall while it sleeps) and sets it
		// polling every 20 µs for a while: dozens of wake-ups for each of
		// the loop's, each of which waits for a CPU on a loaded host.
		time.Sleep(d)
		return
	}
	// A short one is a raw nanosleep, which blocks only this (locked)
	// thread: time.Sleep rounds anything under a millisecond up to the
	// runtime's millisecond netpoll timeout when the process is idle, and
	// hands the goroutine between threads. EINTR just makes this step
	// shorter.
	if !p.slackSet {
		// Wait runs on the loop's locked thread, which ends with the
		// loop, so the setting goes with it.
		unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(timerSlack), 0, 0, 0)
		p.slackSet = true
	}
	ts := unix.NsecToTimespec(int64(d))
	unix.Nanosleep(&ts, nil)
}

// Close does nothing: the poller holds no fd.
func (p *Poller) Close() error { return nil }
