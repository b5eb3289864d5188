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
// failure kind (package spec) and the numbers: first wrong byte offset,
// bytes lost, time waited. Catalog lists every spec's definition; the
// files echo.go … load.go hold the specs, category by category, and
// long.go the long-running group whose waits overlap, explore.go the
// explorer (X1); bounds.go names every number they judge by; what they
// stand on is one file per concern: run.go (the server of a spec),
// dial.go, paths.go, verdicts.go, measures.go, procs.go, afterfault.go.
package conformance

import (
	"fmt"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/spec"
)

// Option adjusts Specs.
type Option func(*options)

type options struct {
	toxiproxyURL string
	xfail        map[string]Expected // spec ID → the declared failure
	strict       bool
	protocol     payload.Protocol // the echo every exchange is judged by
	explore      ExploreOptions   // X1's budget, replay and scripts
}

// Expected is a declared expected failure of one spec on one target: the
// failure kinds it may fail with (usually one; an engine whose failure
// comes out one way or another by timing declares each), and the finding
// that explains it.
type Expected struct {
	Kinds spec.Kinds
	Why   string
}

// WithExpectedFailures declares known failures of this target: spec ID →
// the kind it fails with and the finding that explains it. Such a spec is
// labelled xfail (for selection: the declaration itself is kept in the
// running spec's state, where fail reads it); its failure of that kind is
// reported as an expected failure and does not fail the run. A failure of
// another kind fails as usual, and a pass is reported (and fails the run
// WithStrict), so the declaration can be retired.
func WithExpectedFailures(xfail map[string]Expected) Option {
	return func(o *options) { o.xfail = xfail }
}

// WithStrict makes a declared expected failure that passes fail the run,
// for CI that wants stale declarations retired.
func WithStrict(strict bool) Option {
	return func(o *options) { o.strict = strict }
}

// WithProtocol judges the target by protocol p: payload.Echo for a server
// that echoes bytes unchanged (RFC 862), instead of the default,
// payload.UpperEcho (SPEC.md §1). Every spec is otherwise the same; each
// spec's report names a protocol other than the default.
func WithProtocol(p payload.Protocol) Option {
	return func(o *options) { o.protocol = p }
}

// WithToxiproxy makes the fault specs use the toxiproxy API server at url
// instead of one embedded in the test process.
func WithToxiproxy(url string) Option {
	return func(o *options) { o.toxiproxyURL = url }
}

// Specs registers the whole conformance suite for t, in a container named
// after the target and labelled "target:NAME". Call it at the top level of
// a Ginkgo suite (var _ = conformance.Specs(...)).
//
// For an in-process target (target.InProcess), the specs that probe the
// server's own process run the engine as the test binary re-executed:
// in that process, Specs serves the engine instead of registering
// anything, and exits (target.ServeIfAsked). Called at the top level, it
// does so during package initialization, before any test runs: no
// TestMain is needed.
func Specs(t target.Target, opts ...Option) bool {
	if et, ok := t.(target.EngineTarget); ok {
		target.ServeIfAsked(et.Engine())
	}
	s := &suite{t: t, network: target.NetworkOf(t)}
	for _, o := range opts {
		o(&s.opts)
	}
	return Describe(t.Name(), Label(spec.TargetLabelPrefix+t.Name()), func() {
		if err := target.Available(t); err != nil {
			BeforeEach(func() { Skip(fmt.Sprintf("target %s cannot run on this host: %v", t.Name(), err)) })
		}
		s.echoSpecs()
		s.resetSpecs()
		s.partialSpecs()
		s.slowSpecs()
		s.hygieneSpecs()
		s.lifecycleSpecs()
		s.lifetimeSpecs()
		s.loadSpecs()
		s.limitsSpecs()
		s.exploreSpecs()
		s.longSpecs()
	})
}

// it declares the spec id (a Catalog ID, or a proxied variant) as
// "[ID] text", labelled with its category and level, with its SpecTimeout
// and a SpecContext.
func (s *suite) it(id string, body func(ctx SpecContext), decorators ...any) {
	args := append(s.decorators(id), decorators...)
	It(specText(id), append(args, func(ctx SpecContext) {
		body(s.declared(ctx, id))
	})...)
}

// entry is a DescribeTable entry for spec id, like it: the table's body
// takes the spec ID first and calls ctx = s.declared(ctx, id).
func (s *suite) entry(id string, params ...any) TableEntry {
	return Entry(specText(id), append(append(s.decorators(id), id), params...)...)
}

func specText(id string) string {
	d, ok := Lookup(id)
	if !ok {
		panic("conformance: spec " + id + " is not in the catalog")
	}
	return fmt.Sprintf("[%s] %s", id, d.Text)
}

// decorators are spec id's labels and timeout.
func (s *suite) decorators(id string) []any {
	d, _ := Lookup(id)
	args := []any{Label(string(d.Category), string(d.Level)), SpecTimeout(s.timeout(d))}
	if d.OnlyWhenAsked != "" {
		args = append(args, Label(d.OnlyWhenAsked))
	}
	if x, ok := s.opts.xfail[id]; ok {
		// The kinds label is for selection and display only: fail reads the
		// declaration from the running spec's state (expecting), never a label.
		args = append(args, Label(spec.XFailLabel, xfailKindPrefix+strings.ReplaceAll(x.Kinds.String(), "|", "+")))
	}
	return args
}

// declared runs at the start of spec id and returns the context its body
// runs with: the spec's, with its time budget (budget). It skips a spec
// that needs TCP on a Unix socket's target (Def.TCP); it names a protocol
// other than the default in the spec's report; for a declared expected
// failure it says so in the report and, at the spec's end, reports a pass
// (and, WithStrict, fails it).
func (s *suite) declared(ctx SpecContext, id string) SpecContext {
	d, _ := Lookup(id)
	if d.TCP != "" && s.network == "unix" {
		Skip(fmt.Sprintf("needs TCP: %s; target %s serves a Unix-domain socket", d.TCP, s.t.Name()))
	}
	ctx = budget(ctx, s.timeout(d))
	recordWire()
	if s.opts.protocol != payload.UpperEcho {
		AddReportEntry(spec.ProtocolEntry, s.opts.protocol.String(), ReportEntryVisibilityNever)
	}
	x, ok := s.opts.xfail[id]
	if !ok {
		return ctx
	}
	setDeclared(&x)
	AddReportEntry(spec.ExpectedEntry, fmt.Sprintf("%s: %s", x.Kinds, x.Why))
	DeferCleanup(func() {
		defer setDeclared(nil)
		r := CurrentSpecReport()
		if r.Failed() || r.State == types.SpecStateSkipped {
			return
		}
		msg := fmt.Sprintf("declared as an expected failure (%s: %s), but it passed: retire the declaration", x.Kinds, x.Why)
		AddReportEntry(spec.UnexpectedPassEntry, msg)
		if s.opts.strict {
			Fail("[strict] " + msg)
		}
	})
	return ctx
}

// expecting is the running spec's declared expected failure, or nil: set
// by declared at the spec's start and cleared by its last cleanup, read by
// fail (declaredFailure). A Ginkgo process runs one spec at a time.
var expecting struct {
	sync.Mutex
	x *Expected
}

// setDeclared makes x (nil: none) the running spec's declared expected
// failure.
func setDeclared(x *Expected) {
	expecting.Lock()
	defer expecting.Unlock()
	expecting.x = x
}

// declaredFailure is the running spec's declared expected failure, if it
// has one.
func declaredFailure() (Expected, bool) {
	expecting.Lock()
	defer expecting.Unlock()
	if expecting.x == nil {
		return Expected{}, false
	}
	return *expecting.x, true
}
