package faulty

// FAULTY ON PURPOSE: one lock for the whole "event loop", held while a
// readable connection is drained until its read would block.

import (
	"errors"
	"io"
	"net"
	"sync"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

func init() { register(drainUnderLock) }

func drainUnderLock() Bug {
	return withEngine(Bug{
		Name:     "drain-under-lock",
		Category: spec.CatSlowClient,
		Defect: "serves each readable connection under one server-wide lock and, holding it, reads and echoes until a read would block (EAGAIN), " +
			"with no budget at all and its echo written in full under the lock: a client that keeps its socket full keeps every other connection waiting",
		Models: "an epoll loop ported to goroutines with one big lock, or edge-triggered epoll that drains a connection to EAGAIN before it looks at the next",
		Aims:   catches(spec.Timing, "S11"),
	}, skeleton(hooks{serve: serveUnderLock}))
}

// loopLock is the drain-under-lock server's one lock: whoever holds it is
// the event loop.
var loopLock sync.Mutex

func serveUnderLock(s *server, c *net.TCPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		s.drop(c)
		return
	}
	buf := make([]byte, bufferSize)
	for {
		if err := waitReadable(c); err != nil {
			s.drop(c)
			return
		}
		loopLock.Lock()
		var rerr, werr error
		for { // BUG: no budget: until the read would block
			var n int
			n, rerr = readNonblocking(rc, buf)
			if n == 0 {
				break
			}
			engine.Upper(buf[:n])
			if _, werr = c.Write(buf[:n]); werr != nil {
				break
			}
		}
		loopLock.Unlock()
		switch {
		case werr != nil:
			s.drop(c)
			return
		case errors.Is(rerr, io.EOF):
			c.CloseWrite()
			s.drop(c)
			return
		case rerr != nil:
			s.drop(c)
			return
		}
	}
}
