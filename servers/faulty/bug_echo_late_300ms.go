package faulty

// FAULTY ON PURPOSE: every echo leaves 300 ms after its bytes arrived.

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

const (
	// lateDelay is how long the echo-late-300ms server holds every echo
	// before it writes it.
	lateDelay = 300 * time.Millisecond
	// lateQueue is how many reads' echo it holds at most per connection
	// (up to 4 MiB): past it, it stops reading, so memory stays bounded.
	lateQueue = 256
)

func init() { register(echoLate300ms) }

func echoLate300ms() Bug {
	return withEngine(Bug{
		Name:     "echo-late-300ms",
		Category: spec.CatSlowClient,
		Defect:   "holds every echo 300 ms after its bytes arrived before writing it (a delay line: reading and bulk throughput are unaffected, every round trip takes 300 ms more)",
		Models:   "a fixed delay on every message (a synchronous call to a slow backend per request, a misconfigured flush or tick timer): correct bytes, far too late; the gate against it must still end in bounded time",
		Aims:     catches(spec.Timing, "S10"),
	}, skeleton(hooks{serve: serveLate}))
}

// lateChunk is echo due at a time.
type lateChunk struct {
	due  time.Time
	echo []byte
}

func serveLate(s *server, c *net.TCPConn) {
	queue := make(chan lateChunk, lateQueue)
	writerDone := make(chan bool, 1) // true: every echo was written
	go func() {
		ok := true
		for ch := range queue {
			if !ok {
				continue // drain: the reader is told by the close
			}
			time.Sleep(time.Until(ch.due)) // BUG: the echo waits here, every time
			if _, err := c.Write(ch.echo); err != nil {
				ok = false
				c.Close() // wakes the reader
			}
		}
		writerDone <- ok
	}()
	for {
		buf := make([]byte, bufferSize)
		n, err := c.Read(buf)
		if n > 0 {
			engine.Upper(buf[:n])
			queue <- lateChunk{due: time.Now().Add(lateDelay), echo: buf[:n]}
		}
		if err == nil {
			continue
		}
		close(queue)
		if <-writerDone && errors.Is(err, io.EOF) {
			c.CloseWrite()
		}
		s.drop(c)
		return
	}
}
