package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
)

// extraWait is how long the echo specs keep reading after the full echo to
// catch bytes the server should not have sent.
const extraWait = 200 * time.Millisecond

// echoSpecs is the echo category: the protocol itself, on a well-behaved
// client, directly and through toxiproxy with no toxic.
func (s *suite) echoSpecs() {
	Describe("echo", Label(CatEcho), func() {
		for _, p := range []path{direct, proxied} {
			s.pathEchoSpecs(p)
		}
		s.halfCloseSpecs()
	})
}

// pathEchoSpecs are the echo specs that run on both paths.
func (s *suite) pathEchoSpecs(p path) {
	via := ""
	if p.proxied {
		via = " (through toxiproxy)"
	}
	pl := p.label()

	s.it(p.id("E1"), CatEcho, Must, 20*time.Second, "a single byte comes back uppercased, and nothing else"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		_, err := verify.Exchange(ctx, c, []byte("q"), verify.Options{ExtraWait: extraWait})
		noErr(err, "")
	}, pl)

	s.it(p.id("E2"), CatEcho, Must, 20*time.Second, "all 256 byte values come back, a..z uppercased, every other byte unchanged"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		_, err := verify.Exchange(ctx, c, payload.AllBytes(), verify.Options{ExtraWait: extraWait})
		noErr(err, "")
	}, pl)

	s.it(p.id("E3"), CatEcho, Must, 30*time.Second, "1,000 ping-pong round trips on one connection each get their exact echo"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		rng := rand.New(rand.NewPCG(3, 3))
		rtts := make([]time.Duration, 0, 1000)
		for i := range 1000 {
			msg := payload.Random(1+rng.IntN(512), uint64(i))
			st, err := verify.Exchange(ctx, c, msg, verify.Options{})
			noErr(err, "round trip %d of 1000 (%d bytes)", i+1, len(msg))
			rtts = append(rtts, st.Elapsed)
		}
		reportDurations("round trip", rtts)
	}, pl)

	s.it(p.id("E4"), CatEcho, Must, 30*time.Second, "1 MiB written without waiting for the echo comes back exact"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		st, err := verify.Exchange(ctx, c, payload.Random(1<<20, 4), verify.Options{ExtraWait: extraWait})
		noErr(err, "")
		reportThroughput(st)
	}, pl)

	s.it(p.id("E5"), CatEcho, Must, 60*time.Second, "16 MiB written without waiting for the echo comes back exact"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		st, err := verify.Exchange(ctx, c, payload.Random(16<<20, 5), verify.Options{ExtraWait: extraWait, Stall: 10 * time.Second})
		noErr(err, "")
		reportThroughput(st)
	}, pl)

	s.it(p.id("E6"), CatEcho, Must, 30*time.Second, "256 KiB sent in random chunks of 1..4096 bytes with random pauses comes back exact"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		rng := rand.New(rand.NewPCG(6, 6))
		var mu sync.Mutex // the writer calls Chunks and Pause from its goroutine
		opts := verify.Options{
			ExtraWait: extraWait,
			Chunks: func(int) int {
				mu.Lock()
				defer mu.Unlock()
				return 1 + rng.IntN(4096)
			},
			Pause: func(int) time.Duration {
				mu.Lock()
				defer mu.Unlock()
				if rng.IntN(10) == 0 {
					return time.Duration(rng.IntN(3000)) * time.Microsecond
				}
				return 0
			},
		}
		_, err := verify.Exchange(ctx, c, payload.Random(256<<10, 6), opts)
		noErr(err, "")
	}, pl)

	s.it(p.id("E7"), CatEcho, Must, 60*time.Second, "256 concurrent connections each get their own payload back, with no cross-talk"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		n := 256
		if m := r.profile().MaxConns; m > 0 && m < n {
			deviation("max-conns=%d: %d concurrent connections instead of %d", m, m, n)
			n = m
		}
		conns := dialAll(ctx, r.addr(p), n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Go(func() {
				// The first bytes name the connection, so cross-talk is
				// seen at once.
				msg := append([]byte(fmt.Sprintf("conn %04d:", i)), payload.Random(16<<10, uint64(1000+i))...)
				_, errs[i] = verify.Exchange(ctx, c, msg, verify.Options{ExtraWait: extraWait})
			})
		}
		wg.Wait()
		noErr(firstErrors(errs, "connection"), "%d concurrent connections", n)
	}, pl)

	s.it(p.id("E10"), CatEcho, Must, 30*time.Second, "after 100 connections opened and closed without data, the server still echoes"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		addr := r.addr(p)
		for i := range 100 {
			c, err := dialErr(ctx, addr)
			noErr(err, "empty connection %d of 100", i+1)
			c.Close()
		}
		c := dial(ctx, addr)
		_, err := verify.Exchange(ctx, c, payload.Text(4096), verify.Options{ExtraWait: extraWait})
		noErr(err, "the exchange after 100 empty connections")
	}, pl)

	s.it(p.id("E11"), CatEcho, Must, 30*time.Second, "a connection left idle for 3 s still echoes"+via, func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		_, err := verify.Exchange(ctx, c, []byte("before idle"), verify.Options{})
		noErr(err, "before the idle time")
		idle(ctx, 3*time.Second)
		_, err = verify.Exchange(ctx, c, []byte("after idle"), verify.Options{ExtraWait: extraWait})
		noErr(err, "after 3 s idle")
	}, pl)
}

// halfCloseSpecs need a direct connection: toxiproxy turns a half-close
// into a full close.
func (s *suite) halfCloseSpecs() {
	s.it("E8", CatEcho, Must, 30*time.Second, "after the client's FIN the server echoes everything it received, then closes (EOF)", func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.inst.Addr())
		_, err := verify.Exchange(ctx, c, payload.Random(256<<10, 8), verify.Options{HalfClose: true})
		noErr(err, "")
	}, direct.label())

	s.it("E12", CatEcho, Must, 30*time.Second, "after the client's FIN the server still echoes all of 8 MiB to a client that starts reading only 300 ms later, then closes (EOF)", func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.inst.Addr())
		_, err := verify.Exchange(ctx, c, payload.Random(8<<20, 12), verify.Options{HalfClose: true, ReadDelay: 300 * time.Millisecond})
		noErr(err, "")
	}, direct.label())

	s.it("E9", CatEcho, Must, 30*time.Second, "50 short connections in a row, each message then FIN, each get the echo and a clean close (FIN, never RST)", func(ctx SpecContext) {
		r := s.start(ctx)
		for i := range 50 {
			c := dial(ctx, r.inst.Addr())
			msg := payload.Random(100+i*1000, uint64(900+i))
			_, err := verify.Exchange(ctx, c, msg, verify.Options{HalfClose: true, Stall: 3 * time.Second})
			noErr(err, "connection %d of 50 (%d bytes)", i+1, len(msg))
			c.Close()
		}
	}, direct.label())
}

// idle waits d, or until the spec's context ends.
func idle(ctx context.Context, d time.Duration) {
	GinkgoHelper()
	select {
	case <-ctx.Done():
		fail(fmt.Sprintf("the spec ended while idling %v", d))
	case <-time.After(d):
	}
}

// firstErrors joins the first few non-nil errors, each named by its index,
// with a count of all of them.
func firstErrors(errs []error, what string) error {
	var failed []error
	count := 0
	for i, err := range errs {
		if err == nil {
			continue
		}
		count++
		if len(failed) < 5 {
			failed = append(failed, fmt.Errorf("%s %d: %w", what, i, err))
		}
	}
	if count == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d %ss failed; the first:\n%w", count, len(errs), what, errors.Join(failed...))
}

// reportDurations puts the distribution of ds into the spec's report.
func reportDurations(name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) time.Duration { return s[min(len(s)-1, int(f*float64(len(s))))] }
	AddReportEntry(name, fmt.Sprintf("n=%d p50=%v p99=%v max=%v", len(s), q(0.5), q(0.99), s[len(s)-1]))
}

func reportThroughput(st verify.Stats) {
	mbps := float64(st.Bytes) / (1 << 20) / st.Elapsed.Seconds()
	AddReportEntry("throughput", fmt.Sprintf("%d bytes in %v (%.1f MiB/s)", st.Bytes, st.Elapsed.Round(time.Millisecond), mbps))
}
