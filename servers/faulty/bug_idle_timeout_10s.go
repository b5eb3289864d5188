package faulty

// FAULTY ON PURPOSE: closes connections idle for 10 s.

import (
	"time"

	"github.com/echospec/echospec/spec"
)

// keepAliveTimeout is the idle-timeout-10s server's idle limit: the usual
// HTTP keep-alive default, far shorter than an echo client may stay idle.
const keepAliveTimeout = 10 * time.Second

func init() { register(idleTimeout10s) }

func idleTimeout10s() Bug {
	return withEngine(Bug{
		Name:     "idle-timeout-10s",
		Category: spec.CatEcho,
		Defect:   "closes a connection that has sent nothing for 10 s (a read deadline reset before every read): short idles (E11's 3 s) pass, a client idle longer finds the connection closed",
		Models:   "a keep-alive/idle timeout copied from an HTTP server (10 s) into a protocol whose clients may stay idle as long as they like",
		Aims:     catches(spec.EarlyClose, "E13"),
	}, skeleton(hooks{
		read: readWithin(keepAliveTimeout), // BUG: the protocol sets no idle limit; a timeout ends the connection
	}))
}
