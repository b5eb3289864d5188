package faulty

// FAULTY ON PURPOSE: a connection's OS thread outlives the connection.

import (
	"github.com/echospec/echospec/spec"

	"net"
	"runtime"
)

func init() { register(threadLeak) }

func threadLeak() Bug {
	return withEngine(Bug{
		Name:     "thread-leak",
		Category: spec.CatHygiene,
		Defect:   "serves each connection on an OS thread of its own (LockOSThread) and, when the connection ends, parks that thread until the server stops instead of letting it exit",
		Models:   "thread per connection never joined/exiting (a worker that waits for a shutdown signal instead of returning)",
		Aims:     catches(spec.ThreadGrowth, "H2"),
	}, skeleton(hooks{
		serve: func(s *server, c *net.TCPConn) {
			runtime.LockOSThread()
			s.echo(c, nil)
			<-s.quit // BUG: should return (and so end the thread) here
		},
	}))
}
