package faulty

// FAULTY ON PURPOSE: queues echo without bound for a client that does not
// read.

import "github.com/echospec/echospec/spec"

func init() { register(unboundedQueue) }

func unboundedQueue() Bug {
	return withEngine(Bug{
		Name:     "unbounded-queue",
		Category: spec.CatSlowClient,
		Defect:   "its reader never waits for its writer: echo for a client that does not read piles up in an unbounded queue, and the server's memory grows with everything the client sends",
		Models:   "output queued without bound for a slow reader (no backpressure: reading goes on while writes are blocked)",
		Aims:     catches(spec.MemoryGrowth, "S7"),
	}, skeleton(hooks{serve: pipe(pipeOpts{
		newQueue: func() queue { return newChunkQueue(0, false) }, // BUG: should be bounded
	})}))
}
