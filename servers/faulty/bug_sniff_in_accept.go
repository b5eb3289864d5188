package faulty

// FAULTY ON PURPOSE: the accept loop waits for a new connection's first
// bytes.

import (
	"net"

	"github.com/echospec/echospec/spec"
)

func init() { register(sniffInAccept) }

func sniffInAccept() Bug {
	return withEngine(Bug{
		Name:     "sniff-in-accept",
		Category: spec.CatSlowClient,
		Defect:   "reads each new connection's first bytes in the accept loop (to sniff the protocol) with no deadline, so one connection that sends nothing stops the server accepting anyone",
		Models:   "blocking handshake/protocol sniffing (TLS, PROXY header) in the accept loop instead of the connection's own goroutine",
		Aims:     catches(spec.Stall, "S3", "S5"),
	}, skeleton(hooks{
		dispatch: func(s *server, c *net.TCPConn) {
			first := make([]byte, 64)
			n, err := c.Read(first) // BUG: blocks the accept loop on this client
			if n == 0 && err != nil {
				s.drop(c)
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.echo(c, first[:n])
			}()
		},
	}))
}
