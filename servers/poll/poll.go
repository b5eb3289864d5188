//go:build linux

// Package poll is the poll(2) model: one loop on one thread that blocks in
// poll over an array of pollfd entries, one per watched fd, whose events
// follow each connection's interest.
//
// What blocks: only poll, without timeout, so an idle server uses no CPU.
// What scales: better than select — no FD_SETSIZE limit and the cost
// follows the number of fds watched rather than the highest fd number —
// but every call still copies the whole array into the kernel, which
// polls every fd, and the loop scans every entry: O(connections) per
// wake-up, however few are ready. Per connection: one fd, an 8-byte
// pollfd, a small struct and at most 64 KiB of pending echo (loop.Bound).
// Limits: RLIMIT_NOFILE, and one thread.
package poll

import (
	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/loop"
)

// Engine returns the poll engine.
func Engine() engine.Engine {
	return engine.Func("poll", "one event loop blocking in poll(2) over a pollfd array", engine.Profile{}, Start)
}

// Start listens on addr and serves until Close.
func Start(addr string) (engine.Server, error) {
	return loop.Start(addr, loop.Config{Name: "poll engine", NewPoller: NewPoller})
}

// Poller is a dense pollfd array; removing swaps the last entry in.
type Poller struct {
	fds []unix.PollFd
	pos []int // by fd: index in fds, plus one (0: not watched)
}

// NewPoller returns a poll Poller.
func NewPoller() (loop.Poller, error) { return &Poller{}, nil }

func events(in loop.Interest) int16 {
	var e int16
	if in&loop.Read != 0 {
		e |= unix.POLLIN
	}
	if in&loop.Write != 0 {
		e |= unix.POLLOUT
	}
	return e
}

// Add appends a pollfd for fd.
func (p *Poller) Add(fd int, in loop.Interest) error {
	if fd < 0 {
		return loop.ErrUnwatchable
	}
	for fd >= len(p.pos) {
		p.pos = append(p.pos, make([]int, len(p.pos)+64)...)
	}
	p.fds = append(p.fds, unix.PollFd{Fd: int32(fd), Events: events(in)})
	p.pos[fd] = len(p.fds)
	return nil
}

// Modify rewrites fd's events. With none, poll still reports errors.
func (p *Poller) Modify(fd int, in loop.Interest) error {
	p.fds[p.pos[fd]-1].Events = events(in)
	return nil
}

// Remove drops fd's pollfd.
func (p *Poller) Remove(fd int) {
	if fd < 0 || fd >= len(p.pos) || p.pos[fd] == 0 {
		return
	}
	i, last := p.pos[fd]-1, len(p.fds)-1
	p.fds[i] = p.fds[last]
	p.pos[p.fds[i].Fd] = i + 1
	p.fds = p.fds[:last]
	p.pos[fd] = 0
}

// Wait blocks in poll and collects the entries with revents.
func (p *Poller) Wait(evs []loop.Event, timeoutMs int) ([]loop.Event, error) {
	n, err := unix.Poll(p.fds, timeoutMs)
	if err != nil {
		return evs, err
	}
	for i := 0; n > 0 && i < len(p.fds); i++ {
		re := p.fds[i].Revents
		if re == 0 {
			continue
		}
		n--
		var ready loop.Interest
		if re&(unix.POLLIN|unix.POLLPRI|unix.POLLRDHUP) != 0 {
			ready |= loop.Read
		}
		if re&unix.POLLOUT != 0 {
			ready |= loop.Write
		}
		if re&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			ready |= loop.Read | loop.Write
		}
		evs = append(evs, loop.Event{Fd: int(p.fds[i].Fd), Ready: ready})
	}
	return evs, nil
}

// Close does nothing: poll keeps no kernel state.
func (p *Poller) Close() error { return nil }
