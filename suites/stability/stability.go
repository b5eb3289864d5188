// Package stability measures whether the conformance suite's noise-prone
// verdicts hold on a busy machine. It runs the suite many times against the
// same targets — every correct engine on every spec whose verdict rests on
// a bound (a time, a CPU share, memory, threads or fds), and every faulty
// server of servers/faulty on each spec it declares — and tallies, for each
// spec × target, the outcomes, the failure kinds seen, whether a faulty
// server was caught with its declared kind every time, and each bound's
// measured value as a fraction of its limit (spec.BoundEntry), min, median
// and max: the margin a verdict had.
//
// Its command, suites/stability/cmd/stability (make stability), builds the
// suite once (selftest.Build), runs it against one outside target at a time
// (selftest.RunSuite), focused on that target's specs, N times each, P at
// once, optionally beside CPU hogs, and writes stability.md and
// stability.json. A cell is unstable when a correct target failed it in
// any run (or a run broke), or a faulty server escaped it, or was caught
// with another kind, in any run.
package stability

import (
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/servers/all"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/runner"
	"github.com/echospec/echospec/suites/selftest"
	"github.com/echospec/echospec/suites/settings"
)

// boundKinds are the failure kinds that judge a measure against a limit:
// a time, a CPU share, memory, threads, fds.
var boundKinds = []spec.Kind{spec.Timing, spec.CPU, spec.FDGrowth, spec.ThreadGrowth, spec.MemoryGrowth, spec.SlowExit, spec.NotListening}

// provenByTime are specs that prove their fault took effect by a time
// (kind no-fault when it did not), which none of the rules below sees:
// W2's receive window must be seen closed for at least 100 ms.
var provenByTime = []string{"W2"}

// BoundSpecs are the spec IDs whose verdict rests on a bound, in the
// suite's order, derived from the catalog: a spec that can fail with a
// bound kind (timing, cpu, *-growth, slow-exit, not-listening), that
// probes the server's own process (its numbers are the host's: H3's memory
// per connection, H4's recovery after running out of fds), or that runs in
// the long-running group (idle times and measuring windows, in order,
// while E13's connections idle); and W2 (provenByTime). Specs that run
// only when asked (C2) are left out.
func BoundSpecs() []string {
	var ids []string
	for _, id := range conformance.IDs() {
		d, ok := conformance.Lookup(id)
		if !ok || d.OnlyWhenAsked != "" {
			continue
		}
		bounded := d.NeedsProcess || d.Long || slices.Contains(provenByTime, id)
		for _, k := range d.Kinds {
			bounded = bounded || slices.Contains(boundKinds, k)
		}
		if bounded {
			ids = append(ids, id)
		}
	}
	return ids
}

// Subject is one target the sweep runs, with the specs it covers.
type Subject struct {
	// Target is what selftest.RunSuite runs; its Focus selects Specs.
	Target selftest.Target
	// Specs are the spec IDs covered on this target, in the suite's order.
	Specs []string
	// Declared are, for a faulty server, the failure kinds each spec must
	// fail with (its Aims and Catches), and for a correct target its
	// declared expected failures (the built-in engines' findings): spec
	// ID → kinds.
	Declared map[string][]spec.Kind
	// Aimed are the faulty server's aims (spec IDs).
	Aimed []string
}

// Faulty reports whether s is a faulty server.
func (s Subject) Faulty() bool { return s.Target.Bug != nil }

// Focus is the Ginkgo --focus pattern that selects exactly ids: `\[(S1|H1)\]`.
func Focus(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = regexp.QuoteMeta(id)
	}
	return `\[(` + strings.Join(q, "|") + `)\]`
}

// Selection says which targets and specs a sweep covers.
type Selection struct {
	// Targets are names of engines, correct targets and faulty servers;
	// none = all of them.
	Targets []string
	// Specs are spec IDs; none = BoundSpecs on the correct targets and
	// every declared spec on the faulty servers. Given, the correct
	// targets cover exactly these and the faulty servers those of them
	// they declare.
	Specs []string
	// ExpectedFailures is the path of the built-in engines'
	// expected-failures file, passed to the suite for a target named
	// like an engine ("" = none).
	ExpectedFailures string
	// Unaimed runs Specs on every faulty server whether it declares them
	// or not, any failure counted as a catch (its kind shown): the catch
	// rate of a spec aimed at no defect in particular, such as X1's.
	Unaimed bool
	// Explore is X1's budget in every run (ECHOSPEC_EXPLORE), or 0 for
	// its default: a catch rate at a nightly run's budget.
	Explore time.Duration
}

// Subjects builds the sweep's subjects from the engine registry, the
// self-test's correct targets and the faulty catalog, narrowed by sel.
// Notes say what was left out and why (an engine this host cannot run, no
// python3, a duplicate command). An unknown target or spec ID is an error.
func Subjects(bin selftest.Binaries, sel Selection) ([]Subject, []string, error) {
	var notes []string
	for _, id := range sel.Specs {
		if _, ok := conformance.Lookup(id); !ok {
			return nil, nil, fmt.Errorf("unknown spec ID %q (valid: %s)", id, strings.Join(conformance.IDs(), ", "))
		}
	}
	specs := sel.Specs
	if len(specs) == 0 {
		specs = BoundSpecs()
	}
	specs = inSuiteOrder(specs)
	xfail, err := runner.BuiltinExpectedFailures()
	if err != nil {
		return nil, nil, err
	}

	var subjects []Subject
	reg := all.Registry()
	var known []string
	for _, name := range reg.Names() {
		e, _ := reg.Lookup(name)
		known = append(known, name)
		if !wanted(sel.Targets, name) {
			continue
		}
		if err := engine.Available(e); err != nil {
			notes = append(notes, fmt.Sprintf("engine %s left out: %v", name, err))
			continue
		}
		t := selftest.Target{Name: name, Cmdline: "exec " + shellQuote(bin.EchoServer) + " -engine " + name, Profile: e.Profile(), LabelFilter: selftest.AskFor(specs, "")}
		if sel.ExpectedFailures != "" {
			t.Env = []string{runner.EnvExpectedFailures + "=" + sel.ExpectedFailures}
		}
		s := Subject{Target: t, Specs: specs, Declared: map[string][]spec.Kind{}}
		for id, x := range xfail[name] {
			if sel.ExpectedFailures != "" && slices.Contains(specs, id) {
				s.Declared[id] = x.Kinds
			}
		}
		subjects = append(subjects, s)
	}
	for _, t := range selftest.CorrectTargets(bin) {
		known = append(known, t.Name)
		if !wanted(sel.Targets, t.Name) {
			continue
		}
		if dup := slices.IndexFunc(subjects, func(s Subject) bool { return s.Target.Cmdline == t.Cmdline }); dup >= 0 {
			notes = append(notes, fmt.Sprintf("%s left out: the same command as %s", t.Name, subjects[dup].Target.Name))
			continue
		}
		if needsPython(t.Cmdline) && !hasPython() {
			notes = append(notes, fmt.Sprintf("%s left out: no python3", t.Name))
			continue
		}
		t.LabelFilter = selftest.AskFor(specs, t.LabelFilter)
		subjects = append(subjects, Subject{Target: t, Specs: specs, Declared: map[string][]spec.Kind{}})
	}
	for _, t := range selftest.FaultyTargets(bin) {
		known = append(known, t.Name)
		if !wanted(sel.Targets, t.Name) {
			continue
		}
		bug := t.Bug
		s := Subject{Declared: map[string][]spec.Kind{}}
		if sel.Unaimed {
			for _, id := range sel.Specs {
				s.Specs = append(s.Specs, id)
				s.Declared[id] = anyKind()
			}
		}
		for _, c := range bug.Declared() {
			if sel.Unaimed {
				break
			}
			if len(sel.Specs) > 0 && !slices.Contains(sel.Specs, c.ID) {
				continue
			}
			s.Specs = append(s.Specs, c.ID)
			s.Declared[c.ID] = c.Kinds
			if bug.Aimed(c.ID) {
				s.Aimed = append(s.Aimed, c.ID)
			}
		}
		if len(s.Specs) == 0 {
			if len(sel.Targets) > 0 {
				notes = append(notes, fmt.Sprintf("%s left out: it declares none of the specs selected", t.Name))
			}
			continue
		}
		if !bug.Go() && !hasPython() {
			notes = append(notes, fmt.Sprintf("%s left out: no python3", t.Name))
			continue
		}
		s.Specs = inSuiteOrder(s.Specs)
		// The focus selects exactly the declared specs: the self-test's
		// own narrowing (skip, label filter) is not needed, but for asking
		// for the specs run only when asked.
		t.Skip, t.LabelFilter = "", selftest.AskFor(s.Specs, "")
		s.Target = t
		subjects = append(subjects, s)
	}
	for _, name := range sel.Targets {
		if !slices.Contains(known, name) {
			return nil, nil, fmt.Errorf("unknown target %q (valid: %s)", name, strings.Join(known, ", "))
		}
	}
	for i := range subjects {
		subjects[i].Target.Focus = Focus(subjects[i].Specs)
		if sel.Explore > 0 {
			subjects[i].Target.Env = append(subjects[i].Target.Env, settings.Explore.Env+"="+sel.Explore.String())
		}
	}
	return subjects, notes, nil
}

// anyKind is every failure kind: with Selection.Unaimed, any failure is a
// catch.
func anyKind() []spec.Kind {
	var ks []spec.Kind
	for _, k := range spec.AllKinds {
		ks = append(ks, k.Kind)
	}
	return ks
}

func wanted(names []string, name string) bool { return len(names) == 0 || slices.Contains(names, name) }

// inSuiteOrder sorts spec IDs in the suite's order (compareSpecs),
// without duplicates.
func inSuiteOrder(ids []string) []string {
	out := slices.Clone(ids)
	slices.SortFunc(out, compareSpecs)
	return slices.Compact(out)
}

// compareSpecs orders spec IDs as the catalog lists them (conformance.IDs:
// by category, E1 E1p … C4), unknown IDs last (report.CompareIDs).
func compareSpecs(a, b string) int {
	ids := conformance.IDs()
	ia, ib := slices.Index(ids, a), slices.Index(ids, b)
	if ia < 0 {
		ia = len(ids)
	}
	if ib < 0 {
		ib = len(ids)
	}
	if ia != ib {
		return ia - ib
	}
	return report.CompareIDs(a, b)
}

func needsPython(cmdline string) bool { return strings.Contains(cmdline, "python3") }

func hasPython() bool {
	_, err := exec.LookPath("python3")
	return err == nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
