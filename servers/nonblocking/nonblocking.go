//go:build linux

// Package nonblocking is the plain non-blocking model: O_NONBLOCK sockets
// and one loop that, on every pass, tries accept on the listener, read on
// every connection that may read and write on every connection with echo
// pending, learning readiness only from EAGAIN.
//
// What blocks: nothing, ever; so the loop spins a core even when every
// connection is idle (declared busy-idle), yielding to the Go scheduler
// once per pass. What scales: badly — a pass costs one syscall per socket
// whether it has data or not, so latency and wasted CPU grow with idle
// connections. Per connection: one fd, a small struct and at most 64 KiB of
// pending echo (loop.Bound); a client that stops reading is not read from.
// Limits: one thread; with N connections each pass is N failed reads.
package nonblocking

import (
	"runtime"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/loop"
)

// Engine returns the busy-polling non-blocking engine.
func Engine() engine.Engine {
	return engine.Func("nonblocking",
		"non-blocking sockets polled in turn by one busy loop (accept, read, write until EAGAIN)",
		engine.Profile{BusyIdle: true, Reason: "polls every socket with non-blocking syscalls in a loop that never sleeps: it has no readiness mechanism to block in"},
		Start)
}

// Start listens on addr and serves until Close.
func Start(addr string) (engine.Server, error) {
	return loop.Start(addr, loop.Config{Name: "nonblocking engine", NewPoller: NewPoller})
}

// Poller is the absence of a readiness mechanism: it reports every watched
// fd as ready for whatever is wanted of it, and the loop's syscalls find
// out with EAGAIN whether it really was.
type Poller struct {
	in  []loop.Interest // by fd
	pos []int           // by fd: index in fds, plus one (0: not watched)
	fds []int
}

// NewPoller returns a busy-polling Poller.
func NewPoller() (loop.Poller, error) { return &Poller{}, nil }

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

// Wait never waits: it yields the processor to other goroutines, then
// reports every fd as ready for its interest.
func (p *Poller) Wait(evs []loop.Event, _ int) ([]loop.Event, error) {
	runtime.Gosched()
	for _, fd := range p.fds {
		if in := p.in[fd]; in != 0 {
			evs = append(evs, loop.Event{Fd: fd, Ready: in})
		}
	}
	return evs, nil
}

// Close does nothing: the poller holds no fd.
func (p *Poller) Close() error { return nil }
