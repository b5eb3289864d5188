//go:build linux

// Package selectloop is the select(2) model: one loop on one thread that
// blocks in select with a read set and a write set rebuilt from the
// connections' interest, then serves the ready fds.
//
// What blocks: only select, without timeout, so an idle server uses no CPU.
// What scales: poorly — each call copies both fd_sets into the kernel and
// back and both sides scan every fd number up to the highest, so a wake-up
// costs O(highest fd), not O(ready fds). Per connection: one fd, a small
// struct and at most 64 KiB of pending echo (loop.Bound). Limit: fd_sets
// hold fd numbers below FD_SETSIZE (1024) only. Start reserves MaxConns
// (512) of them, so that clients, proxies and files elsewhere in the
// process cannot crowd the engine out; an fd accepted above FD_SETSIZE is
// moved onto a reserved number, and one that cannot be is refused (closed
// at once). At MaxConns connections the loop stops accepting: more wait.
package selectloop

import (
	"fmt"
	"math/bits"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/loop"
)

// FDSetSize is FD_SETSIZE: select can watch fds 0..FDSetSize-1.
const FDSetSize = len(unix.FdSet{}.Bits) * 64

// MaxConns is how many connections the engine serves at once: half of
// the fd numbers select can watch, reserved at Start. The process's other
// fds (stdio, the Go runtime's epoll, the listener, an eventfd, and — when
// a test runs in the same process — its clients and proxies) keep the
// rest. In a process that already holds more than 500 fds below
// FD_SETSIZE, fewer are reserved and the engine serves that many.
const MaxConns = FDSetSize / 2

// Engine returns the select engine.
func Engine() engine.Engine {
	return engine.Func("select",
		"one event loop blocking in select(2) over fd_sets",
		engine.Profile{MaxConns: MaxConns, Reason: "select(2) watches fd numbers below FD_SETSIZE (1024) only: the engine reserves 512 of them for connections and leaves the rest to the process; further connections wait in the backlog"},
		Start)
}

// Start listens on addr and serves until Close.
func Start(addr string) (engine.Server, error) {
	return loop.Start(addr, loop.Config{Name: "select engine", MaxConns: MaxConns, NewPoller: NewPoller})
}

// Poller keeps the master read and write sets; select gets copies. It is
// a loop.Placer: it holds a reserve of fd numbers below FD_SETSIZE, each
// open on /dev/null until a connection is moved onto it.
type Poller struct {
	r, w unix.FdSet
	max  int // highest watched fd, -1 when none
	n    [FDSetSize]bool

	null     int   // /dev/null, the placeholder; -1 without a reserve
	slots    int   // size of the reserve
	free     []int // reserved numbers holding the placeholder
	reserved [FDSetSize]bool
}

// NewPoller returns a select Poller with MaxConns reserved fd numbers (or
// as many as are free below FD_SETSIZE).
func NewPoller() (loop.Poller, error) { return NewPollerReserving(MaxConns) }

// NewPollerReserving returns a select Poller that reserves up to n fd
// numbers below FD_SETSIZE; with n = 0 it reserves none and serves
// connections on whatever fd accept gives, refusing those ≥ FD_SETSIZE.
func NewPollerReserving(n int) (loop.Poller, error) {
	p := &Poller{max: -1, null: -1}
	if n == 0 {
		return p, nil
	}
	null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/null for placeholders: %w", err)
	}
	p.null = null
	for len(p.free) < n {
		fd, err := unix.FcntlInt(uintptr(null), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			break // EMFILE: reserve what we have
		}
		if fd >= FDSetSize {
			unix.Close(fd)
			break
		}
		p.free = append(p.free, fd)
		p.reserved[fd] = true
	}
	p.slots = len(p.free)
	return p, nil
}

// Slots is how many connections the poller can place at once: the size
// of the reserve, or without one every number below FD_SETSIZE.
func (p *Poller) Slots() int {
	if p.null < 0 {
		return FDSetSize
	}
	return p.slots
}

// Place keeps a connection on fd if select can watch it, else moves it
// onto a reserved number: dup3 replaces the placeholder there with the
// socket, and fd is closed. The loop serves at most Slots connections, so
// a reserved number is free whenever one is needed.
func (p *Poller) Place(fd int) (int, error) {
	if Watchable(fd) {
		return fd, nil
	}
	if len(p.free) == 0 {
		return -1, loop.ErrUnwatchable
	}
	slot := p.free[len(p.free)-1]
	if err := unix.Dup3(fd, slot, unix.O_CLOEXEC); err != nil {
		return -1, err
	}
	p.free = p.free[:len(p.free)-1]
	unix.Close(fd)
	return slot, nil
}

// Release closes a connection fd. A reserved number gets the placeholder
// back (dup3 closes the socket that was there), so it stays reserved.
func (p *Poller) Release(fd int) {
	if fd >= 0 && fd < FDSetSize && p.reserved[fd] {
		if err := unix.Dup3(p.null, fd, unix.O_CLOEXEC); err == nil {
			p.free = append(p.free, fd)
			return
		}
		p.reserved[fd] = false // lost to the reserve; close it plainly
		p.slots--
	}
	unix.Close(fd)
}

// Watchable reports whether select can watch fd. An fd that is not is
// refused: Add fails and the loop closes the connection at once.
func Watchable(fd int) bool { return fd >= 0 && fd < FDSetSize }

// Add watches fd, or fails with loop.ErrUnwatchable when fd ≥ FD_SETSIZE.
func (p *Poller) Add(fd int, in loop.Interest) error {
	if !Watchable(fd) {
		return loop.ErrUnwatchable
	}
	p.n[fd] = true
	p.max = max(p.max, fd)
	return p.Modify(fd, in)
}

// Modify sets fd's bits in the master sets.
func (p *Poller) Modify(fd int, in loop.Interest) error {
	if in&loop.Read != 0 {
		p.r.Set(fd)
	} else {
		p.r.Clear(fd)
	}
	if in&loop.Write != 0 {
		p.w.Set(fd)
	} else {
		p.w.Clear(fd)
	}
	return nil
}

// Remove clears fd from both sets.
func (p *Poller) Remove(fd int) {
	if !Watchable(fd) || !p.n[fd] {
		return
	}
	p.r.Clear(fd)
	p.w.Clear(fd)
	p.n[fd] = false
	for p.max >= 0 && !p.n[p.max] {
		p.max--
	}
}

// Wait blocks in select on copies of the master sets.
func (p *Poller) Wait(evs []loop.Event, timeoutMs int) ([]loop.Event, error) {
	r, w := p.r, p.w
	var tv *unix.Timeval
	if timeoutMs >= 0 {
		t := unix.NsecToTimeval(int64(timeoutMs) * 1e6)
		tv = &t
	}
	n, err := unix.Select(p.max+1, &r, &w, nil, tv)
	if err != nil || n == 0 {
		return evs, err
	}
	for i := range r.Bits {
		word := uint64(r.Bits[i] | w.Bits[i])
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << b
			fd := i*64 + b
			var ready loop.Interest
			if r.IsSet(fd) {
				ready |= loop.Read
			}
			if w.IsSet(fd) {
				ready |= loop.Write
			}
			evs = append(evs, loop.Event{Fd: fd, Ready: ready})
		}
	}
	return evs, nil
}

// Close closes the reserve. The loop has released every connection first.
func (p *Poller) Close() error {
	for _, fd := range p.free {
		unix.Close(fd)
		p.reserved[fd] = false
	}
	p.free = nil
	if p.null >= 0 {
		unix.Close(p.null)
		p.null = -1
	}
	return nil
}
