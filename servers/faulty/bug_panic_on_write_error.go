package faulty

// FAULTY ON PURPOSE: a failed write panics and takes the process down.

import (
	"fmt"

	"github.com/echospec/echospec/spec"
)

func init() { register(panicOnWriteError) }

func panicOnWriteError() Bug {
	return withEngine(Bug{
		Name:     "panic-on-write-error",
		Category: spec.CatReset,
		Defect:   "panics when a write fails, so one client that resets (ECONNRESET) or vanishes (EPIPE) while echo is pending kills the whole server",
		Models:   "the process dying on ECONNRESET/EPIPE: an unrecovered panic (or assert) on a write error in a connection handler",
		Aims:     catches(spec.Crash, "R1", "R5"),
	}, skeleton(hooks{
		writeFailed: func(err error) {
			panic(fmt.Sprintf("echo write: %v", err)) // BUG: should just drop this connection
		},
	}))
}
