package faulty

// FAULTY ON PURPOSE: retries a failed accept at once, forever.

import (
	"runtime"

	"github.com/echospec/echospec/spec"
)

func init() { register(acceptSpin) }

func acceptSpin() Bug {
	return withEngine(Bug{
		Name:     "accept-spin",
		Category: spec.CatHygiene,
		Defect:   "retries a failed accept immediately, with no back-off: out of fds (EMFILE) the listen queue stays readable and its accept loops (one per core) spin",
		Models:   "an accept loop that treats EMFILE as temporary and retries at once (busy loop until an fd frees up)",
		Aims:     catches(spec.CPU, "H5"),
	}, skeleton(hooks{
		acceptors:    runtime.NumCPU(),
		acceptFailed: func(*server, error) bool { return true }, // BUG: should back off before retrying
	}))
}
