package faulty

// FAULTY ON PURPOSE: every connection's session, with its two 64 KiB
// buffers, stays in the session table after the connection ends.

import (
	"net"
	"sync"
	"time"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

// sessionBuffer is the size of each of a session's two buffers.
const sessionBuffer = 64 << 10

// session is what the session-leak server keeps about a connection: its
// buffers and its counters, found by the client's address (for a stats
// page, and so that a client reconnecting from the same address gets its
// session back).
type session struct {
	remote   string
	opened   time.Time
	in, out  []byte
	received int64
	sent     int64
}

// reset makes s ready for a new connection: counters to zero, buffers
// cleared (they may hold a previous connection's data).
func (s *session) reset() {
	s.opened = time.Now()
	s.received, s.sent = 0, 0
	clear(s.in)
	clear(s.out)
}

// sessions is the session table, by remote address.
var sessions = struct {
	sync.Mutex
	byAddr map[string]*session
}{byAddr: map[string]*session{}}

// openSession returns the session for c's remote address, new or reused,
// reset.
func openSession(c *net.TCPConn) *session {
	addr := c.RemoteAddr().String()
	sessions.Lock()
	defer sessions.Unlock()
	ss := sessions.byAddr[addr]
	if ss == nil {
		ss = &session{remote: addr, in: make([]byte, sessionBuffer), out: make([]byte, sessionBuffer)}
		sessions.byAddr[addr] = ss
	}
	ss.reset()
	return ss
}

func init() { register(sessionLeak) }

func sessionLeak() Bug {
	return withEngine(Bug{
		Name:     "session-leak",
		Category: spec.CatHygiene,
		Defect:   "keeps a session (two 64 KiB buffers, cleared when opened, so resident) per client address in a server-wide table and never deletes it when the connection ends: every connection served leaves 128 KiB of memory behind",
		Models:   "per-connection state kept alive after close (a session/stats map keyed by remote address that is never pruned): memory grows with every connection ever served",
		Aims:     catches(spec.MemoryGrowth, "H6"),
	}, skeleton(hooks{
		serve: func(s *server, c *net.TCPConn) {
			ss := openSession(c)
			// BUG: when the connection ends, its session should be deleted
			// from the table (delete(sessions.byAddr, ss.remote)); it never is.
			for {
				n, err := c.Read(ss.in)
				if n > 0 {
					ss.received += int64(n)
					out := ss.out[:n]
					copy(out, ss.in[:n])
					engine.Upper(out)
					if _, werr := c.Write(out); werr != nil {
						s.drop(c)
						return
					}
					ss.sent += int64(n)
				}
				if err != nil {
					s.finish(c, err)
					return
				}
			}
		},
	}))
}
