package conformance

// X1, the explorer: random scenarios of operations on a few connections
// (open, write, read, flood, half-close, close, reset, burst, idle, and
// connections through toxiproxy toxics), each checked against the model
// of the protocol, so that the suite finds bugs no spec was written for.
// A failing scenario is shrunk to a minimal one and printed as a script
// that replays it (explore_script.go).
//
// The scenarios and their shrinking come from gopter
// (github.com/leanovate/gopter), not pgregory.net/rapid: gopter takes its
// seed, its number of tests and its shrink bound as parameters of each
// check (gopter.TestParameters) and returns the shrunk value, where rapid
// reads its seed and checks from process-wide flags or environment
// variables at init, writes fail files under testdata and calls
// testing.Short, which panics outside go test — and X1 runs inside the
// echospec command too, seeded by Ginkgo's seed (--seed), one check per
// scenario within a time budget.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// ExploreOptions are X1's settings (WithExplore).
type ExploreOptions struct {
	// Budget is the time for new scenarios; 0 is exploreBudget.
	Budget time.Duration
	// Replay, when set, is a script (as X1 prints one): X1 runs it once,
	// exactly, instead of exploring.
	Replay string
	// Dir is where a failing scenario's script is saved; "" is the
	// system's temporary directory.
	Dir string
}

// WithExplore sets X1's budget, a script to replay and where scripts go.
func WithExplore(o ExploreOptions) Option {
	return func(opts *options) { opts.explore = o }
}

// CheckScript reports whether text is a script X1 can replay.
func CheckScript(text string) error {
	_, _, err := parseScript(text)
	return err
}

// exploreTimeout is X1's spec timeout for a budget: the budget, a shrink,
// the scenario under way and the cleanup.
func exploreTimeout(budget time.Duration) time.Duration {
	if budget <= 0 {
		return exploreTime
	}
	return budget + exploreTime - exploreBudget
}

// timeout is spec d's timeout on this suite: the catalog's, but X1's
// follows its budget.
func (s *suite) timeout(d Def) time.Duration {
	if d.ID == "X1" {
		return exploreTimeout(s.opts.explore.Budget)
	}
	return d.Timeout
}

// exploreSpecs registers X1.
func (s *suite) exploreSpecs() {
	Describe("explore", Label(string(spec.CatExplore)), func() {
		s.it("X1", s.explore)
	})
}

// explore is X1: scenarios until the budget is spent, each one gopter
// check seeded from the run's seed; the first failure is shrunk,
// reported and saved.
func (s *suite) explore(ctx SpecContext) {
	x := newExplorer(s)
	x.yard = s.startYardstick(ctx, true)
	if s.opts.explore.Replay != "" {
		seed, ops, err := parseScript(s.opts.explore.Replay)
		noErr(kinded(spec.IOError, err), "the script to replay")
		AddReportEntry(exploreScriptEntry, formatScript(seed, ops))
		sc := &scenario{x: x, seed: seed}
		err = x.runIn(ctx, sc, ops)
		AddReportEntry(exploreMarginsEntry, strings.Join(sc.margins, ", "))
		noErr(err, "the replayed scenario of %d operations", len(ops))
		return
	}
	budget := s.opts.explore.Budget
	if budget <= 0 {
		budget = exploreBudget
	}
	start := time.Now()
	end := start.Add(budget)
	base := uint64(GinkgoRandomSeed())
	scenarios, ops := 0, 0
	var longest, spent time.Duration
	var margins []string
	// A scenario starts while the time left is more than the scenarios so
	// far took on average: the budget is kept on average, give or take
	// one scenario. (Against the longest one, a scenario with a long idle
	// ended the exploring with a third of the budget left.)
	for i := uint64(0); ctx.Err() == nil && (i == 0 || time.Until(end) > spent/time.Duration(i)); i++ {
		seed := base*exploreSeedStep + i
		began := time.Now()
		f, n, m := x.check(ctx, seed)
		took := time.Since(began)
		longest, spent = max(longest, took), spent+took
		scenarios, ops = scenarios+1, ops+n
		margins = append(margins, m)
		fmt.Fprintf(GinkgoWriter, "X1 scenario %d (seed %d): %d operations, %v; %s\n", scenarios, seed, n, took.Round(time.Millisecond), m)
		if f != nil {
			x.report(f, scenarios, seed)
			return
		}
	}
	AddReportEntry(exploreEntry, fmt.Sprintf("%d scenarios of %d operations in all passed in %v (seed %d; the longest scenario %v)",
		scenarios, ops, time.Since(start).Round(time.Millisecond), base, longest.Round(time.Millisecond)))
	AddReportEntry(exploreMarginsEntry, strings.Join(margins, "\n"))
}

// exploreSeedStep spreads the scenario seeds of consecutive run seeds
// apart (scenario i of run seed s has seed s×step+i).
const exploreSeedStep = 1_000_003

// Report entry names of X1.
const (
	exploreEntry        = "explored"
	exploreScriptEntry  = "scenario script"
	exploreMarginsEntry = "scenario margins"
)

// explorer runs scenarios against one target.
type explorer struct {
	s *suite
	// most is the most connections a scenario keeps open at once (the
	// declared max-conns less one, for the check that the server still
	// serves), or 0 for no limit; maxConns is the declared max-conns (a
	// burst may fill it), or 0.
	most, maxConns int
	// longIdle is the longest idle the generator draws (a quarter of the
	// budget, within exploreLongIdle..exploreLongIdleMax).
	longIdle time.Duration
	toxi     *toxi.Server
	// rest is the first scenario's server's fds and threads at rest
	// (watchProcess), where the suite has its process.
	rest *probe.Sample
	// yard is the yardstick echo server the round trips are timed beside.
	yard target.Instance
}

func newExplorer(s *suite) *explorer {
	budget := s.opts.explore.Budget
	if budget <= 0 {
		budget = exploreBudget
	}
	x := &explorer{s: s, longIdle: min(max(budget/4, exploreLongIdle), exploreLongIdleMax)}
	if m := s.t.Profile().MaxConns; m > 0 {
		x.most, x.maxConns = max(1, m-1), m
		if m < exploreConns+exploreBurstMax {
			deviation("max-conns=%d: at most %d connections open at once (bursts scaled to fit)", m, m)
		}
	}
	return x
}

// failure is a failed scenario: its operations and what went wrong.
type failure struct {
	ops    []exploreOp
	err    error
	kind   spec.Kind
	output string // the server's output, where captured
}

// check explores one scenario of seed: gopter generates it, runs it, and
// shrinks it if it fails — keeping only failures of the first one's kind
// (a smaller scenario that fails otherwise is another finding), within
// exploreShrink. It returns the shrunk failure, or nil, the scenario's
// length, and its margins (the fds, threads and exit measured at its end).
func (x *explorer) check(ctx context.Context, seed uint64) (*failure, int, string) {
	params := gopter.DefaultTestParametersWithSeed(int64(seed))
	params.MinSuccessfulTests = 1
	n := 4 + int(payload.Mix(seed)%uint64(exploreOps-3)) // 4..exploreOps operations
	params.MinSize, params.MaxSize = n, n
	params.MaxShrinkCount = exploreShrinks
	var first, last *failure
	var shrinkEnd time.Time
	margins := ""
	p := prop.ForAll(func(ops []exploreOp) bool {
		if ctx.Err() != nil || (first != nil && time.Now().After(shrinkEnd)) {
			return true // out of time: the smallest failure so far stands
		}
		f, m := x.attempt(ctx, seed, ops)
		if first == nil {
			margins = m
		}
		switch {
		case f == nil:
			return true
		case first == nil:
			first, last, shrinkEnd = f, f, time.Now().Add(exploreShrink)
		case f.kind != first.kind:
			return true
		default:
			last = f // gopter keeps each smaller scenario that fails
		}
		return false
	}, gen.SliceOf(genOp(x.longIdle)))
	p.Check(params)
	return last, n, margins
}

// attempt runs one scenario and returns its failure, or nil, and its
// margins.
func (x *explorer) attempt(ctx context.Context, seed uint64, ops []exploreOp) (*failure, string) {
	sc := &scenario{x: x, seed: seed}
	err := x.runIn(ctx, sc, ops)
	m := strings.Join(sc.margins, ", ")
	if err == nil {
		return nil, m
	}
	return &failure{ops: sc.applied, err: err, kind: kindOf(err), output: sc.output}, m
}

// report fails X1 with the shrunk scenario: its kind and message, the
// script in the message and the report, saved to a file that replays it.
func (x *explorer) report(f *failure, scenarios int, seed uint64) {
	GinkgoHelper()
	script := formatScript(seed, f.ops)
	AddReportEntry(exploreScriptEntry, script)
	if f.output != "" {
		AddReportEntry(spec.OutputEntry, tailLines(f.output, 40))
	}
	saved := x.save(script, seed)
	fail(f.kind, fmt.Sprintf("scenario %d (seed %d), shrunk to %d operations: %v\n%s%s",
		scenarios, seed, len(f.ops), f.err, indent(script), saved))
}

// save writes script where it can be replayed from, and says so.
func (x *explorer) save(script string, seed uint64) string {
	dir := x.s.opts.explore.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == ':' {
			return '-'
		}
		return r
	}, x.s.t.Name())
	path := filepath.Join(dir, fmt.Sprintf("x1-%s-%d.script", name, seed))
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(path, []byte(script), 0o644)
	}
	if err != nil {
		return fmt.Sprintf("(not saved: %v)", err)
	}
	return "replay: echospec run --replay " + path + " (or ECHOSPEC_REPLAY=" + path + ")"
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

// toxiServer is the toxiproxy server of the explorer's proxied
// connections, opened at the first.
func (x *explorer) toxiServer() (*toxi.Server, error) {
	if x.toxi == nil {
		srv, err := toxi.Open(x.s.opts.toxiproxyURL)
		if err != nil {
			return nil, err
		}
		DeferCleanup(srv.Close)
		x.toxi = srv
	}
	return x.toxi, nil
}

// scenario is one run of a list of operations on a fresh server.
type scenario struct {
	x      *explorer
	seed   uint64
	inst   target.Instance
	conns  [exploreConns]*exploreConn
	opened int // connections opened so far: each its own stream
	dialed int // connections dialed so far, bursts' too
	output string
	// proc is the server's process where the suite has it, and fresh its
	// fds and threads before the scenario (watchProcess).
	proc  *proc
	fresh probe.Sample
	// margins are what the end of the scenario measured, for the report:
	// the largest flood, fds and threads fresh and after, the exit.
	margins []string
	flooded int64
	// terminated: the scenario sent the server SIGTERM (its exit is not
	// a crash).
	terminated bool
	// spun: the server's spin share beside a flooded connection has been
	// measured (once a scenario).
	spun bool
	// sleeper is a connection that exchanges once before the first
	// operation and then idles until the final check (asleep since
	// slept): no operation on the others, nor the scenario's time, may
	// disturb it.
	sleeper net.Conn
	slept   time.Time
	// applied are the operations that did something (an open of a slot
	// already open, a read with nothing due, do nothing): the script of a
	// failure lists only these, which replay it the same.
	applied []exploreOp
}

// exploreConn is one of a scenario's connections and its model: the
// stream it sends, the echo due, what it has read.
type exploreConn struct {
	slot       int
	c          net.Conn
	px         *toxi.Proxy
	via        via
	in, echo   *payload.Positional
	sent, got  int64
	halfClosed bool
	dead       bool // a cutting toxic has ended it: no more I/O
}

func (ec *exploreConn) due() int64 { return ec.sent - ec.got }

// stall is how long ec's reads and writes may go without progress: a
// connection that a toxic cuts is waited for only briefly.
func (ec *exploreConn) stall() time.Duration {
	if ec.via.cuts() {
		return exploreFaultedStall
	}
	return exploreStall
}

// runIn starts a fresh server, runs ops, then the final check: every
// connection's due echo, its end, and a new connection served.
func (x *explorer) runIn(ctx context.Context, sc *scenario, ops []exploreOp) (err error) {
	inst, err := x.s.t.Start(ctx)
	if err != nil {
		return kinded(spec.NotListening, err)
	}
	sc.inst = inst
	sc.watchProcess(ctx)
	defer func() {
		if err != nil {
			err = sc.crashed(err)
			if o, ok := inst.(target.Outputter); ok {
				sc.output = o.Output()
			}
		}
		sc.dropAll()
		target.IgnoredTERM(inst.Stop())
	}()
	if err := sc.lull(ctx); err != nil {
		return fmt.Errorf("the sleeper, before the first operation: %w", err)
	}
	for _, o := range ops {
		began := time.Now()
		did, err := sc.do(ctx, o)
		if did {
			sc.applied = append(sc.applied, o)
		}
		if took := time.Since(began); took >= exploreSlowOp {
			fmt.Fprintf(GinkgoWriter, "X1   operation %d (%s) took %v\n", len(sc.applied), o, took.Round(time.Millisecond))
		}
		if err != nil {
			return fmt.Errorf("operation %d (%s): %w", len(sc.applied), o, err)
		}
	}
	if err := sc.finish(ctx); err != nil {
		if len(sc.applied) == 0 {
			return fmt.Errorf("the check of a fresh server, no operation before it: %w", err)
		}
		return fmt.Errorf("the check after the %d operations: %w", len(sc.applied), err)
	}
	if sc.flooded > 0 {
		sc.margins = append(sc.margins, fmt.Sprintf("flood %s", size(int(sc.flooded))))
	}
	if err := sc.releases(ctx); err != nil {
		return fmt.Errorf("the server's process after the %d operations: %w", len(sc.applied), err)
	}
	if err := sc.prompt(ctx); err != nil {
		return fmt.Errorf("the server's round trips after the %d operations: %w", len(sc.applied), err)
	}
	if err := sc.exits(ctx); err != nil {
		return fmt.Errorf("the server's exit after the %d operations: %w", len(sc.applied), err)
	}
	return nil
}

// crashed names a dead server as the root cause of err (unless the
// scenario asked it to exit).
func (sc *scenario) crashed(err error) error {
	if sc.terminated {
		return err
	}
	dead := sc.inst.Check()
	for until := time.Now().Add(crashGrace); dead == nil && time.Now().Before(until); {
		time.Sleep(crashPoll)
		dead = sc.inst.Check()
	}
	if dead == nil {
		return err
	}
	return kinded(spec.Crash, fmt.Errorf("the server died (%v); first seen as %s%w", dead, kindOf(err).Tag(), err))
}

// open counts the connections open, the sleeper's too.
func (sc *scenario) open() int {
	n := 0
	if sc.sleeper != nil {
		n++
	}
	for _, ec := range sc.conns {
		if ec != nil {
			n++
		}
	}
	return n
}

// room is how many more connections may open (the profile's max-conns).
func (sc *scenario) room(want int) int {
	if sc.x.most == 0 {
		return want
	}
	return min(want, sc.x.most-sc.open())
}

// do runs one operation and says whether it applied: one that cannot (a
// read with no echo due, a half-close of a slot with no connection) does
// nothing. A write or a flood on a slot with no connection opens it
// first, directly (without that, six floods in seven never applied: a
// scenario's slots are mostly closed, half-closed or proxied).
func (sc *scenario) do(ctx context.Context, o exploreOp) (bool, error) {
	var ec *exploreConn
	if o.Kind != opBurst && o.Kind != opIdle && o.Kind != opStarve {
		ec = sc.conns[o.Conn]
		if (o.Kind == opWrite || o.Kind == opFlood) && ec == nil && sc.room(1) >= 1 {
			if err := sc.dial(ctx, exploreOp{Kind: opOpen, Conn: o.Conn}); err != nil {
				return true, err
			}
			ec = sc.conns[o.Conn] // new and direct: the operation applies
		}
		if o.Kind != opOpen && (ec == nil || ec.dead) {
			return false, nil
		}
	}
	switch o.Kind {
	case opOpen:
		if ec != nil || sc.room(1) < 1 {
			return false, nil
		}
		return true, sc.dial(ctx, o)
	case opWrite:
		n := min(int64(o.N), exploreDueMax-ec.due())
		if ec.halfClosed || n <= 0 {
			return false, nil
		}
		return true, sc.write(ec, n, o.Chunk)
	case opFlood:
		if ec.halfClosed || ec.px != nil {
			return false, nil // through a proxy, a flood fills the proxy
		}
		return true, sc.flood(ctx, ec)
	case opRead:
		n := min(int64(o.N), ec.due())
		if n <= 0 {
			return false, nil
		}
		return true, sc.read(ec, n)
	case opHalfClose:
		cw, ok := ec.c.(interface{ CloseWrite() error })
		if ec.halfClosed || ec.px != nil || !ok {
			return false, nil // toxiproxy does not pass a half-close on
		}
		ec.halfClosed = true
		return true, kinded(spec.IOError, cw.CloseWrite())
	case opClose:
		sc.drop(ec)
	case opReset:
		abort(ec.c)
		sc.drop(ec)
	case opBurst:
		n := sc.burstRoom(o)
		if n < 1 {
			return false, nil
		}
		return true, sc.burst(ctx, n, o.End)
	case opStarve:
		if sc.proc == nil {
			return false, nil // the server's fd limit is out of reach
		}
		return true, sc.starve(ctx, o.N)
	case opIdle:
		select {
		case <-ctx.Done():
			return true, kinded(spec.Stall, fmt.Errorf("the spec's time ran out while idling: %w", context.Cause(ctx)))
		case <-time.After(time.Duration(o.N) * time.Millisecond):
		}
	}
	return true, nil
}

// dial opens slot o.Conn, through a proxy of its own with o's toxic.
func (sc *scenario) dial(ctx context.Context, o exploreOp) error {
	addr := sc.inst.Addr()
	ec := &exploreConn{slot: o.Conn, via: o.Via}
	if o.Via != viaDirect && sc.x.s.network != "unix" {
		srv, err := sc.x.toxiServer()
		if err != nil {
			return kinded(spec.IOError, err)
		}
		if ec.px, err = srv.Proxy(addr, o.Via.toxics(o.N)...); err != nil {
			return kinded(spec.IOError, err)
		}
		addr = ec.px.Addr()
		proxyFault(addr, o.Via.toxics(o.N))
	} else {
		ec.via = viaDirect // a Unix socket has no proxy: the path is direct
	}
	c, err := dialErr(ctx, addr)
	if err != nil {
		if ec.px != nil {
			ec.px.Close()
		}
		return err
	}
	ec.c = c
	sc.opened++
	sc.dialed++
	ec.in = payload.NewPositional(sc.seed ^ uint64(sc.opened)<<40 ^ uint64(o.Conn)<<56)
	ec.echo = ec.in.Echo(sc.x.s.opts.protocol)
	sc.conns[o.Conn] = ec
	return nil
}

// toxics are the toxics of path v (n: its ms or bytes), in both
// directions where the toxic keeps every byte.
func (v via) toxics(n int) []toxi.Toxic {
	both := func(f func(toxi.Direction) toxi.Toxic) []toxi.Toxic {
		return []toxi.Toxic{f(toxi.Upstream), f(toxi.Downstream)}
	}
	ms := time.Duration(n) * time.Millisecond
	switch v {
	case viaLatency:
		return both(func(d toxi.Direction) toxi.Toxic {
			return toxi.Latency(d, latencyEach, latencyJitter)
		})
	case viaSlicer:
		return both(func(d toxi.Direction) toxi.Toxic { return toxi.Slicer(d, slicerAvg, slicerVariation, slicerDelay) })
	case viaBandwidth:
		return both(func(d toxi.Direction) toxi.Toxic { return toxi.Bandwidth(d, bandwidthKBps) })
	case viaSlowClose:
		return []toxi.Toxic{toxi.SlowClose(toxi.Downstream, exploreIdleMax)}
	case viaResetPeer:
		return []toxi.Toxic{toxi.ResetPeer(toxi.Downstream, ms)}
	case viaLimitData:
		return []toxi.Toxic{toxi.LimitData(toxi.Downstream, n)}
	case viaTimeout:
		return []toxi.Toxic{toxi.Timeout(toxi.Upstream, ms)}
	}
	return nil
}

// dropAll closes the scenario's connections, the sleeper too.
func (sc *scenario) dropAll() {
	for _, ec := range sc.conns {
		if ec != nil {
			sc.drop(ec)
		}
	}
	if sc.sleeper != nil {
		sc.sleeper.Close()
		sc.sleeper = nil
	}
}

// drop closes a connection and its proxy and frees its slot.
func (sc *scenario) drop(ec *exploreConn) {
	ec.c.Close()
	if ec.px != nil {
		ec.px.Close()
	}
	sc.conns[ec.slot] = nil
}

// ioFailed is the verdict on an I/O error of ec: nil for a connection
// whose toxic cuts it (marked dead: its losses are excused), the error
// with its kind otherwise.
func (ec *exploreConn) ioFailed(err error) error {
	if ec.via.cuts() {
		ec.dead = true
		return nil
	}
	return fmt.Errorf("c%d: %w", ec.slot+1, err)
}

// write sends the next n bytes of ec's stream in chunks of chunk bytes,
// each within the stall time.
func (sc *scenario) write(ec *exploreConn, n int64, chunk int) error {
	stall := ec.stall()
	buf := make([]byte, n)
	ec.in.Fill(buf, ec.sent)
	for off := 0; off < len(buf); {
		end := min(off+max(chunk, 1), len(buf))
		ec.c.SetWriteDeadline(time.Now().Add(stall))
		k, err := ec.c.Write(buf[off:end])
		off += k
		ec.sent += int64(k)
		if err != nil {
			return ec.ioFailed(verify.IOFailed(verify.Error{Expected: int(ec.sent), Received: int(ec.got),
				Written: int(ec.sent), HalfClosed: ec.halfClosed}, err, true))
		}
	}
	return nil
}

// flood writes ec's stream without reading until the server has taken
// nothing for exploreFloodStill (backpressure), or until the echo due
// passes floodLimit: then the server keeps what the client does not read
// in its own memory, without bound (MemoryGrowth).
func (sc *scenario) flood(ctx context.Context, ec *exploreConn) error {
	busy := ""
	if sc.proc != nil && !sc.spun { // its spin is judged after: calm first
		var err error
		if busy, err = sc.calm(ctx, stalledCPU); err != nil {
			return err
		}
	}
	buf := make([]byte, 256*kib)
	limit := floodLimit()
	defer func() { sc.flooded = max(sc.flooded, ec.due()) }()
	for ctx.Err() == nil {
		if ec.due() >= limit {
			return fmt.Errorf("c%d: %w", ec.slot+1, kinded(spec.MemoryGrowth, fmt.Errorf(
				"the server took %s from a client that read none of its echo (%s due), %s more than the kernel's buffers on both sides can hold (%s): it keeps the rest in its own memory, without bound, or has dropped it; a server that stops reading a client that does not read stops well short of this (the flood stopped there)",
				size(int(ec.sent)), size(int(ec.due())), size(int(ec.due()-kernelHold())), size(int(kernelHold())))))
		}
		ec.in.Fill(buf, ec.sent)
		ec.c.SetWriteDeadline(time.Now().Add(exploreFloodStill))
		k, err := ec.c.Write(buf)
		ec.sent += int64(k)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if k == 0 {
				return sc.waits(ctx, ec, busy) // the server stopped taking data
			}
			continue
		}
		if err != nil {
			return ec.ioFailed(verify.IOFailed(verify.Error{Expected: int(ec.sent), Received: int(ec.got), Written: int(ec.sent)}, err, true))
		}
	}
	return nil
}

// read reads the next n bytes of ec's echo and checks them.
func (sc *scenario) read(ec *exploreConn, n int64) error {
	stall := ec.stall()
	got := make([]byte, n)
	want := make([]byte, n)
	ec.echo.Fill(want, ec.got)
	start := time.Now()
	for off := 0; off < len(got); {
		ec.c.SetReadDeadline(time.Now().Add(stall))
		k, err := ec.c.Read(got[off:])
		if i := firstDiff(got[off:off+k], want[off:off+k]); i >= 0 {
			at := ec.got + int64(off+i)
			sent := make([]byte, 1)
			ec.in.Fill(sent, at)
			// A wrong byte is wrong on any path, a cut one too.
			return fmt.Errorf("c%d: %w", ec.slot+1, &verify.Error{Kind: spec.WrongByte, Expected: int(ec.sent), Received: int(at),
				Written: int(ec.sent), Offset: int(at), Want: want[off+i], Got: got[off+i], Sent: sent[0], Elapsed: time.Since(start)})
		}
		off += k
		if err != nil {
			ec.got += int64(off)
			return ec.ioFailed(sc.readError(ec, err, stall, time.Since(start)))
		}
	}
	ec.got += n
	return nil
}

// readError is a failed read of ec's echo with its numbers.
func (sc *scenario) readError(ec *exploreConn, err error, stall, elapsed time.Duration) *verify.Error {
	return verify.IOFailed(verify.Error{Expected: int(ec.sent), Received: int(ec.got), Written: int(ec.sent),
		Elapsed: elapsed, Stall: stall, HalfClosed: ec.halfClosed}, err, false)
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// burstRoom is how many connections burst o opens: o.N, within the
// declared max-conns with the scenario's connections open (an empty
// burst's expect nothing, and a queue burst's may pass it by
// exploreQueueOver: they wait).
func (sc *scenario) burstRoom(o exploreOp) int {
	n := o.N
	if o.End == burstCrowd {
		n = min(n, crowdFits())
	}
	if sc.x.maxConns == 0 || o.End == burstEmpty || o.End == burstAbort {
		return n
	}
	room := sc.x.maxConns - sc.open()
	if o.End == burstQueue {
		room += exploreQueueOver
	}
	return min(n, room)
}

// crowdFits is how many connections a crowd may open within this
// process's fd limit: two fds each (the server's end too, for an engine
// in this process).
func crowdFits() int {
	if fit, ok := connsFit(2); ok {
		return max(1, fit)
	}
	return exploreCrowdMax
}

// burst opens n connections at once. Each exchanges its own payload (of
// several reads, so that a server sharing a buffer between connections
// mixes them) and then, by end: stays open until all have their echo
// (served at once) and closes, or resets; or closes at once (a queue: it
// may have waited its turn). An empty burst's connections close without
// a byte once all are open; an abort burst's write their payload and
// reset at once (a failed write is theirs: they expect nothing). A
// crowd, held once served, is also where the server's CPU with idle
// connections is measured (idles).
func (sc *scenario) burst(ctx context.Context, n int, end burstEnd) error {
	errs := make([]error, n)
	var wg, served sync.WaitGroup
	served.Add(n)
	busy := ""
	if end == burstCrowd && sc.proc != nil && !sc.x.s.t.Profile().BusyIdle { // its CPU is judged: calm first
		var err error
		if busy, err = sc.calm(ctx, idleCPU); err != nil {
			return err
		}
	}
	held := make(chan struct{}) // closed once a held burst may end
	for i := range n {
		wg.Go(func() {
			c, err := dialErr(ctx, sc.inst.Addr())
			p := append([]byte(fmt.Sprintf("burst %d ", i)), payload.Random(exploreBurstSize-i%exploreBurstMax*97, sc.seed+uint64(i))...)
			switch {
			case err != nil || end == burstEmpty:
			case end == burstAbort:
				c.SetWriteDeadline(time.Now().Add(exploreStall))
				c.Write(p)
			default:
				_, err = sc.x.s.exchange(ctx, c, p, verify.Options{Stall: exploreStall})
			}
			errs[i] = err
			served.Done()
			if c == nil {
				return
			}
			if end != burstQueue && end != burstAbort {
				<-held
			}
			if end == burstReset || end == burstAbort {
				abort(c)
				return
			}
			c.Close()
		})
	}
	served.Wait()
	err := firstErrors(errs, "burst connection")
	if end == burstCrowd && err == nil {
		err = sc.idles(ctx, n, busy)
	}
	close(held)
	wg.Wait()
	sc.dialed += n
	return err
}

// finish is the model's check at the end of a scenario: first a new
// connection is served while the scenario's connections stay as they
// are (a flooded one with its echo unread: no connection may be held up
// by another's), and so is the sleeper, idle since before the first
// operation; then, on every connection at once, its due echo comes back
// exact, and a half-closed one ends with EOF, another stays open with
// nothing more.
func (sc *scenario) finish(ctx context.Context) error {
	if err := sc.serves(ctx); err != nil {
		return err
	}
	if err := sc.wakes(ctx); err != nil {
		return err
	}
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ec := range sc.conns {
		if ec == nil || ec.dead {
			continue
		}
		wg.Go(func() {
			if err := sc.settle(ec); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return firstOf(errs)
	}
	return nil
}

// serves checks that a new connection is served, naming the echo the
// scenario's connections have left unread meanwhile.
func (sc *scenario) serves(ctx context.Context) error {
	what := "a new connection"
	var due, beside []string
	for _, ec := range sc.conns {
		if ec != nil && !ec.dead && ec.due() > 0 {
			due = append(due, fmt.Sprintf("c%d %d", ec.slot+1, ec.due()))
		}
	}
	if sc.sleeper != nil {
		beside = append(beside, "the sleeper open and idle")
	}
	if len(due) > 0 {
		beside = append(beside, "echo bytes waiting unread: "+strings.Join(due, ", "))
	}
	if len(beside) > 0 {
		what += " (" + strings.Join(beside, "; ") + ")"
	}
	c, err := dialErr(ctx, sc.inst.Addr())
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer c.Close()
	_, err = sc.x.s.exchange(ctx, c, payload.Random(serveProbe, sc.seed), verify.Options{Stall: exploreStall})
	return verify.Describe(err, "%s", what)
}

// serveProbe is the exchange that shows, after a scenario, that the
// server still serves.
const serveProbe = 4 * kib

// lull opens the sleeper, has it exchange once (so the server surely has
// it), and leaves it idle. A target that holds fewer than two
// connections besides the final check's has none.
func (sc *scenario) lull(ctx context.Context) error {
	if sc.x.most == 1 {
		return nil
	}
	c, err := dialErr(ctx, sc.inst.Addr())
	if err != nil {
		return err
	}
	sc.sleeper = c
	if _, err := sc.x.s.exchange(ctx, c, payload.Random(latencyMsg, sc.seed+2), verify.Options{Stall: exploreStall}); err != nil {
		return verify.Describe(err, "its exchange")
	}
	sc.slept = time.Now()
	return nil
}

// wakes checks that the sleeper, idle through the scenario, is still
// served.
func (sc *scenario) wakes(ctx context.Context) error {
	if sc.sleeper == nil {
		return nil
	}
	idle := time.Since(sc.slept)
	sc.margins = append(sc.margins, fmt.Sprintf("sleeper idle %v", idle.Round(time.Millisecond)))
	_, err := sc.x.s.exchange(ctx, sc.sleeper, payload.Random(latencyMsg, sc.seed+3), verify.Options{Stall: exploreStall})
	return verify.Describe(err, "the sleeper (a connection that exchanged once before the first operation, then idled for %v while they ran)", idle.Round(time.Millisecond))
}

// firstOf is the error of the lowest connection slot among errs (the
// connections are settled at once; the report names one).
func firstOf(errs []error) error {
	best := errs[0]
	for _, e := range errs[1:] {
		if e.Error() < best.Error() {
			best = e
		}
	}
	return best
}

// settle reads ec's due echo, then its end.
func (sc *scenario) settle(ec *exploreConn) error {
	if n := ec.due(); n > 0 {
		if err := sc.read(ec, n); err != nil || ec.dead {
			return err
		}
	}
	if ec.via.cuts() {
		return nil // its end is the toxic's
	}
	wait := extraWait
	if ec.halfClosed {
		wait = exploreStall
	}
	ec.c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 64)
	k, err := ec.c.Read(buf)
	e := &verify.Error{Expected: int(ec.sent), Received: int(ec.got), Written: int(ec.sent), Stall: wait, HalfClosed: ec.halfClosed}
	switch {
	case k > 0:
		e.Kind, e.Extra, e.ExtraCount = spec.Extra, buf[:min(k, 16)], k
	case ec.halfClosed && errors.Is(err, io.EOF):
		return nil
	case ec.halfClosed && errors.Is(err, os.ErrDeadlineExceeded):
		e.Kind = spec.NoEOF
	case ec.halfClosed:
		e.Kind, e.Cause = spec.RSTClose, err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil // open, and nothing more: right
	default:
		// The server ended a connection the client keeps open.
		e = sc.readError(ec, err, wait, 0)
	}
	return fmt.Errorf("c%d: %w", ec.slot+1, e)
}

// genOp generates one operation, each kind with its weight, each from
// integer generators whose shrinkers gopter has (gopter.DeriveGen maps
// them to the operation and back): a shrunk operation writes fewer bytes,
// opens a lower slot, idles less. The kind itself does not shrink.
// longIdle is the longest idle drawn.
func genOp(longIdle time.Duration) gopter.Gen {
	// The slots are skewed to the first (c1 half the time, c4 a tenth),
	// so that operations meet on the same connection: a write, then a
	// half-close of it while its echo is queued.
	slot := gen.IntRange(0, 9)
	toSlot := func(n int) int { return slotOf[clamp(n, 0, 9)] }
	fromSlot := func(c int) int { return slices.Index(slotOf[:], clamp(c, 0, exploreConns-1)) }
	on := func(k opKind) gopter.Gen {
		return gopter.DeriveGen(func(c int) exploreOp { return exploreOp{Kind: k, Conn: toSlot(c)} },
			func(o exploreOp) int { return fromSlot(o.Conn) }, slot)
	}
	sized := func(k opKind, least, most int, withSlot bool) gopter.Gen {
		if !withSlot {
			return gopter.DeriveGen(func(n int) exploreOp { return exploreOp{Kind: k, N: clamp(n, least, most)} },
				func(o exploreOp) int { return o.N }, gen.IntRange(least, most))
		}
		return gopter.DeriveGen(func(c, n int) exploreOp {
			return exploreOp{Kind: k, Conn: toSlot(c), N: clamp(n, 1, most)}
		}, func(o exploreOp) (int, int) { return fromSlot(o.Conn), o.N }, slot, gen.IntRange(1, most))
	}
	write := gopter.DeriveGen(func(c, n, chunk int) exploreOp {
		return exploreOp{Kind: opWrite, Conn: toSlot(c), N: clamp(n, 1, exploreWriteMax), Chunk: clamp(chunk, 1, exploreChunkMax)}
	}, func(o exploreOp) (int, int, int) { return fromSlot(o.Conn), o.N, o.Chunk },
		slot, gen.IntRange(1, exploreWriteMax), gen.IntRange(1, exploreChunkMax))
	// A path that keeps every byte (latency … slow-close), or one that
	// cuts the connection after N ms (reset-peer, timeout) or N×100 bytes
	// (limit-data).
	keeps := gopter.DeriveGen(func(c, v int) exploreOp {
		return exploreOp{Kind: opOpen, Conn: toSlot(c), Via: via(clamp(v, int(viaLatency), int(viaSlowClose)))}
	}, func(o exploreOp) (int, int) { return fromSlot(o.Conn), int(o.Via) }, slot, gen.IntRange(int(viaLatency), int(viaSlowClose)))
	cuts := gopter.DeriveGen(func(c, v, n int) exploreOp {
		o := exploreOp{Kind: opOpen, Conn: toSlot(c), Via: via(clamp(v, int(viaResetPeer), int(viaTimeout))), N: clamp(n, 1, exploreCutMax)}
		if o.Via == viaLimitData {
			o.N *= 100
		}
		return o
	}, func(o exploreOp) (int, int, int) {
		if o.Via == viaLimitData {
			return fromSlot(o.Conn), int(o.Via), max(1, o.N/100)
		}
		return fromSlot(o.Conn), int(o.Via), o.N
	}, slot, gen.IntRange(int(viaResetPeer), int(viaTimeout)), gen.IntRange(1, exploreCutMax))
	// A burst of 1..exploreBurstDraw connections, capped at its kind's
	// most (a third as large as allowed), or an empty one of up to
	// exploreEmptyMax; held, reset, or queued.
	burst := gopter.DeriveGen(func(n, e int) exploreOp {
		o := exploreOp{Kind: opBurst, End: burstEnd(clamp(e, 0, int(burstAbort)))}
		o.N = clamp(n, 1, o.End.most())
		if o.End == burstEmpty {
			o.N = clamp(n*exploreEmptyMax/exploreBurstMax, 1, exploreEmptyMax)
		}
		return o
	}, func(o exploreOp) (int, int) {
		if o.End == burstEmpty {
			return max(1, o.N*exploreBurstMax/exploreEmptyMax), int(o.End)
		}
		return o.N, int(o.End)
	}, gen.IntRange(1, exploreBurstDraw), gen.IntRange(0, int(burstAbort)))
	// A crowd of exploreCrowdMin..exploreCrowdDraw connections, capped at
	// exploreCrowdMax: about half as large as allowed.
	crowd := gopter.DeriveGen(func(n int) exploreOp {
		return exploreOp{Kind: opBurst, End: burstCrowd, N: min(n, exploreCrowdMax)}
	}, func(o exploreOp) int { return o.N }, gen.IntRange(exploreCrowdMin, exploreCrowdDraw))
	// Each kind's weight, out of 200: what costs time (an idle, a long
	// one most) is rarer than what is quick (a burst of 64 connections
	// takes about 0.1 s).
	return gen.Weighted([]gen.WeightedGen{
		{Weight: 20, Gen: on(opOpen)},
		{Weight: 8, Gen: keeps},
		{Weight: 6, Gen: cuts},
		{Weight: 45, Gen: write},
		{Weight: 34, Gen: sized(opRead, 1, exploreDueMax, true)},
		{Weight: 12, Gen: on(opFlood)},
		{Weight: 16, Gen: on(opHalfClose)},
		{Weight: 10, Gen: on(opClose)},
		{Weight: 14, Gen: on(opReset)},
		{Weight: 20, Gen: burst},
		{Weight: 3, Gen: crowd},
		{Weight: 7, Gen: sized(opIdle, 0, int(exploreIdleMax/time.Millisecond), false)},
		{Weight: 1, Gen: sized(opIdle, int(exploreLongIdle/time.Millisecond), int(longIdle/time.Millisecond), false)},
		{Weight: 4, Gen: sized(opStarve, 1, emfileConns, false)},
	})
}

// slotOf maps the slot generator's 0..9 to a connection slot, skewed to
// the first.
var slotOf = [10]int{0, 0, 0, 0, 0, 1, 1, 1, 2, 3}

// exploreCutMax bounds a cutting toxic's N: ms (reset-peer, timeout), or
// hundreds of bytes (limit-data).
const exploreCutMax = 300
