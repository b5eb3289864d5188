package faulty

// FAULTY ON PURPOSE: declares max-conns=64 and serves only 63.

import (
	"github.com/echospec/echospec/servers/engine"

	"github.com/echospec/echospec/spec"
)

func init() { register(maxConnsOffByOne) }

func maxConnsOffByOne() Bug {
	return withEngine(Bug{
		Name:     "max-conns-off-by-one",
		Category: spec.CatLoad,
		Defect:   "declares max-conns=64 but its limit check counts the new connection twice (serving+1 >= max), so the 64th connection already waits",
		Models:   "an off-by-one in a connection limit (>= where > was meant)",
		Profile:  engine.Profile{MaxConns: 64, Reason: "FAULTY ON PURPOSE: a limit of 64 connections"},
		Aims:     catches(spec.Stall, "C3"),
	}, skeleton(hooks{
		start: withLimit(64, func(serving, max int) bool {
			return serving+1 >= max // BUG: should be serving >= max
		}),
		dispatch: waitForRoom,
	}))
}
