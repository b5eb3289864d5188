package faulty

// FAULTY ON PURPOSE: retries a write that would block at once, in a loop.

import (
	"errors"
	"net"
	"syscall"

	"github.com/echospec/echospec/spec"
)

func init() { register(eagainSpin) }

func eagainSpin() Bug {
	return withEngine(Bug{
		Name:     "eagain-spin",
		Category: spec.CatSlowClient,
		Defect:   "writes its echo with non-blocking write(2) and, when the socket's send buffer is full (EAGAIN), tries again at once instead of waiting for it to become writable: a client that stops reading makes the server spin a core for as long as it does (idle connections, blocked in read, cost nothing)",
		Models:   "EAGAIN on write treated as \"try again\" in a loop, without poll/epoll for writability (or with a level-triggered EPOLLOUT that is never disarmed)",
		Aims:     catches(spec.CPU, "S9"),
	}, skeleton(hooks{write: writeSpinning}))
}

// writeSpinning writes all of b with non-blocking writes, retrying EAGAIN
// at once.
func writeSpinning(s *server, c *net.TCPConn, b []byte) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for len(b) > 0 {
			n, e := syscall.Write(int(fd), b)
			if errors.Is(e, syscall.EAGAIN) || errors.Is(e, syscall.EINTR) {
				if s.closing() {
					werr = net.ErrClosed
					return true
				}
				continue // BUG: should return false, to wait until the socket is writable
			}
			if e != nil {
				werr = e
				return true
			}
			b = b[n:]
		}
		return true
	})
	if err != nil {
		return err
	}
	return werr
}
