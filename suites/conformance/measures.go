package conformance

// The measures several categories use: round trips and their quantiles,
// bounds recorded for the stability tool, baselines, bursts of connections,
// streams, and the numbers put in the report.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// idle waits d, or until the spec's context ends.
func idle(ctx context.Context, d time.Duration) {
	GinkgoHelper()
	select {
	case <-ctx.Done():
		fail(spec.Stall, fmt.Sprintf("the spec ended while idling %v", d))
	case <-time.After(d):
	}
}

// pingPong runs n connections at once, each doing rounds round trips of
// small random messages, and returns every round-trip time.
func (s *suite) pingPong(ctx context.Context, addr string, n, rounds int, seed uint64) ([]time.Duration, error) {
	return pings(ctx, addr, pinging{clients: n, rounds: rounds, seed: seed, protocol: s.opts.protocol})
}

// pinging shapes a ping-pong: clients × rounds round trips of 64 bytes.
type pinging struct {
	clients, rounds int
	seed            uint64
	protocol        payload.Protocol
	// until, if set, ends every client's rounds at that time (a round in
	// flight then still completes).
	until time.Time
	// starvedAt, if set, is how long a round trip may wait for its echo
	// before it counts as starved: it is recorded as the time it waited,
	// and that client's rounds end (its echo may still be on its way).
	starvedAt time.Duration
	// beside, if set, counts what other clients are served meanwhile
	// (S11: the bytes echoed to its streaming clients so far): each round
	// records how far it moved while the round trip waited.
	beside func() int64
}

// A round is one round trip of a ping-pong client: how long it took, and
// how far pinging.beside moved meanwhile (0 without one).
type round struct {
	took   time.Duration
	beside int64
}

// tooks is how long each of rounds took.
func tooks(rounds []round) []time.Duration {
	ds := make([]time.Duration, len(rounds))
	for i, r := range rounds {
		ds[i] = r.took
	}
	return ds
}

// besides is how far pinging.beside moved during each of rounds.
func besides(rounds []round) []int64 {
	bs := make([]int64, len(rounds))
	for i, r := range rounds {
		bs[i] = r.beside
	}
	return bs
}

// pings runs a ping-pong against addr and returns every round-trip time.
func pings(ctx context.Context, addr string, p pinging) ([]time.Duration, error) {
	rs, err := roundsOf(ctx, addr, p)
	return tooks(rs), err
}

// roundsOf runs a ping-pong against addr and returns every round.
func roundsOf(ctx context.Context, addr string, p pinging) ([]round, error) {
	conns := make([]net.Conn, p.clients)
	for i := range conns {
		c, err := dialErr(ctx, addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		conns[i] = c
	}
	rounds := make([][]round, p.clients)
	errs := make([]error, p.clients)
	beside := p.beside
	if beside == nil {
		beside = func() int64 { return 0 }
	}
	o := verify.Options{Protocol: p.protocol, Stall: cmp.Or(p.starvedAt, exchangeStall)}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for j := range p.rounds {
				if !p.until.IsZero() && j > 0 && time.Now().After(p.until) {
					return
				}
				t0, b0 := time.Now(), beside()
				st, err := verify.Exchange(ctx, c, payload.Random(64, p.seed+uint64(i*p.rounds+j)), o)
				if err != nil && p.starvedAt > 0 && verify.KindOf(err) == spec.Stall && ctx.Err() == nil {
					rounds[i] = append(rounds[i], round{time.Since(t0), beside() - b0})
					return
				}
				if err != nil {
					errs[i] = verify.Describe(err, "round trip %d", j+1)
					return
				}
				rounds[i] = append(rounds[i], round{st.Elapsed, beside() - b0})
			}
		})
	}
	wg.Wait()
	if err := firstErrors(errs, "ping-pong client"); err != nil {
		return nil, err
	}
	return slices.Concat(rounds...), nil
}

func median(ds []time.Duration) time.Duration { return quantile(ds, 0.5) }

// p90 is the 90th percentile: starvation that hits one round in ten
// (a median would hide it).
func p90(ds []time.Duration) time.Duration { return quantile(ds, 0.9) }

// timeQuantile is the q quantile of ds weighted by their own lengths:
// the shortest d such that the durations no longer than d make up at
// least q of their sum (the zero value if ds is empty). Of round trips:
// how long the round trip was in which a moment of the clients' waiting
// fell. A ping-pong client waits out a slow round trip instead of making
// the rounds it would have made meanwhile (coordinated omission), so
// counted once each, the round trips of clients a server keeps waiting
// for hundreds of milliseconds while the others race through their rounds
// are fewer than the time spent in them.
func timeQuantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var total, sum time.Duration
	for _, d := range s {
		total += d
	}
	for _, d := range s {
		if sum += d; float64(sum) >= q*float64(total) {
			return d
		}
	}
	return s[len(s)-1]
}

// quantile is the q quantile of ds (the zero value if ds is empty).
func quantile[T cmp.Ordered](ds []T, q float64) T {
	if len(ds) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// bound records a measured value against its limit (spec.BoundEntry) for
// the stability tool and the reports; the spec still judges it itself.
func bound(what string, value, limit float64, unit string) {
	AddReportEntry(spec.BoundEntry, spec.Bound{What: what, Value: value, Limit: limit, Unit: unit}, ReportEntryVisibilityNever)
}

// boundAtLeast is bound for a value that must reach its limit.
func boundAtLeast(what string, value, limit float64, unit string) {
	AddReportEntry(spec.BoundEntry, spec.Bound{What: what, Value: value, Limit: limit, Unit: unit, AtLeast: true}, ReportEntryVisibilityNever)
}

// ms is a duration in milliseconds, for bound.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// withinBaseline checks a time measured under a fault against the same
// measure without it (kind timing).
func withinBaseline(base, under time.Duration) error {
	limit := baselineLimit(base)
	if under > limit {
		return kinded(spec.Timing, fmt.Errorf("took %v, against %v without the misbehaving client: more than %dx + %v (limit %v)",
			under.Round(time.Microsecond), base.Round(time.Microsecond), slowdownFactor, slowdownSlack, limit.Round(time.Microsecond)))
	}
	AddReportEntry("margin", fmt.Sprintf("%v of a limit of %v (%.0f%%)", under.Round(time.Microsecond), limit.Round(time.Microsecond), 100*float64(under)/float64(limit)))
	return nil
}

// withinBaselineBound is withinBaseline that first records the measure
// as bound what (in ms, passed or failed), for the stability tool; what
// names the measure without numbers, so that runs group by it.
func withinBaselineBound(what string, base, under time.Duration) error {
	bound(what, ms(under), ms(baselineLimit(base)), "ms")
	return withinBaseline(base, under)
}

// baselineLimit is the most a time measured beside a misbehaving client
// may take, against base without it.
func baselineLimit(base time.Duration) time.Duration { return slowdownFactor*base + slowdownSlack }

// oneShot makes one connection with a one-byte exchange.
func (s *suite) oneShot(ctx context.Context, addr string) error {
	c, err := dialErr(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = s.exchange(ctx, c, []byte("b"), verify.Options{})
	return err
}

// burst makes total connections, conc at a time, each running one, and
// returns each one's error.
func burst(total, conc int, one func(i int) error) []error {
	errs := make([]error, total)
	var wg sync.WaitGroup
	next := make(chan int)
	for range conc {
		wg.Go(func() {
			for i := range next {
				errs[i] = one(i)
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

// burstOrFail is burst for a spec whose verdict is certain at its first
// failed connection (burstUntilFailure), failing it with the first errors
// and how many were not started. Against a server that stalls every
// connection, H6's 250 warm-up connections, 32 at a time, waited 40 s for
// every one of them to stall (5 s each) before failing with the first.
func burstOrFail(ctx context.Context, total, conc int, what string, one func(i int) error) {
	GinkgoHelper()
	errs, skipped := burstUntilFailure(ctx, total, conc, one)
	if skipped > 0 {
		noErr(firstErrors(errs, what), "%d %ss not started after the first failure", skipped, what)
		noErr(kinded(spec.Stall, context.Cause(ctx)), "%d %ss not started", skipped, what)
	}
	noErr(firstErrors(errs, what), "")
}

// burstUntilFailure is burst that starts no more connections once one has
// failed or ctx has ended (those under way finish): each started one's
// error, nil for the others, and how many were not started.
func burstUntilFailure(ctx context.Context, total, conc int, one func(i int) error) ([]error, int) {
	var failed atomic.Bool
	notStarted := errors.New("not started")
	errs := burst(total, conc, func(i int) error {
		if failed.Load() || ctx.Err() != nil {
			return notStarted
		}
		err := one(i)
		if err != nil {
			failed.Store(true)
		}
		return err
	})
	skipped := 0
	for i, err := range errs {
		if err == notStarted {
			errs[i], skipped = nil, skipped+1
		}
	}
	return errs, skipped
}

// reportDurations puts the distribution of ds into the spec's report.
func reportDurations(name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	AddReportEntry(name, fmt.Sprintf("n=%d p50=%v p99=%v max=%v", len(s), quantile(s, 0.5), quantile(s, 0.99), s[len(s)-1]))
}

func reportThroughput(st verify.Stats) {
	mbps := float64(st.Bytes) / mib / st.Elapsed.Seconds()
	AddReportEntry("throughput", fmt.Sprintf("%d bytes in %v (%.1f MiB/s)", st.Bytes, st.Elapsed.Round(time.Millisecond), mbps))
}

// reportDrains says at how many of an exchange's pauses the server was
// seen to have read everything written before the next write came.
func reportDrains(st verify.Stats) {
	msg := fmt.Sprintf("the server had read everything written at %d of %d pauses, and the next write followed at once", st.Drains, st.Pauses)
	if st.DrainErr != nil {
		msg += fmt.Sprintf("; the other pauses were slept: the kernel could not be asked how much the server had read (%v)", st.DrainErr)
	}
	AddReportEntry("drains", msg)
}

func inMiB(n int64) float64 { return float64(n) / mib }

// stream writes fairChunk-sized chunks to c as fast as it takes them and
// reads the echo as fast as it comes, until the returned stop is called;
// stop returns the bytes echoed and the first error other than the stop
// (a stall when a write or a read made no progress for fairStarved).
func stream(ctx context.Context, c net.Conn) (stop func() (int64, error), echoed *atomic.Int64) {
	echoed = new(atomic.Int64)
	halt := make(chan struct{})
	var wg sync.WaitGroup
	var werr, rerr error
	chunk := payload.Text(fairChunk)
	wg.Go(func() {
		for {
			select {
			case <-halt:
				return
			case <-ctx.Done():
				return
			default:
			}
			c.SetWriteDeadline(time.Now().Add(fairStarved))
			if _, err := c.Write(chunk); err != nil {
				select {
				case <-halt:
				default:
					werr = err
				}
				return
			}
		}
	})
	wg.Go(func() {
		buf := make([]byte, fairChunk)
		for {
			c.SetReadDeadline(time.Now().Add(fairStarved))
			n, err := c.Read(buf)
			echoed.Add(int64(n))
			if err != nil {
				select {
				case <-halt:
				default:
					rerr = err
				}
				return
			}
		}
	})
	return func() (int64, error) {
		close(halt)
		c.SetDeadline(time.Now()) // unblock both sides
		wg.Wait()
		err := errors.Join(werr, rerr)
		if errors.Is(err, io.EOF) {
			err = kinded(spec.EarlyClose, err)
		}
		return echoed.Load(), err
	}, echoed
}
