// Package conformance is the echospec conformance suite as a library: one
// call registers every spec against a target inside a Ginkgo suite, the way
// nettest.TestConn tests a net.Conn. The suite under suites/conformance
// calls it for every built-in engine or outside target; an engine author
// calls it from their own Ginkgo suite:
//
//	var _ = conformance.Specs(target.InProcess(myengine.Engine()))
//
// Every spec has a stable ID in brackets at the start of its text, a
// category label and a level label (must or should), and fails with the
// numbers: first wrong byte offset, bytes lost, time waited.
package conformance

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/target"
)

// Categories label what a spec is about (CONTRACT §4).
const (
	CatEcho         = "echo"
	CatReset        = "reset"
	CatPartialWrite = "partial-write"
	CatSlowClient   = "slow-client"
	CatHygiene      = "hygiene"
	CatLifecycle    = "lifecycle"
	CatLoad         = "load"
)

// Levels say how hard a requirement is.
const (
	Must   = "must"
	Should = "should"
)

// Option adjusts Specs.
type Option func(*options)

type options struct {
	toxiproxyURL string
	xfail        map[string]string // spec ID → why it is expected to fail
}

// WithExpectedFailures declares known failures of this target: spec ID →
// the finding that explains it. Such a spec is labelled xfail; its
// failure is reported as an expected failure and does not fail the run,
// and its passing is reported too, so the declaration can be retired.
func WithExpectedFailures(xfail map[string]string) Option {
	return func(o *options) { o.xfail = xfail }
}

// Report entry names that mark how a spec turned out, for the reports.
const (
	// DeviationEntry marks a spec shaped by a declared deviation. It never
	// hides a failure: it is shown in every report.
	DeviationEntry = "deviation (declared)"
	// NotObservedEntry marks a declared deviation that the spec did not
	// observe.
	NotObservedEntry = "deviation declared, not observed"
	// ExpectedFailureEntry carries the failure of a declared expected
	// failure.
	ExpectedFailureEntry = "expected failure"
	// UnexpectedPassEntry marks a declared expected failure that passed.
	UnexpectedPassEntry = "expected failure passed"
	// OutputEntry is the tail of a failed target's output.
	OutputEntry = "target output"
)

const xfailLabel = "xfail"

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
	return Describe(t.Name(), Label("target:"+t.Name()), func() {
		s.echoSpecs()
		s.resetSpecs()
		s.partialSpecs()
		s.slowSpecs()
		s.hygieneSpecs()
		s.loadSpecs()
	})
}

// it declares one spec: "[ID] text", labelled with its category and level,
// with a SpecTimeout and a SpecContext.
func (s *suite) it(id, category, level string, timeout time.Duration, text string, body func(ctx SpecContext), decorators ...any) {
	args := append([]any{Label(category, level), SpecTimeout(timeout)}, decorators...)
	if why, ok := s.opts.xfail[id]; ok {
		args = append(args, Label(xfailLabel))
		inner := body
		body = func(ctx SpecContext) {
			AddReportEntry("expected to fail", why)
			DeferCleanup(func() {
				if !CurrentSpecReport().Failed() && CurrentSpecReport().State != types.SpecStateSkipped {
					AddReportEntry(UnexpectedPassEntry, "declared as an expected failure ("+why+"), but it passed: retire the declaration")
				}
			})
			inner(ctx)
		}
	}
	args = append(args, body)
	It(fmt.Sprintf("[%s] %s", id, text), args...)
}
