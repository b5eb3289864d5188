package conformance

import (
	"errors"
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// limitsSpecs are the specs aimed at the integers an engine keeps and
// their limits: fd numbers past select's FD_SETSIZE (C5, category load),
// and a connection's byte count past 2³¹ and 2³² (E14, category echo).
// No other spec reaches either: fd numbers start low in a fresh server,
// and the longest stream of the others is 16 MiB.
func (s *suite) limitsSpecs() {
	Describe("limits", func() {
		s.it("C5", s.fdsPastSetSize)
		s.it("E14", func(ctx SpecContext) {
			onlyWhenAsked("E14")
			r := s.start(ctx)
			c := dial(ctx, r.inst.Addr())
			st, err := verify.Stream(ctx, c, payload.NewPositional(14), hugeStream,
				verify.Options{Protocol: s.opts.protocol, Stall: hugeStall, ExtraWait: extraWait})
			noErr(err, "one connection's stream of %d bytes (2³² + %s)%s", hugeStream, size(hugeStreamPast), wrongPast(err))
			bound("longest wait for the echo", ms(st.LongestWait), ms(hugeStall), "ms")
			AddReportEntry("throughput", fmt.Sprintf("%d bytes each way in %v (%.0f MiB/s); the longest wait for the echo %v (a stall at %v)",
				st.Bytes, st.Elapsed.Round(time.Millisecond), float64(st.Bytes)/mib/st.Elapsed.Seconds(),
				st.LongestWait.Round(time.Millisecond), hugeStall))
		}, direct.label())
	})
}

// wrongPast says how near 2³¹ or 2³² a stream's first wrong byte is, for
// E14's message: "; the first wrong byte is 2³² + 1,148" (or "2³² −
// 967,296": a count that wraps may spoil echo still queued before it).
// Farther than 64 MiB from both, it says nothing.
func wrongPast(err error) string {
	var e *verify.Error
	if !errors.As(err, &e) || e.Kind != spec.WrongByte {
		return ""
	}
	off := int64(e.Offset)
	for _, p := range []struct {
		at   int64
		name string
	}{{1 << 32, "2³²"}, {1 << 31, "2³¹"}} {
		switch d := off - p.at; {
		case d >= 0 && d < 64*mib:
			return fmt.Sprintf("; the first wrong byte is %s + %s", p.name, count(int(d)))
		case d < 0 && d > -64*mib:
			return fmt.Sprintf("; the first wrong byte is %s − %s", p.name, count(int(-d)))
		}
	}
	return ""
}

// fdsPastSetSize is C5: well over FD_SETSIZE connections at once, the
// server's fd numbers past it, and every connection's echo exact.
func (s *suite) fdsPastSetSize(ctx SpecContext) {
	r, own := s.startOwn(ctx)
	pid, probed := procOf(r.inst)
	probed = probed && own && probe.Supported
	// Where the server's fds cannot be seen, a count that takes them past
	// the mark at once; where they can, a smaller one, grown until they do.
	n, most := fdConnsBlind, fdConnsBlind
	if probed {
		n, most = fdConns, fdConnsMost
	}
	n = r.fit(n, 0, "concurrent connections")
	if m := r.profile().MaxConns; m > 0 {
		most = min(most, m)
	}
	// Both ends of every connection are this process's when the server
	// runs in it. Growth stops where this process's fd limit would.
	perConn := 1
	if !own {
		perConn = 2
	}
	needFDs(perConn*n + c10kFDSpare)
	if fit, ok := connsFit(perConn); ok {
		most = max(n, min(most, fit))
	}
	if probed {
		if lim := fdLimitOf(pid); lim < uint64(n+fdLimitRoom) {
			Skip(fmt.Sprintf("the server's fd limit (ulimit -n) is %d: it cannot hold the %d connections of this spec (+%d); raise it", lim, n, fdLimitRoom))
		}
	}

	addr := r.inst.Addr()
	o := verify.Options{Stall: loadStall}
	var conns []net.Conn
	highest := -1
	for want := n; ; want = min(most, len(conns)+fdConnsStep) {
		// Each new connection exchanges once before more are opened: it has
		// been accepted, and its fd number counts.
		more := dialAll(ctx, addr, want-len(conns))
		errs := s.exchangeAll(ctx, more, len(conns), 16, seeds().Seed(5100), o)
		if probed {
			highest = highestFD(pid)
		}
		noErr(firstErrorsFrom(errs, "connection", len(conns)),
			"connections %d to %d (numbered from 0), opened beside %d others, then each exchanging once (the server's highest fd %d)",
			len(conns), want-1, len(conns), highest)
		conns = append(conns, more...)
		if !probed || highest >= fdSetSize+fdPastBy || len(conns) >= most {
			break
		}
	}
	t0 := time.Now()
	noErr(firstErrors(s.exchangeAll(ctx, conns, 0, fdSize, seeds().Seed(5000), o), "connection"),
		"%d connections at once (numbered from 0; the server's highest fd %d), each its own %s", len(conns), highest, size(fdSize))
	took := time.Since(t0)
	switch {
	case !probed:
		AddReportEntry("fds", fmt.Sprintf("%s connections at once, each echoed exact twice (%s all at once in %v); the server's process is not visible, so its fd numbers are not known: "+
			"%s connections take those of a server of one process past %d",
			count(len(conns)), size(fdSize), took.Round(time.Millisecond), count(len(conns)), fdSetSize+fdPastBy))
	case highest >= fdSetSize+fdPastBy:
		boundAtLeast("the server's highest fd", float64(highest), fdSetSize+fdPastBy, "fd")
		AddReportEntry("fds", fmt.Sprintf("%s connections at once, each echoed exact twice (%s all at once in %v); the server's highest fd %d, past FD_SETSIZE (%d) by %d",
			count(len(conns)), size(fdSize), took.Round(time.Millisecond), highest, fdSetSize, highest-fdSetSize))
	default:
		AddReportEntry("fds", fmt.Sprintf("%s connections at once, each echoed exact twice (%s all at once in %v); the server's highest fd %d: below %d, so its fds past FD_SETSIZE (%d) were not tried "+
			"(%s connections were the most here: %s at most, fewer for a declared max-conns or this process's fd limit)",
			count(len(conns)), size(fdSize), took.Round(time.Millisecond), highest, fdSetSize+fdPastBy, fdSetSize, count(most), count(fdConnsMost)))
		if r.profile().MaxConns > 0 {
			deviation("max-conns=%d: the server's fds stayed below %d (its highest %d)", r.profile().MaxConns, fdSetSize+fdPastBy, highest)
		}
	}
}

// highestFD is the highest fd number of any of the server's processes.
func highestFD(pid proc) int {
	GinkgoHelper()
	highest := -1
	for _, p := range pid.pids() {
		h, _, err := probe.HighestFD(p)
		if err == nil {
			highest = max(highest, h)
		}
	}
	return highest
}

// fdLimitOf is the lowest fd limit (RLIMIT_NOFILE) of the server's
// processes.
func fdLimitOf(pid proc) uint64 {
	GinkgoHelper()
	lim := ^uint64(0)
	for _, p := range pid.pids() {
		if _, l, err := probe.HighestFD(p); err == nil {
			lim = min(lim, l)
		}
	}
	return lim
}

// connsFit is how many connections of perConn fds each this process may
// open within its fd limit, leaving c10kFDSpare; ok is false when the
// limit is not known.
func connsFit(perConn int) (fit int, ok bool) {
	if a := fdsAllowed(); a > 0 {
		return (a - c10kFDSpare) / perConn, true
	}
	return 0, false
}
