package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/echospec/echospec/suites/conformance"
)

// TestConfigErrors: every bad configuration exits 2, with the reason,
// before any spec runs (these never reach RunSpecs).
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	xf := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--bogus"}, "unknown flag --bogus"},
		{[]string{"nonsense"}, "unexpected argument nonsense"},
		{[]string{"run", "--cmd", "x", "--addr", "127.0.0.1:1"}, "--cmd (ECHOSPEC_TARGET_CMD) or --addr (ECHOSPEC_TARGET_ADDR), not both"},
		{[]string{"run", "--engine", "nosuch"}, "nosuch"},
		{[]string{"run", "--cmd", "x", "--profile", "max-conns=zero"}, "ECHOSPEC_TARGET_PROFILE"},
		{[]string{"run", "--addr", "10.1.2.3:80"}, "ECHOSPEC_TARGET_ADDR"},
		{[]string{"run", "--label-filter", "echo &&"}, "--label-filter"},
		{[]string{"run", "--focus", "[E1"}, "--focus"},
		{[]string{"run", "--baseline", filepath.Join(dir, "none.json")}, "--baseline"},
		{[]string{"run", "--cmd", "x", "--expected-failures", filepath.Join(dir, "none.txt")}, "ECHOSPEC_EXPECTED_FAILURES"},
		{[]string{"run", "--cmd", "x", "--expected-failures", xf("id.txt", "external Z9 lost why\n")}, `unknown spec ID "Z9"`},
		{[]string{"run", "--cmd", "x", "--expected-failures", xf("kind.txt", "external E1 lots why\n")}, `unknown failure kind "lots"`},
		{[]string{"run", "--cmd", "x", "--name", "goroutine", "--engine", "goroutine"}, `both named "goroutine"`},
		{[]string{"run", "--timeout", "soon"}, "--timeout"},
		{[]string{"explain", "Z9"}, `unknown spec ID "Z9"`},
	} {
		var out, errOut bytes.Buffer
		code := run(tt.args, &out, &errOut)
		if code != exitConfig || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errOut.String(), tt.want)
		}
	}
}

// TestEnvFallback: a variable sets a flag; the flag wins.
func TestEnvFallback(t *testing.T) {
	t.Setenv("ECHOSPEC_TARGET_ADDR", "127.0.0.1:1")
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "--cmd", "x"}, &out, &errOut); code != exitConfig || !strings.Contains(errOut.String(), "not both") {
		t.Errorf("ECHOSPEC_TARGET_ADDR and --cmd: exit %d, %s", code, errOut.String())
	}
	t.Setenv("ECHOSPEC_LABEL_FILTER", "((")
	errOut.Reset()
	if code := run([]string{"run"}, &out, &errOut); code != exitConfig || !strings.Contains(errOut.String(), "--label-filter") {
		t.Errorf("ECHOSPEC_LABEL_FILTER: exit %d, %s", code, errOut.String())
	}
}

func TestListAndExplain(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"list", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("list --json: exit %d: %s", code, errOut.String())
	}
	var specs []specInfo
	if err := json.Unmarshal(out.Bytes(), &specs); err != nil {
		t.Fatal(err)
	}
	if len(specs) != len(conformance.IDs()) {
		t.Errorf("%d specs listed, want %d", len(specs), len(conformance.IDs()))
	}
	for _, s := range specs {
		if s.ID == "" || s.Level == "" || s.Category == "" || s.Requirement == "" {
			t.Errorf("incomplete: %+v", s)
		}
	}
	out.Reset()
	run([]string{"list", "--markdown"}, &out, &errOut)
	if !strings.HasPrefix(out.String(), "| ID | level | category | requirement |") || !strings.Contains(out.String(), "| E12 | must | echo |") {
		t.Errorf("list --markdown:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"explain", "E12"}, &out, &errOut); code != 0 {
		t.Fatalf("explain: exit %d", code)
	}
	for _, w := range []string{"E12 — echo, must", "Requirement:", "measured", "lost ", "Timeout:", "Labels:"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("explain E12 lacks %q:\n%s", w, out.String())
		}
	}
	if code := run([]string{"list", "--json", "--markdown"}, &out, &errOut); code != exitConfig {
		t.Errorf("list --json --markdown: exit %d", code)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds echospec once for the tests that run it.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "echospec-test-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "echospec")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// echospecRun runs the binary from a directory of its own, as a user
// would, and returns its exit status and output.
func echospecRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestExitStatus runs the binary: a failing spec exits 1 with its ID,
// kind and rerun command; a target that does not start and a selection of
// no spec exit 2; a regression against a baseline exits 3.
func TestExitStatus(t *testing.T) {
	t.Parallel() // runs the binary for a while, mostly waiting
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("runs the binary against servers; Linux")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3")
	}
	good, _ := filepath.Abs("../../fixtures/servers/asyncio_echo.py")
	bad, _ := filepath.Abs("../../servers/faulty/py/lowercase_z.py")

	code, out := echospecRun(t, "run", "--cmd", "exit 3")
	if code != exitConfig || !strings.Contains(out, "did not start") {
		t.Errorf("a target that does not start: exit %d\n%s", code, out)
	}
	code, out = echospecRun(t, "run", "--engine", "goroutine", "--focus", `\[NOPE\]`)
	if code != exitConfig || !strings.Contains(out, "select none") {
		t.Errorf("an empty selection: exit %d\n%s", code, out)
	}

	base := filepath.Join(t.TempDir(), "base")
	code, out = echospecRun(t, "run", "--cmd", python3()+good, "--name", "srv", "--focus", `\[E[12]\]`, "--report-dir", base)
	if code != exitPass || !strings.HasSuffix(out, "PASS (exit 0)\nreports: "+base+" (index.html, matrix.md, conformance.json, conformance.xml)\n") {
		t.Fatalf("a good server: exit %d\n%s", code, out)
	}
	code, out = echospecRun(t, "run", "--cmd", python3()+bad, "--name", "srv", "--focus", `\[E[12]\]`, "--seed", "42")
	if code != exitFail {
		t.Errorf("a faulty server: exit %d\n%s", code, out)
	}
	for _, w := range []string{"FAIL  srv E2", "--- FAIL srv E2 [wrong-byte]", `--focus '\[E2\]' --seed 42`, "FAIL: srv E2 (wrong-byte)", "ok    srv E1"} {
		if !strings.Contains(out, w) {
			t.Errorf("a faulty server's output lacks %q:\n%s", w, out)
		}
	}
	code, out = echospecRun(t, "run", "--cmd", python3()+bad, "--name", "srv", "--focus", `\[E[12]\]`,
		"--baseline", filepath.Join(base, "conformance.json"))
	if code != exitRegression || !strings.Contains(out, "| srv | E2 | pass | fail (wrong-byte) | **new failure (regression)** |") {
		t.Errorf("a regression: exit %d\n%s", code, out)
	}
}

// termIgnorer is an upper-echo server that ignores SIGTERM: it starts and
// serves well, and exits only when killed.
const termIgnorer = `import os, signal, socketserver
signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            b = self.request.recv(65536)
            if not b:
                self.request.shutdown(1)
                return
            self.request.sendall(b.upper())
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer((os.environ["ECHO_HOST"], int(os.environ["ECHO_PORT"])), Echo).serve_forever()
`

// TestIgnoredSIGTERMIsAFinding runs the binary against a server that
// ignores SIGTERM: it started fine, so it is no bad configuration (exit 2,
// no spec run) but L1's finding: the other specs run and pass (the server
// killed after the grace period at the end of each), L1 fails with
// slow-exit, and the run exits 1. Nothing of it survives the run.
func TestIgnoredSIGTERMIsAFinding(t *testing.T) {
	t.Parallel() // runs the binary for a while, mostly waiting
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("runs the binary against a server; Linux")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3")
	}
	script := filepath.Join(t.TempDir(), "term_ignorer.py")
	if err := os.WriteFile(script, []byte(termIgnorer), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := echospecRun(t, "run", "--cmd", python3()+script, "--name", "deaf", "--focus", `\[(E1|E2|L1)\]`)
	if code != exitFail {
		t.Errorf("a server that ignores SIGTERM: exit %d, want %d\n%s", code, exitFail, out)
	}
	for _, w := range []string{"ok    deaf E1", "ok    deaf E2", "FAIL  deaf L1", "--- FAIL deaf L1 [slow-exit]", "still running 5s after SIGTERM"} {
		if !strings.Contains(out, w) {
			t.Errorf("the output lacks %q:\n%s", w, out)
		}
	}
	for _, nw := range []string{"did not start", "bad configuration"} {
		if strings.Contains(out, nw) {
			t.Errorf("the output says %q:\n%s", nw, out)
		}
	}
	if pids, err := exec.Command("pgrep", "-f", script).Output(); err == nil {
		t.Errorf("the server outlived the run: pids %s", pids)
	}
}
