package faulty

// FAULTY ON PURPOSE: a short non-blocking write's unsent tail is dropped.

import (
	"github.com/echospec/echospec/spec"

	"errors"
	"net"
	"syscall"
)

func init() { register(shortWriteTail) }

func shortWriteTail() Bug {
	return withEngine(Bug{
		Name:     "short-write-tail",
		Category: spec.CatPartialWrite,
		Defect:   "writes each echo with one non-blocking write(2) (waiting only for EAGAIN) and ignores a short count, so the unsent tail of a short write is lost",
		Models:   "n = write(fd, buf, len) with n < len treated as done: the commonest event-loop write bug",
		// Aims W2 only: E12's late reader also meets its full send
		// buffer, but once, and whether that write is short or meets
		// EAGAIN is the kernel's (short 11 times of 14 at nice 19
		// beside four busy loops); W2's slow reader meets it again and
		// again.
		Aims: catches(spec.WrongByte, "W2"),
	}, skeleton(hooks{write: writeOnce}))
}

// writeOnce writes b with a single write(2) once the socket is writable.
func writeOnce(_ *server, c *net.TCPConn, b []byte) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		_, e := syscall.Write(int(fd), b)
		if errors.Is(e, syscall.EAGAIN) {
			return false // wait until writable, then try again
		}
		werr = e
		return true // BUG: a short write leaves b[n:] unsent, and it is never sent
	})
	if err != nil {
		return err
	}
	return werr
}
