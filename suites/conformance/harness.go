package conformance

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/engine"
)

// DialTimeout bounds every connect the suite makes.
const DialTimeout = 5 * time.Second

// suite is what every spec of one target shares: the target and options.
type suite struct {
	t    target.Target
	opts options
}

// run is one spec's running server and everything it opened; all of it is
// released by DeferCleanup when the spec ends.
type run struct {
	s    *suite
	inst target.Instance
	toxi *toxi.Server
	// exitExpected is set by specs that stop the server themselves.
	exitExpected bool
}

// start starts a fresh instance of the target for the current spec. At the
// spec's end it checks that the server is still alive, attaches its output
// to a failed spec's report, and stops it.
func (s *suite) start(ctx context.Context) *run {
	GinkgoHelper()
	inst, err := s.t.Start(ctx)
	noErr(err, "")
	return s.watch(inst)
}

// startProcess starts an instance that runs as its own process group, for
// the specs that probe the server through /proc: the target's own instance
// if it is a process, or a spawned one. Where neither exists, the spec is
// skipped with the reason.
func (s *suite) startProcess(ctx context.Context) (*run, int) {
	GinkgoHelper()
	if !probe.Supported {
		Skip("process probes need Linux /proc")
	}
	r, _ := s.startOwn(ctx)
	p, ok := r.inst.(target.Process)
	if !ok {
		Skip(fmt.Sprintf("needs the server's own process, and target %s has none the suite started: "+
			"run it with ECHOSPEC_TARGET_CMD to include this spec", s.t.Name()))
	}
	return r, p.PID()
}

// startOwn starts the server in a process of its own when the target can
// (an outside command, or a spawnable built-in engine), and reports
// whether it did; otherwise it starts it as usual.
func (s *suite) startOwn(ctx context.Context) (*run, bool) {
	GinkgoHelper()
	if sp, ok := s.t.(target.Spawner); ok && probe.Supported {
		inst, err := sp.Spawn(ctx)
		noErr(err, "spawn %s as its own process", s.t.Name())
		return s.watch(inst), true
	}
	r := s.start(ctx)
	_, own := r.inst.(target.Process)
	return r, own
}

// watch takes charge of a started instance for the current spec.
func (s *suite) watch(inst target.Instance) *run {
	GinkgoHelper()
	r := &run{s: s, inst: inst}
	DeferCleanup(func() {
		alive := inst.Check()
		if r.exitExpected {
			alive = nil
		}
		if alive != nil && CurrentSpecReport().Failed() {
			AddReportEntry("the server died", alive.Error())
		}
		if o, ok := inst.(target.Outputter); ok && (alive != nil || CurrentSpecReport().Failed()) {
			AddReportEntry(OutputEntry, tailLines(o.Output(), 40))
		}
		var stopErr error
		if alive == nil {
			stopErr = inst.Stop()
		} else {
			inst.Stop() // a dead server's stop error adds nothing
		}
		noErr(alive, "the server must survive every spec")
		noErr(stopErr, "stop target %s", s.t.Name())
	})
	return r
}

// addr is where the current path reaches the server: the server itself, or
// a fresh toxiproxy proxy in front of it with the given toxics.
func (r *run) addr(p path, toxics ...toxi.Toxic) string {
	GinkgoHelper()
	if !p.proxied && len(toxics) == 0 {
		return r.inst.Addr()
	}
	return r.proxy(toxics...)
}

// proxy puts a new toxiproxy proxy with toxics in front of the server and
// returns its address.
func (r *run) proxy(toxics ...toxi.Toxic) string {
	GinkgoHelper()
	if r.toxi == nil {
		srv, err := toxi.Open(r.s.opts.toxiproxyURL)
		noErr(err, "")
		DeferCleanup(srv.Close)
		r.toxi = srv
	}
	px, err := r.toxi.Proxy(r.inst.Addr(), toxics...)
	noErr(err, "")
	DeferCleanup(px.Close)
	return px.Addr()
}

// dial connects to addr with a deadline; the connection is closed when the
// spec ends.
func dial(ctx context.Context, addr string) *net.TCPConn {
	GinkgoHelper()
	c, err := dialErr(ctx, addr)
	noErr(err, "")
	DeferCleanup(func() { c.Close() }) // the spec may have closed it already
	return c
}

// dialAll opens n connections to addr, all closed by one cleanup when the
// spec ends (one cleanup node, not n, keeps the report small).
func dialAll(ctx context.Context, addr string, n int) []*net.TCPConn {
	GinkgoHelper()
	conns := make([]*net.TCPConn, 0, n)
	DeferCleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range n {
		c, err := dialErr(ctx, addr)
		noErr(err, "connection %d of %d", i+1, n)
		conns = append(conns, c)
	}
	return conns
}

func dialErr(ctx context.Context, addr string) (*net.TCPConn, error) {
	d := net.Dialer{Timeout: DialTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return c.(*net.TCPConn), nil
}

// noErr fails the spec with err's own message, prefixed with what was
// being done, when err is not nil. It keeps failure messages to the
// numbers, without a dump of the error's fields.
func noErr(err error, format string, args ...any) {
	GinkgoHelper()
	if err != nil {
		msg := err.Error()
		if format != "" {
			msg = fmt.Sprintf(format, args...) + ": " + msg
		}
		fail(msg)
	}
}

// fail fails the current spec with msg — unless this target's failure of
// this spec is a declared expected failure (a known finding, labelled
// xfail), which is recorded as such and skipped, so that it is reported
// in every report but does not fail the run.
func fail(msg string) {
	GinkgoHelper()
	if slices.Contains(CurrentSpecReport().Labels(), xfailLabel) {
		AddReportEntry(ExpectedFailureEntry, msg)
		Skip("expected failure (declared): " + msg)
	}
	Fail(msg)
}

// g is a Gomega whose failures go through fail, for Eventually.
var g = NewGomega(func(message string, _ ...int) { fail(message) })

// profile is the target's declared deviations.
func (r *run) profile() engine.Profile { return r.s.t.Profile() }

// deviation records in the report that a declared deviation shaped this
// spec. It never hides a failure: it is shown in every report.
func deviation(format string, args ...any) {
	AddReportEntry(DeviationEntry, fmt.Sprintf(format, args...))
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// path is how a spec reaches the server: directly, or through toxiproxy
// with no toxic (which proves the proxy path before faults use it).
type path struct {
	proxied bool
}

var (
	direct  = path{}
	proxied = path{proxied: true}
)

// id returns a spec ID for this path: proxied paths get a "p" suffix.
func (p path) id(base string) string {
	if p.proxied {
		return base + "p"
	}
	return base
}

func (p path) label() Labels {
	if p.proxied {
		return Label("proxy")
	}
	return Label("direct")
}
