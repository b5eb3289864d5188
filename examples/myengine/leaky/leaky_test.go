package leaky

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/conformancetest"
)

// runEnv makes TestConformance run the specs; TestTheLeakIsCaught sets
// it, in a test binary of its own, and expects them to fail.
const runEnv = "MYENGINE_LEAKY_CONFORMANCE"

// TestConformance runs echospec against the leaky engine, as the sound
// engine's plain test does — here only when TestTheLeakIsCaught asks, since
// it fails, on purpose.
func TestConformance(t *testing.T) {
	if os.Getenv(runEnv) == "" {
		t.Skip("fails on purpose: run by TestTheLeakIsCaught (or set " + runEnv + "=1)")
	}
	conformancetest.Run(t, engine.Func("my-engine-leaky", "one goroutine per connection, unbounded output queue", engine.Profile{}, Start),
		conformancetest.Only("E1", "E4", "S7"))
}

// TestTheLeakIsCaught proves that the process specs catch the defect that
// only they can see: the echo is right (E1, E4 pass), but S7, run against
// this test binary re-executed as the server, fails with memory-growth.
func TestTheLeakIsCaught(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestConformance$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), runEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the leaky engine's conformance test: %v, want it to fail\n%s", err, out.String())
	}
	for _, want := range []string{
		"--- PASS: TestConformance/echo/E1 ",
		"--- PASS: TestConformance/echo/E4 ",
		"--- FAIL: TestConformance/slow-client/S7 ",
		"[memory-growth] server memory grew by",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in the leaky engine's conformance test output:\n%s", want, out.String())
		}
	}
	if t.Failed() {
		return
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "[memory-growth]") {
			t.Logf("caught: %s", strings.TrimSpace(line))
			break
		}
	}
}
