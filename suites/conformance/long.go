package conformance

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// longSpecs is the long-running group: the specs of every category that
// take seconds each (most of it waiting: idle times, stall limits,
// measuring windows), run in a fixed order on one Ginkgo process, so that
// E13's idle connections, opened before the first of them, idle while
// they run and are checked after the last: E13 costs only what the others
// leave of its idle time. Each spec is written in its category's file. A
// failure does not stop the group (ContinueOnFailure): every spec in it
// runs and is judged on its own.
func (s *suite) longSpecs() {
	Describe("long-running", Label(spec.LongLabel), Ordered, ContinueOnFailure, func() {
		var held *idleHeld
		BeforeAll(func(ctx SpecContext) { held = s.holdIdle(ctx) }, NodeTimeout(quick))
		s.echoLong()
		s.slowLong()
		s.hygieneLong()
		s.loadLong()
		s.idleLong(func() *idleHeld { return held }) // last: E13
	})
}

// idleHeld is E13's server and idle connections, opened before the
// long-running group's specs and checked after them.
type idleHeld struct {
	s      *suite
	inst   target.Instance
	conns  []net.Conn
	moved  []int64 // bytes each connection wrote (and read) before idling
	opened time.Time
	n      int
	err    error // opening failed: E13 fails with it
}

// holdIdle starts E13's server and opens its connections, each
// exchanging once. It never fails the group: an error is kept for E13.
func (s *suite) holdIdle(ctx context.Context) *idleHeld {
	h := &idleHeld{s: s, n: longIdleConns}
	if err := target.Available(s.t); err != nil {
		h.err = err // E13 is skipped with the reason before it looks
		return h
	}
	if m := s.t.Profile().MaxConns; m > 0 && m < h.n {
		h.n = m
	}
	h.inst, h.err = s.t.Start(ctx)
	if h.err != nil {
		h.err = kinded(spec.NotListening, h.err)
		return h
	}
	DeferCleanup(func() {
		for _, c := range h.conns {
			c.Close()
		}
		h.inst.Stop()
	})
	for i := range h.n {
		c, err := dialErr(ctx, h.inst.Addr())
		if err == nil {
			msg := fmt.Sprintf("idle %02d before", i)
			h.conns, h.moved = append(h.conns, c), append(h.moved, int64(len(msg)))
			_, err = s.exchange(ctx, c, []byte(msg), verify.Options{})
		}
		if err != nil {
			h.err = verify.Describe(err, "idle connection %d of %d, before the idle time", i+1, h.n)
			return h
		}
	}
	h.opened = time.Now()
	return h
}

// check waits out what is left of the idle time, then demands an exact
// echo on every held connection.
func (h *idleHeld) check(ctx SpecContext) {
	GinkgoHelper()
	if h == nil {
		fail(spec.IOError, "the long-running group's setup did not run")
	}
	noErr(h.err, "")
	if h.n < longIdleConns {
		deviation("max-conns=%d: %d idle connections instead of %d", h.n, h.n, longIdleConns)
	}
	// On this spec's wire timeline from now: the connections were opened
	// before its log began.
	conns := make([]net.Conn, len(h.conns))
	for i, c := range h.conns {
		conns[i] = adopted(c, h.moved[i], fmt.Sprintf("opened %v ago in the long-running group's setup, one exchange of %d bytes, idle since",
			time.Since(h.opened).Round(time.Millisecond), h.moved[i]))
	}
	if left := longIdle - time.Since(h.opened); left > 0 {
		idle(ctx, left)
	}
	waited := time.Since(h.opened)
	noErr(kinded(spec.Crash, h.inst.Check()), "while the connections idled")
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			_, errs[i] = h.s.exchange(ctx, c, []byte(fmt.Sprintf("idle %02d after", i)), verify.Options{ExtraWait: extraWait})
		})
	}
	wg.Wait()
	noErr(firstErrors(errs, "idle connection"), "after %v idle", waited.Round(time.Millisecond))
	AddReportEntry("idle time", fmt.Sprintf("%d connections idled %v, then echoed", len(conns), waited.Round(time.Millisecond)))
}
