// Command echospec runs the echospec conformance suite against a TCP echo
// server — an outside command, a running address or a built-in engine —
// from any directory, without the source tree or go test:
//
//	go install github.com/echospec/echospec/cmd/echospec@latest
//	echospec run --cmd './myserver' --name myserver
//	echospec run --addr 127.0.0.1:9000 --label-filter 'echo && must'
//	echospec run --engine epoll,gnet --report-dir reports
//	echospec list [--markdown | --json]
//	echospec explain E12
//
// It registers the same specs as the Ginkgo suite (suites/conformance) and
// runs them with Ginkgo's RunSpecs, driven from its flags: the label
// filter, the focus, the seed. It runs them across --workers processes,
// this binary re-executed (workers.go), or with --workers 1 in one
// process, one at a time; across machines, shard by target or label and
// merge the reports with echoreport.
//
// Every flag of run can also be set by its ECHOSPEC_* environment variable
// (a flag given wins). Paths are the user's, from the current directory: a
// relative --cmd runs there (with sh -c), and --pid-file,
// --expected-failures and --baseline are read from there. Nothing else is
// read from the file system: the built-in engines' expected failures are
// part of the binary.
//
// It prints one line per spec, then the verdict table, and the details of
// every failure with the command that reruns just that spec; -v prints
// everything Ginkgo prints, as it goes.
//
// Exit status:
//
//	0  every spec that ran passed (expected failures, declared deviations
//	   and skipped specs allowed)
//	1  a spec failed (or the run was interrupted or timed out)
//	2  bad configuration, before any spec ran: a bad flag or variable, an
//	   unknown engine, a bad profile, an expected-failures file naming an
//	   unknown target, spec ID or kind, both --cmd and --addr, an
//	   unreadable baseline, a label filter or focus that selects no spec,
//	   or a target that did not start (the preflight)
//	3  a regression against --baseline: a spec fails that did not fail
//	   in the baseline, or fails with another kind
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/alecthomas/kong"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/all"
	"github.com/echospec/echospec/servers/engine"
)

// The exit statuses.
const (
	exitPass       = 0
	exitFail       = 1
	exitConfig     = 2
	exitRegression = 3
)

// cli is the command line for kong: run (its flags made from the table
// of settings, newRunFlags), list and explain.
type cli struct {
	ptr reflect.Value // *struct{Run …; List listCmd; Explain explainCmd}
	run runFlags
}

func newCLI() cli {
	rf := newRunFlags()
	t := reflect.StructOf([]reflect.StructField{
		{Name: "Run", Type: rf.ptr.Type().Elem(), Tag: `cmd:"" help:"Run the conformance specs against a server."`},
		{Name: "List", Type: reflect.TypeFor[listCmd](), Tag: `cmd:"" help:"List every spec: ID, level, category, requirement."`},
		{Name: "Explain", Type: reflect.TypeFor[explainCmd](), Tag: `cmd:"" help:"Print one spec in full: requirement, measure and bound, failure kinds, timeout, labels."`},
	})
	c := cli{ptr: reflect.New(t)}
	rf.ptr = c.ptr.Elem().Field(0).Addr()
	c.run = rf
	return c
}

func main() {
	serveIfAsked()
	workIfAsked()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// serveIfAsked makes this binary, re-executed by a built-in engine's
// target for the specs that probe the server's process, serve that engine
// instead of running the command.
func serveIfAsked() {
	name := os.Getenv(target.EnvServeEngine)
	if name == "" {
		return
	}
	e, err := all.Registry().Lookup(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echospec:", err)
		os.Exit(1)
	}
	target.ServeIfAsked([]engine.Engine{e}...)
}

// run parses args and runs the command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	c := newCLI()
	exit := -1
	p, err := kong.New(c.ptr.Interface(),
		kong.Name("echospec"),
		kong.Description("The echospec conformance suite for TCP echo servers (upper-echo, SPEC.md). Exit status: 0 passed, 1 a spec failed, 2 bad configuration, 3 a regression against --baseline."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code; panic(exitPanic{}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "echospec:", err)
		return exitConfig
	}
	ctx, err := parse(p, args)
	if exit >= 0 { // --help
		return exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "echospec: %v (see echospec --help)\n", err)
		return exitConfig
	}
	switch ctx.Command() {
	case "run":
		return (&runCmd{get: c.run.get}).run(stdout, stderr)
	case "list":
		return c.ptr.Elem().Field(1).Addr().Interface().(*listCmd).run(stdout, stderr)
	case "explain <id>":
		return c.ptr.Elem().Field(2).Addr().Interface().(*explainCmd).run(stdout, stderr)
	}
	fmt.Fprintf(stderr, "echospec: unknown command %q\n", ctx.Command())
	return exitConfig
}

type exitPanic struct{}

// parse runs kong's parser, turning its exit (after --help) into a return.
func parse(p *kong.Kong, args []string) (ctx *kong.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); !ok {
				panic(r)
			}
			err = errors.New("exit")
		}
	}()
	return p.Parse(args)
}
