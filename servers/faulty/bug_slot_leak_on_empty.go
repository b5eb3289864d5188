package faulty

// FAULTY ON PURPOSE: a connection that closes before sending anything
// never gives its slot back.

import (
	"github.com/echospec/echospec/spec"

	"net"

	"github.com/echospec/echospec/servers/engine"
)

func init() { register(slotLeakOnEmpty) }

func slotLeakOnEmpty() Bug {
	return withEngine(Bug{
		Name:     "slot-leak-on-empty",
		Category: spec.CatEcho,
		Defect:   "declares max-conns=64 and waits correctly at the limit, but a connection that closes before sending a byte returns before its slot is released: 64 empty connections and the server serves no one",
		Models:   "an early return before the deferred release of a limiter/semaphore/pool slot",
		Profile:  engine.Profile{MaxConns: 64, Reason: "FAULTY ON PURPOSE: a limit of 64 connections"},
		Aims:     catches(spec.Stall, "E10", "E10p"),
	}, skeleton(hooks{
		start: withLimit(64, nil),
		dispatch: func(s *server, c *net.TCPConn) {
			if !s.acquire() {
				s.drop(c)
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				first := make([]byte, bufferSize)
				n, err := c.Read(first)
				if n == 0 && err != nil {
					s.drop(c)
					return // BUG: returns before the slot is released below
				}
				defer s.release()
				s.echo(c, first[:n])
			}()
		},
	}))
}
