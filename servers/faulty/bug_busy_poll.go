package faulty

// FAULTY ON PURPOSE: every idle connection wakes up every 10 ms.

import (
	"github.com/echospec/echospec/spec"

	"errors"
	"net"
	"os"
	"time"
)

func init() { register(busyPoll) }

func busyPoll() Bug {
	return withEngine(Bug{
		Name:     "busy-poll",
		Category: spec.CatSlowClient,
		Defect:   "makes its blocking reads interruptible by polling: each connection reads with a 10 ms deadline and loops on the timeout to check for shutdown, so idle connections cost CPU (undeclared busy-idle)",
		Models:   "spinning while idle: a poll/timer loop per connection (read deadline as a shutdown check) instead of blocking",
		Aims:     catches(spec.CPU, "S8"),
	}, skeleton(hooks{
		read: func(s *server, c *net.TCPConn, buf []byte) (int, error) {
			for {
				c.SetReadDeadline(time.Now().Add(10 * time.Millisecond)) // BUG: wakes up 100 times a second
				n, err := c.Read(buf)
				if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) && !s.closing() {
					continue
				}
				return n, err
			}
		},
	}))
}
