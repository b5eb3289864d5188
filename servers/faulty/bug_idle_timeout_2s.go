package faulty

// FAULTY ON PURPOSE: closes connections idle for 2 s.

import (
	"github.com/echospec/echospec/spec"

	"net"
	"time"
)

func init() { register(idleTimeout2s) }

func idleTimeout2s() Bug {
	return withEngine(Bug{
		Name:     "idle-timeout-2s",
		Category: spec.CatSlowClient,
		Defect:   "closes a connection that has sent nothing for 2 s (a read deadline reset before every read)",
		Models:   "an idle reaper / keep-alive timeout shorter than the protocol allows",
		Aims:     catches(spec.EarlyClose, "E11", "E11p"),
	}, skeleton(hooks{read: readWithin(2 * time.Second)}))
}

// readWithin reads with a deadline of d from now; a timeout ends the
// connection like any read error.
func readWithin(d time.Duration) func(*server, *net.TCPConn, []byte) (int, error) {
	return func(_ *server, c *net.TCPConn, buf []byte) (int, error) {
		c.SetReadDeadline(time.Now().Add(d))
		return c.Read(buf)
	}
}
