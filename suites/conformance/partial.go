package conformance

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/suites/spec"
)

// partialSpecs is the partial-write category: data that arrives in
// fragments, and a client whose window forces the server's writes short.
// Not one byte may be lost, duplicated or reordered.
func (s *suite) partialSpecs() {
	Describe("partial-write", Label(string(spec.CatPartialWrite)), func() {
		s.it("W1", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Slicer(toxi.Upstream, slicerAvg, slicerVariation, slicerDelay), toxi.Slicer(toxi.Downstream, slicerAvg, slicerVariation, slicerDelay)))
			_, err := s.exchange(ctx, c, payload.Random(slicerSize, 21), verify.Options{ExtraWait: extraWait})
			noErr(err, "")
		})

		s.it("W2", func(ctx SpecContext) {
			r := s.start(ctx)
			wmem, err := sock.SendBufferMax()
			noErr(kinded(spec.IOError, err), "")
			n := tinyBufWmemFactor*wmem + tinyBufExtra
			c, err := sock.DialBuffers(ctx, r.inst.Addr(), w2Buf, w2Buf)
			noErr(kinded(spec.Refused, err), "")
			DeferCleanup(func() { c.Close() })
			w := sock.WatchWindow(c, w2Full)
			_, err = s.exchange(ctx, c, payload.Random(n, 22), verify.Options{
				Chunks: func(int) int { return w2Chunk }, ReadSize: tinyRead, ReadPause: tinyReadPause, ExtraWait: extraWait})
			closed, werr := w.Stop()
			if werr == nil {
				boundAtLeast("receive window closed", ms(closed), ms(tinyWindowClosed), "ms")
			}
			AddReportEntry("short writes forced", fmt.Sprintf("%s (%d × tcp_wmem max %s + %s); the client's receive window was closed for %v of the exchange",
				size(n), tinyBufWmemFactor, size(wmem), size(tinyBufExtra), closed.Round(time.Millisecond)))
			noErr(err, "")
			noErr(kinded(spec.NoFault, werr), "")
			if closed < tinyWindowClosed {
				fail(spec.NoFault, fmt.Sprintf("the client's receive window was closed for only %v (want at least %v): the server's writes were never forced short",
					closed.Round(time.Millisecond), tinyWindowClosed))
			}
		})

		s.it("W3", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Bandwidth(toxi.Upstream, bandwidthKBps), toxi.Bandwidth(toxi.Downstream, bandwidthKBps)))
			st, err := s.exchange(ctx, c, payload.Random(bandwidthSize, 23), verify.Options{ExtraWait: extraWait})
			noErr(err, "")
			reportThroughput(st)
		})

		s.it("W4", func(ctx SpecContext) {
			r := s.start(ctx)
			other := r.background(ctx, "a direct connection's exchange during the cut", payload.Random(resetPeerOther, 24),
				verify.Options{Chunks: func(int) int { return otherChunk }, Pause: func(int) time.Duration { return otherPause }})
			c := dial(ctx, r.proxy(toxi.LimitData(toxi.Upstream, limitDataBytes)))
			_, err := s.exchange(ctx, c, payload.Random(limitDataSize, 25), verify.Options{Stall: faultStall})
			if err == nil {
				fail(spec.NoFault, "the limit_data toxic did not cut the connection: the fault was not injected")
			}
			noErr(other(), "")
			r.serves(ctx, "after a connection was cut mid-stream")
		})
	})
}
