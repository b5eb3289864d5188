package faulty

// FAULTY ON PURPOSE: leaks the fd of every connection that ends with a
// write error.

import (
	"errors"
	"io"
	"net"

	"github.com/echospec/echospec/spec"
)

func init() { register(fdLeakOnWriteError) }

func fdLeakOnWriteError() Bug {
	return withEngine(Bug{
		Name:     "fd-leak-on-write-error",
		Category: spec.CatHygiene,
		Defect:   "closes a connection on EOF and on read errors, but returns without closing it when a write fails (ECONNRESET, EPIPE): a client that resets while its echo is pending leaves its fd behind (it stays in the server's table until shutdown)",
		Models:   "an error path that forgets close(): the write-error branch of an echo loop, which only a peer that vanishes while the server writes ever takes",
		Aims:     catches(spec.FDGrowth, "H7"),
	}, skeleton(hooks{
		serve: func(s *server, c *net.TCPConn) {
			buf := make([]byte, bufferSize)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, werr := c.Write(s.upper(buf, n)); werr != nil {
						return // BUG: should s.drop(c): the connection is never closed
					}
				}
				if err == nil {
					continue
				}
				if errors.Is(err, io.EOF) {
					c.CloseWrite()
				}
				s.drop(c) // EOF, reset, Close: closed as it should be
				return
			}
		},
	}))
}
