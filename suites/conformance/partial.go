package conformance

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
)

// partialSpecs is the partial-write category: data that arrives in
// fragments, and a client whose window forces the server's writes short.
// Not one byte may be lost, duplicated or reordered.
func (s *suite) partialSpecs() {
	Describe("partial-write", Label(CatPartialWrite), func() {
		s.it("W1", CatPartialWrite, Must, 30*time.Second, "toxiproxy slicer in both directions: the server reads and writes in tiny fragments, and the echo is exact", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Slicer(toxi.Upstream, 7, 6, 20), toxi.Slicer(toxi.Downstream, 7, 6, 20)))
			_, err := verify.Exchange(ctx, c, payload.Random(32<<10, 21), verify.Options{ExtraWait: extraWait})
			noErr(err, "")
		})

		s.it("W2", CatPartialWrite, Must, 30*time.Second, "a client with a tiny receive buffer that reads slowly while it keeps sending gets every byte exactly once, in order (the server's writes come back short or EAGAIN)", func(ctx SpecContext) {
			r := s.start(ctx)
			c, err := sock.DialBuffers(ctx, r.inst.Addr(), 2048, 2048)
			noErr(err, "")
			DeferCleanup(func() { c.Close() })
			_, err = verify.Exchange(ctx, c, payload.Random(2<<20, 22), verify.Options{
				ReadSize: 1024, ReadPause: 200 * time.Microsecond, ExtraWait: extraWait})
			noErr(err, "")
		})

		s.it("W3", CatPartialWrite, Must, 30*time.Second, "toxiproxy bandwidth (8 MB/s each way) with a 4 MiB payload: the echo is exact", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Bandwidth(toxi.Upstream, 8192), toxi.Bandwidth(toxi.Downstream, 8192)))
			st, err := verify.Exchange(ctx, c, payload.Random(4<<20, 23), verify.Options{ExtraWait: extraWait})
			noErr(err, "")
			reportThroughput(st)
		})

		s.it("W4", CatPartialWrite, Must, 30*time.Second, "toxiproxy limit_data cuts a connection mid-stream: the server survives and another connection's exchange is unaffected", func(ctx SpecContext) {
			r := s.start(ctx)
			other := r.background(ctx, "a direct connection's exchange during the cut", payload.Random(2<<20, 24),
				verify.Options{Chunks: func(int) int { return 32 << 10 }, Pause: func(int) time.Duration { return time.Millisecond }})
			c := dial(ctx, r.proxy(toxi.LimitData(toxi.Upstream, 100_000)))
			_, err := verify.Exchange(ctx, c, payload.Random(1<<20, 25), verify.Options{Stall: 3 * time.Second})
			if err == nil {
				fail("the limit_data toxic did not cut the connection: the fault was not injected")
			}
			noErr(other(), "")
			r.serves(ctx, "after a connection was cut mid-stream")
		})
	})
}
