//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/echospec/echospec/servers/iouring"
)

// printStatsOnSIGUSR1 prints the iouring engine's counters on every
// SIGUSR1, for echobench's system calls per echo.
func printStatsOnSIGUSR1(engine string, w io.Writer) {
	if engine != "iouring" {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for range c {
			fmt.Fprintf(w, "echoserver: stats %s %s\n", engine, iouring.Stats())
		}
	}()
}
