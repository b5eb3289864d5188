package faulty

// FAULTY ON PURPOSE: each chunk of echo is written by a goroutine of its
// own, with nothing to keep them in order.

import (
	"github.com/echospec/echospec/spec"

	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/echospec/echospec/servers/engine"
)

func init() { register(writeReorder) }

func writeReorder() Bug {
	return withEngine(Bug{
		Name:     "write-reorder",
		Category: spec.CatEcho,
		Defect:   "hands each read's echo to its own writer goroutine (up to 4 in flight) without sequencing them, so pipelined chunks come back out of order",
		Models:   "offloading writes to goroutines/worker threads per message with no per-connection ordering",
		Aims:     catches(spec.WrongByte, "E4", "E4p", "E5", "E5p"),
	}, skeleton(hooks{serve: serveReordering}))
}

func serveReordering(s *server, c *net.TCPConn) {
	inflight := make(chan struct{}, 4) // bounded: backpressure is kept
	var wg sync.WaitGroup
	var failed sync.Once
	eof := false
	for {
		buf := make([]byte, bufferSize)
		n, err := c.Read(buf)
		if n > 0 {
			engine.Upper(buf[:n])
			inflight <- struct{}{}
			wg.Add(1)
			go func(b []byte) { // BUG: nothing orders these writes
				defer wg.Done()
				defer func() { <-inflight }()
				// Workers take a varying time per message, as real ones do.
				time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
				if _, err := c.Write(b); err != nil {
					failed.Do(func() { s.drop(c) })
				}
			}(buf[:n])
		}
		if err != nil {
			eof = errors.Is(err, io.EOF)
			break
		}
	}
	wg.Wait()
	if eof {
		c.CloseWrite()
	}
	s.drop(c)
}
