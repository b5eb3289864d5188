package conformance

// The explorer's checks of the server's process and timing: while a
// flooded client does not read, the server waits rather than spins; out
// of fds (starve), it neither spins nor gives up; at the end of a
// scenario, with every connection closed, its fds and threads come back
// to the fresh server's count and its round trips are prompt; then it
// exits on SIGTERM with an idle client connected. And the bound of a
// flood: what the kernel's buffers can hold.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// watchProcess samples a fresh server's fds and threads, where the suite
// has its process, for releases to compare with. A server may still be
// setting up when it first accepts (prefork's workers start after its
// listener), so the first scenario's server is also sampled at rest (its
// fds still for baseSteady), and every scenario's count is the larger of
// its own fresh one and that.
func (sc *scenario) watchProcess(ctx context.Context) {
	p, ok := procOf(sc.inst)
	if !ok || !probe.Supported {
		return
	}
	s, err := p.sample()
	if err != nil {
		return
	}
	x := sc.x
	if x.rest == nil {
		r, err := p.resting(ctx)
		if err != nil {
			return
		}
		x.rest = &r
	}
	s.FDs, s.Threads = max(s.FDs, x.rest.FDs), max(s.Threads, x.rest.Threads)
	sc.proc, sc.fresh = &p, s
}

// waits measures, where the suite has the server's process, once a
// scenario, the server's spin share over exploreSpinWindow right after a
// flood of ec stopped because the server took no more (its echo waits on
// a full socket): at stalledCPU or more (S9's bound), it spins instead of
// waiting for the socket to drain.
// busy is calm's word from before the flood: not judged unless "".
func (sc *scenario) waits(ctx context.Context, ec *exploreConn, busy string) error {
	if sc.proc == nil || sc.spun {
		return nil
	}
	if busy != "" {
		sc.margins = append(sc.margins, "spin not measured (flooded): "+busy)
		return nil
	}
	sc.spun = true
	share, _, _, span, err := sc.proc.spinning(ctx, exploreSpinWindow)
	if err != nil {
		return kinded(spec.Crash, fmt.Errorf("probe the server process: %w", err))
	}
	sc.margins = append(sc.margins, fmt.Sprintf("spin %.0f%% (flooded)", 100*share))
	if share >= stalledCPU {
		return fmt.Errorf("c%d: %w", ec.slot+1, kinded(spec.CPU, fmt.Errorf("with %s of its echo unread (its flood stopped: the server took no more), the server used %.0f%% of a core of the time it could run over %v (limit %s): it spins on a full socket instead of waiting for it to drain",
			size(int(ec.due())), 100*share, span.Round(time.Millisecond), pct(stalledCPU))))
	}
	return nil
}

// calm waits for the server to be done with the work earlier operations
// left it (exploreCalmWindow, exploreCalmWait), before a fault whose CPU
// is judged against bound: "" once its spin share is under half the
// bound with none of its threads ending, or why the measure after the
// fault is not judged: a connection through a toxic with echo due
// (inFlight), or the server busy before the fault, which cannot then be
// said to spin because of it.
func (sc *scenario) calm(ctx context.Context, bound float64) (string, error) {
	if busy := sc.inFlight(); busy != "" {
		return busy, nil
	}
	waited := time.Now()
	for {
		share, before, after, span, err := sc.proc.spinning(ctx, exploreCalmWindow)
		if err != nil {
			return "", kinded(spec.Crash, fmt.Errorf("probe the server process: %w", err))
		}
		// Calm: little CPU, and no thread ended meanwhile (threads ending
		// in hundreds come in bursts, with lulls between).
		if share < bound/2 && after.Threads >= before.Threads {
			return "", nil
		}
		if time.Since(waited) >= exploreCalmWait || ctx.Err() != nil {
			return fmt.Sprintf("the server was busy before the fault (spin %.0f%% over %v, threads %d → %d, %v after the operation before)",
				100*share, span.Round(time.Millisecond), before.Threads, after.Threads, time.Since(waited).Round(time.Millisecond)), nil
		}
	}
}

// inFlight names a connection through a toxic whose echo is still due,
// or is "": its proxy may be delivering it meanwhile (a slicer's 7-byte
// slices every 20 µs keep a server busy for its whole window), and the
// server's CPU is then that work, not a spin, so the CPU checks (waits,
// starve, idles) are not judged while one is.
func (sc *scenario) inFlight() string {
	for _, ec := range sc.conns {
		if ec != nil && ec.px != nil && !ec.dead && ec.due() > 0 {
			return fmt.Sprintf("c%d's echo through %s in flight (%d bytes due)", ec.slot+1, ec.via, ec.due())
		}
	}
	return ""
}

// idles measures, where the suite has the server's process and it does
// not declare busy-idle, the server's CPU while a crowd of n connections,
// each served, sits idle (S8's property and bounds, over
// exploreIdleWindow after idleSettle): a server that polls its idle
// connections, or wakes up for each on a timer, spins with a crowd.
// busy is calm's word from before the crowd: not judged unless "".
func (sc *scenario) idles(ctx context.Context, n int, busy string) error {
	if sc.proc == nil || sc.x.s.t.Profile().BusyIdle {
		return nil
	}
	if busy != "" {
		sc.margins = append(sc.margins, fmt.Sprintf("idle crowd of %d not measured: %s", n, busy))
		return nil
	}
	idle(ctx, idleSettle)
	spin, before, after, _, err := sc.proc.spinning(ctx, exploreIdleWindow)
	if err != nil {
		return kinded(spec.Crash, fmt.Errorf("probe the server process: %w", err))
	}
	wall := after.At.Sub(before.At)
	share := probe.CPUShare(before, after)
	if run, _ := probe.Demand(before, after); before.Sched && after.Sched && wall > 0 {
		share = float64(run) / float64(wall) // schedstat's nanoseconds, not USER_HZ ticks
	}
	sc.margins = append(sc.margins, fmt.Sprintf("idle crowd of %d: %.1f%% of a core, spin %.0f%%", n, 100*share, 100*spin))
	if share >= idleCPU || spin >= idleSpin {
		return kinded(spec.CPU, fmt.Errorf("with %d connections idle (each had its echo), the server used %.1f%% of a core over %v (limit %s) and %.0f%% of the time it could run (limit %s): it spins while its connections are idle (a poll or a timer per connection)",
			n, 100*share, wall.Round(time.Millisecond), pct(idleCPU), 100*spin, pct(idleSpin)))
	}
	return nil
}

// starve lowers the server's fd limit to the fds it has open + fdLimitSpare
// (H4's fault), opens n connections at once, each sending a few bytes and
// expecting nothing, measures the server's spin share over
// exploreSpinWindow (at emfileCPU or more, H5's bound, it retries accept
// without backing off), then closes them and restores the limit. That it
// serves again is the scenario's later checks'.
func (sc *scenario) starve(ctx context.Context, n int) error {
	busy, err := sc.calm(ctx, emfileCPU)
	if err != nil {
		return err
	}
	restore, err := sock.LimitFDs(sc.proc.pids(), probe.FDs, fdLimitSpare)
	if err != nil {
		return kinded(spec.IOError, errors.Join(fmt.Errorf("lower the server's fd limit: %w", err), restore()))
	}
	// The connects go at once, each for at most exploreStarveDial: past
	// a small listen backlog the kernel retries a SYN after a second and
	// more. A connect may fail (a server that gives up on EMFILE closes
	// its listener): the later checks judge that.
	dctx, cancel := context.WithTimeout(ctx, exploreStarveDial)
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if c, err := dialErr(dctx, sc.inst.Addr()); err == nil {
				c.SetWriteDeadline(time.Now().Add(exploreStall))
				c.Write([]byte("emfile"))
				conns[i] = c
			}
		})
	}
	wg.Wait()
	cancel()
	conns = slices.DeleteFunc(conns, func(c net.Conn) bool { return c == nil })
	sc.dialed += len(conns)
	var share float64
	var span time.Duration
	if busy == "" {
		share, _, _, span, err = sc.proc.spinning(ctx, exploreSpinWindow)
	} else {
		idle(ctx, exploreSpinWindow) // the fault lasts as long, unjudged
	}
	for _, c := range conns {
		c.Close()
	}
	if rerr := restore(); rerr != nil && err == nil {
		return kinded(spec.IOError, fmt.Errorf("restore the server's fd limit: %w", rerr))
	}
	if err != nil {
		return kinded(spec.Crash, fmt.Errorf("probe the server process: %w", err))
	}
	if busy != "" {
		sc.margins = append(sc.margins, "spin not measured (out of fds): "+busy)
		return nil
	}
	sc.margins = append(sc.margins, fmt.Sprintf("spin %.0f%% (out of fds)", 100*share))
	if share >= emfileCPU {
		return kinded(spec.CPU, fmt.Errorf("out of fds (its limit lowered to its open fds + %d) with %d connections waiting, the server used %.0f%% of a core of the time it could run over %v (limit %s): it retries accept without backing off",
			fdLimitSpare, len(conns), 100*share, span.Round(time.Millisecond), pct(emfileCPU)))
	}
	return nil
}

// releases closes every connection of the scenario and waits for the
// server's fds and threads to come back to the fresh server's count:
// fds within fdSlack, threads within a tenth of the connections the
// scenario opened (at least exploreThreadSlack).
func (sc *scenario) releases(ctx context.Context) error {
	sc.dropAll()
	if sc.proc == nil {
		return nil
	}
	threads := max(exploreThreadSlack, sc.dialed/10)
	for _, c := range []struct {
		kind  spec.Kind
		what  string
		get   func(probe.Sample) int
		slack int
	}{
		{spec.FDGrowth, "fds", func(s probe.Sample) int { return s.FDs }, fdSlack},
		{spec.ThreadGrowth, "threads", func(s probe.Sample) int { return s.Threads }, threads},
	} {
		base := c.get(sc.fresh)
		last, waited, plateau, err := fallsTo(ctx, func() (int, error) {
			s, err := sc.proc.sample()
			return c.get(s), err
		}, base+c.slack, settle, settleMax)
		sc.margins = append(sc.margins, fmt.Sprintf("%s %d → %d", c.what, base, last))
		if err != nil {
			return kinded(spec.Crash, fmt.Errorf("probe the server process: %w", err))
		}
		if last > base+c.slack {
			why := fmt.Sprintf("no lower count for %v", settle)
			if !plateau {
				why = fmt.Sprintf("still falling after %v", settleMax)
			}
			return kinded(c.kind, fmt.Errorf("after every connection closed (%d opened in the scenario): the server's %s %d fresh, %d now (+%d, limit +%d), waited %v (%s)",
				sc.dialed, c.what, base, last, last-base, c.slack, waited.Round(time.Millisecond), why))
		}
	}
	return nil
}

// fallsTo waits for a count to come back to at most limit, for as long
// as it keeps falling: it gives up once the count has made no new low for
// plateau, or after most in all. It returns the last count, the time
// waited, whether it gave up at a plateau, and a probe's error.
func fallsTo(ctx context.Context, get func() (int, error), limit int, plateau, most time.Duration) (last int, waited time.Duration, flat bool, err error) {
	t0 := time.Now()
	low, lowAt := math.MaxInt, t0
	for {
		if last, err = get(); err != nil || last <= limit {
			return last, time.Since(t0), false, err
		}
		if last < low {
			low, lowAt = last, time.Now()
		}
		if time.Since(lowAt) >= plateau {
			return last, time.Since(t0), true, nil
		}
		if time.Since(t0) >= most || ctx.Err() != nil {
			return last, time.Since(t0), false, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(settlePoll):
		}
	}
}

// prompt times explorePromptRounds round trips of a small message on a
// new connection, each beside one of the yardstick's (S10's property, in
// fewer rounds): a median over latencyFactor × the yardstick's +
// latencySlack is Timing.
func (sc *scenario) prompt(ctx context.Context) error {
	yard := sc.x.yard
	if yard == nil {
		return nil
	}
	c, err := dialErr(ctx, sc.inst.Addr())
	if err != nil {
		return fmt.Errorf("the round trips' connection: %w", err)
	}
	defer c.Close()
	y, err := dialErr(ctx, yard.Addr())
	if err != nil {
		return kinded(spec.IOError, fmt.Errorf("the yardstick's connection: %w", err))
	}
	defer y.Close()
	var got, base []time.Duration
	for i := range explorePromptRounds {
		msg := payload.Random(latencyMsg, sc.seed+uint64(i))
		st, err := verify.Exchange(ctx, y, msg, verify.Options{Stall: exploreStall}) // the yardstick is upper-echo, whatever the target's protocol
		if err != nil {
			return kinded(spec.IOError, fmt.Errorf("the yardstick's round trip: %w", err))
		}
		base = append(base, st.Elapsed)
		if st, err = sc.x.s.exchange(ctx, c, msg, verify.Options{Stall: exploreStall}); err != nil {
			return verify.Describe(err, "round trip %d of %d", i+1, explorePromptRounds)
		}
		got = append(got, st.Elapsed)
	}
	mt, my := median(got), median(base)
	limit := latencyFactor*my + latencySlack
	sc.margins = append(sc.margins, fmt.Sprintf("round trip %v (%.0f%% of its limit)", mt.Round(time.Microsecond), 100*float64(mt)/float64(limit)))
	if mt > limit {
		return kinded(spec.Timing, fmt.Errorf("the median round trip of %d %d-byte messages is %v, against %v for the yardstick echo server beside it: more than %dx + %v (limit %v); the server delays its echo",
			len(got), latencyMsg, mt.Round(time.Microsecond), my.Round(time.Microsecond), latencyFactor, latencySlack, limit.Round(time.Microsecond)))
	}
	return nil
}

// exits sends the server SIGTERM with an idle client connected (one that
// exchanged once, so the server has surely taken it) and expects it gone
// within exitLimit.
func (sc *scenario) exits(ctx context.Context) error {
	term, ok := sc.inst.(target.Terminator)
	if !ok {
		return nil
	}
	c, err := dialErr(ctx, sc.inst.Addr())
	if err != nil {
		return fmt.Errorf("the idle client before SIGTERM: %w", err)
	}
	defer c.Close()
	if _, err := sc.x.s.exchange(ctx, c, payload.Random(serveProbe, sc.seed+1), verify.Options{Stall: exploreStall}); err != nil {
		return verify.Describe(err, "the idle client before SIGTERM")
	}
	sc.terminated = true
	took, err := term.Terminate(exitLimit)
	sc.margins = append(sc.margins, fmt.Sprintf("exit %v", took.Round(time.Millisecond)))
	if err != nil {
		return kinded(spec.SlowExit, fmt.Errorf("SIGTERM with an idle client connected: %w", err))
	}
	return nil
}

// floodLimit is the most echo a flooded connection may have due before
// the server is judged to queue it without bound: what the kernel's
// buffers could hold, plus exploreQueueMax.
func floodLimit() int64 { return kernelHold() + exploreQueueMax }

// kernelHold is the most a loopback connection's socket buffers can
// hold, both directions, both ends: twice the largest receive buffer
// plus the largest send buffer either autotuning (tcp_rmem, tcp_wmem) or
// SO_RCVBUF/SO_SNDBUF (the core maxima, doubled by the kernel) can make.
// Where the settings cannot be read, 160 MiB.
var kernelHold = sync.OnceValue(func() int64 {
	rmem, err1 := sysctlMax("/proc/sys/net/ipv4/tcp_rmem")
	wmem, err2 := sysctlMax("/proc/sys/net/ipv4/tcp_wmem")
	rcore, err3 := sysctlMax("/proc/sys/net/core/rmem_max")
	wcore, err4 := sysctlMax("/proc/sys/net/core/wmem_max")
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return 160 * mib
	}
	return 2 * (max(rmem, 2*rcore) + max(wmem, 2*wcore))
})

// sysctlMax reads the last number of a sysctl file (the maximum of
// tcp_rmem's three).
func sysctlMax(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s: empty", path)
	}
	return strconv.ParseInt(f[len(f)-1], 10, 64)
}
