package conformance

// The server's process as /proc shows it: its pids, a sample of its fds,
// threads, memory and CPU, counts waited for while they fall, and the share
// of a window it spent spinning.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/spec"
)

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

// procOrNil is inst's process, or nil for an instance without one of its
// own (an engine in the suite's process).
func procOrNil(inst target.Instance) *proc {
	if p, ok := procOf(inst); ok {
		return &p
	}
	return nil
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
	s, err := p.sample()
	noErr(kinded(spec.Crash, err), "probe the server process")
	return s
}

// sample probes the server's processes.
func (p proc) sample() (probe.Sample, error) {
	if p.group {
		return probe.Group(p.pid)
	}
	return probe.Processes(p.pid)
}

// settlesTo waits for a probed count to come back to at most base+slack,
// and fails with kind, both numbers and the time waited if it does not,
// and what more says (if not nil).
// It waits as long as the count keeps falling: it fails once the count
// has made no new low for settle (a leak is a plateau; a server slowed by
// a busy host releases late, but releases), or after settleMax in all.
func settlesTo(ctx context.Context, pid proc, kind spec.Kind, what string, get func(probe.Sample) int, base, slack int, when string, more func() string) {
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
			msg := fmt.Sprintf("%s: %s %d before, %d after (+%d, limit +%d), waited %v (%s)", when, what, base, last, last-base, slack, time.Since(t0).Round(time.Millisecond), why)
			if more != nil {
				msg += "; " + more()
			}
			return msg
		})
	AddReportEntry(what, fmt.Sprintf("%d before, %d after (%s), settled in %v", base, last, when, time.Since(t0).Round(time.Millisecond)))
}

// fdsAtRest is the server's fds before a spec's connections: a sample
// taken once the count has held still (restingSample), what kinds of fds
// they are, and how many each process holds.
type fdsAtRest struct {
	probe.Sample
	kinds  map[string]int
	byProc map[int]int
}

// restingFDs samples the server's fds at rest. A sample at once can
// catch what the spec's set-up left in flight (the connection that
// checked which process holds it, still open in a thread that has not
// yet read its end) and judge its release a baseline.
func restingFDs(ctx context.Context, pid proc) fdsAtRest {
	GinkgoHelper()
	s := restingSample(ctx, pid)
	kinds, _ := probe.FDKinds(pid.pids()...)
	return fdsAtRest{s, kinds, fdsByProc(pid)}
}

// fdsByProc counts the fds of each of the server's processes.
func fdsByProc(pid proc) map[int]int {
	by := map[int]int{}
	for _, p := range pid.pids() {
		if n, err := probe.FDs(p); err == nil {
			by[p] = n
		}
	}
	return by
}

// settlesFDs waits for the server's fd count to come back within fdSlack
// of before (settlesTo), recording the margin; a plateau above it fails
// FDGrowth and says which kinds of fds it holds more of, and which of its
// processes hold them.
func settlesFDs(ctx context.Context, pid proc, before fdsAtRest, when string) {
	GinkgoHelper()
	fds, record := settleBound("fds over baseline", "fds", before.FDs, fdSlack, func(s probe.Sample) int { return s.FDs })
	defer record()
	settlesTo(ctx, pid, spec.FDGrowth, "fds", fds, before.FDs, fdSlack, when, func() string {
		diff := "none by kind"
		if kinds, err := probe.FDKinds(pid.pids()...); err != nil {
			diff = err.Error()
		} else if d := probe.FDKindsDiff(before.kinds, kinds); d != "" {
			diff = d
		}
		return fmt.Sprintf("what changed: %s; fds by process: %s", diff, procsDiff(before.byProc, fdsByProc(pid)))
	})
}

// procsDiff lists per-process counts before and now, by pid: "pid 10
// 12 → 15, pid 11 14 (gone), pid 13 (new) 14".
func procsDiff(before, now map[int]int) string {
	var parts []string
	for _, p := range slices.Sorted(maps.Keys(before)) {
		if n, ok := now[p]; ok {
			parts = append(parts, fmt.Sprintf("pid %d %d → %d", p, before[p], n))
		} else {
			parts = append(parts, fmt.Sprintf("pid %d %d (gone)", p, before[p]))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(now)) {
		if _, ok := before[p]; !ok {
			parts = append(parts, fmt.Sprintf("pid %d (new) %d", p, now[p]))
		}
	}
	return strings.Join(parts, ", ")
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
	share, before, after, span, err := pid.spinning(ctx, d)
	if ctx.Err() != nil {
		fail(spec.Stall, fmt.Sprintf("the spec ended while measuring the spin share over %v", d))
	}
	noErr(kinded(spec.Crash, err), "probe the server process")
	if span > d+d/8 {
		AddReportEntry("spin share window", fmt.Sprintf("measured over %v, not %v: the server was kept waiting for a CPU most of the time", span.Round(time.Millisecond), d))
	}
	return share, before, after
}

// spinning is the spin share spinning measures, the samples at both
// ends, the span of the window measured, and a probe's error (or the
// context's, when it ends first).
func (p proc) spinning(ctx context.Context, d time.Duration) (share float64, before, after probe.Sample, span time.Duration, err error) {
	if before, err = p.sample(); err != nil {
		return 0, before, after, 0, err
	}
	series := []probe.Sample{before}
	pids, listed := p.pids(), before.At
	var tail []probe.Sample
	for end := before.At.Add(d); ; end = end.Add(d / 4) {
		for left := time.Until(end); left > spinStep/2; left = time.Until(end) {
			select {
			case <-ctx.Done():
				return 0, before, after, 0, context.Cause(ctx)
			case <-time.After(min(spinStep, left)):
			}
			if time.Since(listed) >= spinRelist {
				pids, listed = p.pids(), time.Now()
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
	after, err = p.sample()
	return probe.SpinShareOver(series, tail), before, after, series[len(series)-1].At.Sub(before.At), err
}
