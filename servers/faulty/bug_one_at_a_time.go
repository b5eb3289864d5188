package faulty

// FAULTY ON PURPOSE: serves one connection at a time.

import "net"

func oneAtATime() Bug {
	return withEngine(Bug{
		Name:     "one-at-a-time",
		Category: catSlowClient,
		Defect:   "serves each connection to its end in the accept loop itself, so one connection at a time is served and every other waits (it declares no max-conns)",
		Models:   "an iterative server: the handler called inline instead of in a goroutine/thread of its own",
		Catches:  []string{"S3", "S5"},
		KnownMisses: map[string]string{
			"S6": "S6 holds the close back 2 s, and the new connection it then checks may stall 5 s: " +
				"a server that serves one connection at a time serves it after 2 s and passes",
		},
	}, skeleton(hooks{
		dispatch: func(s *server, c *net.TCPConn) {
			s.serve(c) // BUG: should be s.spawn(c)
		},
	}))
}
