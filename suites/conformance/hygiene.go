package conformance

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/fixtures/verify"
)

// settle is how long a server may take to release what closed connections
// held.
const settle = 5 * time.Second

// hygieneSpecs is the hygiene category: what the server's process holds
// after connections end — fds, threads, memory. They need the server's own
// process; the lifecycle specs need it too.
func (s *suite) hygieneSpecs() {
	Describe("hygiene", Label(CatHygiene), func() {
		s.it("H1", CatHygiene, Must, 60*time.Second, "no fd growth after 2,000 open/close cycles (closed with and without data, and by reset)", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			before := sample(pid)
			for i := range 2000 {
				c, err := dialErr(ctx, r.inst.Addr())
				noErr(err, "cycle %d of 2000", i+1)
				switch i % 4 {
				case 0, 1:
					_, err = verify.Exchange(ctx, c, []byte("fd"), verify.Options{})
					noErr(err, "cycle %d of 2000", i+1)
					c.Close()
				case 2:
					c.Close()
				case 3:
					c.SetLinger(0)
					c.Close()
				}
			}
			r.settlesTo(ctx, pid, "fds", func(s probe.Sample) int { return s.FDs }, before.FDs, 2, "after 2,000 open/close cycles")
		})

		s.it("H2", CatHygiene, Must, 60*time.Second, "the thread count returns to its baseline (+50, a tenth of the burst) after a burst of 500 connections", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			before := sample(pid)
			n := r.fit(500, 0, "connections at once in the burst")
			errs := burst(ctx, r.inst.Addr(), 500, n)
			noErr(firstErrors(errs, "burst connection"), "")
			r.settlesTo(ctx, pid, "threads", func(s probe.Sample) int { return s.Threads }, before.Threads, 50, "after a burst of 500 connections")
		})

		s.it("H3", CatHygiene, Should, 60*time.Second, "memory per idle connection is measured and reported (1,000 connections, each served once)", func(ctx SpecContext) {
			r, pid := s.startProcess(ctx)
			n := r.fit(1000, 0, "idle connections")
			before := sample(pid)
			for i, c := range dialAll(ctx, r.inst.Addr(), n) {
				_, err := verify.Exchange(ctx, c, []byte("m"), verify.Options{})
				noErr(err, "idle connection %d of %d", i+1, n)
			}
			after := sample(pid)
			per := float64(after.RSS-before.RSS) / float64(n)
			AddReportEntry("memory per idle connection", fmt.Sprintf("%.1f KiB (RSS %.1f → %.1f MiB for %d connections; threads %d → %d; fds %d → %d)",
				per/1024, mib(before.RSS), mib(after.RSS), n, before.Threads, after.Threads, before.FDs, after.FDs))
		})
	})

	s.it("H4", CatHygiene, Must, 60*time.Second, "a server out of file descriptors (EMFILE on accept) survives, and serves new connections within 5 s once fds are free again", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		r.exhaustFDs(ctx, pid, time.Second)
		t0 := time.Now()
		var last error
		g.Eventually(ctx, func() bool {
			last = oneShot(ctx, r.inst.Addr())
			return last == nil
		}).WithTimeout(5*time.Second).WithPolling(100*time.Millisecond).Should(BeTrue(), func() string {
			return fmt.Sprintf("no echo within %v after the fd limit was restored: %v", time.Since(t0).Round(time.Millisecond), last)
		})
		r.serves(ctx, "after running out of fds")
	})

	s.it("H5", CatHygiene, Should, 60*time.Second, "a server out of file descriptors (EMFILE on accept) does not spin: under 50% of a core while it cannot accept", func(ctx SpecContext) {
		r, pid := s.startProcess(ctx)
		share := r.exhaustFDs(ctx, pid, time.Second)
		AddReportEntry("CPU while out of fds", fmt.Sprintf("%.1f%% of a core", 100*share))
		if share >= 0.5 && r.profile().BusyIdle {
			deviation("busy-idle: %.1f%% of a core while out of fds, as while idle", 100*share)
			return
		}
		if share >= 0.5 {
			fail(fmt.Sprintf("the server used %.1f%% of a core for 1 s while out of fds with 40 connections waiting (limit 50%%): it retries accept without backing off", 100*share))
		}
	})

	Describe("lifecycle", Label(CatLifecycle), func() {
		s.it("L1", CatLifecycle, Should, 30*time.Second, "the server listens within 10 s of its start, and exits within 5 s of SIGTERM", func(ctx SpecContext) {
			t0 := time.Now()
			r, _ := s.startProcess(ctx)
			started := time.Since(t0)
			term, ok := r.inst.(target.Terminator)
			if !ok {
				Skip("the target cannot be sent SIGTERM")
			}
			r.serves(ctx, "before SIGTERM")
			r.exitExpected = true
			took, err := term.Terminate(5 * time.Second)
			AddReportEntry("lifecycle", fmt.Sprintf("accepting %v after start; exited %v after SIGTERM", started.Round(time.Millisecond), took.Round(time.Millisecond)))
			noErr(err, "SIGTERM")
		})
	})
}

// exhaustFDs lowers the server's fd limit to what it holds plus 4, makes
// 40 connections (most of which it cannot accept), measures the CPU share
// it uses over hold, then closes them and restores the limit. The server
// must still be alive afterwards.
func (r *run) exhaustFDs(ctx context.Context, pid int, hold time.Duration) float64 {
	GinkgoHelper()
	r.serves(ctx, "before the fd limit")
	restore, err := sock.LimitFDs(probe.Pids(pid), probe.FDs, 4)
	DeferCleanup(restore)
	noErr(err, "lower the server's fd limit")
	// Connects may fail here (a server that gives up on EMFILE closes its
	// listener): that is for H4 to judge, after the limit is restored.
	var conns []net.Conn
	refused := 0
	for range 40 {
		c, err := dialErr(ctx, r.inst.Addr())
		if err != nil {
			refused++
			continue
		}
		c.Write([]byte("emfile"))
		conns = append(conns, c)
	}
	if refused > 0 {
		AddReportEntry("while out of fds", fmt.Sprintf("%d of 40 connects failed", refused))
	}
	idle(ctx, 100*time.Millisecond)
	before := sample(pid)
	idle(ctx, hold)
	after := sample(pid)
	for _, c := range conns {
		c.Close()
	}
	noErr(restore(), "")
	noErr(r.inst.Check(), "while out of fds")
	return probe.CPUShare(before, after)
}

// settlesTo waits up to settle for a probed count to come back to at most
// base+slack, and fails with both numbers and the time waited if it does
// not.
func (r *run) settlesTo(ctx context.Context, pid int, what string, get func(probe.Sample) int, base, slack int, when string) {
	GinkgoHelper()
	t0 := time.Now()
	var last int
	g.Eventually(ctx, func() int {
		last = get(sample(pid))
		return last
	}).WithTimeout(settle).WithPolling(50*time.Millisecond).Should(BeNumerically("<=", base+slack),
		func() string {
			return fmt.Sprintf("%s: %s %d before, %d after (+%d, limit +%d), waited %v", when, what, base, last, last-base, slack, time.Since(t0).Round(time.Millisecond))
		})
	AddReportEntry(what, fmt.Sprintf("%d before, %d after (%s)", base, last, when))
}

// burst makes total connections, conc at a time, each doing a one-byte
// exchange, and returns each connection's error.
func burst(ctx context.Context, addr string, total, conc int) []error {
	errs := make([]error, total)
	var wg sync.WaitGroup
	next := make(chan int)
	for range conc {
		wg.Go(func() {
			for i := range next {
				errs[i] = oneShot(ctx, addr)
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

func oneShot(ctx context.Context, addr string) error {
	c, err := dialErr(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = verify.Exchange(ctx, c, []byte("b"), verify.Options{})
	return err
}
