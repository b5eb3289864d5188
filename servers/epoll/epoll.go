//go:build linux

// Package epoll is the epoll(7) model in two engines, "epoll"
// (level-triggered) and "epoll-et" (edge-triggered). Both run one loop per
// core (runtime.NumCPU(), at least 2), each on its own locked thread with
// its own epoll instance and SO_REUSEPORT listener on the shared port, so
// the kernel spreads new connections over the loops.
//
// What blocks: only epoll_wait, without timeout: an idle server uses no
// CPU. What scales: the kernel keeps the interest list, so a wake-up costs
// O(ready fds), not O(connections). Level-triggered pays an epoll_ctl each
// time a connection starts or stops waiting to write; edge-triggered
// registers once, remembers readiness until EAGAIN and gives a connection
// at most 4 reads per wake-up, keeping the rest on a ready list. Per
// connection: one fd, an epoll entry, a small struct, at most 64 KiB of
// pending echo (loop.Bound). Limits: RLIMIT_NOFILE; a connection stays on
// the loop that accepted it, busy or not.
package epoll

import (
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/loop"
)

// Engine returns the level-triggered epoll engine.
func Engine() engine.Engine {
	return engine.Func("epoll",
		"epoll level-triggered, one event loop per core with SO_REUSEPORT listeners",
		engine.Profile{}, Start)
}

// EdgeEngine returns the edge-triggered epoll engine.
func EdgeEngine() engine.Engine {
	return engine.Func("epoll-et",
		"epoll edge-triggered, one event loop per core with SO_REUSEPORT listeners, budgeted drains and a ready list",
		engine.Profile{}, StartEdge)
}

// Loops is the number of event loops: one per core, at least 2.
func Loops() int { return max(runtime.NumCPU(), 2) }

// Start listens on addr and serves level-triggered until Close.
func Start(addr string) (engine.Server, error) {
	return loop.Start(addr, loop.Config{
		Name: "epoll engine", Loops: Loops(),
		NewPoller: func() (loop.Poller, error) { return NewPoller(false) },
	})
}

// StartEdge listens on addr and serves edge-triggered until Close.
func StartEdge(addr string) (engine.Server, error) {
	return loop.Start(addr, loop.Config{
		Name: "epoll-et engine", Loops: Loops(), Edge: true,
		NewPoller: func() (loop.Poller, error) { return NewPoller(true) },
	})
}

// Poller is one epoll instance.
type Poller struct {
	epfd int
	edge bool
	buf  []unix.EpollEvent
}

// NewPoller creates an epoll instance; edge selects EPOLLET.
func NewPoller(edge bool) (loop.Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &Poller{epfd: epfd, edge: edge, buf: make([]unix.EpollEvent, 256)}, nil
}

func (p *Poller) mask(in loop.Interest) uint32 {
	if p.edge {
		// Everything, once: the edges say when something changed.
		return unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	}
	var m uint32
	if in&loop.Read != 0 {
		m |= unix.EPOLLIN
	}
	if in&loop.Write != 0 {
		m |= unix.EPOLLOUT
	}
	return m
}

func (p *Poller) ctl(op, fd int, in loop.Interest) error {
	ev := unix.EpollEvent{Events: p.mask(in), Fd: int32(fd)}
	for {
		err := unix.EpollCtl(p.epfd, op, fd, &ev)
		if err != unix.EINTR {
			return err
		}
	}
}

// Add registers fd.
func (p *Poller) Add(fd int, in loop.Interest) error { return p.ctl(unix.EPOLL_CTL_ADD, fd, in) }

// Modify changes fd's events; edge-triggered, it has nothing to change.
func (p *Poller) Modify(fd int, in loop.Interest) error {
	if p.edge {
		return nil
	}
	return p.ctl(unix.EPOLL_CTL_MOD, fd, in)
}

// Remove deregisters fd. close(2) alone would do it only if no other
// descriptor shares the file — a fork in progress elsewhere in the process
// can hold one — so it is done explicitly.
func (p *Poller) Remove(fd int) { p.ctl(unix.EPOLL_CTL_DEL, fd, 0) }

// Wait blocks in epoll_wait.
func (p *Poller) Wait(evs []loop.Event, timeoutMs int) ([]loop.Event, error) {
	n, err := unix.EpollWait(p.epfd, p.buf, timeoutMs)
	if err != nil {
		return evs, err
	}
	for _, e := range p.buf[:n] {
		var ready loop.Interest
		if e.Events&(unix.EPOLLIN|unix.EPOLLPRI|unix.EPOLLRDHUP) != 0 {
			ready |= loop.Read
		}
		if e.Events&unix.EPOLLOUT != 0 {
			ready |= loop.Write
		}
		if e.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			ready |= loop.Read | loop.Write
		}
		evs = append(evs, loop.Event{Fd: int(e.Fd), Ready: ready})
	}
	return evs, nil
}

// Close closes the epoll instance.
func (p *Poller) Close() error { return unix.Close(p.epfd) }
