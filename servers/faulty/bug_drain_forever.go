package faulty

// FAULTY ON PURPOSE: on SIGTERM it waits for its clients to leave, with no
// deadline.

import "github.com/echospec/echospec/spec"

func init() { register(drainForever) }

func drainForever() Bug {
	return withEngine(Bug{
		Name:     "drain-forever",
		Category: spec.CatLifecycle,
		Defect:   "on SIGTERM (Close) it stops accepting and waits for every open connection to end instead of closing them: an idle client keeps it running forever",
		Models:   "graceful shutdown without a deadline (waiting for idle keep-alive connections)",
		Aims:     catches(spec.SlowExit, "L1"),
	}, skeleton(hooks{drainOnClose: true})) // BUG: Close should close the connections, or give up after a deadline
}
