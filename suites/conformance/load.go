package conformance

import (
	"fmt"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
)

// c10kLabel marks the 10,000-connection spec, run only when a label filter
// asks for it.
const c10kLabel = "c10k"

// loadSpecs is the load category: many connections at once, each with its
// own payload; and, for a target that declares max-conns, proof that the
// connection past the limit waits instead of failing.
func (s *suite) loadSpecs() {
	Describe("load", Label(CatLoad), func() {
		s.it("C1", CatLoad, Must, 60*time.Second, "1,000 concurrent connections each get their own 4 KiB payload back exact", func(ctx SpecContext) {
			r := s.start(ctx)
			n := r.fit(1000, 0, "concurrent connections")
			r.concurrent(ctx, n, 4<<10)
		})

		s.it("C2", CatLoad, Must, 120*time.Second, "10,000 concurrent connections each get their own 1 KiB payload back exact", func(ctx SpecContext) {
			if !strings.Contains(GinkgoLabelFilter(), c10kLabel) {
				Skip("the c10k spec runs only when asked: --label-filter=" + c10kLabel)
			}
			// In a process of its own where possible: 10,000 connections
			// with both ends in the test process need 20,000 fds.
			r, own := s.startOwn(ctx)
			n := r.fit(10000, 0, "concurrent connections")
			if own {
				needFDs(n + 512)
			} else {
				needFDs(2*n + 512)
			}
			r.concurrent(ctx, n, 1<<10)
		}, Label(c10kLabel))

		s.it("C3", CatLoad, Must, 30*time.Second, "with max-conns=N declared, connection N+1 waits (it is not refused or reset) and is served once another closes", func(ctx SpecContext) {
			r := s.start(ctx)
			m := r.profile().MaxConns
			if m == 0 {
				Skip("the target declares no max-conns: the limit spec does not apply")
			}
			conns := dialAll(ctx, r.inst.Addr(), m)
			for i, c := range conns {
				_, err := verify.Exchange(ctx, c, []byte("in"), verify.Options{})
				noErr(err, "connection %d of the %d allowed", i+1, m)
			}
			extra := dial(ctx, r.inst.Addr())
			_, err := extra.Write([]byte("waiting"))
			noErr(err, "connection %d: write", m+1)
			extra.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if n, _ := extra.Read(make([]byte, 16)); n > 0 {
				AddReportEntry(NotObservedEntry, fmt.Sprintf("max-conns=%d declared, but connection %d was served at once", m, m+1))
				return
			}
			conns[0].Close()
			t0 := time.Now()
			extra.SetReadDeadline(time.Now().Add(5 * time.Second))
			got := make([]byte, len("waiting"))
			for off := 0; off < len(got); {
				n, err := extra.Read(got[off:])
				off += n
				noErr(err, "connection %d, waiting for its echo after connection 1 closed (%d of %d bytes after %v)", m+1, off, len(got), time.Since(t0).Round(time.Millisecond))
			}
			if string(got) != "WAITING" {
				fail(fmt.Sprintf("connection %d: echo %q, want %q", m+1, got, "WAITING"))
			}
			deviation("max-conns=%d: connection %d waited, then was served %v after one closed", m, m+1, time.Since(t0).Round(time.Millisecond))
		})
	})
}

// concurrent opens n connections, then runs an exchange of size bytes on
// all of them at once, each payload led by its connection's number.
func (r *run) concurrent(ctx SpecContext, n, size int) {
	GinkgoHelper()
	conns := dialAll(ctx, r.inst.Addr(), n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			msg := append([]byte(fmt.Sprintf("conn %05d:", i)), payload.Random(size, uint64(50000+i))...)
			_, errs[i] = verify.Exchange(ctx, c, msg, verify.Options{Stall: 10 * time.Second})
		})
	}
	wg.Wait()
	noErr(firstErrors(errs, "connection"), "%d concurrent connections", n)
}
