package faulty

// FAULTY ON PURPOSE: after its first fault (a reset, a broken pipe, an
// accept error), every connection reads into one shared buffer.

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/echospec/echospec/spec"
)

// afterFault is a shared-after-fault server's state (server.state):
// whether it has met a fault, and the buffer its connections share from
// then on.
type afterFault struct {
	faulted atomic.Bool
	shared  []byte
}

func init() { register(sharedAfterFault) }

func sharedAfterFault() Bug {
	return withEngine(Bug{
		Name:     "shared-after-fault",
		Category: spec.CatReset,
		Defect: "serves each connection with its own buffer until the first fault it meets — a read or write that fails " +
			"(ECONNRESET, EPIPE) or an accept that fails (EMFILE) — and from then on reads every connection, open or new, into one shared 16 KiB buffer: " +
			"connections served at once after the fault echo each other's bytes (cross-talk); one at a time, they are right",
		Models: "a recovery path that puts per-connection state in a global one (an error handler that falls back to a static buffer or a " +
			"shared queue 'until things settle'): every check that runs one connection at a time after the fault passes",
		Aims: catches(spec.WrongByte, "R1", "R2", "R3", "R4", "R5", "R6", "W4", "H1", "H4", "H7"),
	}, skeleton(hooks{
		start: func(s *server) { s.state = &afterFault{shared: make([]byte, bufferSize)} },
		serve: func(s *server, c *net.TCPConn) {
			st := s.state.(*afterFault)
			own := make([]byte, bufferSize)
			for {
				buf := own
				if st.faulted.Load() {
					buf = st.shared // BUG: one buffer for every connection once a fault was seen
				}
				n, err := c.Read(buf)
				if n > 0 && !s.send(c, s.upper(buf, n)) {
					st.faulted.Store(true) // the write failed: EPIPE, ECONNRESET
					return
				}
				if err != nil {
					if !errors.Is(err, io.EOF) && !s.closing() {
						st.faulted.Store(true) // the read failed: ECONNRESET
					}
					s.finish(c, err)
					return
				}
			}
		},
		acceptFailed: func(s *server, _ error) bool {
			s.state.(*afterFault).faulted.Store(true) // EMFILE
			time.Sleep(5 * time.Millisecond)          // back off, as the correct skeleton does
			return true
		},
	}))
}
