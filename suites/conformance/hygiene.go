package conformance

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// hygieneSpecs is the hygiene category: what the server's process holds
// after connections end — fds, threads, memory — and how it lives through
// running out of fds. They need the server's own process. (H6 and H7 run
// in the long-running group, long.go.)
func (s *suite) hygieneSpecs() {
	Describe("hygiene", Label(string(spec.CatHygiene)), func() {
		s.it("H1", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			before := restingFDs(ctx, pid)
			for i := range fdCycles {
				c, err := dialErr(ctx, r.inst.Addr())
				noErr(err, "cycle %d of %d", i+1, fdCycles)
				switch i % 4 {
				case 0, 1:
					_, err = s.exchange(ctx, c, []byte("fd"), verify.Options{})
					noErr(err, "cycle %d of %d", i+1, fdCycles)
					c.Close()
				case 2:
					c.Close()
				case 3:
					abort(c)
				}
			}
			settlesFDs(ctx, pid, before, fmt.Sprintf("after %s open/close cycles", count(fdCycles)))
			r.afterFault(ctx, fmt.Sprintf("%s open/close cycles, closed with and without data, and by reset", count(fdCycles)))
		})

		s.it("H2", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			before := sample(pid)
			n := r.fit(threadBurst, 0, "connections at once in the burst")
			errs := burst(threadBurst, n, func(int) error { return s.oneShot(ctx, r.inst.Addr()) })
			noErr(firstErrors(errs, "burst connection"), "")
			threads, record := settleBound("threads over baseline", "threads", before.Threads, threadSlack, func(s probe.Sample) int { return s.Threads })
			defer record()
			settlesTo(ctx, pid, spec.ThreadGrowth, "threads", threads, before.Threads, threadSlack,
				fmt.Sprintf("after a burst of %d connections", threadBurst), nil)
		})

		s.it("H3", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			n := r.fit(idleConns, 0, "idle connections")
			before := sample(pid)
			for i, c := range dialAll(ctx, r.inst.Addr(), n) {
				_, err := s.exchange(ctx, c, []byte("m"), verify.Options{})
				noErr(err, "idle connection %d of %d", i+1, n)
			}
			after := sample(pid)
			per := float64(after.RSS-before.RSS) / float64(n)
			AddReportEntry("memory per idle connection", fmt.Sprintf("%.1f KiB (RSS %.1f → %.1f MiB for %d connections; threads %d → %d; fds %d → %d)",
				per/kib, inMiB(before.RSS), inMiB(after.RSS), n, before.Threads, after.Threads, before.FDs, after.FDs))
		})

	})
}

// hygieneLong are the hygiene specs of the long-running group (long.go).
func (s *suite) hygieneLong() {
	s.it("H4", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		r.exhaustFDs(ctx, pid)
		t0 := time.Now()
		var last error
		var took time.Duration // until the echo came; unset, it never did
		defer func() {
			if took == 0 {
				took = time.Since(t0)
			}
			bound("echo after the fd limit is restored", ms(took), ms(emfileRecover), "ms")
		}()
		expect(ctx, spec.Refused).Eventually(ctx, func() bool {
			last = s.oneShot(ctx, r.inst.Addr())
			if last == nil {
				took = time.Since(t0)
			}
			return last == nil
		}).WithTimeout(emfileRecover).WithPolling(emfilePoll).Should(BeTrue(), func() string {
			return fmt.Sprintf("no echo within %v after the fd limit was restored: %v", time.Since(t0).Round(time.Millisecond), last)
		})
		r.serves(ctx, "after running out of fds")
		r.afterFault(ctx, "out of fds (EMFILE on accept)")
	})
	s.it("H5", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		share := r.exhaustFDs(ctx, pid)
		bound("spin share while out of fds", share, emfileCPU, "core")
		AddReportEntry("CPU while out of fds", fmt.Sprintf("%.1f%% of a core used of the time it could run (limit %s)", 100*share, pct(emfileCPU)))
		if share >= emfileCPU {
			fail(spec.CPU, fmt.Sprintf("the server used of the time it could run %.1f%% of a core for %v while out of fds with %d connections waiting (limit %s): it retries accept without backing off",
				100*share, emfileHold, emfileConns, pct(emfileCPU)))
		}
	})
	s.it("H6", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		conc := r.fit(memConc, 0, "connections at a time")
		one := func(i int) error {
			c, err := dialErr(ctx, r.inst.Addr())
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = s.exchange(ctx, c, seeds().Random(memSize, uint64(i%64)), verify.Options{})
			return err
		}
		By(fmt.Sprintf("%d warm-up connections", memWarm))
		burstOrFail(ctx, memWarm, conc, "warm-up connection", one)
		before := sample(pid)
		By(fmt.Sprintf("%d more connections", memConns))
		burstOrFail(ctx, memConns, conc, "connection", one)
		t0 := time.Now()
		var last probe.Sample
		defer func() {
			if !last.At.IsZero() {
				bound("memory over the warm baseline", inMiB(last.RSS-before.RSS), inMiB(memReturn), "MiB")
			}
		}()
		expect(ctx, spec.MemoryGrowth).Eventually(ctx, func() int64 {
			last = sample(pid)
			return last.RSS - before.RSS
		}).WithTimeout(settle).WithPolling(settlePoll).Should(BeNumerically("<", int64(memReturn)), func() string {
			return fmt.Sprintf("after %s connections served and closed, RSS is %.1f MiB against %.1f MiB after the warm-up (%+.1f MiB, %.1f KiB per connection; limit +%s), waited %v",
				count(memConns), inMiB(last.RSS), inMiB(before.RSS), inMiB(last.RSS-before.RSS), float64(last.RSS-before.RSS)/memConns/kib, size(memReturn), time.Since(t0).Round(time.Millisecond))
		})
		AddReportEntry("memory returns", fmt.Sprintf("RSS %.1f MiB after the warm-up, %.1f MiB after %s connections (%+.1f MiB, limit +%s)",
			inMiB(before.RSS), inMiB(last.RSS), count(memConns), inMiB(last.RSS-before.RSS), size(memReturn)))
	})
	s.it("H7", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		before := restingFDs(ctx, pid)
		conc := r.fit(writeErrConc, 0, "connections at a time")
		var taken atomic.Int64
		errs := burst(writeErrConns, conc, func(int) error {
			c, err := dialErr(ctx, r.inst.Addr())
			if err != nil {
				return err
			}
			n, err := neverReads(ctx, c, hogLimit, writeErrStill)
			taken.Add(n)
			rst(c)
			return err
		})
		noErr(firstErrors(errs, "resetting client"), "")
		AddReportEntry("write errors", fmt.Sprintf("%d clients reset with echo pending; the server had taken %.1f MiB from them", writeErrConns, inMiB(taken.Load())))
		settlesFDs(ctx, pid, before, fmt.Sprintf("after %d connections ended with the server's write failing", writeErrConns))
		r.afterFault(ctx, fmt.Sprintf("%d clients reset with echo pending, the server's writes failing", writeErrConns))
	})
}

// exhaustFDs lowers the server's fd limit to what it holds plus
// fdLimitSpare, makes emfileConns connections (most of which it cannot
// accept), measures the share of a core the server demands over
// emfileHold, then closes them and restores the limit. The server must
// still be alive afterwards.
func (r *run) exhaustFDs(ctx context.Context, pid proc) float64 {
	GinkgoHelper()
	r.serves(ctx, "before the fd limit")
	restore, err := sock.LimitFDs(pid.pids(), probe.FDs, fdLimitSpare)
	DeferCleanup(restore)
	noErr(kinded(spec.IOError, err), "lower the server's fd limit")
	specFault("the server's fd limit lowered to its open fds + %d", fdLimitSpare)
	// Connects may fail here (a server that gives up on EMFILE closes its
	// listener): that is for H4 to judge, after the limit is restored.
	var conns []net.Conn
	refused := 0
	for range emfileConns {
		c, err := dialErr(ctx, r.inst.Addr())
		if err != nil {
			refused++
			continue
		}
		c.Write([]byte("emfile"))
		conns = append(conns, c)
	}
	if refused > 0 {
		AddReportEntry("while out of fds", fmt.Sprintf("%d of %d connects failed", refused, emfileConns))
	}
	idle(ctx, emfileSettle)
	share, _, _ := spinning(ctx, pid, emfileHold)
	for _, c := range conns {
		c.Close()
	}
	noErr(kinded(spec.IOError, restore()), "")
	specFault("the server's fd limit restored")
	noErr(kinded(spec.Crash, r.inst.Check()), "while out of fds")
	return share
}

// settleBound wraps get, the count settlesTo polls, so that the last count
// it read is recorded as bound what when the returned record runs (deferred
// in the spec's body: passed or failed): the count over base, against
// slack. Nothing is recorded when no count was read.
func settleBound(what, unit string, base, slack int, get func(probe.Sample) int) (func(probe.Sample) int, func()) {
	var last int
	read := false
	return func(s probe.Sample) int {
			last, read = get(s), true
			return last
		}, func() {
			if read {
				bound(what, float64(last-base), float64(slack), unit)
			}
		}
}
