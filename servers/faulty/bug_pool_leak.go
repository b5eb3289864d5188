package faulty

// FAULTY ON PURPOSE: a buffer pool that loses one buffer per large
// transfer, and runs dry after a few hundred of them.

import (
	"errors"
	"net"
	"syscall"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

const (
	// poolBuffers is how many buffers the pool-leak server's pool holds:
	// 32 MiB of 64 KiB buffers, allocated as needed.
	poolBuffers = 512
	// poolBufferSize is the size of one.
	poolBufferSize = 64 << 10
	// bulkAfter is how much a connection moves before it gets a buffer of
	// its own.
	bulkAfter = 512 << 10
)

func init() { register(poolLeak) }

func poolLeak() Bug {
	return withEngine(Bug{
		Name:     "pool-leak",
		Category: spec.CatLoad,
		Defect: "reads into 64 KiB buffers borrowed from a server-wide pool of 512, one per readable event; a connection that has moved 512 KiB gets a pool buffer of its own, and the read that promotes it never returns the buffer it borrowed: " +
			"each large connection loses one buffer for good, and after about 500 of them (about 500 MiB through one process) the pool is dry and every connection stalls",
		Models: "a pooled-buffer leak on a rare path (a buffer not released when a connection changes mode): a bug that only a long run shows, as the pool runs dry",
		Aims:   catches(spec.Stall, "C4"),
	}, skeleton(hooks{
		start: func(s *server) {
			pool := make(chan []byte, poolBuffers)
			for range poolBuffers {
				pool <- nil // allocated on first use
			}
			s.h = withPool(s.h, pool)
		},
	}))
}

// withPool returns h with a serve hook bound to pool.
func withPool(h *hooks, pool chan []byte) *hooks {
	h2 := *h
	h2.serve = func(s *server, c *net.TCPConn) { servePooled(s, c, pool) }
	return &h2
}

// get borrows a buffer from pool, waiting for one; nil if the server
// closes meanwhile.
func get(s *server, pool chan []byte) []byte {
	select {
	case b := <-pool:
		if b == nil {
			b = make([]byte, poolBufferSize)
		}
		return b
	case <-s.quit:
		return nil
	}
}

func servePooled(s *server, c *net.TCPConn, pool chan []byte) {
	var own []byte // the connection's own buffer, once it moves bulk data
	defer func() {
		if own != nil {
			pool <- own
		}
	}()
	moved := 0
	for {
		buf := own
		if buf == nil {
			// Borrow only when there is something to read, so idle
			// connections hold no buffer.
			if err := waitReadable(c); err != nil {
				s.drop(c)
				return
			}
			if buf = get(s, pool); buf == nil {
				s.drop(c)
				return
			}
		}
		n, err := c.Read(buf)
		if n > 0 {
			engine.Upper(buf[:n])
			if _, werr := c.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		moved += n
		if own == nil {
			if moved >= bulkAfter {
				own = get(s, pool) // BUG: buf, borrowed for this read, is never put back
			} else {
				pool <- buf
			}
		}
		if err != nil {
			s.finish(c, err)
			return
		}
	}
}

// waitReadable waits until c has data (or EOF, or an error) to read.
func waitReadable(c *net.TCPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var one [1]byte
	return rc.Read(func(fd uintptr) bool {
		_, _, e := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return !errors.Is(e, syscall.EAGAIN)
	})
}
