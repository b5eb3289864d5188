package conformance

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/gmeasure"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/verify"
)

// Bounds for the timing specs: generous, relative to a baseline measured in
// the same spec, so a busy machine does not cry wolf while a stalled
// server cannot pass.
const (
	slowdownFactor = 10
	slowdownSlack  = 100 * time.Millisecond
)

// slowSpecs is the slow-client category: clients that do not read, send a
// byte at a time, sit idle, or come through a slow or stuck network. None
// may stall, corrupt or slow down the others beyond a generous bound.
func (s *suite) slowSpecs() {
	Describe("slow-client", Label(CatSlowClient), func() {
		s.it("S1", CatSlowClient, Must, 60*time.Second, "a client that keeps sending and never reads does not stall 32 ping-pong clients: their median round trip stays within 10x (+100ms) of the baseline measured without it", func(ctx SpecContext) {
			r := s.start(ctx)
			n := r.fit(32, 1, "ping-pong clients")
			exp := gmeasure.NewExperiment("S1 round trips")
			AddReportEntry(exp.Name, exp)
			base, err := pingPong(ctx, r.inst.Addr(), n, 20, 31)
			noErr(err, "baseline, before the non-reading client")
			hog := dial(ctx, r.inst.Addr())
			sent, err := sock.Hog(ctx, hog, 64<<20, 300*time.Millisecond)
			noErr(err, "the non-reading client")
			AddReportEntry("non-reading client", fmt.Sprintf("the server took %d bytes from it before it stopped reading", sent))
			under, err := pingPong(ctx, r.inst.Addr(), n, 20, 32)
			noErr(err, "ping-pong beside a client that never reads (it had sent %d bytes)", sent)
			for _, d := range base {
				exp.RecordDuration("baseline", d)
			}
			for _, d := range under {
				exp.RecordDuration("beside a non-reading client", d)
			}
			noErr(withinBaseline(median(base), median(under)), "median round trip of %d clients beside a non-reading client", n)
		})

		s.it("S2", CatSlowClient, Must, 60*time.Second, "100 byte-at-a-time senders (one byte every 50 ms) each get an exact echo while a fast client's 256 KiB exchanges stay within 10x (+100ms) of the baseline", func(ctx SpecContext) {
			r := s.start(ctx)
			n := r.fit(100, 1, "byte-at-a-time senders")
			big := payload.Random(256<<10, 33)
			fast := dial(ctx, r.inst.Addr())
			st, err := verify.Exchange(ctx, fast, big, verify.Options{})
			noErr(err, "baseline fast exchange")
			base := st.Elapsed
			conns := dialAll(ctx, r.inst.Addr(), n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i, c := range conns {
				wg.Go(func() {
					msg := payload.Random(40, uint64(3300+i))
					errs[i] = sock.Trickle(ctx, c, msg, payload.Expect(msg), 50*time.Millisecond, 5*time.Second)
				})
			}
			var worst time.Duration
			for i := range 4 {
				st, err := verify.Exchange(ctx, fast, big, verify.Options{})
				noErr(err, "fast exchange %d of 4 beside %d trickling senders", i+1, n)
				worst = max(worst, st.Elapsed)
			}
			wg.Wait()
			noErr(firstErrors(errs, "trickling sender"), "")
			AddReportEntry("fast exchange", fmt.Sprintf("baseline %v, slowest beside trickling senders %v", base, worst))
			noErr(withinBaseline(base, worst), "a fast client's 256 KiB exchange beside %d trickling senders", n)
		})

		s.it("S3", CatSlowClient, Must, 20*time.Second, "one connection open and silent does not stall a second one: its echo comes within 2 s", func(ctx SpecContext) {
			r := s.start(ctx)
			silent := dial(ctx, r.inst.Addr())
			second := dial(ctx, r.inst.Addr())
			_, err := verify.Exchange(ctx, second, payload.Text(1000), verify.Options{Stall: 2 * time.Second, ExtraWait: extraWait})
			noErr(err, "the second connection, beside a silent one")
			_, err = verify.Exchange(ctx, silent, []byte("finally"), verify.Options{})
			noErr(err, "the silent connection, when it speaks at last")
		})

		s.it("S4", CatSlowClient, Must, 30*time.Second, "through toxiproxy latency with jitter (10 ± 5 ms each way) the echo is exact", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Latency(toxi.Upstream, 10, 5), toxi.Latency(toxi.Downstream, 10, 5)))
			_, err := verify.Exchange(ctx, c, payload.Random(128<<10, 34), verify.Options{Chunks: func(i int) int { return 1 + (i*997)%4096 }, ExtraWait: extraWait})
			noErr(err, "")
		})

		s.it("S5", CatSlowClient, Must, 30*time.Second, "connections stuck behind toxiproxy timeout (held, then closed) do not stop the server serving others", func(ctx SpecContext) {
			r := s.start(ctx)
			held := dial(ctx, r.proxy(toxi.Timeout(toxi.Upstream, 0)))
			_, err := held.Write(payload.Text(10 << 10))
			noErr(err, "write into the held connection")
			r.serves(ctx, "while a connection is held by a timeout toxic")
			closing := dial(ctx, r.proxy(toxi.Timeout(toxi.Downstream, 300)))
			_, err = verify.Exchange(ctx, closing, payload.Text(1<<20), verify.Options{Stall: 3 * time.Second})
			if err == nil {
				fail("the timeout toxic did not cut the connection: the fault was not injected")
			}
			r.serves(ctx, "after a timeout toxic closed a connection")
		})

		s.it("S6", CatSlowClient, Must, 30*time.Second, "a connection whose close is delayed by toxiproxy slow_close does not stop the server serving others", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.SlowClose(toxi.Upstream, 2000)))
			_, err := verify.Exchange(ctx, c, payload.Text(8<<10), verify.Options{})
			noErr(err, "the exchange before the slow close")
			c.Close()
			r.serves(ctx, "while a close is held back 2 s")
		})

		s.it("S7", CatSlowClient, Should, 60*time.Second, "backpressure: a client pushing up to 256 MiB without reading grows the server's memory by less than 64 MiB, because the server stops reading from it", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			before := sample(pid)
			hog := dial(ctx, r.inst.Addr())
			sent, err := sock.Hog(ctx, hog, 256<<20, time.Second)
			noErr(err, "the non-reading client")
			after := sample(pid)
			growth := after.RSS - before.RSS
			AddReportEntry("backpressure", fmt.Sprintf("the server took %.1f MiB from a client that never reads; RSS %.1f → %.1f MiB (%+.1f MiB)",
				mib(sent), mib(before.RSS), mib(after.RSS), mib(growth)))
			if growth >= 64<<20 {
				fail(fmt.Sprintf("server memory grew by %.1f MiB (limit 64 MiB) while a client that never reads pushed %.1f MiB: RSS %.1f → %.1f MiB; it buffers output without bound",
					mib(growth), mib(sent), mib(before.RSS), mib(after.RSS)))
			}
		})

		s.it("S8", CatSlowClient, Should, 60*time.Second, "idle cost: with 1,000 idle connections the server uses under 5% of a core over 2 s", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			n := r.fit(1000, 0, "idle connections")
			for i, c := range dialAll(ctx, r.inst.Addr(), n) {
				if i%100 == 0 { // make sure the server has really taken them on
					_, err := verify.Exchange(ctx, c, []byte("x"), verify.Options{})
					noErr(err, "idle connection %d", i+1)
				}
			}
			idle(ctx, 200*time.Millisecond) // let the accepts settle
			before := sample(pid)
			idle(ctx, 2*time.Second)
			after := sample(pid)
			share := probe.CPUShare(before, after)
			AddReportEntry("idle CPU", fmt.Sprintf("%.1f%% of a core over %v with %d idle connections", 100*share, after.At.Sub(before.At).Round(time.Millisecond), n))
			busy := share >= 0.05
			switch {
			case busy && r.profile().BusyIdle:
				deviation("busy-idle: %.1f%% of a core while idle (limit 5%%)", 100*share)
			case !busy && r.profile().BusyIdle:
				AddReportEntry(NotObservedEntry, fmt.Sprintf("busy-idle declared, but the server used only %.1f%% of a core while idle", 100*share))
			case busy:
				fail(fmt.Sprintf("idle server used %.1f%% of a core over %v with %d idle connections (limit 5%%; CPU %v → %v): it spins while idle",
					100*share, after.At.Sub(before.At).Round(time.Millisecond), n, before.CPU, after.CPU))
			}
		})
	})
}

// fit scales a number of concurrent connections to the target's declared
// max-conns (keeping `reserve` places for the spec's other connections),
// recording the deviation when it has to.
func (r *run) fit(want, reserve int, what string) int {
	m := r.profile().MaxConns
	if m == 0 || want+reserve <= m {
		return want
	}
	got := max(1, m-reserve)
	deviation("max-conns=%d: %d %s instead of %d", m, got, what, want)
	return got
}

// pingPong runs n connections at once, each doing rounds round trips of
// small random messages, and returns every round-trip time.
func pingPong(ctx context.Context, addr string, n, rounds int, seed uint64) ([]time.Duration, error) {
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := dialErr(ctx, addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		conns[i] = c
	}
	rtts := make([][]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for j := range rounds {
				st, err := verify.Exchange(ctx, c, payload.Random(64, seed+uint64(i*rounds+j)), verify.Options{})
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

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// withinBaseline checks a time measured under a fault against the same
// measure without it.
func withinBaseline(base, under time.Duration) error {
	limit := slowdownFactor*base + slowdownSlack
	if under > limit {
		return fmt.Errorf("took %v, against %v without the slow client: more than %dx + %v (limit %v)",
			under.Round(time.Microsecond), base.Round(time.Microsecond), slowdownFactor, slowdownSlack, limit.Round(time.Microsecond))
	}
	return nil
}

// sample probes the server's process group, failing the spec if it cannot.
func sample(pid int) probe.Sample {
	GinkgoHelper()
	s, err := probe.Group(pid)
	noErr(err, "probe the server process")
	return s
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
