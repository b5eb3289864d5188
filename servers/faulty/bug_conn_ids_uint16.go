package faulty

// FAULTY ON PURPOSE: connection IDs are 16 bits, and a cleanly closed
// connection's ID is never given back.

import (
	"net"
	"sync"

	"github.com/echospec/echospec/spec"
)

// idSlots is a table of 65,536 connection slots indexed by a uint16
// connection ID, handed out in turn (next wraps at 65,536), skipping IDs
// still in use.
type idSlots struct {
	mu     sync.Mutex
	next   uint16
	used   [1 << 16]bool
	byConn map[*net.TCPConn]uint16
	freed  chan struct{} // a slot was given back
}

// slots is the server's table (a faulty server runs one server per process).
var slots = &idSlots{byConn: map[*net.TCPConn]uint16{}, freed: make(chan struct{}, 1)}

// take gives c the next free ID; with none free it waits for one to be
// given back, or for quit (false).
func (t *idSlots) take(c *net.TCPConn, quit <-chan struct{}) bool {
	for {
		t.mu.Lock()
		for range 1 << 16 {
			id := t.next
			t.next++ // wraps at 65,536
			if !t.used[id] {
				t.used[id] = true
				t.byConn[c] = id
				t.mu.Unlock()
				return true
			}
		}
		t.mu.Unlock()
		select {
		case <-t.freed:
		case <-quit:
			return false
		}
	}
}

// release gives c's ID back.
func (t *idSlots) release(c *net.TCPConn) {
	t.mu.Lock()
	if id, ok := t.byConn[c]; ok {
		t.used[id] = false
		delete(t.byConn, c)
	}
	t.mu.Unlock()
	select {
	case t.freed <- struct{}{}:
	default:
	}
}

// forget drops c from the table, as release does, but keeps its slot.
func (t *idSlots) forget(c *net.TCPConn) {
	t.mu.Lock()
	delete(t.byConn, c)
	t.mu.Unlock()
}

func init() { register(connIDsUint16) }

func connIDsUint16() Bug {
	return withEngine(Bug{
		Name:     "conn-ids-uint16",
		Category: spec.CatLifecycle,
		Defect:   "gives each connection a 16-bit ID, a slot of a table of 65,536, and gives the slot back when the connection's read fails (a reset), but not after a clean close: after 65,536 cleanly closed connections in its life every new connection waits, unserved, for a slot",
		Models:   "a fixed connection table or ID space sized by a 16-bit type (uint16 IDs, 65,536 slots) whose entries are freed on one path only: the server runs fine for hours, then stops serving for good",
		Aims:     catches(spec.Stall, "L2"),
	}, skeleton(hooks{
		serve: func(s *server, c *net.TCPConn) {
			if !slots.take(c, s.quit) {
				s.drop(c)
				return
			}
			s.echo(c, nil)
		},
		eof: func(s *server, c *net.TCPConn) {
			c.CloseWrite()
			slots.forget(c) // BUG: should be slots.release(c), as on a reset
			s.drop(c)
		},
		readFailed: func(s *server, c *net.TCPConn, _ error) {
			slots.release(c)
			s.drop(c)
		},
	}))
}
