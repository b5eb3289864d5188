package selftest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/selftest"
)

// Settings, all optional:
//
//	ECHOSPEC_SELFTEST_REPORT    where the detection matrix goes (default reports/selftest.md in the module root)
//	ECHOSPEC_SELFTEST_PARALLEL  suite runs at once (default 5)
//	ECHOSPEC_SELFTEST_ONLY      comma-separated target names: run only these (a partial run writes no report unless asked)
//	ECHOSPEC_SELFTEST_KEEP      keep each run's Ginkgo JSON report in this directory
//	ECHOSPEC_SELFTEST_TIMEOUT   the most one run of the suite may take (default 5m), a Go duration
//	ECHOSPEC_SELFTEST_MATRIX    1: run each faulty server on the default selection (selftest.MatrixTargets),
//	                            not only on the specs it declares, so the matrix shows incidental catches too
const (
	envReport   = "ECHOSPEC_SELFTEST_REPORT"
	envParallel = "ECHOSPEC_SELFTEST_PARALLEL"
	envOnly     = "ECHOSPEC_SELFTEST_ONLY"
	envKeep     = "ECHOSPEC_SELFTEST_KEEP"
	envTimeout  = "ECHOSPEC_SELFTEST_TIMEOUT"
	envMatrix   = "ECHOSPEC_SELFTEST_MATRIX"
)

// runTimeout bounds one run of the suite against one target: the slowest
// faulty server's run takes under 2 minutes.
func runTimeout(t *testing.T) time.Duration {
	s := os.Getenv(envTimeout)
	if s == "" {
		return 5 * time.Minute
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		t.Fatalf("%s=%q: want a Go duration of at least 1m", envTimeout, s)
	}
	return d
}

func TestSelftest(t *testing.T) {
	if testing.Short() {
		t.Skip("the self-test runs the whole conformance suite against every faulty server: not with -short")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("the self-test needs python3 for the Python servers: %v", err)
	}
	root := moduleRoot(t)
	ctx := t.Context()
	bin, err := selftest.Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	faultyTargets := selftest.FaultyTargets(bin)
	if os.Getenv(envMatrix) == "1" {
		faultyTargets = selftest.MatrixTargets(bin)
	}
	correctTargets := selftest.CorrectTargets(bin)
	only := selected()
	if only != nil {
		faultyTargets, correctTargets = filter(faultyTargets, only), filter(correctTargets, only)
	}
	reportDir := os.Getenv(envKeep)
	if reportDir == "" {
		reportDir = t.TempDir()
	} else if err := os.MkdirAll(reportDir, 0o755); err != nil {
		t.Fatal(err)
	}

	all := slowFirst(append(faultyTargets, correctTargets...))
	start := time.Now()
	runs := runAll(ctx, t, bin, all, selftest.RunOptions{Root: root, ReportDir: reportDir, Timeout: runTimeout(t)}, parallel(t))
	det := selftest.Detection{Elapsed: time.Since(start)}
	for _, r := range runs {
		if r.Target.Bug != nil {
			det.Faulty = append(det.Faulty, r)
		} else {
			det.Correct = append(det.Correct, r)
		}
	}
	sort.SliceStable(det.Faulty, func(i, j int) bool {
		return indexOf(faultyTargets, det.Faulty[i].Target.Name) < indexOf(faultyTargets, det.Faulty[j].Target.Name)
	})
	t.Logf("%d suite runs in %v", len(runs), det.Elapsed.Round(time.Second))

	if path := reportPath(root, only != nil); path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(det.Markdown()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("detection matrix: %s", path)
	}

	for _, r := range det.Faulty {
		t.Run("faulty/"+r.Target.Name, func(t *testing.T) { checkFaulty(t, r) })
	}
	for _, r := range det.Correct {
		t.Run("correct/"+r.Target.Name, func(t *testing.T) { checkCorrect(t, r) })
	}
	if only == nil {
		t.Run("coverage", func(t *testing.T) {
			if un := det.Unaimed(); len(un) > 0 {
				t.Errorf("spec IDs that run by default and that no faulty server aimed at them caught with the declared kind (the right reason; add or fix a faulty twin in servers/faulty): %s",
					strings.Join(un, ", "))
			}
		})
	}
}

// checkFaulty fails when a spec the faulty server declares did not fail,
// or failed with another kind than the declared one.
func checkFaulty(t *testing.T, r selftest.Run) {
	if r.Err != nil {
		t.Fatalf("%s: the suite run is broken: %v\n--- suite output (tail):\n%s", r.Target.Name, r.Err, lastLines(r.Output, 60))
	}
	if extra := selftest.Unexpected(r); len(extra) > 0 {
		t.Logf("%s: also caught (not declared): %s", r.Target.Name, strings.Join(extra, ", "))
	}
	for id, why := range r.Target.Bug.KnownMisses {
		if r.Cells[id].Outcome == report.Fail {
			t.Logf("%s: known miss %s caught it after all (%s): move it to Aims in servers/faulty", r.Target.Name, id, r.Cells[id].Kind)
		} else {
			t.Logf("%s: known miss, not asserted: %s escapes %s: %s", r.Target.Name, r.Target.Name, id, why)
		}
	}
	missed := selftest.Missed(r)
	if len(missed) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "faulty server %s (%s) escaped %d of the %d specs that must catch it with the declared kind: %s",
		r.Target.Name, r.Target.Bug.Defect, len(missed), len(r.Target.Bug.Declared()), strings.Join(missed, ", "))
	for _, c := range r.Target.Bug.Declared() {
		cell := r.Cells[c.ID]
		if cell.Outcome == report.Fail && c.Kinds.Contains(cell.Kind) {
			continue
		}
		what := string(cell.Outcome)
		switch {
		case cell.Outcome == report.Pass || cell.Outcome == report.Deviation:
			what = "passed"
		case cell.Outcome == "":
			what = "did not run"
		case cell.Outcome == report.Fail:
			what = fmt.Sprintf("failed with kind %s, not %s (not the right reason)", cell.Kind, c.Kinds)
		}
		fmt.Fprintf(&b, "\n  [%s] %s: %s", c.ID, r.Texts[c.ID], what)
		if cell.Message != "" {
			fmt.Fprintf(&b, ": %s", cell.Message)
		}
	}
	t.Error(b.String())
}

// checkCorrect fails on any failure of a correct server.
func checkCorrect(t *testing.T, r selftest.Run) {
	if r.Err != nil {
		t.Fatalf("%s: the suite run is broken: %v\n--- suite output (tail):\n%s", r.Target.Name, r.Err, lastLines(r.Output, 60))
	}
	for _, id := range r.Failed() {
		c := r.Cells[id]
		t.Errorf("correct server %s failed [%s] %s (a false alarm): %s\n  at %s", r.Target.Name, id, c.Text, c.Message, c.Location)
	}
}

// runAll runs the suite against every target, n at a time, in the given
// order, and returns the runs in that order.
func runAll(ctx context.Context, t *testing.T, bin selftest.Binaries, ts []selftest.Target, o selftest.RunOptions, n int) []selftest.Run {
	runs := make([]selftest.Run, len(ts))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, tg := range ts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := selftest.RunSuite(ctx, bin, tg, o)
			runs[i] = r
			status := fmt.Sprintf("failed %s", strings.Join(r.Failed(), ","))
			if r.Err != nil {
				status = "BROKEN: " + r.Err.Error()
			}
			if tg.Bug != nil {
				if m := selftest.Missed(r); len(m) > 0 && r.Err == nil {
					status += "; MISSED " + strings.Join(m, ",")
				}
			}
			t.Logf("%-24s %6v  %s", tg.Name, r.Duration.Round(100*time.Millisecond), status)
		})
	}
	wg.Wait()
	return runs
}

// slowFirst orders the targets longest run first, so that the slots stay
// busy to the end (longest-processing-time scheduling).
func slowFirst(ts []selftest.Target) []selftest.Target {
	out := append([]selftest.Target(nil), ts...)
	sort.SliceStable(out, func(i, j int) bool { return expected(out[i].Name) > expected(out[j].Name) })
	return out
}

// runSeconds are the measured run times (with the whole selection) of the
// targets that take longer than the common 30-50 s: those that fail many
// specs by stalling or run the long-running group, and the Python ones,
// which start a new interpreter for every spec. Only the order depends on
// them.
var runSeconds = map[string]int{
	"flush-timer-20ms":        131,
	"ring-offset-32":          90, // E14 alone: 8 GiB through a pipe, 50 s at a load average of 18
	"one-at-a-time":           129,
	"pool-leak":               98,
	"slot-leak-on-empty":      92,
	"worker-pool-16":          80,
	"max-conns-off-by-one":    76,
	"no-drain":                70,
	"timer-leak":              70,
	"asyncio-echo":            68,
	"echoserver-goroutine":    60,
	"threaded-block-on-close": 62,
	"fin-drop":                61,
	"sigpipe":                 60,
	"no-close-on-fin":         58,
	"lowercase-z":             56,
}

func expected(name string) int {
	if s, ok := runSeconds[name]; ok {
		return s
	}
	return 35
}

// defaultParallel is how many suite runs go at once. Most of a faulty
// server's run is spent waiting (stall limits, idle periods, timeouts), so
// six at a time keep two cores busy without starving the correct servers'
// runs of their margins (the timing specs judge against baselines measured
// beside them).
const defaultParallel = 6

func parallel(t *testing.T) int {
	s := os.Getenv(envParallel)
	if s == "" {
		return defaultParallel
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a whole number ≥ 1", envParallel, s)
	}
	return n
}

func selected() map[string]bool {
	s := strings.TrimSpace(os.Getenv(envOnly))
	if s == "" {
		return nil
	}
	m := map[string]bool{}
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			m[n] = true
		}
	}
	return m
}

func filter(ts []selftest.Target, only map[string]bool) []selftest.Target {
	var out []selftest.Target
	for _, t := range ts {
		if only[t.Name] {
			out = append(out, t)
		}
	}
	return out
}

func indexOf(ts []selftest.Target, name string) int {
	for i, t := range ts {
		if t.Name == name {
			return i
		}
	}
	return len(ts)
}

// reportPath is where the matrix goes: $ECHOSPEC_SELFTEST_REPORT, or
// reports/selftest.md in the module root for a full run.
func reportPath(root string, partial bool) string {
	if p := os.Getenv(envReport); p != "" {
		return p
	}
	if partial {
		return ""
	}
	return filepath.Join(root, "reports", "selftest.md")
}

func moduleRoot(t *testing.T) string {
	root, err := target.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
