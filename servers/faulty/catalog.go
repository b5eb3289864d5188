package faulty

// FAULTY ON PURPOSE: this file lists servers that are broken on purpose.

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/spec"
)

// Bug is one faulty server of the catalog.
type Bug struct {
	// Name is the catalog name, e.g. "short-write-tail".
	Name string
	// Category is the suite category the bug belongs to.
	Category spec.Category
	// Defect says in one line what is wrong with the server.
	Defect string
	// Models names the kind of real engine bug it reproduces.
	Models string
	// Profile is what the server declares it does not do (usually none).
	Profile engine.Profile
	// Aims are the specs whose reason to exist is this defect, each with
	// the failure kind it must fail with: the right reason. The self-test
	// fails when one of them passes or fails with another kind, and counts
	// only these when it checks that every spec is aimed at by a faulty
	// server.
	Aims []Catch
	// Catches are other specs that must fail on this server, with their
	// kinds: incidental catches, asserted like Aims but never counted as
	// a spec's right reason.
	Catches []Catch
	// KnownMisses are specs meant to catch this kind of bug that, as
	// written, cannot: spec ID → why. They are findings about the suite,
	// reported in the detection matrix but not asserted; once such a spec
	// does catch the bug, move it to Aims.
	KnownMisses map[string]string

	// Engine is the Go faulty server, run by cmd/faultyserver; nil for a
	// Python one.
	Engine engine.Engine
	// Script is the Python faulty server, a path from the module root;
	// empty for a Go one.
	Script string
}

// Catch is a spec that must fail on a faulty server, and the kind of
// failure it must fail with. Several kinds ("E12: lost|stall") are for a
// defect that reaches the client one way or another for a reason that can
// be named; a kind that flips by timing alone is a defect of the catalog
// (or of the vocabulary) to fix, not a "|" to add: whether an early close
// is a FIN or an RST, for one, is a race, which is why both are
// early-close.
type Catch struct {
	ID    string
	Kinds []spec.Kind
}

// Allows reports whether a failure of kind k is the declared one.
func (c Catch) Allows(k spec.Kind) bool { return slices.Contains(c.Kinds, k) }

// KindsString is the declared kinds as written: "lost|stall".
func (c Catch) KindsString() string {
	var ks []string
	for _, k := range c.Kinds {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, "|")
}

func (c Catch) String() string { return c.ID + ": " + c.KindsString() }

// catches parses declarations "ID: kind" or "ID: kind|kind" (e.g.
// "E12: lost"), each kind by spec.ParseKinds (so a retired name reads as
// its kind, and a kind named twice counts once). A malformed one panics:
// the catalog is code, and its test builds it.
func catches(decls ...string) []Catch {
	var out []Catch
	for _, d := range decls {
		id, ks, ok := strings.Cut(d, ":")
		if !ok {
			panic(fmt.Sprintf("faulty catalog: %q: want \"ID: kind\"", d))
		}
		kinds, err := spec.ParseKinds(ks)
		if err != nil {
			panic(fmt.Sprintf("faulty catalog: %q: %v", d, err))
		}
		out = append(out, Catch{ID: strings.TrimSpace(id), Kinds: kinds})
	}
	return out
}

// Declared is every catch of b, aims first.
func (b Bug) Declared() []Catch { return append(append([]Catch(nil), b.Aims...), b.Catches...) }

// Declares returns b's declaration for spec id, if it has one.
func (b Bug) Declares(id string) (Catch, bool) {
	for _, c := range b.Declared() {
		if c.ID == id {
			return c, true
		}
	}
	return Catch{}, false
}

// Aimed reports whether spec id is one of b's aims.
func (b Bug) Aimed(id string) bool {
	for _, c := range b.Aims {
		if c.ID == id {
			return true
		}
	}
	return false
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
	return "exec " + shellQuote(Python()) + " " + shellQuote(b.Script)
}

// Python is the path of the python3 interpreter itself (sys.executable),
// or "python3" where it cannot be asked: a version manager's python3 on
// PATH is often a shell script (pyenv's shim) that spends most of a second
// — and, on a busy host, many seconds — before the interpreter starts,
// which a spec would count against the server's start.
var Python = sync.OnceValue(func() string {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if p := strings.TrimSpace(string(out)); err == nil && filepath.IsAbs(p) {
		return p
	}
	return "python3"
})

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

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
		idleTimeout10s(),
		bufferShrink(),
		wordComplete(),
		ringOffset32(),
		// reset
		panicOnWriteError(),
		fatalOnIOError(),
		sigpipe(),
		sharedAfterFault(),
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
		eagainSpin(),
		flushTimer20ms(),
		echoLate300ms(),
		drainUntilEAGAIN(),
		drainUnderLock(),
		// hygiene
		fdLeakOnReset(),
		threadLeak(),
		timerLeak(),
		acceptErrorExits(),
		acceptSpin(),
		sessionLeak(),
		connLogLeak(),
		statsFDLeak(),
		fdLeakOnWriteError(),
		// lifecycle
		drainForever(),
		threadedBlockOnClose(),
		ignoresSIGTERM(),
		connIDsUint16(),
		// load
		connTable512(),
		refuseOverMax(),
		maxConnsOffByOne(),
		poolLeak(),
		fdSetMask(),
	}
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
