package faulty

// FAULTY ON PURPOSE: a record of every connection is kept for good.

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/echospec/echospec/spec"
)

// connRecordSize is what the conn-log-leak server keeps per connection.
const connRecordSize = 1 << 10

// connLog is the server's log of connections: a record of each (its
// addresses and when it opened), meant to be a ring of the last few
// hundred for a debug page.
var connLog = struct {
	sync.Mutex
	records [][]byte
}{}

// logConn records c: its addresses and the time, in a 1 KiB record
// filled out with a marker, so every byte of it is resident.
func logConn(c *net.TCPConn) {
	rec := make([]byte, connRecordSize)
	n := copy(rec, fmt.Sprintf("%s %s -> %s ", time.Now().Format(time.RFC3339Nano), c.RemoteAddr(), c.LocalAddr()))
	for i := n; i < len(rec); i++ {
		rec[i] = '.'
	}
	connLog.Lock()
	// BUG: the log should be a ring (drop the oldest past a cap); it only
	// ever grows.
	connLog.records = append(connLog.records, rec)
	connLog.Unlock()
}

func init() { register(connLogLeak) }

func connLogLeak() Bug {
	return withEngine(Bug{
		Name:     "conn-log-leak",
		Category: spec.CatHygiene,
		Defect:   "keeps a 1 KiB record of every connection it has served (addresses and time, for a debug page) in a server-wide log meant to be a ring that only ever grows: about 1 KiB of memory per connection, for good",
		Models:   "a small per-connection leak (a history, a stats entry, a retained buffer or a parked goroutine) that H6's 32 MiB after 2,000 connections cannot see, and that kills a real server over millions of connections",
		Aims:     catches(spec.MemoryGrowth, "L2"),
	}, skeleton(hooks{
		serve: func(s *server, c *net.TCPConn) {
			logConn(c)
			s.echo(c, nil)
		},
	}))
}
