package conformance

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// loadSpecs is the load category: many connections at once, each with its
// own payload; and, for a target that declares max-conns, proof that the
// connection past the limit waits instead of failing.
func (s *suite) loadSpecs() {
	Describe("load", Label(string(spec.CatLoad)), func() {
		s.it("C1", func(ctx SpecContext) {
			r := s.start(ctx)
			n := r.fit(loadConns, 0, "concurrent connections")
			s.concurrent(ctx, r.inst.Addr(), n, loadSize, seeds().Seed(50000), verify.Options{Stall: loadStall})
		})

		s.it("C2", func(ctx SpecContext) {
			onlyWhenAsked("C2")
			// In a process of its own where possible: 10,000 connections
			// with both ends in the test process need 20,000 fds.
			r, own := s.startOwn(ctx)
			n := r.fit(c10kConns, 0, "concurrent connections")
			if own {
				needFDs(n + c10kFDSpare)
			} else {
				needFDs(2*n + c10kFDSpare)
			}
			s.concurrent(ctx, r.inst.Addr(), n, c10kSize, seeds().Seed(50000), verify.Options{Stall: loadStall})
		})

		s.it("C3", func(ctx SpecContext) {
			r := s.start(ctx)
			m := r.profile().MaxConns
			if m == 0 {
				Skip("the target declares no max-conns: the limit spec does not apply")
			}
			// Every allowed connection is served at once, as the declaration
			// says it can be. One at a time, a round trip each through a
			// server that wakes a thread per connection, 8,192 of them took
			// longer than the spec's time on a busy host.
			conns := dialAll(ctx, r.inst.Addr(), m)
			noErr(firstErrors(s.exchangeAll(ctx, conns, 0, len("in"), seeds().Seed(53000), verify.Options{}), "connection"),
				"the %d allowed connections, every exchange at once", m)
			extra := dial(ctx, r.inst.Addr())
			_, err := extra.Write([]byte("waiting"))
			noErr(err, "connection %d: write", m+1)
			extra.SetReadDeadline(time.Now().Add(maxConnsAtOnce))
			if n, _ := extra.Read(make([]byte, 16)); n > 0 {
				AddReportEntry(spec.NotObservedEntry, fmt.Sprintf("max-conns=%d declared, but connection %d was served at once", m, m+1))
				fail(spec.Deviation, fmt.Sprintf("max-conns=%d is declared, but connection %d was served within %v while %d others were open: the limit is not real, and the declaration shrinks every spec that scales to it",
					m, m+1, maxConnsAtOnce, m))
			}
			conns[0].Close()
			t0 := time.Now()
			extra.SetReadDeadline(time.Now().Add(maxConnsServed))
			got := make([]byte, len("waiting"))
			for off := 0; off < len(got); {
				n, err := extra.Read(got[off:])
				off += n
				if err != nil || off == len(got) {
					bound("served after one closed", ms(time.Since(t0)), ms(maxConnsServed), "ms")
				}
				noErr(err, "connection %d, waiting for its echo after connection 1 closed (%d of %d bytes after %v)", m+1, off, len(got), time.Since(t0).Round(time.Millisecond))
			}
			if want := s.opts.protocol.Expect([]byte("waiting")); string(got) != string(want) {
				fail(spec.WrongByte, fmt.Sprintf("connection %d: echo %q, want %q", m+1, got, want))
			}
			deviation("max-conns=%d: connection %d waited, then was served %v after one closed", m, m+1, time.Since(t0).Round(time.Millisecond))
		})
	})
}

// loadLong is the load spec of the long-running group (long.go): C4.
func (s *suite) loadLong() {
	s.it("C4", func(ctx SpecContext) {
		r, own := s.startOwn(ctx)
		pid, probed := procOf(r.inst)
		probed = probed && own && probe.Supported
		var before fdsAtRest
		if probed {
			before = restingFDs(ctx, pid)
		}
		conc := r.fit(soakConc, 0, "connections at a time")
		payloads := make([][]byte, conc)
		for i := range payloads {
			payloads[i] = seeds().Random(soakSize, uint64(4000+i))
		}
		t0 := time.Now()
		burstOrFail(ctx, soakConns, conc, "soak connection", func(i int) error {
			c, err := dialErr(ctx, r.inst.Addr())
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = s.exchange(ctx, c, payloads[i%conc], verify.Options{Chunks: func(int) int { return soakChunk }, HalfClose: true})
			return err
		})
		took := time.Since(t0)
		AddReportEntry("soak", fmt.Sprintf("%s in %v (%.0f MiB/s each way) over %s connections, %d at a time",
			size(soakConns*soakSize), took.Round(time.Millisecond), float64(soakConns*soakSize)/mib/took.Seconds(), count(soakConns), conc))
		if !probed {
			AddReportEntry("process checks", "skipped: the suite has no process of this target's to probe")
			return
		}
		settlesFDs(ctx, pid, before, "after the soak")
		after := sample(pid)
		bound("memory growth after the soak", inMiB(after.RSS-before.RSS), inMiB(soakGrowth), "MiB")
		AddReportEntry("memory after the soak", fmt.Sprintf("RSS %.1f → %.1f MiB (limit +%s)", inMiB(before.RSS), inMiB(after.RSS), size(soakGrowth)))
		if after.RSS-before.RSS >= soakGrowth {
			fail(spec.MemoryGrowth, fmt.Sprintf("after the soak of %s the server's RSS grew from %.1f to %.1f MiB (%+.1f MiB, limit %s)",
				size(soakConns*soakSize), inMiB(before.RSS), inMiB(after.RSS), inMiB(after.RSS-before.RSS), size(soakGrowth)))
		}
	})
}

// concurrent opens n connections to addr, then runs an exchange of size
// bytes on all of them at once, each payload led by its connection's
// number so that cross-talk is seen at once (seeds from seed).
func (s *suite) concurrent(ctx SpecContext, addr string, n, size int, seed uint64, o verify.Options) {
	GinkgoHelper()
	conns := dialAll(ctx, addr, n)
	noErr(firstErrors(s.exchangeAll(ctx, conns, 0, size, seed, o), "connection"), "%d concurrent connections", n)
}

// exchangeAll runs an exchange of size bytes on every connection of conns
// at once, each payload led by its connection's number (first + its index)
// so that cross-talk is seen at once (seeds from seed), and returns each
// one's error.
func (s *suite) exchangeAll(ctx context.Context, conns []net.Conn, first, size int, seed uint64, o verify.Options) []error {
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			n := first + i
			msg := append([]byte(fmt.Sprintf("conn %05d:", n)), payload.Random(size, seed+uint64(n))...)
			_, errs[i] = s.exchange(ctx, c, msg, o)
		})
	}
	wg.Wait()
	return errs
}

// baseSteady is how long the server's fd count must hold still before
// H1, H7 and C4 take it as their baseline.
const baseSteady = time.Second

// restingSample samples the server once its fd count has held still for
// baseSteady (settleMax at most). A target counts as started as soon as it
// accepts a connection, but a server may still be setting up then: prefork
// listens in its parent before its worker processes exist, and on a busy
// host they take seconds to start, so a sample at once can miss most of
// their fds and judge their arrival a leak. A leak after the soak is still
// measured against the server at rest.
func restingSample(ctx context.Context, pid proc) probe.Sample {
	GinkgoHelper()
	s, err := pid.resting(ctx)
	noErr(kinded(spec.Crash, err), "probe the server process")
	return s
}

// resting is restingSample's sample, or the probe's error.
func (p proc) resting(ctx context.Context) (probe.Sample, error) {
	t0 := time.Now()
	s, err := p.sample()
	since := time.Now()
	for err == nil && time.Since(since) < baseSteady && time.Since(t0) < settleMax && ctx.Err() == nil {
		time.Sleep(settlePoll)
		var n probe.Sample
		if n, err = p.sample(); n.FDs != s.FDs {
			since = time.Now()
		}
		s = n
	}
	return s, err
}
