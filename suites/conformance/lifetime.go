package conformance

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

// lifetimeSpecs is L2: one server process's lifetime of lifeConns
// connections — past every 16-bit count — each with its own payload,
// every echo checked; then the server must still serve, and its memory
// must not grow with the connections it has served (the slope, not a
// return to a baseline, so that a leak of 1 KiB per connection shows).
func (s *suite) lifetimeSpecs() {
	Describe("lifetime", Label(string(spec.CatLifecycle)), func() {
		s.it("L2", func(ctx SpecContext) {
			onlyWhenAsked("L2")
			r, own := s.startOwn(ctx)
			pid, probed := procOf(r.inst)
			probed = probed && own && probe.Supported
			l := s.newLife(r)
			AddReportEntry("connections", l.plan)

			t0 := time.Now()
			l.segment(ctx, 0, lifeWarm, "warm-up")
			var samples []probe.Sample
			var served []int
			if probed {
				samples, served = append(samples, sample(pid)), append(served, lifeWarm)
			}
			for k := range lifeSegments {
				from := lifeWarm + k*lifeSegment
				l.segment(ctx, from, lifeSegment, "")
				if probed {
					samples, served = append(samples, sample(pid)), append(served, from+lifeSegment)
				}
			}
			took := time.Since(t0)
			rate := float64(lifeConns) / took.Seconds()
			AddReportEntry("lifetime", fmt.Sprintf("%s connections in %v (%.0f connections/s), %d at a time, every echo exact",
				count(lifeConns), took.Round(time.Millisecond), rate, l.conc))
			r.serves(ctx, fmt.Sprintf("after %s connections in the server's life", count(lifeConns)))
			if !probed {
				AddReportEntry("slopes", "not judged: the suite has no process of this target's to probe")
				return
			}
			judgeSlopes(samples, served)
		})
	})
}

// life is L2's client: where it connects from, how it closes, how many
// connections at a time.
type life struct {
	s       *suite
	r       *run
	conc    int
	sources []net.Addr // source addresses, one per connection in turn; nil: the default
	clean   bool       // FIN, echo and EOF; else the echo, then RST (no TIME_WAIT)
	plan    string     // what was chosen and why, for the report
	errs    []error    // each connection's, by its number in the server's life
}

// newLife chooses L2's sources and closing order for r's address.
//
// Every connection is closed by the client after the server's EOF (the
// protocol's order: the client's FIN comes first), so TIME_WAIT sits on
// the client's side, one socket per connection for 60 s. lifeConns of
// them cannot fit the ephemeral port range of one source address
// (ip_local_port_range, 28,232 ports by default) unless tcp_tw_reuse
// lets connect reuse a port in TIME_WAIT (the default, 2, does on
// loopback; the kernel waits tcp_tw_reuse_delay, 1 s, first). Not to
// depend on it, nor to take the ports of other tests on 127.0.0.1, an
// IPv4 client spreads its connections over enough source addresses of
// 127.0.0.0/8 from 127.0.0.2 on (each gives the whole range again: the
// port is chosen at connect, IP_BIND_ADDRESS_NO_PORT) to hold them all in
// half of each range. IPv6 has one loopback address, ::1: there the
// clean close relies on tcp_tw_reuse, and where it is off and the range
// is too small, each connection ends with an RST after its full echo
// instead, which leaves no TIME_WAIT (the server then sees resets, not
// FINs; the report says so). A Unix socket has no ports.
func (s *suite) newLife(r *run) *life {
	GinkgoHelper()
	l := &life{s: s, r: r, clean: true, conc: r.fit(lifeConc, 0, "connections at a time"), errs: make([]error, lifeConns)}
	network, address := engine.Network(r.inst.Addr())
	if network == "unix" {
		l.plan = fmt.Sprintf("%s connections over a Unix socket (no ports, no TIME_WAIT), %d at a time", count(lifeConns), l.conc)
		return l
	}
	host, _, err := net.SplitHostPort(address)
	noErr(kinded(spec.IOError, err), "the target's address")
	lo, hi := portRange()
	ports := hi - lo + 1
	reuse := twReuse()
	ip := net.ParseIP(host)
	if ip.To4() != nil && extraLoopback {
		k := min(lifeMaxSources, (lifeConns+ports/2-1)/(ports/2))
		for i := range k {
			l.sources = append(l.sources, &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))})
		}
		l.plan = fmt.Sprintf("%s connections, %d at a time, from %d source addresses (127.0.0.2..127.0.0.%d; ports %d-%d, tcp_tw_reuse=%d), each closed by the client after the server's EOF",
			count(lifeConns), l.conc, k, 1+k, lo, hi, reuse)
		return l
	}
	if reuse == 0 && lifeConns > ports/2 {
		l.clean = false
		l.plan = fmt.Sprintf("%s connections, %d at a time, from %s: tcp_tw_reuse=0 and %d ephemeral ports, too few for their TIME_WAIT, so each ends with an RST after its full echo",
			count(lifeConns), l.conc, host, ports)
		return l
	}
	l.plan = fmt.Sprintf("%s connections, %d at a time, from %s (ports %d-%d, tcp_tw_reuse=%d reuses those in TIME_WAIT), each closed by the client after the server's EOF",
		count(lifeConns), l.conc, host, lo, hi, reuse)
	return l
}

// segment runs connections from..from+n of the server's life, l.conc at
// a time, and fails the spec with the first ones that failed, numbered
// (from 0) in the server's life. After a failure it starts no more: a
// server that stops serving would otherwise stall every one left.
func (l *life) segment(ctx context.Context, from, n int, what string) {
	GinkgoHelper()
	errs, skipped := burstUntilFailure(ctx, n, l.conc, func(i int) error { return l.one(ctx, from+i) })
	copy(l.errs[from:from+n], errs)
	if what == "" {
		what = fmt.Sprintf("connections %s..%s of the server's life", count(from+1), count(from+n))
	}
	if skipped > 0 {
		what += fmt.Sprintf(" (%d not started after the first failure)", skipped)
	}
	noErr(firstErrors(l.errs[:from+n], "connection"), "%s", what)
}

// one is connection i of the server's life: its own payload, the echo
// checked, then the close l chose.
func (l *life) one(ctx context.Context, i int) error {
	var src net.Addr
	if len(l.sources) > 0 {
		src = l.sources[i%len(l.sources)]
	}
	c, err := dialFrom(ctx, l.r.inst.Addr(), src)
	if err != nil {
		return err
	}
	defer c.Close()
	msg := append([]byte(fmt.Sprintf("life %06d:", i)), seeds().Random(lifeSize, uint64(i))...)
	_, err = l.s.exchange(ctx, c, msg, verify.Options{HalfClose: l.clean, Stall: lifeStall, ReadSize: 2 * len(msg)})
	if err == nil && !l.clean {
		rst(c)
	}
	return err
}

// judgeSlopes fits the growth of the server's memory, threads and fds
// against the connections it had served at each sample (Theil–Sen) and
// fails the spec when memory grows by lifeSlope bytes per connection or
// more, or threads or fds by lifeCountSlope per 1,000 connections.
func judgeSlopes(samples []probe.Sample, served []int) {
	GinkgoHelper()
	xs := make([]float64, len(served))
	for i, n := range served {
		xs[i] = float64(n)
	}
	of := func(f func(probe.Sample) float64) []float64 {
		ys := make([]float64, len(samples))
		for i, s := range samples {
			ys[i] = f(s)
		}
		return ys
	}
	mem := theilSen(xs, of(func(s probe.Sample) float64 { return float64(s.RSS) }))
	threads := 1000 * theilSen(xs, of(func(s probe.Sample) float64 { return float64(s.Threads) }))
	fds := 1000 * theilSen(xs, of(func(s probe.Sample) float64 { return float64(s.FDs) }))
	first, last := samples[0], samples[len(samples)-1]
	span := served[len(served)-1] - served[0]
	cpu := (last.CPU + last.ChildCPU - first.CPU - first.ChildCPU) / time.Duration(span)
	bound("memory slope", mem, lifeSlope, "B/conn")
	AddReportEntry("slopes", fmt.Sprintf("memory %+.1f B per connection (limit %d), threads %+.3f and fds %+.3f per 1,000 connections (limit %g), fitted (Theil–Sen) over %d samples across %s connections: RSS %.1f → %.1f MiB, threads %d → %d, fds %d → %d; the server's CPU %v per connection",
		mem, lifeSlope, threads, fds, lifeCountSlope, len(samples), count(span), inMiB(first.RSS), inMiB(last.RSS), first.Threads, last.Threads, first.FDs, last.FDs, cpu))
	bound("threads slope", threads, lifeCountSlope, "per 1,000 conns")
	bound("fds slope", fds, lifeCountSlope, "per 1,000 conns")
	fitted := fmt.Sprintf("fitted (Theil–Sen) over %d samples across %s connections after %s warm-up ones", len(samples), count(span), count(lifeWarm))
	if mem >= lifeSlope {
		fail(spec.MemoryGrowth, fmt.Sprintf("the server's memory grew %.0f bytes per connection served (limit %d), %s: RSS %.1f → %.1f MiB (%+.1f MiB)",
			mem, lifeSlope, fitted, inMiB(first.RSS), inMiB(last.RSS), inMiB(last.RSS-first.RSS)))
	}
	if threads >= lifeCountSlope {
		fail(spec.ThreadGrowth, fmt.Sprintf("the server's threads grew %.2f per 1,000 connections served (limit %g), %s: %d → %d threads",
			threads, lifeCountSlope, fitted, first.Threads, last.Threads))
	}
	if fds >= lifeCountSlope {
		fail(spec.FDGrowth, fmt.Sprintf("the server's fds grew %.2f per 1,000 connections served (limit %g), %s: %d → %d fds",
			fds, lifeCountSlope, fitted, first.FDs, last.FDs))
	}
}

// theilSen is the Theil–Sen estimate of the slope of ys against xs: the
// median of the slopes between every pair of points. Unlike least
// squares it ignores a minority of samples taken at odd moments (a
// garbage collection just before one, an allocator returning memory just
// after another): up to about 29% of them can be anywhere without moving
// it much, while a steady leak moves every pair.
func theilSen(xs, ys []float64) float64 {
	var slopes []float64
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if xs[j] != xs[i] {
				slopes = append(slopes, (ys[j]-ys[i])/(xs[j]-xs[i]))
			}
		}
	}
	if len(slopes) == 0 {
		return 0
	}
	slices.Sort(slopes)
	m := len(slopes) / 2
	if len(slopes)%2 == 0 {
		return (slopes[m-1] + slopes[m]) / 2
	}
	return slopes[m]
}

// portRange is the host's ephemeral port range (ip_local_port_range), or
// Linux's default where it cannot be read.
func portRange() (lo, hi int) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	f := strings.Fields(string(b))
	if err == nil && len(f) == 2 {
		lo, err1 := strconv.Atoi(f[0])
		hi, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil && hi > lo {
			return lo, hi
		}
	}
	return 32768, 60999
}

// twReuse is net.ipv4.tcp_tw_reuse (it covers IPv6 too): 0 off, 1 on,
// 2 on loopback only; 0 where it cannot be read.
func twReuse() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_tw_reuse")
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}
