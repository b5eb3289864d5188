package faulty

// FAULTY ON PURPOSE: answers the client's FIN with an RST (SO_LINGER 0).

import (
	"net"

	"github.com/echospec/echospec/spec"
)

func init() { register(rstClose) }

func rstClose() Bug {
	return withEngine(Bug{
		Name:     "rst-close",
		Category: spec.CatEcho,
		Defect:   "after the client's FIN it sets SO_LINGER 0 and closes, so the client gets an RST (and loses any echo still in flight) instead of a clean FIN",
		Models:   "SO_LINGER 0 on close 'to avoid TIME_WAIT'",
		Aims:     catches(spec.RSTClose, "E9"),
	}, skeleton(hooks{
		eof: func(s *server, c *net.TCPConn) {
			c.SetLinger(0) // BUG: close now sends RST
			s.drop(c)
		},
	}))
}
