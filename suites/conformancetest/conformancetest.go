// Package conformancetest runs the echospec conformance suite against an
// engine from a plain Go test, in the spirit of nettest.TestConn — no
// Ginkgo in the author's code:
//
//	func TestConformance(t *testing.T) {
//		conformancetest.Run(t, engine.Func("my-engine", "one goroutine per connection", engine.Profile{}, myengine.Start))
//	}
//
// Run registers the same specs as conformance.Specs and runs them inside
// t, with Ginkgo underneath; then it reports every spec that ran as a
// subtest, TestConformance/CATEGORY/ID (e.g. TestConformance/hygiene/H1):
// a failed spec fails its subtest with the suite's message, which starts
// with the failure kind ("[fd-growth] after 2,000 open/close cycles: …"),
// a skipped one is skipped with the reason.
//
// The specs that probe the server's own process (S7, S8, S9, H1–H7, L1,
// C4's fds and memory) run the engine as the test binary re-executed with
// -test.run naming t's test: there, Run serves the engine instead of
// running specs. So Run must be reached on every run of that test, with
// the same engine name.
//
// Selection, like -run: Only("E1", "hygiene") in code, ECHOSPEC_ONLY=…
// (the same selectors, comma-separated) in the environment, -run's
// subtest patterns (go test -run 'TestConformance/hygiene' or
// 'TestConformance//H1$'), and ECHOSPEC_FOCUS, a regular expression of
// the specs' texts as in echospec run (ECHOSPEC_FOCUS='\[E12\]'): a spec
// runs when it matches all of those that are given. The settings are the
// table's (suites/settings, door GoTest). Ginkgo's own flags work too (go test -args -ginkgo.v); the
// c10k spec (C2), the 4 GiB stream (E14) and the lifetime spec (L2) run
// only with their label in -ginkgo.label-filter (c10k, 4gib, lifetime), as
// in the suite, or when selected by their ID.
//
// Ginkgo runs one suite per process: Run may be called once per test
// binary (one test, in one package; other packages are other binaries),
// and no other Ginkgo suite may run in that package. The go test timeout
// (10 minutes by default) covers the whole suite, which takes one or two
// minutes for a sound engine.
package conformancetest

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/settings"
)

// The variables Run reads (settings.In(settings.GoTest)).
var (
	// EnvOnly selects specs from the environment: spec IDs, categories or
	// levels, comma-separated (ECHOSPEC_ONLY=E1,hygiene), as Only.
	EnvOnly = settings.Only.Env
	// EnvFocus selects the specs whose text matches a regular expression
	// (ECHOSPEC_FOCUS='\[E12\]'), as echospec run --focus does.
	EnvFocus = settings.Focus.Env
)

// Option adjusts Run.
type Option func(*config)

type config struct {
	only  []string
	specs []conformance.Option
}

// Only runs the specs that match any of selectors: a spec ID ("E1",
// "E1p" for its variant through toxiproxy), a category ("hygiene") or a
// level ("must", "should"). Case does not matter; an unknown selector
// fails the test.
func Only(selectors ...string) Option {
	return func(c *config) { c.only = append(c.only, selectors...) }
}

// With passes options to conformance.Specs: conformance.WithToxiproxy,
// conformance.WithExpectedFailures, conformance.WithStrict.
func With(opts ...conformance.Option) Option {
	return func(c *config) { c.specs = append(c.specs, opts...) }
}

// ran is set by the first Run of the process: Ginkgo runs one suite per
// process.
var ran atomic.Bool

// Run runs the conformance suite against e inside t; see the package
// comment.
func Run(t *testing.T, e engine.Engine, opts ...Option) {
	t.Helper()
	// In the test binary re-executed to serve e, serve it and exit.
	target.ServeIfAsked(e)

	var c config
	for _, o := range opts {
		o(&c)
	}
	sel, err := choose(c.only, os.Getenv, runPatterns(t.Name()))
	if err != nil {
		t.Fatalf("conformancetest: %v", err)
	}
	if !ran.CompareAndSwap(false, true) {
		t.Fatalf("conformancetest: Run was already called in this test binary: Ginkgo runs one suite per process. " +
			"Call Run once per package (one test), e.g. for another engine in another package")
	}

	tg := target.InProcess(e, target.SpawnInTest(t.Name()))
	conformance.Specs(tg, c.specs...)
	var report types.Report
	ginkgo.ReportAfterSuite("conformancetest", func(r types.Report) { report = r })

	gomega.RegisterFailHandler(ginkgo.Fail)
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.FailOnEmpty = true
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		reporterConfig.NoColor = true // go test's output is a pipe or a file: no escape codes in it
	}
	if len(sel) < len(conformance.IDs()) {
		suiteConfig.FocusStrings = append(suiteConfig.FocusStrings, focusRegexp(sel))
	}

	ginkgo.RunSpecs(t, "echospec conformance: "+e.Name(), suiteConfig, reporterConfig)
	subtests(t, report, sel)
}

// subtests reports every selected spec as a subtest CATEGORY/ID, in the
// catalog's order.
func subtests(t *testing.T, r types.Report, sel []string) {
	t.Helper()
	byID := map[string]types.SpecReport{}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if s.State.Is(types.SpecStateFailureStates) {
				t.Errorf("%s %s: %s\n%s", s.LeafNodeType, s.LeafNodeText, s.Failure.Message, s.Failure.Location)
			}
			continue
		}
		if id, ok := specID(s.LeafNodeText); ok {
			byID[id] = s
		}
	}
	for _, cat := range spec.Categories {
		var ids []string
		for _, id := range sel {
			if d, _ := conformance.Lookup(id); d.Category == cat {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		t.Run(string(cat), func(t *testing.T) {
			for _, id := range ids {
				s, ok := byID[id]
				t.Run(id, func(t *testing.T) { outcome(t, s, ok) })
			}
		})
	}
}

// outcome reports one spec's outcome through t.
func outcome(t *testing.T, s types.SpecReport, ran bool) {
	t.Helper()
	if !ran {
		t.Skip("not run")
	}
	entries := map[string]string{}
	for _, e := range s.ReportEntries {
		entries[e.Name] = e.StringRepresentation()
	}
	t.Logf("%s (%v)", s.LeafNodeText, s.RunTime.Round(time.Millisecond))
	for _, name := range []string{spec.DeviationEntry, spec.NotObservedEntry, spec.UnexpectedPassEntry} {
		if v := entries[name]; v != "" {
			t.Logf("%s: %s", name, v)
		}
	}
	switch {
	case s.State == types.SpecStatePassed:
	case s.State == types.SpecStateSkipped && entries[spec.ExpectedFailureEntry] != "":
		t.Logf("expected failure (%s): %s", entries[spec.ExpectedEntry], entries[spec.ExpectedFailureEntry])
	case s.State == types.SpecStateSkipped:
		t.Skip(s.Failure.Message)
	case s.State == types.SpecStatePending:
		t.Skip("pending")
	default:
		msg := s.Failure.Message
		if msg == "" {
			msg = s.State.String()
		}
		var extra []string
		if v := entries[spec.DiedEntry]; v != "" {
			extra = append(extra, spec.DiedEntry+": "+v)
		}
		if v := entries[spec.OutputEntry]; v != "" {
			extra = append(extra, spec.OutputEntry+":\n"+v)
		}
		t.Errorf("%s\n(%s)%s", msg, s.Failure.Location, prefixLines(extra))
	}
}

func prefixLines(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return "\n" + strings.Join(parts, "\n")
}

var idText = regexp.MustCompile(`^\[([A-Z][0-9]+p?)\] `)

// specID is the ID at the start of a spec's text.
func specID(text string) (string, bool) {
	m := idText.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// focusRegexp matches the texts of the specs ids.
func focusRegexp(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = regexp.QuoteMeta(id)
	}
	return `\[(?:` + strings.Join(q, "|") + `)\] `
}

// selection is the spec IDs, in the suite's order, that match every
// selection given: only (selectors), focus (ECHOSPEC_ONLY) and run (the
// -run patterns for the category and ID subtests).
func selection(only []string, focus string, run []*regexp.Regexp) ([]string, error) {
	var filters []func(conformance.Def) bool
	if len(only) > 0 {
		f, err := selectors(only, "Only")
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	if focus = strings.TrimSpace(focus); focus != "" {
		f, err := selectors(strings.Split(focus, ","), EnvOnly)
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	var ids []string
	for _, id := range conformance.IDs() {
		d, _ := conformance.Lookup(id)
		ok := true
		for _, f := range filters {
			ok = ok && f(d)
		}
		if len(run) > 0 && !run[0].MatchString(string(d.Category)) {
			ok = false
		}
		if len(run) > 1 && !run[1].MatchString(id) {
			ok = false
		}
		if ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("the selection matches no spec (Only %q, %s=%q, -run %s)", only, EnvOnly, focus, flagValue("test.run"))
	}
	return ids, nil
}

// choose is the selection (selection, focused) from only, the -run
// patterns and the settings of conformancetest's door (settings.GoTest),
// read through getenv.
func choose(only []string, getenv func(string) string, run []*regexp.Regexp) ([]string, error) {
	sel, err := selection(only, getenv(EnvOnly), run)
	if err != nil {
		return nil, err
	}
	return focused(sel, getenv(EnvFocus))
}

// focused is the specs of sel whose text ("[ID] requirement") matches
// focus (ECHOSPEC_FOCUS), a regular expression; all of sel when focus is
// empty. A list of selectors, which ECHOSPEC_FOCUS was before, is refused
// with the setting it is now (ECHOSPEC_ONLY).
func focused(sel []string, focus string) ([]string, error) {
	if focus = strings.TrimSpace(focus); focus == "" {
		return sel, nil
	}
	if _, err := selectors(strings.Split(focus, ","), EnvFocus); err == nil {
		return nil, fmt.Errorf("%s=%q: %s is a regular expression of the specs' texts, as in echospec run; "+
			"to select specs by ID, category or level use %s=%s (or %s='\\[ID\\]')", EnvFocus, focus, EnvFocus, EnvOnly, focus, EnvFocus)
	}
	re, err := regexp.Compile(focus)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvFocus, err)
	}
	var ids []string
	for _, id := range sel {
		if re.MatchString(specText(id)) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("the selection matches no spec (%s=%q among %d selected)", EnvFocus, focus, len(sel))
	}
	return ids, nil
}

// specText is spec id's text as the suite names it: "[ID] requirement".
func specText(id string) string {
	d, _ := conformance.Lookup(id)
	return "[" + id + "] " + d.Text
}

// selectors is a filter matching a Def by any of sels: an ID, a
// category or a level.
func selectors(sels []string, what string) (func(conformance.Def) bool, error) {
	ids, cats, levels := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range sels {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		all := conformance.IDs()
		switch l, i := strings.ToLower(s), slices.IndexFunc(all, func(id string) bool { return strings.EqualFold(id, s) }); {
		case i >= 0:
			ids[all[i]] = true
		case slices.Contains(spec.Categories, spec.Category(l)):
			cats[l] = true
		case l == string(spec.Must) || l == string(spec.Should):
			levels[l] = true
		default:
			var cs []string
			for _, c := range spec.Categories {
				cs = append(cs, string(c))
			}
			return nil, fmt.Errorf("%s: %q is not a spec ID (E1, E1p, H1, …), a category (%s) or a level (must, should)",
				what, s, strings.Join(cs, ", "))
		}
	}
	// A spec that runs only when asked (C2, E14, L2) is selected by its ID
	// only: the focus that selects it asks for it (E14), and a category
	// or a level does not.
	return func(d conformance.Def) bool {
		return ids[d.ID] || d.OnlyWhenAsked == "" && (cats[string(d.Category)] || levels[string(d.Level)])
	}, nil
}

// runPatterns are the -run patterns for Run's subtests of test: the
// category's and the ID's, as far as -run gives them.
func runPatterns(test string) []*regexp.Regexp {
	run := flagValue("test.run")
	if run == "" {
		return nil
	}
	elems := splitRun(run)
	depth := len(strings.Split(test, "/"))
	if len(elems) <= depth {
		return nil
	}
	var rs []*regexp.Regexp
	for _, e := range elems[depth:min(len(elems), depth+2)] {
		r, err := regexp.Compile(e)
		if err != nil {
			return nil // go test itself rejects it
		}
		rs = append(rs, r)
	}
	return rs
}

// splitRun splits a -run pattern at the slashes outside brackets and
// parentheses, as the testing package does.
func splitRun(s string) []string {
	var parts []string
	cs, cp, start := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			cs++
		case ']':
			if cs--; cs < 0 {
				cs = 0
			}
		case '(':
			if cs == 0 {
				cp++
			}
		case ')':
			if cs == 0 {
				cp--
			}
		case '\\':
			i++
		case '/':
			if cs == 0 && cp == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func flagValue(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}
