package faulty

// FAULTY ON PURPOSE: leaks the fd of every connection that ends with a
// read error.

import (
	"net"

	"github.com/echospec/echospec/spec"
)

func init() { register(fdLeakOnReset) }

func fdLeakOnReset() Bug {
	return withEngine(Bug{
		Name:     "fd-leak-on-reset",
		Category: spec.CatHygiene,
		Defect:   "closes a connection on EOF and on write errors, but returns without closing it when a read fails (ECONNRESET): every reset connection keeps its fd",
		Models:   "an error path that forgets close(): fds leak under resets until EMFILE",
		Aims:     catches(spec.FDGrowth, "H1"),
	}, skeleton(hooks{
		readFailed: func(*server, *net.TCPConn, error) {}, // BUG: should drop (close) the connection
	}))
}
