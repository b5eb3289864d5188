package faulty

// FAULTY ON PURPOSE: serves one connection at a time.

import (
	"net"

	"github.com/echospec/echospec/spec"
)

func init() { register(oneAtATime) }

func oneAtATime() Bug {
	return withEngine(Bug{
		Name:     "one-at-a-time",
		Category: spec.CatSlowClient,
		Defect:   "serves each connection to its end in the accept loop itself, so one connection at a time is served and every other waits (it declares no max-conns)",
		Models:   "an iterative server: the handler called inline instead of in a goroutine/thread of its own",
		Aims:     catches(spec.Stall, "S3", "S5", "S6"),
		Catches:  catches(spec.Stall, "E7", "C1"),
	}, skeleton(hooks{
		dispatch: func(s *server, c *net.TCPConn) {
			s.serve(c) // BUG: should be s.spawn(c)
		},
	}))
}
