package faulty

// FAULTY ON PURPOSE: never closes a connection after the client's FIN.

import (
	"net"

	"github.com/echospec/echospec/spec"
)

func init() { register(noCloseOnFIN) }

func noCloseOnFIN() Bug {
	return withEngine(Bug{
		Name:     "no-close-on-fin",
		Category: spec.CatEcho,
		Defect:   "at the client's FIN it stops serving the connection but neither half-closes nor closes it: the client never reads EOF and the fd stays open until the server stops",
		Models:   "EOF handled as 'peer gone, nothing to do' without close(): sockets pile up in CLOSE_WAIT",
		Aims:     catches(spec.NoEOF, "E8", "E9", "E12"),
		Catches:  catches(spec.FDGrowth, "H1"),
	}, skeleton(hooks{
		eof: func(*server, *net.TCPConn) {}, // BUG: should CloseWrite and close
	}))
}
