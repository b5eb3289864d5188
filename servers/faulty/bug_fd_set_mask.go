package faulty

// FAULTY ON PURPOSE: connections whose fd number is FD_SETSIZE (1,024) or
// more are never served.

import (
	"net"

	"github.com/echospec/echospec/spec"
)

// fdSetSize is FD_SETSIZE: the fd numbers a select(2) fd_set can hold.
const fdSetSize = 1024

func init() { register(fdSetMask) }

func fdSetMask() Bug {
	return withEngine(Bug{
		Name:     "fd-set-mask",
		Category: spec.CatLoad,
		Defect:   "watches its connections in a 1,024-bit fd_set indexed by fd & 1023, so a connection whose fd number is 1,024 or more is accepted and held but never read; it declares no limit",
		Models:   "a select(2) loop that does not check fd < FD_SETSIZE (FD_SET past the set is undefined behaviour: the bit lands elsewhere, or on another fd), unseen while a fresh process's fd numbers stay low",
		Aims:     catches(spec.Stall, "C5"),
	}, skeleton(hooks{dispatch: func(s *server, c *net.TCPConn) {
		if fdNumber(c) >= fdSetSize {
			return // BUG: never watched; held (and closed at Close) but never read
		}
		s.spawn(c)
	}}))
}

// fdNumber is c's file descriptor number (-1 if it cannot be read).
func fdNumber(c *net.TCPConn) int {
	fd := -1
	if rc, err := c.SyscallConn(); err == nil {
		rc.Control(func(f uintptr) { fd = int(f) })
	}
	return fd
}
