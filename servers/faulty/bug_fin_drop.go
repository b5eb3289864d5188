package faulty

// FAULTY ON PURPOSE: closes at the client's FIN, dropping the echo still
// queued for the writer.

import (
	"time"

	"github.com/echospec/echospec/spec"
)

func init() { register(finDrop) }

func finDrop() Bug {
	return withEngine(Bug{
		Name:     "fin-drop",
		Category: spec.CatEcho,
		Defect:   "its writer coalesces echo for 2 ms before each write, and its reader closes the connection as soon as it reads the client's FIN, so the echo still queued is lost",
		Models:   "closing at EOF/EPOLLRDHUP without flushing the connection's output queue",
		Aims:     catches(spec.Lost, "E8", "E9", "E12"),
	}, skeleton(hooks{serve: pipe(pipeOpts{
		newQueue:   boundedQueue,
		coalesce:   2 * time.Millisecond,
		closeAtEOF: true, // BUG: should close the queue and let the writer finish
	})}))
}
