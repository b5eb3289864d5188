// Command echoserver runs one built-in engine as a standalone upper-echo
// server, so that every engine can also be tested as an outside target:
//
//	go run ./servers/cmd/echoserver -engine epoll -addr 127.0.0.1:9090
//
// The address defaults to $ECHO_ADDR, or to unix:$ECHO_PATH when
// ECHO_NETWORK=unix (a Unix-domain socket, which the goroutine engine
// serves; the others refuse it). SIGTERM or SIGINT stops the server
// cleanly; -list prints the engines. An engine that cannot run on this host
// (iouring where io_uring is disabled) exits 2 with the reason in one line.
// SIGUSR1 prints the engine's counters, if it keeps any, as one line
// ("echoserver: stats iouring enters=... sqes=..."), for echobench.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/echospec/echospec/servers/all"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/serve"
)

func main() {
	os.Exit(run())
}

func run() int {
	name := flag.String("engine", "goroutine", "engine to run (see -list)")
	envAddr, envErr := engine.AddrFromEnv()
	addr := flag.String("addr", envAddr, "loopback HOST:PORT, or unix:PATH for a Unix-domain socket, to listen on (default $ECHO_ADDR, or unix:$ECHO_PATH when ECHO_NETWORK=unix)")
	list := flag.Bool("list", false, "print the engines and exit")
	flag.Parse()

	reg := all.Registry()
	if *list {
		for _, n := range reg.Names() {
			e, _ := reg.Lookup(n)
			fmt.Printf("%-12s %s", n, e.Model())
			if p := e.Profile(); !p.IsZero() {
				fmt.Printf(" [deviations: %s]", p)
			}
			fmt.Println()
		}
		return 0
	}
	if *addr == "" {
		fmt.Fprintf(os.Stderr, "echoserver: %v: pass -addr HOST:PORT or set ECHO_ADDR\n", envErr)
		return 2
	}
	e, err := reg.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echoserver:", err)
		return 2
	}
	if err := engine.Available(e); err != nil {
		// Not a failure of the engine: it cannot run on this host.
		fmt.Fprintf(os.Stderr, "echoserver: engine %s: %v\n", e.Name(), err)
		return 2
	}
	printStatsOnSIGUSR1(e.Name(), os.Stderr)
	if err := serve.Run(e, *addr, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "echoserver:", err)
		return 1
	}
	return 0
}
