package faulty

// FAULTY ON PURPOSE: this file lists servers that are broken on purpose.

import (
	"cmp"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
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

// Catch is a spec that must fail on a faulty server, and the kinds of
// failure it may fail with. Several kinds (lost|stall) are for a defect
// that reaches the client one way or another for a reason that can be
// named; a kind that flips by timing alone is a defect of the catalog (or
// of the vocabulary) to fix, not a kind to add: whether an early close is a
// FIN or an RST, for one, is a race, which is why both are early-close.
type Catch struct {
	ID    string
	Kinds spec.Kinds
}

func (c Catch) String() string { return c.ID + ": " + c.Kinds.String() }

// catches declares that each of the specs ids must fail with kind k:
// catches(spec.Lost, "E8", "E9", "E12"). The kinds are typed, and
// TestDeclarations checks every ID and kind against the spec catalog.
func catches(k spec.Kind, ids ...string) []Catch {
	return catchesEither(spec.KindsOf(k), ids...)
}

// catchesEither declares that each of the specs ids must fail with one of
// kinds ks, for a defect that reaches the client one way or another for a
// reason that can be named (see Catch).
func catchesEither(ks spec.Kinds, ids ...string) []Catch {
	out := make([]Catch, len(ids))
	for i, id := range ids {
		out[i] = Catch{ID: id, Kinds: ks}
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

// registered are the constructors of the faulty servers: each file of the
// catalog registers its own in an init (register), as toxiproxy's toxics
// do, so that adding a server is adding its file.
var registered []func() Bug

// register adds faulty servers to the catalog; call it from an init.
func register(bugs ...func() Bug) { registered = append(registered, bugs...) }

// Catalog returns every faulty server, by category in the suite's order
// and by name within one. It is the one place that knows them all;
// servers/all never does.
func Catalog() []Bug {
	bugs := make([]Bug, len(registered))
	for i, b := range registered {
		bugs[i] = b()
	}
	slices.SortStableFunc(bugs, func(a, b Bug) int {
		if c := cmp.Compare(spec.CategoryOrder(a.Category), spec.CategoryOrder(b.Category)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return bugs
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
