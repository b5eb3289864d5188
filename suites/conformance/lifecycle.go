package conformance

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/spec"
)

// lifecycleSpecs is the lifecycle category: the server's process starts
// listening in time and ends in time when asked to.
func (s *suite) lifecycleSpecs() {
	Describe("lifecycle", Label(string(spec.CatLifecycle)), func() {
		s.it("L1", func(ctx SpecContext) {
			t0 := time.Now()
			r, _ := s.startProcess(ctx)
			started := time.Since(t0)
			bound("listening after start", ms(started), ms(listenLimit), "ms")
			term, ok := r.inst.(target.Terminator)
			if !ok {
				Skip("the target cannot be sent SIGTERM")
			}
			r.serves(ctx, "before SIGTERM")
			r.exitExpected = true
			took, err := term.Terminate(exitLimit)
			bound("exit after SIGTERM", ms(took), ms(exitLimit), "ms")
			AddReportEntry("lifecycle", fmt.Sprintf("accepting %v after start; exited %v after SIGTERM", started.Round(time.Millisecond), took.Round(time.Millisecond)))
			noErr(kinded(spec.SlowExit, err), "SIGTERM")
		})
	})
}
