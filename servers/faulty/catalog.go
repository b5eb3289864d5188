package faulty

// FAULTY ON PURPOSE: this file lists servers that are broken on purpose.

import (
	"fmt"
	"strings"

	"github.com/echospec/echospec/servers/engine"
)

// Bug is one faulty server of the catalog.
type Bug struct {
	// Name is the catalog name, e.g. "short-write-tail".
	Name string
	// Category is the suite category (CONTRACT §4) the bug is aimed at.
	Category string
	// Defect says in one line what is wrong with the server.
	Defect string
	// Models names the kind of real engine bug it reproduces.
	Models string
	// Profile is what the server declares it does not do (usually none).
	Profile engine.Profile
	// Catches are the spec IDs that MUST fail on this server: the
	// self-test fails when one of them passes.
	Catches []string
	// KnownMisses are specs meant to catch this kind of bug that, as
	// written, cannot: spec ID → why. They are findings about the suite,
	// reported in the detection matrix but not asserted; once such a spec
	// does catch the bug, move it to Catches.
	KnownMisses map[string]string

	// Engine is the Go faulty server, run by cmd/faultyserver; nil for a
	// Python one.
	Engine engine.Engine
	// Script is the Python faulty server, a path from the module root;
	// empty for a Go one.
	Script string
}

// Go reports whether the bug is a Go engine (run by cmd/faultyserver).
func (b Bug) Go() bool { return b.Engine != nil }

// Cmdline is the shell command that runs the faulty server as an outside
// target (ECHOSPEC_TARGET_CMD), from the module root; faultyserver is the
// path of a built cmd/faultyserver binary.
func (b Bug) Cmdline(faultyserver string) string {
	if b.Go() {
		return "exec " + shellQuote(faultyserver) + " -bug " + b.Name
	}
	return "exec python3 " + shellQuote(b.Script)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Suite categories, as labelled by the conformance suite (CONTRACT §4).
const (
	catEcho         = "echo"
	catReset        = "reset"
	catPartialWrite = "partial-write"
	catSlowClient   = "slow-client"
	catHygiene      = "hygiene"
	catLifecycle    = "lifecycle"
	catLoad         = "load"
)

// withEngine gives b its engine, named after it.
func withEngine(b Bug, e func(b Bug) engine.Engine) Bug {
	b.Engine = e(b)
	return b
}

// Catalog returns every faulty server, by category in the suite's order.
// It is the one place that knows them all; servers/all never does.
func Catalog() []Bug {
	return []Bug{
		// echo: the protocol itself
		echoWholeBuffer(),
		lowercaseZ(),
		writeReorder(),
		sharedBuffer(),
		finDrop(),
		rstClose(),
		noCloseOnFIN(),
		slotLeakOnEmpty(),
		// reset
		panicOnWriteError(),
		fatalOnIOError(),
		sigpipe(),
		// partial-write
		swarTail(),
		pendingOverwrite(),
		ringWrap(),
		shortWriteTail(),
		// slow-client
		globalWriteLock(),
		workerPool16(),
		oneAtATime(),
		sniffInAccept(),
		idleTimeoutUnits(),
		idleTimeout2s(),
		unboundedQueue(),
		noDrain(),
		busyPoll(),
		// hygiene
		fdLeakOnReset(),
		threadLeak(),
		timerLeak(),
		acceptErrorExits(),
		acceptSpin(),
		// lifecycle
		drainForever(),
		threadedBlockOnClose(),
		// load
		connTable512(),
		refuseOverMax(),
		maxConnsOffByOne(),
	}
}

// Categories are the suite's categories, in the suite's order.
var Categories = []string{catEcho, catReset, catPartialWrite, catSlowClient, catHygiene, catLifecycle, catLoad}

func categoryOrder(c string) int {
	for i, x := range Categories {
		if x == c {
			return i
		}
	}
	return len(Categories)
}

// Lookup returns the faulty server called name, or an error listing the
// valid names.
func Lookup(name string) (Bug, error) {
	var names []string
	for _, b := range Catalog() {
		if b.Name == name {
			return b, nil
		}
		names = append(names, b.Name)
	}
	return Bug{}, fmt.Errorf("unknown faulty server %q (valid: %s)", name, strings.Join(names, ", "))
}
