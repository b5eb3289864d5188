package conformance

// Shared helpers of the specs: starting and watching servers, connecting,
// failing with a kind, and the measures several categories use. The spec
// files read like the specification; this file is what they stand on.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

// suite is what every spec of one target shares: the target and options.
type suite struct {
	t       target.Target
	opts    options
	network string // target.NetworkOf(t): "unix" or "tcp"
}

// yardstickOn is how S10 starts its yardstick: in this process, on the
// target's network, so that a Unix socket is compared with a Unix socket.
func (s *suite) yardstickOn() []target.InProcessOption {
	opts := []target.InProcessOption{target.NoProcess()}
	if s.network == "unix" {
		opts = append(opts, target.OnUnixSocket())
	}
	return opts
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
// whatever else the spec saw. A Ginkgo process runs one spec at a time;
// watch sets it and its cleanup clears it.
var current struct {
	sync.Mutex
	r *run
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
	return r.toxiProxy(toxics...).Addr()
}

// toxiProxy is proxy keeping the proxy itself, for a spec that changes
// its toxics or asks after its connections.
func (r *run) toxiProxy(toxics ...toxi.Toxic) *toxi.Proxy {
	GinkgoHelper()
	if r.toxi == nil {
		srv, err := toxi.Open(r.s.opts.toxiproxyURL)
		noErr(kinded(spec.IOError, err), "")
		DeferCleanup(srv.Close)
		r.toxi = srv
	}
	px, err := r.toxi.Proxy(r.inst.Addr(), toxics...)
	noErr(kinded(spec.IOError, err), "")
	DeferCleanup(px.Close)
	return px
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

// afterFault is the last check of every spec that faults the server
// (resets, cut or held connections, EMFILE): the same server instance,
// the fault over, must keep afterFaultConns connections at once apart,
// each exchanging its own payload in afterFaultChunk writes, read only
// after afterFaultDelay through a narrow window (bounds.go says why), all
// within afterFaultLimit. A server that shares state between connections only
// after a fault passes every check that runs one connection at a time;
// this one mixes their bytes. fault says what the fault was; the failure
// names the spec and the fault, the connection and its error, with the
// kind of the worst error any connection met (afterFaultOrder), so that
// the kind does not depend on which connection failed first.
func (r *run) afterFault(ctx context.Context, fault string) {
	GinkgoHelper()
	where := fmt.Sprintf("after the fault (%s: %s)", currentID(), fault)
	n := r.fit(afterFaultConns, 0, "connections in the check after the fault")
	ctx, cancel := context.WithTimeout(ctx, afterFaultLimit)
	defer cancel()
	t0 := time.Now()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := sock.DialNarrow(ctx, r.inst.Addr(), afterFaultRcvBuf, afterFaultMSS)
		if err != nil {
			noErr(connectFailed(ctx, err), "%s: connection %d of %d", where, i+1, n)
		}
		DeferCleanup(func() { c.Close() })
		conns[i] = c
	}
	errs := make([]error, n)
	o := verify.Options{Stall: afterFaultLimit, ReadDelay: afterFaultDelay, Chunks: func(int) int { return afterFaultChunk }}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			_, errs[i] = r.s.exchange(ctx, c, seeds().Random(afterFaultSize, afterFaultSeed+uint64(i)), o)
		})
	}
	wg.Wait()
	took := time.Since(t0)
	bound("exchange after the fault", ms(took), ms(afterFaultLimit), "ms")
	failed, worst := 0, -1
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed++
		if worst < 0 || afterFaultRank(kindOf(err)) < afterFaultRank(kindOf(errs[worst])) {
			worst = i
		}
	}
	if worst >= 0 {
		noErr(kinded(kindOf(errs[worst]), fmt.Errorf("connection %d of %d: %w (%d of %d connections failed, %s each, at once, in %v)",
			worst+1, n, errs[worst], failed, n, size(afterFaultSize), took.Round(time.Millisecond))), "%s", where)
	}
	AddReportEntry("after the fault", fmt.Sprintf("%s: %d connections at once, %s each, read from %v on, every echo exact, in %v",
		fault, n, size(afterFaultSize), afterFaultDelay, took.Round(time.Microsecond)))
}

// afterFaultSeed numbers afterFault's payload streams (seeds), one per
// connection, so that no two are alike.
const afterFaultSeed = 0xaf7e

// afterFaultOrder ranks the kinds afterFault may see, the one it reports
// first: a wrong byte is the news whatever else went wrong beside it
// (connections that share a buffer may also stall or close), then the
// ways an echo can go missing, then the rest.
var afterFaultOrder = []spec.Kind{spec.WrongByte, spec.Extra, spec.Lost, spec.EarlyClose, spec.Stall, spec.Refused}

func afterFaultRank(k spec.Kind) int {
	if i := slices.Index(afterFaultOrder, k); i >= 0 {
		return i
	}
	return len(afterFaultOrder)
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

// dial connects to addr (a loopback HOST:PORT, or a Unix socket's
// "unix:PATH") with a deadline; the connection is closed when the spec
// ends.
func dial(ctx context.Context, addr string) net.Conn {
	GinkgoHelper()
	c, err := dialErr(ctx, addr)
	noErr(err, "")
	DeferCleanup(func() { c.Close() }) // the spec may have closed it already
	return c
}

// dialAll opens n connections to addr, all closed by one cleanup when the
// spec ends (one cleanup node, not n, keeps the report small).
func dialAll(ctx context.Context, addr string, n int) []net.Conn {
	GinkgoHelper()
	conns := make([]net.Conn, 0, n)
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

// dialErr connects to addr; a failure is of kind refused.
func dialErr(ctx context.Context, addr string) (net.Conn, error) { return dialFrom(ctx, addr, nil) }

// dialFrom is dialErr from source address src (nil: the default), its
// port chosen at connect (bindNoPort).
func dialFrom(ctx context.Context, addr string, src net.Addr) (net.Conn, error) {
	d := net.Dialer{Timeout: DialTimeout}
	if src != nil {
		d.LocalAddr, d.Control = src, bindNoPort
	}
	network, address := engine.Network(addr)
	c, err := d.DialContext(ctx, network, address)
	// A Unix-domain listener whose backlog is full fails a connect at once
	// with EAGAIN, where TCP would wait for room (the kernel retries the
	// SYN): wait as a TCP connect would, up to DialTimeout. (C5's 1,536
	// connects met it beside two CPU hogs, the server a moment behind.)
	for until := time.Now().Add(DialTimeout); err != nil && network == "unix" && errors.Is(err, syscall.EAGAIN) && time.Now().Before(until); {
		select {
		case <-ctx.Done():
		case <-time.After(unixBacklogPause):
			c, err = d.DialContext(ctx, network, address)
			continue
		}
		break
	}
	if err != nil {
		return nil, connectFailed(ctx, fmt.Errorf("connect to %s: %w", addr, err))
	}
	return c, nil
}

// unixBacklogPause is how long a connect to a Unix-domain listener with a
// full backlog waits before it tries again.
const unixBacklogPause = 5 * time.Millisecond

// connectFailed gives a failed connect its kind: refused, or a stall
// when the spec's budget ran out meanwhile. The connect shares the
// budget's deadline, and its own timer may fire before the context is
// marked done, so the deadline itself is what tells.
func connectFailed(ctx context.Context, err error) error {
	if dl, ok := ctx.Deadline(); ctx.Err() != nil || (ok && !time.Now().Before(dl)) {
		<-ctx.Done() // at most a moment: the deadline has passed
		return kinded(spec.Stall, fmt.Errorf("%w: %w", err, context.Cause(ctx)))
	}
	return kinded(spec.Refused, err)
}

// abort ends c with a reset (RST) where it is a TCP connection, and
// closes it where it is not (a Unix socket has no reset).
func abort(c net.Conn) {
	if _, ok := c.(*net.TCPConn); ok {
		sock.Reset(c)
		return
	}
	c.Close()
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

// kindError is an error with the failure kind it stands for.
type kindError struct {
	kind spec.Kind
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// kinded gives err the failure kind k (nil stays nil).
func kinded(k spec.Kind, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: k, err: err}
}

// kindOf is the failure kind err stands for: the kind it was given, or
// the one verify reads from it (its own *Error's, or the system error's).
func kindOf(err error) spec.Kind {
	var ke *kindError
	if errors.As(err, &ke) {
		return ke.kind
	}
	return verify.KindOf(err)
}

// noErr fails the spec with err's own message, prefixed with what was
// being done, and err's kind, when err is not nil. It keeps failure
// messages to the numbers, without a dump of the error's fields.
func noErr(err error, format string, args ...any) {
	GinkgoHelper()
	if err != nil {
		msg := err.Error()
		if format != "" {
			msg = fmt.Sprintf(format, args...) + ": " + msg
		}
		fail(kindOf(err), msg)
	}
}

// fail fails the current spec with msg and its kind (a report entry, and
// the message's first word) — unless this target's failure of this spec
// is a declared expected failure of that same kind (a known finding,
// labelled xfail), which is recorded as such and skipped: reported in
// every report, but not failing the run. A failure of another kind fails
// as usual, saying what was declared.
func fail(kind spec.Kind, msg string) {
	GinkgoHelper()
	failAt(kind, msg, 0)
}

// failAt is fail with the failure's location skip frames above its
// caller's (then past every GinkgoHelper), for a failure that comes
// through code that is not the spec's, such as Gomega's Eventually.
func failAt(kind spec.Kind, msg string, skip int) {
	GinkgoHelper()
	if r := currentRun(); r != nil && kind != spec.Crash {
		// A crash is the root cause: the reset or early close the spec
		// saw first is its symptom. A dying server is always given its
		// moment, so the kind does not depend on how fast a busy host
		// lets it exit (a server that died on the same reset was named
		// early-close 1 run in 10 beside two CPU hogs when it was not).
		if err := r.died(true); err != nil {
			msg = fmt.Sprintf("the server died (%v); first seen as %s%s", err, kind.Tag(), msg)
			kind = spec.Crash
			r.crashed = true
		}
	}
	AddReportEntry(spec.KindEntry, string(kind), Offset(skip+1))
	if x, declared := declaredFailure(); declared {
		if x.Kinds.Contains(kind) {
			AddReportEntry(spec.ExpectedFailureEntry, kind.Tag()+msg, Offset(skip+1))
			Skip("expected failure (declared): "+kind.Tag()+msg, skip+1)
		}
		msg += fmt.Sprintf(" (declared as an expected failure of kind %s; this one is %s)", x.Kinds, kind)
	}
	Fail(kind.Tag()+msg, skip+1)
}

// xfailKindPrefix labels a spec with the kinds of its expected failure,
// joined by "+" (a label cannot hold "|"): for selection and display only.
const xfailKindPrefix = "xfail-kind:"

// expect is a Gomega whose failures go through fail with kind k, for
// Eventually with ctx: one that ends because ctx did (the spec's budget
// ran out) is a stall, saying so.
func expect(ctx context.Context, k spec.Kind) Gomega {
	return NewGomega(func(message string, skip ...int) {
		GinkgoHelper()
		if ctx.Err() != nil {
			k, message = spec.Stall, message+": "+context.Cause(ctx).Error()
		}
		// Gomega's skip counts from this function's caller, inside Gomega;
		// failAt's from its own caller, this function: one more.
		failAt(k, message, 1+append(skip, 0)[0])
	})
}

// deviation records in the report that a declared deviation shaped this
// spec. It never hides a failure: it is shown in every report.
func deviation(format string, args ...any) {
	AddReportEntry(spec.DeviationEntry, fmt.Sprintf(format, args...))
}

// idle waits d, or until the spec's context ends.
func idle(ctx context.Context, d time.Duration) {
	GinkgoHelper()
	select {
	case <-ctx.Done():
		fail(spec.Stall, fmt.Sprintf("the spec ended while idling %v", d))
	case <-time.After(d):
	}
}

// firstErrors joins the first few non-nil errors, each named by its index,
// with a count of all of them. The kind of the result is the kind of the
// first.
func firstErrors(errs []error, what string) error { return firstErrorsFrom(errs, what, 0) }

// firstErrorsFrom is firstErrors for errs numbered from first.
func firstErrorsFrom(errs []error, what string, first int) error {
	var failed []error
	count := 0
	var kind spec.Kind
	for i, err := range errs {
		if err == nil {
			continue
		}
		count++
		if kind == "" {
			kind = kindOf(err)
		}
		if len(failed) < 5 {
			failed = append(failed, fmt.Errorf("%s %d: %w", what, first+i, err))
		}
	}
	if count == 0 {
		return nil
	}
	return kinded(kind, fmt.Errorf("%d of %d %ss failed; the first:\n%w", count, len(errs), what, errors.Join(failed...)))
}

// pingPong runs n connections at once, each doing rounds round trips of
// small random messages, and returns every round-trip time.
func (s *suite) pingPong(ctx context.Context, addr string, n, rounds int, seed uint64) ([]time.Duration, error) {
	return pings(ctx, addr, pinging{clients: n, rounds: rounds, seed: seed, protocol: s.opts.protocol})
}

// pinging shapes a ping-pong: clients × rounds round trips of 64 bytes.
type pinging struct {
	clients, rounds int
	seed            uint64
	protocol        payload.Protocol
	// until, if set, ends every client's rounds at that time (a round in
	// flight then still completes).
	until time.Time
	// starvedAt, if set, is how long a round trip may wait for its echo
	// before it counts as starved: it is recorded as the time it waited,
	// and that client's rounds end (its echo may still be on its way).
	starvedAt time.Duration
}

// pings runs a ping-pong against addr and returns every round trip.
func pings(ctx context.Context, addr string, p pinging) ([]time.Duration, error) {
	conns := make([]net.Conn, p.clients)
	for i := range conns {
		c, err := dialErr(ctx, addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		conns[i] = c
	}
	rtts := make([][]time.Duration, p.clients)
	errs := make([]error, p.clients)
	o := verify.Options{Protocol: p.protocol, Stall: p.starvedAt}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for j := range p.rounds {
				if !p.until.IsZero() && j > 0 && time.Now().After(p.until) {
					return
				}
				t0 := time.Now()
				st, err := verify.Exchange(ctx, c, payload.Random(64, p.seed+uint64(i*p.rounds+j)), o)
				if err != nil && p.starvedAt > 0 && verify.KindOf(err) == spec.Stall && ctx.Err() == nil {
					rtts[i] = append(rtts[i], time.Since(t0))
					return
				}
				if err != nil {
					errs[i] = verify.Describe(err, "round trip %d", j+1)
					return
				}
				rtts[i] = append(rtts[i], st.Elapsed)
			}
		})
	}
	wg.Wait()
	if err := firstErrors(errs, "ping-pong client"); err != nil {
		return nil, err
	}
	return slices.Concat(rtts...), nil
}

func median(ds []time.Duration) time.Duration { return quantile(ds, 0.5) }

// p90 is the 90th percentile: starvation that hits one round in ten
// (a median would hide it).
func p90(ds []time.Duration) time.Duration { return quantile(ds, 0.9) }

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// bound records a measured value against its limit (spec.BoundEntry) for
// the stability tool and the reports; the spec still judges it itself.
func bound(what string, value, limit float64, unit string) {
	AddReportEntry(spec.BoundEntry, spec.Bound{What: what, Value: value, Limit: limit, Unit: unit}, ReportEntryVisibilityNever)
}

// boundAtLeast is bound for a value that must reach its limit.
func boundAtLeast(what string, value, limit float64, unit string) {
	AddReportEntry(spec.BoundEntry, spec.Bound{What: what, Value: value, Limit: limit, Unit: unit, AtLeast: true}, ReportEntryVisibilityNever)
}

// ms is a duration in milliseconds, for bound.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// withinBaseline checks a time measured under a fault against the same
// measure without it (kind timing).
func withinBaseline(base, under time.Duration) error {
	limit := baselineLimit(base)
	if under > limit {
		return kinded(spec.Timing, fmt.Errorf("took %v, against %v without the misbehaving client: more than %dx + %v (limit %v)",
			under.Round(time.Microsecond), base.Round(time.Microsecond), slowdownFactor, slowdownSlack, limit.Round(time.Microsecond)))
	}
	AddReportEntry("margin", fmt.Sprintf("%v of a limit of %v (%.0f%%)", under.Round(time.Microsecond), limit.Round(time.Microsecond), 100*float64(under)/float64(limit)))
	return nil
}

// withinBaselineBound is withinBaseline that first records the measure
// as bound what (in ms, passed or failed), for the stability tool; what
// names the measure without numbers, so that runs group by it.
func withinBaselineBound(what string, base, under time.Duration) error {
	bound(what, ms(under), ms(baselineLimit(base)), "ms")
	return withinBaseline(base, under)
}

// baselineLimit is the most a time measured beside a misbehaving client
// may take, against base without it.
func baselineLimit(base time.Duration) time.Duration { return slowdownFactor*base + slowdownSlack }

// proc is the server process the probes read: its process group, or the
// one process a PID file names outside it.
type proc struct {
	pid   int
	group bool
}

// procOf is the process of an instance that has one.
func procOf(inst target.Instance) (proc, bool) {
	p, ok := inst.(target.Process)
	if !ok {
		return proc{}, false
	}
	group := true
	if g, ok := inst.(target.Grouper); ok {
		group = g.IsGroup()
	}
	return proc{pid: p.PID(), group: group}, true
}

// pids lists the processes the probes read.
func (p proc) pids() []int {
	if p.group {
		return probe.Pids(p.pid)
	}
	return []int{p.pid}
}

// sample probes the server's processes, failing the spec if it cannot.
func sample(p proc) probe.Sample {
	GinkgoHelper()
	var s probe.Sample
	var err error
	if p.group {
		s, err = probe.Group(p.pid)
	} else {
		s, err = probe.Processes(p.pid)
	}
	noErr(kinded(spec.Crash, err), "probe the server process")
	return s
}

// settlesTo waits for a probed count to come back to at most base+slack,
// and fails with kind, both numbers and the time waited if it does not.
// It waits as long as the count keeps falling: it fails once the count
// has made no new low for settle (a leak is a plateau; a server slowed by
// a busy host releases late, but releases), or after settleMax in all.
func settlesTo(ctx context.Context, pid proc, kind spec.Kind, what string, get func(probe.Sample) int, base, slack int, when string) {
	GinkgoHelper()
	t0 := time.Now()
	var last int
	low, lowAt := math.MaxInt, t0
	plateau := false
	expect(ctx, kind).Eventually(ctx, func() (int, error) {
		last = get(sample(pid))
		if last < low {
			low, lowAt = last, time.Now()
		}
		if last > base+slack && time.Since(lowAt) >= settle {
			plateau = true
			return last, StopTrying(fmt.Sprintf("%s %d, no lower for %v", what, last, settle))
		}
		return last, nil
	}).WithTimeout(settleMax).WithPolling(settlePoll).Should(BeNumerically("<=", base+slack),
		func() string {
			why := fmt.Sprintf("no lower count for %v", settle)
			if !plateau {
				why = fmt.Sprintf("still falling after %v", settleMax)
			}
			return fmt.Sprintf("%s: %s %d before, %d after (+%d, limit +%d), waited %v (%s)", when, what, base, last, last-base, slack, time.Since(t0).Round(time.Millisecond), why)
		})
	AddReportEntry(what, fmt.Sprintf("%d before, %d after (%s), settled in %v", base, last, when, time.Since(t0).Round(time.Millisecond)))
}

// spinning measures, over d, how much of the time it could have run the
// server's process group did run (probe.SpinShareOver): a spinning server
// scores about 1 per spinning thread whatever else the host is doing, a
// server blocked waiting for work about 0. It samples the group at both
// ends (returned, for the CPU time) and the scheduler counters of its
// threads every spinStep between them (its processes listed again every
// spinRelist), so that spinning that moves from thread to thread, as a Go
// runtime moves a goroutine stuck in a loop of system calls when the
// kernel preempts its thread, is still seen whole. At the end it samples
// on, for at most spinTail, until the threads runnable then have run
// (probe.SpinTail), so that a wait for a CPU under way is counted as one.
// A window in which the server was kept waiting for a CPU so long that
// less than a quarter of it is left to judge by (probe.SpinBasis: a host
// that starved it, or stopped everything for a while) goes on, d/4 at a
// time, until it has that much, to spinMore × d in all.
func spinning(ctx context.Context, pid proc, d time.Duration) (float64, probe.Sample, probe.Sample) {
	GinkgoHelper()
	before := sample(pid)
	series := []probe.Sample{before}
	pids, listed := pid.pids(), before.At
	var tail []probe.Sample
	for end := before.At.Add(d); ; end = end.Add(d / 4) {
		for left := time.Until(end); left > spinStep/2; left = time.Until(end) {
			idle(ctx, min(spinStep, left))
			if time.Since(listed) >= spinRelist {
				pids, listed = pid.pids(), time.Now()
			}
			if s, err := probe.SchedSample(pids...); err == nil {
				series = append(series, s)
			}
		}
		tail = probe.SpinTail(ctx, pids, series[len(series)-1], spinStep, spinTail)
		if probe.SpinBasis(series, tail) >= d/4 || time.Since(before.At) >= spinMore*d {
			break
		}
		series = append(series, tail...)
	}
	after := sample(pid)
	if span := series[len(series)-1].At.Sub(before.At); span > d+d/8 {
		AddReportEntry("spin share window", fmt.Sprintf("measured over %v, not %v: the server was kept waiting for a CPU most of the time", span.Round(time.Millisecond), d))
	}
	return probe.SpinShareOver(series, tail), before, after
}

// oneShot makes one connection with a one-byte exchange.
func (s *suite) oneShot(ctx context.Context, addr string) error {
	c, err := dialErr(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = s.exchange(ctx, c, []byte("b"), verify.Options{})
	return err
}

// burst makes total connections, conc at a time, each running one, and
// returns each one's error.
func burst(total, conc int, one func(i int) error) []error {
	errs := make([]error, total)
	var wg sync.WaitGroup
	next := make(chan int)
	for range conc {
		wg.Go(func() {
			for i := range next {
				errs[i] = one(i)
			}
		})
	}
	for i := range total {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// burstOrFail is burst for a spec whose verdict is certain at its first
// failed connection (burstUntilFailure), failing it with the first errors
// and how many were not started. Against a server that stalls every
// connection, H6's 250 warm-up connections, 32 at a time, waited 40 s for
// every one of them to stall (5 s each) before failing with the first.
func burstOrFail(ctx context.Context, total, conc int, what string, one func(i int) error) {
	GinkgoHelper()
	errs, skipped := burstUntilFailure(ctx, total, conc, one)
	if skipped > 0 {
		noErr(firstErrors(errs, what), "%d %ss not started after the first failure", skipped, what)
		noErr(kinded(spec.Stall, context.Cause(ctx)), "%d %ss not started", skipped, what)
	}
	noErr(firstErrors(errs, what), "")
}

// burstUntilFailure is burst that starts no more connections once one has
// failed or ctx has ended (those under way finish): each started one's
// error, nil for the others, and how many were not started.
func burstUntilFailure(ctx context.Context, total, conc int, one func(i int) error) ([]error, int) {
	var failed atomic.Bool
	notStarted := errors.New("not started")
	errs := burst(total, conc, func(i int) error {
		if failed.Load() || ctx.Err() != nil {
			return notStarted
		}
		err := one(i)
		if err != nil {
			failed.Store(true)
		}
		return err
	})
	skipped := 0
	for i, err := range errs {
		if err == notStarted {
			errs[i], skipped = nil, skipped+1
		}
	}
	return errs, skipped
}

// reportDurations puts the distribution of ds into the spec's report.
func reportDurations(name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	AddReportEntry(name, fmt.Sprintf("n=%d p50=%v p99=%v max=%v", len(s), quantile(s, 0.5), quantile(s, 0.99), s[len(s)-1]))
}

func reportThroughput(st verify.Stats) {
	mbps := float64(st.Bytes) / mib / st.Elapsed.Seconds()
	AddReportEntry("throughput", fmt.Sprintf("%d bytes in %v (%.1f MiB/s)", st.Bytes, st.Elapsed.Round(time.Millisecond), mbps))
}

func inMiB(n int64) float64 { return float64(n) / mib }

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
		return Label(spec.ProxyLabel)
	}
	return Label(spec.DirectLabel)
}

// stream writes fairChunk-sized chunks to c as fast as it takes them and
// reads the echo as fast as it comes, until the returned stop is called;
// stop returns the bytes echoed and the first error other than the stop
// (a stall when a write or a read made no progress for fairStarved).
func stream(ctx context.Context, c net.Conn) (stop func() (int64, error), echoed *atomic.Int64) {
	echoed = new(atomic.Int64)
	halt := make(chan struct{})
	var wg sync.WaitGroup
	var werr, rerr error
	chunk := payload.Text(fairChunk)
	wg.Go(func() {
		for {
			select {
			case <-halt:
				return
			case <-ctx.Done():
				return
			default:
			}
			c.SetWriteDeadline(time.Now().Add(fairStarved))
			if _, err := c.Write(chunk); err != nil {
				select {
				case <-halt:
				default:
					werr = err
				}
				return
			}
		}
	})
	wg.Go(func() {
		buf := make([]byte, fairChunk)
		for {
			c.SetReadDeadline(time.Now().Add(fairStarved))
			n, err := c.Read(buf)
			echoed.Add(int64(n))
			if err != nil {
				select {
				case <-halt:
				default:
					rerr = err
				}
				return
			}
		}
	})
	return func() (int64, error) {
		close(halt)
		c.SetDeadline(time.Now()) // unblock both sides
		wg.Wait()
		err := errors.Join(werr, rerr)
		if errors.Is(err, io.EOF) {
			err = kinded(spec.EarlyClose, err)
		}
		return echoed.Load(), err
	}, echoed
}
