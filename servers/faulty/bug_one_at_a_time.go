package faulty

// FAULTY ON PURPOSE: serves one connection at a time.

import (
	"net"

	"github.com/echospec/echospec/suites/spec"
)

func oneAtATime() Bug {
	return withEngine(Bug{
		Name:     "one-at-a-time",
		Category: spec.CatSlowClient,
		Defect:   "serves each connection to its end in the accept loop itself, so one connection at a time is served and every other waits (it declares no max-conns)",
		Models:   "an iterative server: the handler called inline instead of in a goroutine/thread of its own",
		Aims:     catches("S3: stall", "S5: stall", "S6: stall"),
		Catches:  catches("E7: stall", "C1: stall"),
	}, skeleton(hooks{
		dispatch: func(s *server, c *net.TCPConn) {
			s.serve(c) // BUG: should be s.spawn(c)
		},
	}))
}
