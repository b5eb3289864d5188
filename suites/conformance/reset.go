package conformance

import (
	"context"
	"io"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
)

// resetSpecs is the reset category: peers that vanish with an RST or a
// close while the server still has work for them. The server must survive,
// keep every other connection whole, and serve new ones.
func (s *suite) resetSpecs() {
	Describe("reset", Label(CatReset), func() {
		s.it("R1", CatReset, Must, 30*time.Second, "a client that resets while the server has echo pending for it disturbs no other connection, and new connections are served", func(ctx SpecContext) {
			r := s.start(ctx)
			other := r.background(ctx, "the other connection's 4 MiB exchange", payload.Random(4<<20, 11),
				verify.Options{Chunks: func(int) int { return 16 << 10 }, Pause: func(int) time.Duration { return 2 * time.Millisecond }})
			victim := dial(ctx, r.inst.Addr())
			_, err := sock.Hog(ctx, victim, 8<<20, 300*time.Millisecond)
			noErr(err, "the resetting client's upload")
			noErr(sock.Reset(victim), "")
			noErr(other(), "")
			r.serves(ctx, "after a client reset with echo pending")
		})

		s.it("R2", CatReset, Must, 30*time.Second, "a reset in the middle of a 16 MiB upload leaves the server serving", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.inst.Addr())
			go func() { // keep the echo flowing, so the server is busy with this connection
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				io.Copy(io.Discard, c)
			}()
			p := payload.Random(16<<20, 12)
			c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			_, err := c.Write(p[:8<<20])
			noErr(err, "the first 8 MiB of the upload")
			noErr(sock.Reset(c), "")
			r.serves(ctx, "after a reset in the middle of a 16 MiB upload")
		})

		for i, stream := range []string{toxi.Upstream, toxi.Downstream} {
			id := []string{"R3", "R4"}[i]
			s.it(id, CatReset, Must, 30*time.Second, "toxiproxy reset_peer on the "+stream+" path: the reset connection may fail, the server survives, another connection is unaffected", func(ctx SpecContext) {
				r := s.start(ctx)
				other := r.background(ctx, "a direct connection's exchange during the reset", payload.Random(2<<20, 13),
					verify.Options{Chunks: func(int) int { return 32 << 10 }, Pause: func(int) time.Duration { return time.Millisecond }})
				c := dial(ctx, r.proxy(toxi.ResetPeer(stream, 50)))
				_, err := verify.Exchange(ctx, c, payload.Random(1<<20, 14), verify.Options{Stall: 3 * time.Second})
				if err == nil {
					AddReportEntry("note", "the reset_peer toxic let the exchange finish before it fired")
				}
				noErr(other(), "")
				r.serves(ctx, "after a reset_peer "+stream)
			})
		}

		s.it("R5", CatReset, Must, 30*time.Second, "a client that sends FIN and closes without reading, while the server still writes to it, does not kill the server (EPIPE, no SIGPIPE death)", func(ctx SpecContext) {
			r := s.start(ctx)
			for i := range 3 {
				c := dial(ctx, r.inst.Addr())
				_, err := sock.Hog(ctx, c, 8<<20, 200*time.Millisecond)
				noErr(err, "upload %d", i+1)
				noErr(c.CloseWrite(), "")
				c.Close() // unread echo in our buffer: the kernel answers the server's writes with RST
			}
			r.serves(ctx, "after three clients closed on a writing server")
		})

		s.it("R6", CatReset, Must, 60*time.Second, "after a storm of 1,000 connect-then-reset cycles the server still echoes, and a connection open through the storm is intact", func(ctx SpecContext) {
			r := s.start(ctx)
			keep := dial(ctx, r.inst.Addr())
			_, err := verify.Exchange(ctx, keep, []byte("before the storm"), verify.Options{})
			noErr(err, "before the storm")
			noErr(sock.ResetStorm(ctx, r.inst.Addr(), 1000), "")
			_, err = verify.Exchange(ctx, keep, payload.Random(64<<10, 15), verify.Options{ExtraWait: extraWait})
			noErr(err, "the connection kept open through the storm")
			r.serves(ctx, "after 1,000 resets")
		})
	})
}

// serves checks that a new direct connection gets an exact echo.
func (r *run) serves(ctx context.Context, when string) {
	GinkgoHelper()
	c := dial(ctx, r.inst.Addr())
	_, err := verify.Exchange(ctx, c, payload.Random(64<<10, 99), verify.Options{ExtraWait: extraWait})
	noErr(err, "%s, a new connection's echo", when)
}

// background runs an exchange on a new direct connection while the spec
// goes on; the returned func waits for it and returns its error, named.
func (r *run) background(ctx context.Context, what string, p []byte, o verify.Options) func() error {
	GinkgoHelper()
	c := dial(ctx, r.inst.Addr())
	done := make(chan error, 1)
	go func() {
		_, err := verify.Exchange(ctx, c, p, o)
		done <- verify.Describe(err, "%s", what)
	}()
	return func() error { return <-done }
}
