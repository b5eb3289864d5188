package faulty

// FAULTY ON PURPOSE: a short non-blocking write's unsent tail is dropped.

import (
	"errors"
	"net"
	"syscall"
)

func shortWriteTail() Bug {
	return withEngine(Bug{
		Name:     "short-write-tail",
		Category: catPartialWrite,
		Defect:   "writes each echo with one non-blocking write(2) (waiting only for EAGAIN) and ignores a short count, so the unsent tail of a short write is lost",
		Models:   "n = write(fd, buf, len) with n < len treated as done: the commonest event-loop write bug",
		Catches:  []string{"E12"},
		KnownMisses: map[string]string{
			"W2": "on Linux a write to a TCP socket comes back short only once the send buffer has grown to its cap (tcp_wmem max, 4 MiB here) and is full; " +
				"W2's 2 MiB never gets there (measured: the bug passes W2 5 of 5 times with its 2 KiB buffers, and 5 of 5 with the client's send buffer left at the default). " +
				"E12, 8 MiB to a client that waits 300 ms before reading, fills it, and catches the bug at about 4 MiB",
		},
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
