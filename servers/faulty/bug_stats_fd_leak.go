package faulty

// FAULTY ON PURPOSE: a file opened every 1,000 connections is never
// closed.

import (
	"net"
	"os"
	"sync"

	"github.com/echospec/echospec/spec"
)

// statsEvery is how often, in connections, the stats-fd-leak server
// reads its own stats.
const statsEvery = 1000

// stats is the stats-fd-leak server's connection counter and the stat
// files it opened.
var stats = struct {
	sync.Mutex
	served int
	files  []*os.File
}{}

// countConn counts a connection, and every statsEvery connections reads
// the process's stats (/proc/self/stat) for a log line.
func countConn() {
	stats.Lock()
	defer stats.Unlock()
	stats.served++
	if stats.served%statsEvery != 0 {
		return
	}
	f, err := os.Open("/proc/self/stat")
	if err != nil {
		return
	}
	buf := make([]byte, 512)
	f.Read(buf)
	// BUG: f.Close() is missing (the file is kept, as a cached handle
	// meant to be reused and never is, so no finalizer closes it either).
	stats.files = append(stats.files, f)
}

func init() { register(statsFDLeak) }

func statsFDLeak() Bug {
	return withEngine(Bug{
		Name:     "stats-fd-leak",
		Category: spec.CatHygiene,
		Defect:   "reads its own stats every 1,000 connections from a file it opens and never closes: one fd more per 1,000 connections served, for good",
		Models:   "a rare path that leaks a descriptor (a periodic stats or log reopen, an error branch that forgets close): too slow for H1 (2,000 cycles, +2 allowed) to see, fatal after millions of connections (EMFILE)",
		Aims:     catches(spec.FDGrowth, "L2"),
	}, skeleton(hooks{
		serve: func(s *server, c *net.TCPConn) {
			countConn()
			s.echo(c, nil)
		},
	}))
}
