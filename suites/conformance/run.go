package conformance

// A spec's server: starting it (a fresh one per spec, or the process
// probed through /proc), watching it die, the shared state of the running
// spec (currentRun), and a spec's budget. What the specs stand on is split
// by concern: dial.go (connecting), paths.go (direct or through
// toxiproxy), verdicts.go (failing with a kind), measures.go (round trips,
// bounds, bursts), procs.go (/proc), afterfault.go (the check after a
// fault).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/fixtures/wire"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/goroutine"
	"github.com/echospec/echospec/spec"
)

// suite is what every spec of one target shares: the target and options.
type suite struct {
	t       target.Target
	opts    options
	network string // target.NetworkOf(t): "unix" or "tcp"
}

// startYardstick starts S10's and S11's yardstick, an echo server on the
// target's network, where the target runs: in this process for an engine
// the suite runs in it, and in a process of its own (this binary
// re-executed, as target.InProcess's Spawn) for a server in another
// process (an outside command or address), so that the round trips of
// both pay the same wakeups of another process on a busy host. A
// yardstick in the client's own process is not woken by the scheduler the
// way another process is: beside a Python server at a load average of 20
// it answered in 62 µs where the server, correct, took 3 ms (S10), and
// its p90 was 31 ms to the server's 353 ms (S11). The report says what
// and where it ran (entry "yardstick").
//
// wakes asks, for an engine in this process, for a yardstick that sleeps
// in the kernel between messages, as an event loop on a thread of its own
// does (wakingEngine: a thread per connection on blocking system calls on
// Linux). A goroutine server in the client's own process needs no kernel
// wake-up at all: the client's thread can run its goroutine from Go's
// netpoller. At a load average of 20 on 2 cores a correct gnet's median
// round trip was 3.28 ms against that yardstick's 99 µs (S10). S11 keeps
// the goroutine server: its streamers and the target's loop share the
// same CPUs whatever the yardstick, and its margins hold (issue 19).
func (s *suite) startYardstick(ctx context.Context, wakes bool) target.Instance {
	GinkgoHelper()
	var opts []target.InProcessOption
	if s.network == "unix" {
		opts = append(opts, target.OnUnixSocket()) // a Unix socket is compared with a Unix socket
	}
	var inst target.Instance
	var err error
	e, what := goroutine.Engine(), "a goroutine echo server"
	where := "in the suite's process, as the target"
	switch {
	case !target.InThisProcess(s.t):
		where = "in a process of its own, as the target"
		inst, err = target.InProcess(e, opts...).(target.Spawner).Spawn(ctx)
	case wakes && s.network == "tcp":
		e, what = wakingEngine()
		fallthrough
	default:
		inst, err = target.InProcess(e, append(opts, target.NoProcess())...).Start(ctx)
	}
	noErr(kinded(spec.IOError, err), "start the yardstick, %s (%s)", what, where)
	DeferCleanup(inst.Stop)
	AddReportEntry("yardstick", what+" "+where+", on the target's network")
	return inst
}

// run is one spec's running server and everything it opened; all of it is
// released by DeferCleanup when the spec ends.
type run struct {
	s    *suite
	inst target.Instance
	toxi *toxi.Server
	// exitExpected is set by specs that stop the server themselves.
	exitExpected bool
	// crashed is set once fail has named the server's death.
	crashed bool
}

// current is the running spec's server (the last one watch took charge
// of), for fail to ask whether it has died: a crash is the root cause of
// whatever else the spec saw; and its wire log (recordWire), which every
// connection the spec opens records into. A Ginkgo process runs one spec
// at a time; watch and recordWire set them and their cleanups clear them.
var current struct {
	sync.Mutex
	r   *run
	log *wire.Log
}

func currentRun() *run {
	current.Lock()
	defer current.Unlock()
	return current.r
}

// died returns how the server died, or nil while it lives (or when
// stopping it is the spec's own doing). With grace it gives a dying
// server crashGrace to be seen dead (a panic's trace being printed, a
// signal being delivered).
func (r *run) died(grace bool) error {
	if r.exitExpected {
		return nil
	}
	alive := r.inst.Check()
	for deadline := time.Now().Add(crashGrace); grace && alive == nil && time.Now().Before(deadline); {
		time.Sleep(crashPoll)
		alive = r.inst.Check()
	}
	return alive
}

// start starts a fresh instance of the target for the current spec. At the
// spec's end it checks that the server is still alive, attaches its output
// to a failed spec's report, and stops it.
func (s *suite) start(ctx context.Context) *run {
	GinkgoHelper()
	inst, err := s.t.Start(ctx)
	noErr(kinded(spec.NotListening, err), "")
	return s.watch(inst)
}

// startProcess starts an instance that runs as its own process group, for
// the specs that probe the server through /proc: the target's own instance
// if it is a process, or a spawned one. Where neither exists, the spec is
// skipped with the reason.
func (s *suite) startProcess(ctx context.Context) (*run, proc) {
	GinkgoHelper()
	if !probe.Supported {
		Skip("process probes need Linux /proc")
	}
	r, _ := s.startOwn(ctx)
	p, ok := procOf(r.inst)
	if !ok {
		Skip(fmt.Sprintf("needs the server's own process, and target %s has none the suite started: "+
			"run it with ECHOSPEC_TARGET_CMD to include this spec", s.t.Name()))
	}
	r.holdsConnections(ctx)
	return r, p
}

// holdsConnections checks that the process the probes read is the one
// that serves: a server started through a wrapper that does not exec it
// (a shell script, docker run) would have the wrapper probed instead, and
// pass these specs without being tested. Then the spec is skipped, with
// what to do about it.
func (r *run) holdsConnections(ctx context.Context) {
	GinkgoHelper()
	c := dial(ctx, r.inst.Addr())
	// A server accepts a connection before any data comes, so its socket
	// is looked for first: a server that closes each connection after one
	// echo would have none left after the exchange. Not found, it is
	// looked for again once an echo has come (a server that accepts late).
	err := target.VerifyServer(r.inst, c)
	if errors.Is(err, target.ErrNotHeld) {
		_, xerr := r.s.exchange(ctx, c, []byte("who"), verify.Options{})
		noErr(xerr, "the connection whose holder is checked")
		err = target.VerifyServer(r.inst, c)
	}
	if err != nil {
		if errors.Is(err, target.ErrNotHeld) {
			Skip(err.Error())
		}
		noErr(kinded(spec.IOError, err), "tell which process holds the connection")
	}
	c.Close()
}

// startOwn starts the server in a process of its own when the target can
// (an outside command, or a spawnable built-in engine), and reports
// whether it did; otherwise it starts it as usual.
func (s *suite) startOwn(ctx context.Context) (*run, bool) {
	GinkgoHelper()
	if sp, ok := s.t.(target.Spawner); ok && probe.Supported {
		inst, err := sp.Spawn(ctx)
		noErr(kinded(spec.NotListening, err), "spawn %s as its own process", s.t.Name())
		return s.watch(inst), true
	}
	r := s.start(ctx)
	_, own := r.inst.(target.Process)
	return r, own
}

// exchange is verify.Exchange judged by the target's protocol
// (WithProtocol): every exchange of every spec goes through it, so that
// the protocol is set in one place. (S10's yardstick, an upper-echo
// server of the suite's own, is the one exchange that does not.)
func (s *suite) exchange(ctx context.Context, c net.Conn, p []byte, o verify.Options) (verify.Stats, error) {
	o.Protocol = s.opts.protocol
	if o.Stall == 0 {
		o.Stall = exchangeStall
	}
	return verify.Exchange(ctx, c, p, o)
}

// watch takes charge of a started instance for the current spec.
func (s *suite) watch(inst target.Instance) *run {
	GinkgoHelper()
	r := &run{s: s, inst: inst}
	current.Lock()
	current.r = r
	current.Unlock()
	DeferCleanup(func() {
		// A dying server is not dead yet: a failed spec gives it a moment,
		// so that a crash is named as the root cause.
		alive := r.died(CurrentSpecReport().Failed())
		current.Lock()
		if current.r == r {
			current.r = nil
		}
		current.Unlock()
		if alive != nil {
			AddReportEntry(spec.DiedEntry, alive.Error())
		}
		if o, ok := inst.(target.Outputter); ok && (alive != nil || CurrentSpecReport().Failed()) {
			AddReportEntry(spec.OutputEntry, tailLines(o.Output(), 40))
		}
		var stopErr error
		if alive == nil {
			// A server that ignores SIGTERM is killed after the grace
			// period: L1's finding (slow-exit), reported, not this spec's.
			var ignored bool
			if stopErr, ignored = target.IgnoredTERM(inst.Stop()); ignored {
				AddReportEntry("stop", "the server ignored SIGTERM and was killed after the grace period (L1 judges its exit)")
			}
		} else {
			inst.Stop() // a dead server's stop error adds nothing
		}
		// A crash is the root cause of whatever else the spec saw (unless
		// fail has named it already).
		if !r.crashed {
			noErr(kinded(spec.Crash, alive), "the server must survive every spec")
		}
		noErr(stopErr, "stop target %s", s.t.Name())
	})
	return r
}

// profile is the target's declared deviations.
func (r *run) profile() engine.Profile { return r.s.t.Profile() }

// serves checks that a new direct connection gets an exact echo, with
// verify's default stall time.
func (r *run) serves(ctx context.Context, when string) {
	GinkgoHelper()
	r.servesWithin(ctx, 0, when)
}

// servesWithin checks that a new direct connection gets an exact echo,
// each part of it within stall (0: verify's default).
func (r *run) servesWithin(ctx context.Context, stall time.Duration, when string) {
	GinkgoHelper()
	c := dial(ctx, r.inst.Addr())
	_, err := r.s.exchange(ctx, c, seeds().Random(serveSize, 99), verify.Options{ExtraWait: extraWait, Stall: stall})
	noErr(err, "%s, a new connection's echo", when)
}

// background runs an exchange on a new direct connection while the spec
// goes on; the returned func waits for it and returns its error, named.
func (r *run) background(ctx context.Context, what string, p []byte, o verify.Options) func() error {
	GinkgoHelper()
	c := dial(ctx, r.inst.Addr())
	done := make(chan error, 1)
	go func() {
		_, err := r.s.exchange(ctx, c, p, o)
		done <- verify.Describe(err, "%s", what)
	}()
	return func() error { return <-done }
}

// fit scales a number of concurrent connections to the target's declared
// max-conns, keeping `reserve` places for the spec's other connections,
// and records the deviation when it has to. It never returns more than
// the declaration allows; where the declaration leaves no room at all,
// the spec is skipped with the reason.
func (r *run) fit(want, reserve int, what string) int {
	GinkgoHelper()
	m := r.profile().MaxConns
	if m == 0 || want+reserve <= m {
		return want
	}
	got := m - reserve
	if got < 1 {
		Skip(fmt.Sprintf("max-conns=%d leaves no room for %s beside the spec's %d other connection(s)", m, what, reserve))
	}
	deviation("max-conns=%d: %d %s instead of %d", m, got, what, want)
	return got
}

// onlyWhenAsked skips spec id, one that runs only when asked
// (Def.OnlyWhenAsked), unless the label filter lets its label through by
// name, or a focus selects it (--focus '\[E14\]', as the self-test, the
// stability tool and conformancetest select specs by ID).
func onlyWhenAsked(id string) {
	GinkgoHelper()
	d, _ := Lookup(id)
	label := d.OnlyWhenAsked
	if f := GinkgoLabelFilter(); strings.Contains(f, label) && Label(label).MatchesLabelFilter(f) {
		return
	}
	suite, _ := GinkgoConfiguration()
	text := CurrentSpecReport().FullText() // what Ginkgo matched the focus against
	for _, f := range suite.FocusStrings {
		if re, err := regexp.Compile(f); err == nil && re.MatchString(text) {
			return
		}
	}
	Skip(fmt.Sprintf("%s runs only when asked: --label-filter=%s, or --focus '\\[%s\\]'", id, label, id))
}

// budget is the spec's context with its time budget: its SpecTimeout less
// cleanupMargin. A server too slow for a spec then fails it at the
// budget, as a stall, with the step it was on and the numbers, while the
// cleanup still has time — not at Ginkgo's timeout, whose message says
// only that it occurred and which no expected failure can declare.
func budget(ctx SpecContext, timeout time.Duration) SpecContext {
	inner, cancel := context.WithTimeoutCause(ctx, timeout-cleanupMargin,
		fmt.Errorf("the spec's time ran out (%v of its %v; %v kept for cleanup)", timeout-cleanupMargin, timeout, cleanupMargin))
	DeferCleanup(cancel)
	return budgeted{Context: inner, spec: ctx}
}

// budgeted is a SpecContext whose context is its budget's.
type budgeted struct {
	context.Context
	spec SpecContext
}

func (b budgeted) SpecReport() types.SpecReport { return b.spec.SpecReport() }

func (b budgeted) AttachProgressReporter(f func() string) func() {
	return b.spec.AttachProgressReporter(f)
}

func (b budgeted) WrappedContext() context.Context { return b.Context }
