package conformance

import (
	"fmt"
	"io"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// resetSpecs is the reset category: peers that vanish with an RST or a
// close while the server still has work for them. The server must survive,
// keep every other connection whole, and serve new ones.
func (s *suite) resetSpecs() {
	Describe("reset", Label(string(spec.CatReset)), func() {
		s.it("R1", func(ctx SpecContext) {
			r := s.start(ctx)
			other := r.background(ctx, "the other connection's exchange", seeds().Random(resetOtherSize, 11),
				verify.Options{Chunks: func(int) int { return resetOtherChunk }, Pause: func(int) time.Duration { return resetOtherPause }})
			victim := dial(ctx, r.inst.Addr())
			By("a client pushes without reading, then resets")
			_, err := neverReads(ctx, victim, resetHogLimit, hogStill)
			noErr(err, "the resetting client's upload")
			noErr(rst(victim), "")
			noErr(other(), "")
			r.serves(ctx, "after a client reset with echo pending")
			r.afterFault(ctx, "a client reset with echo pending")
		})

		s.it("R2", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.inst.Addr())
			go func() { // keep the echo flowing, so the server is busy with this connection
				c.SetReadDeadline(time.Now().Add(standard))
				io.Copy(io.Discard, c)
			}()
			p := seeds().Random(resetUpload, 12)
			c.SetWriteDeadline(time.Now().Add(faultStall * 3))
			_, err := c.Write(p[:resetUpload/2])
			noErr(err, "the first half of the upload")
			noErr(rst(c), "")
			r.serves(ctx, fmt.Sprintf("after a reset in the middle of a %s upload", size(resetUpload)))
			r.afterFault(ctx, fmt.Sprintf("a reset in the middle of a %s upload", size(resetUpload)))
		})

		DescribeTable("reset_peer", func(ctx SpecContext, id string, stream toxi.Direction) {
			ctx = s.declared(ctx, id)
			r := s.start(ctx)
			other := r.background(ctx, "a direct connection's exchange during the reset", seeds().Random(resetPeerOther, 13),
				verify.Options{Chunks: func(int) int { return otherChunk }, Pause: func(int) time.Duration { return otherPause }})
			c := dial(ctx, r.proxy(toxi.ResetPeer(stream, resetPeerAfter)))
			// Paced so that it outlasts the toxic's timeout many times over.
			_, err := s.exchange(ctx, c, seeds().Random(resetPeerSize, 14), verify.Options{Stall: faultStall,
				Chunks: func(int) int { return resetPeerChunk }, Pause: func(int) time.Duration { return resetPeerPause }})
			if err == nil {
				fail(spec.NoFault, fmt.Sprintf("the reset_peer toxic (%s, after %v) did not reset the connection: the exchange of %s finished, so the fault was not injected",
					stream, resetPeerAfter, size(resetPeerSize)))
			}
			AddReportEntry("the reset connection", err.Error())
			noErr(other(), "")
			r.serves(ctx, "after a reset_peer "+string(stream))
			r.afterFault(ctx, "reset_peer "+string(stream))
		},
			s.entry("R3", toxi.Upstream),
			s.entry("R4", toxi.Downstream),
		)

		s.it("R5", func(ctx SpecContext) {
			r := s.start(ctx)
			for i := range sigpipeClients {
				By(fmt.Sprintf("client %d: FIN while the server has echo pending, then close with unread echo", i+1))
				c, err := sock.DialBuffers(ctx, r.inst.Addr(), tinyBuf, 0)
				noErr(kinded(spec.Refused, err), "")
				c = trackedFault(c, "SO_RCVBUF %d before the connect", tinyBuf)
				DeferCleanup(func() { c.Close() })
				st, err := sock.FINWhilePending(ctx, c, backpressurePush, sigpipeFINLimit)
				noErr(kinded(spec.NoFault, err), "client %d of %d", i+1, sigpipeClients)
				bound("FIN acknowledged", ms(st.FINAfter), ms(sigpipeFINLimit), "ms")
				ended := ""
				if st.PeerEnded {
					ended = " (the server closed the connection at once: it had no write left to fail)"
				}
				AddReportEntry(fmt.Sprintf("client %d", i+1), fmt.Sprintf("%d bytes acknowledged; the server's window %d → %d bytes; FIN acknowledged after %v%s",
					st.Sent, st.PeakWnd, st.StopWnd, st.FINAfter.Round(time.Microsecond), ended))
				c.Close() // unread echo in our buffer: RST, to a server in CLOSE_WAIT, whose next write meets EPIPE
				noErr(kinded(spec.Crash, r.inst.Check()), "after client %d closed", i+1)
			}
			r.serves(ctx, fmt.Sprintf("after %d clients closed on a writing server", sigpipeClients))
			r.afterFault(ctx, fmt.Sprintf("%d clients closed with echo pending, the server's writes meeting EPIPE", sigpipeClients))
		})

		s.it("R6", func(ctx SpecContext) {
			r := s.start(ctx)
			keep := dial(ctx, r.inst.Addr())
			_, err := s.exchange(ctx, keep, []byte("before the storm"), verify.Options{})
			noErr(err, "before the storm")
			specFault("a storm of %d connect-then-RST connections begins", stormResets)
			if err := sock.ResetStorm(ctx, r.inst.Addr(), stormResets); err != nil {
				noErr(connectFailed(ctx, err), "")
			}
			specFault("the storm is over")
			_, err = s.exchange(ctx, keep, seeds().Random(serveSize, 15), verify.Options{ExtraWait: extraWait})
			noErr(err, "the connection kept open through the storm")
			r.serves(ctx, fmt.Sprintf("after %s resets", count(stormResets)))
			r.afterFault(ctx, fmt.Sprintf("%s connect-then-reset cycles", count(stormResets)))
		})
	})
}
