package faulty

// FAULTY ON PURPOSE: one lock held across blocking writes.

import (
	"github.com/echospec/echospec/spec"

	"net"
	"sync"
)

var outputMu sync.Mutex // guards "the output path", for every connection

func init() { register(globalWriteLock) }

func globalWriteLock() Bug {
	return withEngine(Bug{
		Name:     "global-write-lock",
		Category: spec.CatSlowClient,
		Defect:   "every connection writes under one server-wide mutex, held across the blocking write, so a client that does not read stalls every other connection's echo",
		Models:   "one lock held across a blocking write (a shared writer, logger or stats lock around conn.Write)",
		Aims:     catches(spec.Stall, "S1"),
	}, skeleton(hooks{
		write: func(_ *server, c *net.TCPConn, b []byte) error {
			outputMu.Lock() // BUG: held while Write blocks on a slow reader
			defer outputMu.Unlock()
			_, err := c.Write(b)
			return err
		},
	}))
}
