// Package serve runs one engine as a process's whole job: start it on an
// address, log where it listens, and stop it cleanly on SIGTERM or SIGINT.
// The echoserver command and the suite's self-spawned targets share it.
package serve

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/echospec/echospec/servers/engine"
)

// Run serves e on addr until SIGTERM or SIGINT, then closes it. It logs to
// log and returns the close error.
func Run(e engine.Engine, addr string, log io.Writer) error {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(stop)
	srv, err := e.Start(addr)
	if err != nil {
		return fmt.Errorf("start %s on %s: %w", e.Name(), addr, err)
	}
	fmt.Fprintf(log, "echoserver: %s listening on %s\n", e.Name(), srv.Addr())
	sig := <-stop
	fmt.Fprintf(log, "echoserver: %s, stopping\n", sig)
	if err := srv.Close(); err != nil {
		return fmt.Errorf("close %s: %w", e.Name(), err)
	}
	return nil
}
