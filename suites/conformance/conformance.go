// Package conformance is the echospec conformance suite as a library: one
// call registers every spec against a target inside a Ginkgo suite, the way
// nettest.TestConn tests a net.Conn. The suite under suites/conformance
// calls it for every built-in engine or outside target; an engine author
// calls it from their own Ginkgo suite:
//
//	var _ = conformance.Specs(target.InProcess(myengine.Engine()))
//
// Every spec has a stable ID in brackets at the start of its text, a
// category label and a level label (must or should), and fails with a
// failure kind (suites/spec) and the numbers: first wrong byte offset,
// bytes lost, time waited. Catalog lists every spec's definition; the
// files echo.go … load.go hold the specs, category by category, and
// long.go the long-running group whose waits overlap; bounds.go names
// every number they judge by, and helpers.go is what they stand on.
package conformance

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/suites/spec"
)

// Option adjusts Specs.
type Option func(*options)

type options struct {
	toxiproxyURL string
	xfail        map[string]Expected // spec ID → the declared failure
	strict       bool
}

// Expected is a declared expected failure of one spec on one target: the
// failure kind it must fail with, and the finding that explains it.
type Expected struct {
	Kind spec.Kind
	Why  string
}

// WithExpectedFailures declares known failures of this target: spec ID →
// the kind it fails with and the finding that explains it. Such a spec is
// labelled xfail; its failure of that kind is reported as an expected
// failure and does not fail the run. A failure of another kind fails as
// usual, and a pass is reported (and fails the run WithStrict), so the
// declaration can be retired.
func WithExpectedFailures(xfail map[string]Expected) Option {
	return func(o *options) { o.xfail = xfail }
}

// WithStrict makes a declared expected failure that passes fail the run,
// for CI that wants stale declarations retired.
func WithStrict(strict bool) Option {
	return func(o *options) { o.strict = strict }
}

// WithToxiproxy makes the fault specs use the toxiproxy API server at url
// instead of one embedded in the test process.
func WithToxiproxy(url string) Option {
	return func(o *options) { o.toxiproxyURL = url }
}

// Specs registers the whole conformance suite for t, in a container named
// after the target and labelled "target:NAME". Call it at the top level of
// a Ginkgo suite (var _ = conformance.Specs(...)).
func Specs(t target.Target, opts ...Option) bool {
	s := &suite{t: t}
	for _, o := range opts {
		o(&s.opts)
	}
	return Describe(t.Name(), Label(spec.TargetLabelPrefix+t.Name()), func() {
		s.echoSpecs()
		s.resetSpecs()
		s.partialSpecs()
		s.slowSpecs()
		s.hygieneSpecs()
		s.lifecycleSpecs()
		s.loadSpecs()
		s.longSpecs()
	})
}

// it declares the spec id (a Catalog ID, or a proxied variant) as
// "[ID] text", labelled with its category and level, with its SpecTimeout
// and a SpecContext.
func (s *suite) it(id string, body func(ctx SpecContext), decorators ...any) {
	d, ok := Lookup(id)
	if !ok {
		panic("conformance: spec " + id + " is not in the catalog")
	}
	args := append([]any{Label(string(d.Category), string(d.Level)), SpecTimeout(d.Timeout)}, decorators...)
	if d.OnlyWhenAsked != "" {
		args = append(args, Label(d.OnlyWhenAsked))
	}
	if x, ok := s.opts.xfail[id]; ok {
		args = append(args, Label(spec.XFailLabel, xfailKindPrefix+string(x.Kind)))
		inner := body
		strict := s.opts.strict
		body = func(ctx SpecContext) {
			AddReportEntry(spec.ExpectedEntry, fmt.Sprintf("%s: %s", x.Kind, x.Why))
			DeferCleanup(func() {
				r := CurrentSpecReport()
				if r.Failed() || r.State == types.SpecStateSkipped {
					return
				}
				msg := fmt.Sprintf("declared as an expected failure (%s: %s), but it passed: retire the declaration", x.Kind, x.Why)
				AddReportEntry(spec.UnexpectedPassEntry, msg)
				if strict {
					Fail("[strict] " + msg)
				}
			})
			inner(ctx)
		}
	}
	args = append(args, body)
	It(fmt.Sprintf("[%s] %s", id, d.Text), args...)
}
