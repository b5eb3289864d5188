// Command faultyserver runs one Go faulty server of the catalog in
// servers/faulty — a server BROKEN ON PURPOSE — as a standalone process, so
// that the conformance suite can test it as an outside target without a
// crash or a leak ever reaching the test process:
//
//	ECHOSPEC_TARGET_CMD='faultyserver -bug short-write-tail' \
//	    go tool ginkgo run ./suites/conformance
//
// The address defaults to $ECHO_ADDR. SIGTERM or SIGINT stops the server
// (as well as its defect allows). -list prints the whole catalog, the
// Python faulty servers with the command that runs them.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/servers/serve"
)

func main() {
	os.Exit(run())
}

func run() int {
	name := flag.String("bug", "", "the faulty server to run (see -list)")
	addr := flag.String("addr", os.Getenv("ECHO_ADDR"), "loopback HOST:PORT to listen on (default $ECHO_ADDR)")
	list := flag.Bool("list", false, "print the catalog of faulty servers and exit")
	flag.Parse()

	if *list {
		for _, b := range faulty.Catalog() {
			run := "-bug " + b.Name
			if !b.Go() {
				run = "python3 " + b.Script
			}
			var decl []string
			for _, c := range b.Declared() {
				decl = append(decl, c.String())
			}
			fmt.Printf("%-22s %-13s %s\n    %s\n    aims at %s; must fail: %s\n", b.Name, b.Category, run, b.Defect, aims(b), strings.Join(decl, ", "))
			if p := b.Profile; !p.IsZero() {
				fmt.Printf("    declares: %s\n", p)
			}
			for id, why := range b.KnownMisses {
				fmt.Printf("    known miss %s: %s\n", id, why)
			}
		}
		return 0
	}
	if *name == "" {
		fmt.Fprintln(os.Stderr, "faultyserver: name the faulty server with -bug NAME (see -list)")
		return 2
	}
	if *addr == "" {
		fmt.Fprintln(os.Stderr, "faultyserver: no address: pass -addr HOST:PORT or set ECHO_ADDR")
		return 2
	}
	b, err := faulty.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultyserver:", err)
		return 2
	}
	if !b.Go() {
		fmt.Fprintf(os.Stderr, "faultyserver: %s is a Python faulty server: run python3 %s\n", b.Name, b.Script)
		return 2
	}
	fmt.Fprintf(os.Stderr, "faultyserver: FAULTY ON PURPOSE: %s: %s\n", b.Name, b.Defect)
	if err := serve.Run(b.Engine, *addr, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "faultyserver:", err)
		return 1
	}
	return 0
}

func aims(b faulty.Bug) string {
	var ids []string
	for _, c := range b.Aims {
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return "nothing (incidental catches only)"
	}
	return strings.Join(ids, ", ")
}
