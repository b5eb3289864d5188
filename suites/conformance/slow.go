package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/gmeasure"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/hostlock"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/fixtures/wire"
	"github.com/echospec/echospec/spec"
)

// slowSpecs is the slow-client category: clients that do not read, send a
// byte at a time, sit idle, or come through a slow or stuck network. None
// may stall, corrupt or slow down the others beyond a generous bound.
func (s *suite) slowSpecs() {
	Describe("slow-client", Label(string(spec.CatSlowClient)), func() {
		s.it("S1", func(ctx SpecContext) {
			r := s.start(ctx)
			n := r.fit(pingClients, 1, "ping-pong clients")
			exp := gmeasure.NewExperiment("S1 round trips")
			AddReportEntry(exp.Name, exp)
			base, err := s.pingPong(ctx, r.inst.Addr(), n, pingRounds, seeds().Seed(31))
			noErr(err, "baseline, before the non-reading client")
			hog := dial(ctx, r.inst.Addr())
			sent, err := neverReads(ctx, hog, hogLimit, hogStill)
			noErr(err, "the non-reading client")
			AddReportEntry("non-reading client", fmt.Sprintf("the server took %d bytes from it before it stopped reading", sent))
			under, err := s.pingPong(ctx, r.inst.Addr(), n, pingRounds, seeds().Seed(32))
			noErr(err, "ping-pong beside a client that never reads (it had sent %d bytes)", sent)
			for _, d := range base {
				exp.RecordDuration("baseline", d)
			}
			for _, d := range under {
				exp.RecordDuration("beside a non-reading client", d)
			}
			noErr(withinBaselineBound("median round trip beside a non-reading client", median(base), median(under)), "median round trip of %d clients beside a non-reading client", n)
		})

		s.it("S3", func(ctx SpecContext) {
			r := s.start(ctx)
			silent := dial(ctx, r.inst.Addr())
			second := dial(ctx, r.inst.Addr())
			_, err := s.exchange(ctx, second, payload.Text(silentSize), verify.Options{Stall: silentStall, ExtraWait: extraWait})
			noErr(err, "the second connection, beside a silent one")
			_, err = s.exchange(ctx, silent, []byte("finally"), verify.Options{})
			noErr(err, "the silent connection, when it speaks at last")
		})

		s.it("S4", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Latency(toxi.Upstream, latencyEach, latencyJitter), toxi.Latency(toxi.Downstream, latencyEach, latencyJitter)))
			rng := seeds().Rand(35) // chunk sizes 1..4096; only the writer's goroutine draws from it
			_, err := s.exchange(ctx, c, seeds().Random(latencySize, 34), verify.Options{Chunks: func(int) int { return 1 + rng.IntN(4096) }, ExtraWait: extraWait})
			noErr(err, "")
		})

		s.it("S5", func(ctx SpecContext) {
			r := s.start(ctx)
			held := dial(ctx, r.proxy(toxi.Timeout(toxi.Upstream, 0)))
			_, err := held.Write(payload.Text(timeoutHeld))
			noErr(err, "write into the held connection")
			r.serves(ctx, "while a connection is held by a timeout toxic")
			closing := dial(ctx, r.proxy(toxi.Timeout(toxi.Downstream, timeoutClose)))
			_, err = s.exchange(ctx, closing, payload.Text(timeoutSize), verify.Options{Stall: timeoutStall})
			if err == nil {
				fail(spec.NoFault, "the timeout toxic did not cut the connection: the fault was not injected")
			}
			r.serves(ctx, "after a timeout toxic closed a connection")
			r.afterFault(ctx, "a connection held by a timeout toxic, another closed by one")
		})

		s.it("S6", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.SlowClose(toxi.Upstream, slowCloseHold)))
			_, err := s.exchange(ctx, c, payload.Text(slowCloseSize), verify.Options{})
			noErr(err, "the exchange before the slow close")
			c.Close()
			t0 := time.Now()
			r.servesWithin(ctx, slowCloseServe, fmt.Sprintf("while a close is held back %v", slowCloseHold))
			if held := time.Since(t0); held >= slowCloseHold {
				fail(spec.NoFault, fmt.Sprintf("the check took %v, longer than the close is held (%v): it did not run while the close was held", held.Round(time.Millisecond), slowCloseHold))
			}
			r.afterFault(ctx, fmt.Sprintf("a close held back %s", dur(slowCloseHold)))
		})

	})
}

// slowLong are the slow-client specs of the long-running group (long.go).
func (s *suite) slowLong() {
	s.it("S2", func(ctx SpecContext) {
		r := s.start(ctx)
		n := r.fit(tricklers, 1, "byte-at-a-time senders")
		big := seeds().Random(fastSize, 33)
		fast := dial(ctx, r.inst.Addr())
		var before []time.Duration
		for i := range fastRounds {
			st, err := s.exchange(ctx, fast, big, verify.Options{})
			noErr(err, "baseline fast exchange %d of %d", i+1, fastRounds)
			before = append(before, st.Elapsed)
		}
		conns := dialAll(ctx, r.inst.Addr(), n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Go(func() {
				msg := seeds().Random(trickleSize, uint64(3300+i))
				wire.Note(c, "sends a byte every %v", trickleEvery)
				errs[i] = sock.Trickle(ctx, c, msg, s.opts.protocol.Expect(msg), trickleEvery, trickleStall)
			})
		}
		var beside []time.Duration
		for i := range fastRounds {
			st, err := s.exchange(ctx, fast, big, verify.Options{})
			noErr(err, "fast exchange %d of %d beside %d trickling senders", i+1, fastRounds, n)
			beside = append(beside, st.Elapsed)
		}
		wg.Wait()
		noErr(firstErrors(errs, "trickling sender"), "")
		// Medians: a server that the trickling senders slow down is slow
		// in most exchanges (one they stall fails as a stall above); one
		// slow exchange in four is the host's scheduling (621 ms seen on a
		// correct thread-per-connection engine at load 12).
		base, under := median(before), median(beside)
		AddReportEntry("fast exchange", fmt.Sprintf("median %v before, %v beside trickling senders (slowest %v)", base, under, slices.Max(beside)))
		noErr(withinBaselineBound("median fast exchange beside trickling senders", base, under), "a fast client's 256 KiB exchanges beside %d trickling senders (median of %d)", n, fastRounds)
	})
	s.it("S7", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		before := sample(pid)
		hog := dial(ctx, r.inst.Addr())
		sent, err := neverReads(ctx, hog, backpressurePush, backpressureStill)
		noErr(err, "the non-reading client")
		after := sample(pid)
		growth := after.RSS - before.RSS
		bound("memory growth beside a non-reading client", inMiB(growth), inMiB(backpressureGrowth), "MiB")
		AddReportEntry("backpressure", fmt.Sprintf("the server took %.1f MiB from a client that never reads; RSS %.1f → %.1f MiB (%+.1f MiB, limit %s)",
			inMiB(sent), inMiB(before.RSS), inMiB(after.RSS), inMiB(growth), size(backpressureGrowth)))
		if growth >= backpressureGrowth {
			fail(spec.MemoryGrowth, fmt.Sprintf("server memory grew by %.1f MiB (limit %s) while a client that never reads pushed %.1f MiB: RSS %.1f → %.1f MiB; it keeps taking data from a client that does not read its echo (no backpressure), buffering input or output without bound",
				inMiB(growth), size(backpressureGrowth), inMiB(sent), inMiB(before.RSS), inMiB(after.RSS)))
		}
	})
	s.it("S8", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		n := r.fit(idleConns, 0, "idle connections")
		for i, c := range dialAll(ctx, r.inst.Addr(), n) {
			if i%idleProbeEvery == 0 { // make sure the server has really taken them on
				_, err := s.exchange(ctx, c, []byte("x"), verify.Options{})
				noErr(err, "idle connection %d", i+1)
			}
		}
		idle(ctx, idleSettle) // let the accepts settle
		spin, before, after := spinning(ctx, pid, idleMeasure)
		share := probe.CPUShare(before, after)
		bound("CPU share while idle", share, idleCPU, "core")
		bound("spin share while idle", spin, idleSpin, "core")
		AddReportEntry("idle CPU", fmt.Sprintf("%.1f%% of a core used over %v with %d idle connections (limit %s); %.1f%% of the time it could run (limit %s)",
			100*share, after.At.Sub(before.At).Round(time.Millisecond), n, pct(idleCPU), 100*spin, pct(idleSpin)))
		busy := share >= idleCPU || spin >= idleSpin
		switch {
		case busy && r.profile().BusyIdle:
			deviation("busy-idle: %.1f%% of a core while idle (limit %s)", 100*share, pct(idleCPU))
		case !busy && r.profile().BusyIdle:
			AddReportEntry(spec.NotObservedEntry, fmt.Sprintf("busy-idle declared, but the server used only %.1f%% of a core while idle", 100*share))
		case busy:
			fail(spec.CPU, fmt.Sprintf("idle server used %.1f%% of a core over %v with %d idle connections (limit %s): it spins while idle",
				100*share, after.At.Sub(before.At).Round(time.Millisecond), n, pct(idleCPU)))
		}
	})
	s.it("S9", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		// A tiny receive buffer, so the server's echo meets a full socket
		// after kilobytes, not after whatever both kernels' buffers hold:
		// its echo is surely pending when the measuring starts.
		hog, err := sock.DialBuffers(ctx, r.inst.Addr(), tinyBuf, 0)
		noErr(err, "")
		hog = trackedFault(hog, "SO_RCVBUF %d before the connect", tinyBuf)
		DeferCleanup(func() { hog.Close() })
		sent, err := neverReads(ctx, hog, hogLimit, hogStill)
		noErr(err, "the client that stops reading")
		share, _, _ := spinning(ctx, pid, stalledMeasure)
		bound("spin share while a client stalls", share, stalledCPU, "core")
		AddReportEntry("CPU while a client stalls", fmt.Sprintf("%.1f%% of a core used of the time it could run over %v (limit %s); the server took %.1f MiB before it stopped reading",
			100*share, stalledMeasure, pct(stalledCPU), inMiB(sent)))
		if share >= stalledCPU {
			fail(spec.CPU, fmt.Sprintf("the server used of the time it could run %.1f%% of a core over %v while a client that does not read had echo pending (limit %s): it spins on a full socket instead of waiting for it to drain",
				100*share, stalledMeasure, pct(stalledCPU)))
		}
	})
	s.it("S10", func(ctx SpecContext) {
		r := s.start(ctx)
		yard := s.startYardstick(ctx, true)
		c, y := dial(ctx, r.inst.Addr()), dial(ctx, yard.Addr())
		exp := gmeasure.NewExperiment("S10 round trips")
		AddReportEntry(exp.Name, exp)
		var got, base []time.Duration
		const blocks = 4 // interleaved, so both see the same moments of a busy host
		window := time.Now().Add(latencyWindow)
	rounds:
		for b := range blocks {
			for i := range latencyRounds / blocks {
				if len(got) >= latencyMinRounds && time.Now().After(window) {
					break rounds // a verdict on those: the rest would outlast the spec
				}
				msg := seeds().Random(latencyMsg, uint64(b*latencyRounds+i))
				st, err := verify.Exchange(ctx, y, msg, verify.Options{Stall: exchangeStall}) // the yardstick is upper-echo, whatever the target's protocol
				noErr(kinded(spec.IOError, err), "the yardstick's round trip")
				base = append(base, st.Elapsed)
				st, err = s.exchange(ctx, c, msg, verify.Options{})
				noErr(err, "round trip %d of %d", b*latencyRounds/blocks+i+1, latencyRounds)
				got = append(got, st.Elapsed)
			}
		}
		for i := range got {
			exp.RecordDuration("target", got[i])
			exp.RecordDuration("yardstick", base[i])
		}
		mt, my := median(got), median(base)
		limit := latencyFactor*my + latencySlack
		bound("median round trip against the yardstick's", ms(mt), ms(limit), "ms")
		AddReportEntry("latency", fmt.Sprintf("median round trip %v, yardstick %v, limit %v (%.0f%% of it)",
			mt.Round(time.Microsecond), my.Round(time.Microsecond), limit.Round(time.Microsecond), 100*float64(mt)/float64(limit)))
		if mt > limit {
			fail(spec.Timing, fmt.Sprintf("median round trip of %d %d-byte messages%s is %v, against %v for the yardstick echo server in the same spec: more than %dx + %v (limit %v); the server delays its echo",
				len(got), latencyMsg, fitted(len(got)), mt.Round(time.Microsecond), my.Round(time.Microsecond), latencyFactor, latencySlack, limit.Round(time.Microsecond)))
		}
	})
	s.it("S11", func(ctx SpecContext) {
		r := s.start(ctx)
		n := r.fit(fairClients, fairStreamers, "ping-pong clients")
		yard := s.startYardstick(ctx, false)
		exp := gmeasure.NewExperiment("S11 round trips beside streaming clients")
		AddReportEntry(exp.Name, exp)
		var got, base []round
		var blocks []string // each block's p90s, for the report
		load := fairLoad{server: procOrNil(r.inst)}
		yload := fairLoad{yardstick: true, server: procOrNil(yard)}
		alone(ctx, "S11", fairLockWait)
		// Interleaved blocks, so that the target and the yardstick see the
		// same moments of a busy host, each under its own streaming load.
		for b := range fairBlocks {
			y, err := fairBlock(ctx, yard.Addr(), n, seeds().Seed(uint64(1100+100*b)), payload.UpperEcho, &yload) // the yardstick is upper-echo, whatever the target's protocol
			noErr(kinded(spec.IOError, err), "the yardstick's block %d", b+1)
			t, err := fairBlock(ctx, r.inst.Addr(), n, seeds().Seed(uint64(1200+100*b)), s.opts.protocol, &load)
			noErr(err, "block %d of %d: ping-pong beside %d clients streaming at full speed", b+1, fairBlocks, fairStreamers)
			base, got = append(base, y...), append(got, t...)
			blocks = append(blocks, fmt.Sprintf("%v%s/%v%s", timeQuantile(tooks(t), 0.9).Round(time.Microsecond), load.lastWait(), p90(tooks(y)).Round(time.Microsecond), yload.lastWait()))
		}
		for _, r := range got {
			exp.RecordDuration("target", r.took)
		}
		for _, r := range base {
			exp.RecordDuration("yardstick", r.took)
		}
		// The target's round trips weighted by their time (timeQuantile:
		// a client kept waiting makes fewer rounds), against the
		// yardstick's plain p90, the pace of the host's fair server.
		pt, plain, py := timeQuantile(tooks(got), 0.9), p90(tooks(got)), p90(tooks(base))
		limit := fairFactor*py + fairSlack
		// What the server did while its slow round trips waited: a
		// round trip over the limit that waited while the streamers were
		// echoed more than a fair loop's turns move waited for the
		// server to serve them; one that waited while they got little
		// waited for a CPU, or for a slow server's fair turns.
		var slow []int64
		for _, r := range got {
			if r.took > limit {
				slow = append(slow, r.beside)
			}
		}
		served := quantile(slow, 0.5)
		AddReportEntry("blocks", "per block, the target's time-weighted p90 round trip / the yardstick's p90 (with, for a server in a process of its own, the share of its threads' time on or waiting for a CPU spent waiting): "+strings.Join(blocks, ", "))
		AddReportEntry("streaming clients", fmt.Sprintf("target: %s; yardstick: %s", load, yload))
		AddReportEntry("fairness", fmt.Sprintf("time-weighted p90 round trip %v (unweighted %v, %d round trips), yardstick p90 %v (%d), limit %v (%.0f%% of it)",
			pt.Round(time.Microsecond), plain.Round(time.Microsecond), len(got), py.Round(time.Microsecond), len(base), limit.Round(time.Microsecond), 100*float64(pt)/float64(limit)))
		AddReportEntry("served beside", fmt.Sprintf("echoed to the streaming clients while a round trip waited: p90 %.2f MiB on the target, %.2f MiB on the yardstick; while one of the target's %d round trips over the limit waited, a median %.2f MiB (a fair loop's turns move less than %.0f MiB)",
			inMiB(quantile(besides(got), 0.9)), inMiB(quantile(besides(base), 0.9)), len(slow), inMiB(served), inMiB(fairTurnBytes)))
		bound("time-weighted p90 round trip beside streaming clients", ms(pt), ms(limit), "ms")
		bound("echoed to the streaming clients while a round trip over the limit waited (median)", inMiB(served), inMiB(fairTurnBytes), "MiB")
		switch {
		case pt > limit && served >= fairTurnBytes:
			fail(spec.Timing, fmt.Sprintf("90th percentile round trip of %d ping-pong clients beside %d clients streaming at full speed, weighted by the time each took, is %v (unweighted %v, %d round trips), against a p90 of %v for the yardstick echo server under the same load in the same spec: more than %dx + %v (limit %v); while a round trip over the limit waited, the streaming clients were echoed a median %.1f MiB (a fair loop's turns move less than %.0f MiB); %s; the server serves a busy connection for long stretches while the others wait (no per-turn read budget)",
				n, fairStreamers, pt.Round(time.Microsecond), plain.Round(time.Microsecond), len(got), py.Round(time.Microsecond), fairFactor, fairSlack, limit.Round(time.Microsecond), inMiB(served), inMiB(fairTurnBytes), load))
		case pt > limit:
			AddReportEntry("slow, not unfair", fmt.Sprintf("the time-weighted p90 round trip %v is over the limit %v, but while the %d round trips over it waited the streaming clients were echoed a median %.2f MiB, less than a fair loop's turns move (%.0f MiB): the server did not serve them instead; it was slow to run (%s); not a failure",
				pt.Round(time.Microsecond), limit.Round(time.Microsecond), len(slow), inMiB(served), inMiB(fairTurnBytes), load))
		}
	})
}

// alone waits, at most wait, until no other spec that took the host lock
// called name runs on this host, in any process, and holds the lock until
// the running spec ends; the report says how long it waited. If the lock
// cannot be had, the spec goes on and its report says so.
func alone(ctx context.Context, name string, wait time.Duration) {
	l, err := hostlock.Take(ctx, name, wait)
	if err != nil {
		AddReportEntry("host lock", fmt.Sprintf("measured without the host lock %s (%v): another %s may have run at the same time", hostlock.Path(name), err, name))
		return
	}
	DeferCleanup(l.Release)
	if l.Waited >= 10*time.Millisecond {
		AddReportEntry("host lock", fmt.Sprintf("waited %v for another %s on this host to end", l.Waited.Round(time.Millisecond), name))
	}
}

// fairLoad is what S11's streaming clients did: bytes echoed to them,
// and how long their pipe was seen full (bytes written and not yet sent:
// the server's receive queue was full), over the time watched.
type fairLoad struct {
	echoed        int64
	full, watched time.Duration
	unknown       bool // no TCP_INFO (a Unix socket, or not Linux)
	// yardstick: the load on the yardstick, whose streamers' stalls are
	// the host's (starved counts them), not a failure.
	yardstick bool
	starved   int
	// server is the server's process, when it has one of its own: run
	// and wait add up how long its threads ran and waited for a CPU
	// while the ping-pong clients measured (schedstat), block by block
	// (waits: each block's share of waiting), so that a report says
	// whether a slow block was a server the host kept from running.
	server    *proc
	run, wait time.Duration
	waits     []float64
}

// lastWait is the last block's share of waiting for a CPU, for the
// report: " (waited 12%)", or "" when unknown.
func (l fairLoad) lastWait() string {
	if len(l.waits) == 0 || l.waits[len(l.waits)-1] < 0 {
		return ""
	}
	return fmt.Sprintf(" (waited %.0f%%)", 100*l.waits[len(l.waits)-1])
}

func (l fairLoad) String() string {
	s := fmt.Sprintf("%.1f MiB echoed to the streaming clients", inMiB(l.echoed))
	if l.unknown || l.watched == 0 {
		return s + l.sched()
	}
	if l.starved > 0 {
		s += fmt.Sprintf(", %d streamer(s) kept from running for %v by the host", l.starved, fairStarved)
	}
	s += fmt.Sprintf(", their input waiting unread at the server %.0f%% of the time", 100*float64(l.full)/float64(l.watched))
	return s + l.sched()
}

// sched says how long the server's threads ran and waited for a CPU while
// the ping-pong clients measured, when known.
func (l fairLoad) sched() string {
	if l.run+l.wait == 0 {
		return ""
	}
	return fmt.Sprintf("; the server's threads ran %v and waited %v for a CPU (%.0f%%)",
		l.run.Round(time.Millisecond), l.wait.Round(time.Millisecond), 100*float64(l.wait)/float64(l.run+l.wait))
}

// fairBlock runs one block of S11 against addr: fairStreamers clients
// stream at full speed, and once their pipe is full (or after fairWarm)
// n clients ping-pong for fairBlockTime; it returns the round trips and
// adds the streamers' numbers to load.
func fairBlock(ctx context.Context, addr string, n int, seed uint64, proto payload.Protocol, load *fairLoad) ([]round, error) {
	var stops []func() (int64, error)
	var conns []net.Conn
	var echoed []*atomic.Int64
	for range fairStreamers {
		c, err := dialErr(ctx, addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		stop, e := stream(ctx, c)
		stops = append(stops, stop)
		conns = append(conns, c)
		echoed = append(echoed, e)
	}
	served := func() (sum int64) {
		for _, e := range echoed {
			sum += e.Load()
		}
		return sum
	}
	// Wait for the streamers to outrun the server (their input waits
	// unread), at most fairWarm.
	for warm := time.Now().Add(fairWarm); time.Now().Before(warm) && !backlogged(conns); {
		idle(ctx, time.Millisecond)
	}
	var watches []*sock.WindowWatch
	for _, c := range conns {
		if _, err := sock.TCPInfo(c); err != nil {
			load.unknown = true
			break
		}
		watches = append(watches, sock.WatchBacklog(c))
	}
	var before probe.Sample
	if load.server != nil {
		before, _ = probe.SchedSample(load.server.pids()...)
	}
	rounds, err := roundsOf(ctx, addr, pinging{clients: n, rounds: fairRounds, seed: seed, protocol: proto,
		until: time.Now().Add(fairBlockTime), starvedAt: fairStarved, beside: served})
	share := -1.0
	if load.server != nil {
		if after, serr := probe.SchedSample(load.server.pids()...); serr == nil && before.Sched && after.Sched {
			run, wait := probe.Demand(before, after)
			load.run, load.wait = load.run+run, load.wait+wait
			if run+wait > 0 {
				share = float64(wait) / float64(run+wait)
			}
		}
	}
	load.waits = append(load.waits, share)
	for _, w := range watches {
		full, _ := w.Stop()
		load.full += full
		load.watched += w.Watched()
	}
	var serr error
	for _, stop := range stops {
		bytes, err := stop()
		load.echoed += bytes
		serr = errors.Join(serr, err)
	}
	if err != nil {
		return nil, err
	}
	if serr != nil && kindOf(serr) == spec.Stall && load.yardstick {
		// The yardstick is fair by construction: a streamer of its that
		// made no progress says the host kept it from running, and its
		// slow round trips already widen the limit.
		load.starved++
		serr = nil
	}
	if serr != nil && kindOf(serr) == spec.Stall { // served nothing while the others were: starved
		return nil, kinded(spec.Timing, fmt.Errorf("a streaming client was starved: no progress for %v while the other clients were served: %w", fairStarved, serr))
	}
	if serr != nil {
		return nil, verify.Describe(serr, "a streaming client")
	}
	return rounds, nil
}

// backlogged reports whether any of conns has bytes written and not yet
// sent (the server's receive queue is full).
func backlogged(conns []net.Conn) bool {
	for _, c := range conns {
		if i, err := sock.TCPInfo(c); err != nil || i.NotSent > 0 {
			return true // no TCP_INFO: nothing to wait for
		}
	}
	return false
}

// fitted says, of S10's n round trips, when they are fewer than
// latencyRounds: those that fitted in its window.
func fitted(n int) string {
	if n >= latencyRounds {
		return ""
	}
	return fmt.Sprintf(" (of %d: those that fitted in %v)", latencyRounds, latencyWindow)
}
