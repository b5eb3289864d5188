package conformancetest

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/goroutine"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/settings"
)

func TestSelection(t *testing.T) {
	all := conformance.IDs()
	tests := []struct {
		name  string
		only  []string
		focus string
		run   []string
		want  []string // nil: every spec
	}{
		{"nothing asked", nil, "", nil, nil},
		{"an ID and a category", []string{"E1", "hygiene"}, "", nil, []string{"E1", "H1", "H2", "H3", "H4", "H5", "H6", "H7"}},
		{"case and spaces", []string{" e1P ", "LIFECYCLE"}, "", nil, []string{"E1p", "L1"}},
		{"a level", []string{"should"}, "", nil, []string{"E13", "S7", "S8", "S9", "S10", "H3", "H5", "L1", "X1"}},
		{"env narrows Only", []string{"hygiene"}, "H1, H2,E1", nil, []string{"H1", "H2"}},
		{"env alone", nil, "lifecycle", nil, []string{"L1"}},
		{"-run category", nil, "", []string{"^hygiene$"}, []string{"H1", "H2", "H3", "H4", "H5", "H6", "H7"}},
		{"-run ID", nil, "", []string{"", "^E1p?$"}, []string{"E1", "E1p"}},
		{"a category leaves out the specs run only when asked", []string{"load"}, "", nil, []string{"C1", "C3", "C4", "C5"}},
		{"a spec run only when asked, by its ID", []string{"E14", "C2", "L2"}, "", nil, []string{"E14", "L2", "C2"}},
		{"-run with Only", []string{"echo"}, "", []string{"", "^E1"}, []string{"E1", "E1p", "E10", "E10p", "E11", "E11p", "E12", "E13"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var run []*regexp.Regexp
			for _, r := range tt.run {
				run = append(run, regexp.MustCompile(r))
			}
			got, err := selection(tt.only, tt.focus, run)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = all
			}
			if !slices.Equal(got, want) {
				t.Errorf("selection = %v, want %v", got, want)
			}
		})
	}

	for _, bad := range [][]string{{"E99"}, {"hygeine"}, {"E1", "nope"}} {
		if _, err := selection(bad, "", nil); err == nil || !strings.Contains(err.Error(), "is not a spec ID") {
			t.Errorf("selection(%q) = %v, want an error naming the bad selector", bad, err)
		}
	}
	if _, err := selection(nil, "bogus", nil); err == nil || !strings.Contains(err.Error(), EnvOnly) {
		t.Errorf("a bad %s: %v", EnvOnly, err)
	}
	if _, err := selection([]string{"E1"}, "H1", nil); err == nil || !strings.Contains(err.Error(), "matches no spec") {
		t.Errorf("an empty selection: %v", err)
	}
}

// ECHOSPEC_FOCUS is a regular expression of the specs' texts, as in
// echospec run; the list of selectors it was is refused, naming
// ECHOSPEC_ONLY.
func TestFocused(t *testing.T) {
	all := conformance.IDs()
	got, err := focused(all, `\[E1p?\]`)
	if err != nil || !slices.Equal(got, []string{"E1", "E1p"}) {
		t.Errorf(`focused(all, \[E1p?\]) = %v, %v; want [E1 E1p]`, got, err)
	}
	if got, err := focused([]string{"E1", "H1"}, "descriptor|fd"); err != nil || !slices.Equal(got, []string{"H1"}) {
		t.Errorf("focused([E1 H1], descriptor|fd) = %v, %v; want [H1]", got, err)
	}
	if got, _ := focused(all, ""); !slices.Equal(got, all) {
		t.Errorf("an empty focus narrows to %v", got)
	}
	for _, old := range []string{"E1,hygiene", "E12", " must "} {
		if _, err := focused(all, old); err == nil || !strings.Contains(err.Error(), EnvOnly) {
			t.Errorf("focused(%q) = %v; want an error naming %s", old, err, EnvOnly)
		}
	}
	if _, err := focused(all, "[E1"); err == nil || !strings.Contains(err.Error(), EnvFocus) {
		t.Errorf("a bad regexp: %v", err)
	}
	if _, err := focused([]string{"E1"}, "descriptor"); err == nil || !strings.Contains(err.Error(), "matches no spec") {
		t.Errorf("an empty focus: %v", err)
	}
}

// TestGoTestDoor fails when a setting of conformancetest's door
// (settings.GoTest) misses it, or it reads one outside the door.
func TestGoTestDoor(t *testing.T) {
	var asked []string
	got, err := choose(nil, func(k string) string {
		asked = append(asked, k)
		return map[string]string{EnvOnly: "echo", EnvFocus: `\[E1\]`}[k]
	}, nil)
	if err != nil || !slices.Equal(got, []string{"E1"}) {
		t.Errorf("ECHOSPEC_ONLY=echo ECHOSPEC_FOCUS='\\[E1\\]': %v, %v; want [E1]", got, err)
	}
	for _, s := range settings.All() {
		if s.In(settings.GoTest) != slices.Contains(asked, s.Env) {
			t.Errorf("%s: in conformancetest's door %v, read by it %v", s.Env, s.In(settings.GoTest), slices.Contains(asked, s.Env))
		}
	}
}

func TestFocusRegexp(t *testing.T) {
	re := regexp.MustCompile(focusRegexp([]string{"E1", "H1"}))
	for text, want := range map[string]bool{
		"my-engine [E1] a single byte":             true,
		"my-engine long-running [H1] no fd growth": true,
		"my-engine [E1p] a single byte":            false,
		"my-engine [E10] after 100 connections":    false,
		"my-engine [H10] x":                        false,
	} {
		if re.MatchString(text) != want {
			t.Errorf("%q matched = %v, want %v", text, !want, want)
		}
	}
}

func TestSplitRun(t *testing.T) {
	for in, want := range map[string][]string{
		"TestX":               {"TestX"},
		"TestX/hygiene/H1":    {"TestX", "hygiene", "H1"},
		"TestX//H1$":          {"TestX", "", "H1$"},
		"TestX/(a/b)|c/[/]x":  {"TestX", "(a/b)|c", "[/]x"},
		`TestX/a\/b`:          {"TestX", `a\/b`},
		"^TestX$/^hygiene$/H": {"^TestX$", "^hygiene$", "H"},
	} {
		if got := splitRun(in); !slices.Equal(got, want) {
			t.Errorf("splitRun(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpecID(t *testing.T) {
	for text, want := range map[string]string{"[E1] a": "E1", "[E10p] b": "E10p", "[H7] c": "H7", "E1 a": "", "[e1] a": ""} {
		if got, _ := specID(text); got != want {
			t.Errorf("specID(%q) = %q, want %q", text, got, want)
		}
	}
}

// helperEnv makes TestHelperRun run conformancetest.Run: "sound" against
// the goroutine engine, "faulty" against an engine that does not
// uppercase. TestRun runs it in a test binary of its own, since Ginkgo
// runs one suite per process.
const helperEnv = "ECHOSPEC_CONFORMANCETEST_HELPER"

func TestHelperRun(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "sound":
		Run(t, goroutine.Engine(), Only("E1", "E2", "H1", "H2", "L1"))
	case "faulty":
		Run(t, engine.Func("lower", "echoes without uppercasing", engine.Profile{}, startPlainEcho), Only("E1", "E2"))
	default:
		t.Skip("run by TestRun")
	}
}

// TestRun runs the conformance suite through Run in a test binary of its
// own: against a sound engine every selected spec passes, those that
// probe the server's process included (the binary re-executed as the
// server); against a faulty one, the failures come through t, one
// subtest per spec, with their kind.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	run := func(mode string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestHelperRun$", "-test.v", "-test.count=1"}, args...)...)
		cmd.Env = append(os.Environ(), helperEnv+"="+mode)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	out, err := run("sound")
	if err != nil {
		t.Fatalf("against the goroutine engine: %v\n%s", err, out)
	}
	for _, want := range []string{
		"--- PASS: TestHelperRun/echo/E1 ", "--- PASS: TestHelperRun/echo/E2 ",
		"--- PASS: TestHelperRun/hygiene/H1 ", "--- PASS: TestHelperRun/hygiene/H2 ",
		"--- PASS: TestHelperRun/lifecycle/L1 ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("against the goroutine engine, no %q in the output:\n%s", want, out)
		}
	}
	if strings.Contains(out, "--- SKIP") || strings.Contains(out, "E1p") {
		t.Errorf("against the goroutine engine, a spec was skipped or one not selected reported:\n%s", out)
	}

	out, err = run("faulty")
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("against an engine that does not uppercase: %v, want a failing test\n%s", err, out)
	}
	for _, want := range []string{"--- FAIL: TestHelperRun/echo/E1 ", "--- FAIL: TestHelperRun/echo/E2 ", "[wrong-byte] echo wrong at byte offset 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("against an engine that does not uppercase, no %q in the output:\n%s", want, out)
		}
	}
}

// startPlainEcho starts an echo server that does not uppercase.
func startPlainEcho(addr string) (*plainEcho, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &plainEcho{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if _, werr := c.Write(buf[:n]); werr != nil || err != nil {
						return
					}
				}
			}()
		}
	}()
	return s, nil
}

type plainEcho struct {
	ln net.Listener
	wg sync.WaitGroup
}

func (s *plainEcho) Addr() string { return s.ln.Addr().String() }
func (s *plainEcho) Close() error { err := s.ln.Close(); s.wg.Wait(); return err }
