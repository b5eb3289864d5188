package faulty

// FAULTY ON PURPOSE: declares max-conns=64 and closes connection 65 instead
// of letting it wait.

import (
	"github.com/echospec/echospec/spec"

	"net"

	"github.com/echospec/echospec/servers/engine"
)

func init() { register(refuseOverMax) }

func refuseOverMax() Bug {
	return withEngine(Bug{
		Name:     "refuse-over-max",
		Category: spec.CatLoad,
		Defect:   "declares max-conns=64, and at the limit accepts and at once closes each new connection instead of letting it wait",
		Models:   "a connection limit enforced by rejecting (close on accept) where the contract says queue",
		Profile:  engine.Profile{MaxConns: 64, Reason: "FAULTY ON PURPOSE: a limit of 64 connections"},
		Aims:     catches(spec.EarlyClose, "C3"),
	}, skeleton(hooks{
		start:    withLimit(64, nil),
		dispatch: refuseWhenFull,
	}))
}

// refuseWhenFull serves c if there is room, and closes it otherwise.
func refuseWhenFull(s *server, c *net.TCPConn) {
	if !s.tryAcquire() {
		s.drop(c) // BUG: should wait for room (waitForRoom)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.release()
		s.serve(c)
	}()
}
