package faulty

// FAULTY ON PURPOSE: any I/O error other than EOF ends the process.

import (
	"github.com/echospec/echospec/spec"

	"errors"
	"log"
	"net"
)

func init() { register(fatalOnIOError) }

func fatalOnIOError() Bug {
	return withEngine(Bug{
		Name:     "fatal-on-io-error",
		Category: spec.CatReset,
		Defect:   "checks every read and write with a helper that calls log.Fatal on any error but EOF, so the first connection reset ends the server",
		Models:   "the process dying on ECONNRESET: a check(err) -> exit helper from example code used on the data path",
		Aims:     catches(spec.Crash, "R2", "R3", "R4", "R6", "W4"),
	}, skeleton(hooks{
		writeFailed: func(err error) { check(err) },
		readFailed: func(s *server, c *net.TCPConn, err error) {
			if !errors.Is(err, net.ErrClosed) { // the server is closing it: not an error
				check(err)
			}
			s.drop(c)
		},
	}))
}

// check ends the process on err. BUG: on the data path, a peer's reset is
// not a reason to exit.
func check(err error) {
	if err != nil {
		log.Fatalf("echo: %v", err)
	}
}
