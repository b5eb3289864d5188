package conformance

import (
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// echoSpecs is the echo category: the protocol itself, on a well-behaved
// client, directly and through toxiproxy with no toxic.
func (s *suite) echoSpecs() {
	Describe("echo", Label(string(spec.CatEcho)), func() {
		for _, p := range []path{direct, proxied} {
			s.pathEchoSpecs(p)
		}
		s.halfCloseSpecs()
	})
}

// pathEchoSpecs are the echo specs that run on both paths.
func (s *suite) pathEchoSpecs(p path) {
	pl := p.label()

	s.it(p.id("E1"), func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		_, err := s.exchange(ctx, c, []byte("q"), verify.Options{ExtraWait: extraWait})
		noErr(err, "")
	}, pl)

	s.it(p.id("E2"), func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		_, err := s.exchange(ctx, c, payload.AllBytes(), verify.Options{ExtraWait: extraWait})
		noErr(err, "")
	}, pl)

	s.it(p.id("E3"), func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		rng := seeds().Rand(3)
		rtts := make([]time.Duration, 0, pingPongRounds)
		for i := range pingPongRounds {
			msg := seeds().Random(1+rng.IntN(pingPongMaxSize), 300+uint64(i))
			st, err := s.exchange(ctx, c, msg, verify.Options{})
			noErr(err, "round trip %d of %d (%d bytes)", i+1, pingPongRounds, len(msg))
			rtts = append(rtts, st.Elapsed)
		}
		reportDurations("round trip", rtts)
	}, pl)

	s.it(p.id("E4"), func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		st, err := s.exchange(ctx, c, seeds().Random(pipelinedSmall, 4), verify.Options{ExtraWait: extraWait})
		noErr(err, "")
		reportThroughput(st)
	}, pl)

	s.it(p.id("E5"), func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.addr(p))
		st, err := s.exchange(ctx, c, seeds().Random(pipelinedLarge, 5), verify.Options{ExtraWait: extraWait, Stall: largeStall})
		noErr(err, "")
		reportThroughput(st)
	}, pl)

	s.it(p.id("E6"), func(ctx SpecContext) {
		r := s.start(ctx)
		c, serverRead := r.dialWatched(ctx, p)
		rng := seeds().Rand(6)
		var mu sync.Mutex // the writer calls Chunks and Pause from its goroutine
		opts := verify.Options{
			ExtraWait: extraWait,
			Chunks: func(int) int {
				mu.Lock()
				defer mu.Unlock()
				return 1 + rng.IntN(chunkMax)
			},
			Pause: func(int) time.Duration {
				mu.Lock()
				defer mu.Unlock()
				if rng.IntN(chunkPauseEvery) == 0 {
					return time.Duration(rng.IntN(int(chunkPauseMax/time.Microsecond))) * time.Microsecond
				}
				return 0
			},
			ServerRead: serverRead,
		}
		st, err := s.exchange(ctx, c, seeds().Random(chunkedSize, 60), opts)
		noErr(err, "")
		reportDrains(st)
	}, pl)

	s.it(p.id("E7"), func(ctx SpecContext) {
		r := s.start(ctx)
		n := r.fit(crossTalkConns, 0, "concurrent connections")
		s.concurrent(ctx, r.addr(p), n, crossTalkSize, seeds().Seed(1000), verify.Options{ExtraWait: extraWait})
	}, pl)

	s.it(p.id("E10"), func(ctx SpecContext) {
		r := s.start(ctx)
		addr := r.addr(p)
		for i := range emptyConns {
			c, err := dialErr(ctx, addr)
			noErr(err, "empty connection %d of %d", i+1, emptyConns)
			c.Close()
		}
		c := dial(ctx, addr)
		_, err := s.exchange(ctx, c, payload.Text(emptyAfter), verify.Options{ExtraWait: extraWait})
		noErr(err, "the exchange after %d empty connections", emptyConns)
	}, pl)

}

// halfCloseSpecs need a direct connection: toxiproxy turns a half-close
// into a full close.
func (s *suite) halfCloseSpecs() {
	s.it("E8", func(ctx SpecContext) {
		r := s.start(ctx)
		c := dial(ctx, r.inst.Addr())
		_, err := s.exchange(ctx, c, seeds().Random(halfCloseSize, 8), verify.Options{HalfClose: true})
		noErr(err, "")
	}, direct.label())

	s.it("E12", func(ctx SpecContext) {
		r := s.start(ctx)
		for i := range lateReadConns {
			c := dial(ctx, r.inst.Addr())
			_, err := s.exchange(ctx, c, seeds().Random(lateReadSize, uint64(12+1000*i)), verify.Options{HalfClose: true, ReadDelay: lateReadDelay, ReadWhenFull: true})
			noErr(err, "late reader %d of %d", i+1, lateReadConns)
			c.Close()
		}
	}, direct.label())

	s.it("E9", func(ctx SpecContext) {
		r := s.start(ctx)
		for i := range shortConns {
			c := dial(ctx, r.inst.Addr())
			msg := seeds().Random(100+i*1000, uint64(900+i))
			_, err := s.exchange(ctx, c, msg, verify.Options{HalfClose: true, Stall: shortStall})
			noErr(err, "connection %d of %d (%d bytes)", i+1, shortConns, len(msg))
			c.Close()
		}
	}, direct.label())
}

// echoLong are the echo specs of the long-running group (long.go): E11
// on both paths.
func (s *suite) echoLong() {
	for _, p := range []path{direct, proxied} {
		pl := p.label()
		s.it(p.id("E11"), func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.addr(p))
			_, err := s.exchange(ctx, c, []byte("before idle"), verify.Options{})
			noErr(err, "before the idle time")
			idle(ctx, idleShort)
			_, err = s.exchange(ctx, c, []byte("after idle"), verify.Options{ExtraWait: extraWait})
			noErr(err, "after %v idle", idleShort)
		}, pl)
	}
}

// idleLong is E13, the last spec of the long-running group: the
// connections held idle since the group began must still echo.
func (s *suite) idleLong(held func() *idleHeld) {
	s.it("E13", func(ctx SpecContext) { held().check(ctx) })
}
