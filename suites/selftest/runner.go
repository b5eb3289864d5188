// Package selftest measures the conformance suite's detection power: it
// runs the suite against every faulty server of servers/faulty (each BROKEN
// ON PURPOSE, each with the spec IDs that must catch it) and against correct
// servers, and turns the results into a detection matrix (Detection).
//
// Its test,
//
//	ECHOSPEC_SELFTEST_REPORT=reports/selftest.md go test -timeout 20m ./suites/selftest
//
// builds the conformance test binary once, runs it against every target as
// an outside command (ECHOSPEC_TARGET_CMD, suiteSettings), several at a time, with a JSON
// report each — every faulty server on the specs it declares (or, with
// ECHOSPEC_SELFTEST_MATRIX=1, on the default selection), every correct
// server on the default selection — and fails when a faulty
// server escapes a spec that must catch it, when a correct server fails
// anything, or when a spec that runs by default has no faulty server that
// must fail it. It writes the matrix whatever the outcome. With -short it
// runs only its own unit tests.
package selftest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/settings"
)

// Target is one server the suite runs against, as an outside command.
type Target struct {
	Name    string
	Cmdline string // ECHOSPEC_TARGET_CMD (settings.TargetCmd), run from the module root
	// Skip is a Ginkgo --skip pattern and LabelFilter a label filter that
	// narrow the default selection ("" runs all of it).
	Skip, LabelFilter string
	Profile           engine.Profile
	// Bug is the faulty server's catalog entry; nil for a correct server.
	Bug *faulty.Bug
	// Focus is a Ginkgo --focus pattern that narrows the selection further
	// ("" focuses nothing), e.g. `\[(S1|H1)\]`.
	Focus string
	// Env are more variables for the suite's process (NAME=VALUE), after
	// the ones RunSuite sets: ECHOSPEC_EXPECTED_FAILURES, say.
	Env []string
}

// Run is what the conformance suite did against one target.
type Run struct {
	Target   Target
	Cells    map[string]report.Cell // spec ID → outcome; specs that did not run are absent
	Texts    map[string]string      // spec ID → text
	Duration time.Duration
	ExitCode int
	// Err is set when the run produced no usable report (the suite did not
	// start, was killed, or the report is unreadable).
	Err    error
	Output string // the tail of the suite's output
	// Entries are each spec's report entries as the suite wrote them
	// (spec ID → entries, in order), for readers of entries the matrix
	// does not keep (spec.BoundEntry).
	Entries map[string][]types.ReportEntry
}

// Failed returns the IDs of the specs that failed, sorted.
func (r Run) Failed() []string {
	var ids []string
	for id, c := range r.Cells {
		if c.Outcome == report.Fail {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	return ids
}

// Binaries are the programs the self-test builds once.
type Binaries struct {
	Dir          string
	Conformance  string // the conformance suite's test binary
	FaultyServer string // servers/faulty/cmd/faultyserver
	EchoServer   string // servers/cmd/echoserver
	// Echospec is the echospec command, built only when asked for
	// (BuildEchospec): the runs with workers go through it.
	Echospec string
}

// BuildEchospec compiles the echospec command into b's directory.
func BuildEchospec(ctx context.Context, root string, b *Binaries) error {
	path := filepath.Join(b.Dir, "echospec")
	if err := goRun(ctx, root, "build", "-o", path, "./cmd/echospec"); err != nil {
		return err
	}
	b.Echospec = path
	return nil
}

// Build compiles the conformance test binary and the two server commands
// into dir. root is the module root.
func Build(ctx context.Context, root, dir string) (Binaries, error) {
	b := Binaries{
		Dir:          dir,
		Conformance:  filepath.Join(dir, "conformance.test"),
		FaultyServer: filepath.Join(dir, "faultyserver"),
		EchoServer:   filepath.Join(dir, "echoserver"),
	}
	steps := [][]string{
		{"test", "-c", "-o", b.Conformance, "./suites/conformance"},
		{"build", "-o", b.FaultyServer, "./servers/faulty/cmd/faultyserver"},
		{"build", "-o", b.EchoServer, "./servers/cmd/echoserver"},
	}
	for _, args := range steps {
		if err := goRun(ctx, root, args...); err != nil {
			return b, err
		}
	}
	return b, nil
}

// goRun runs the go command with args in root, its output in the error.
func goRun(ctx context.Context, root string, args ...string) error {
	cmd := exec.CommandContext(ctx, goCommand(), args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// goCommand is the go command of the toolchain running the test, or the
// one on PATH.
func goCommand() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// RunOptions shape one run of the suite.
type RunOptions struct {
	Root      string        // the module root
	ReportDir string        // where the run's JSON report goes
	Timeout   time.Duration // the whole run, after which its process group is killed
	// Workers, when above 0, runs the suite as a user's gate does: the
	// echospec command (Binaries.Echospec) with --workers Workers, from
	// the module root, instead of the test binary.
	Workers int
}

// reportSlack is how long before a run's timeout Ginkgo's own timeout
// ends the suite, so that a run that hangs still writes its report (its
// spec cleanups, the report, the servers' stops) before it is killed.
const reportSlack = 30 * time.Second

// RunSuite runs the conformance test binary against t, as an outside
// target, with the default spec selection, and reads its JSON report.
func RunSuite(ctx context.Context, bin Binaries, t Target, o RunOptions) Run {
	run := Run{Target: t, ExitCode: -1}
	// Ginkgo's own timeout comes first, so that a run that hangs still
	// writes its report; the context's kill is the last resort.
	ginkgoTimeout := o.Timeout - reportSlack
	var args []string
	var dir, jsonPath string
	if o.Workers > 0 {
		if t.Skip != "" {
			run.Err = fmt.Errorf("%s: a run with workers cannot skip specs (%q)", t.Name, t.Skip)
			return run
		}
		// echospec run writes conformance.json in its report directory,
		// and starts the target command from where it runs.
		jsonPath, dir = filepath.Join(o.ReportDir, "conformance.json"), o.Root
		args = []string{bin.Echospec, "run", "--workers", strconv.Itoa(o.Workers), "--report-dir", o.ReportDir,
			"--timeout", ginkgoTimeout.String(), "--label-filter", t.LabelFilter, "--focus", t.Focus}
	} else {
		// From the suite's own directory, as go test runs it (it reads
		// files there); it resolves the target command from the module
		// root itself.
		jsonPath, dir = filepath.Join(o.ReportDir, t.Name+".json"), filepath.Join(o.Root, "suites", "conformance")
		args = []string{bin.Conformance,
			"-test.timeout=0",
			"-ginkgo.json-report=" + jsonPath,
			"-ginkgo.no-color",
			"-ginkgo.timeout=" + ginkgoTimeout.String(),
		}
		if t.Skip != "" {
			args = append(args, "-ginkgo.skip="+t.Skip)
		}
		if t.LabelFilter != "" {
			args = append(args, "-ginkgo.label-filter="+t.LabelFilter)
		}
		if t.Focus != "" {
			args = append(args, "-ginkgo.focus="+t.Focus)
		}
	}
	os.Remove(jsonPath)
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	// It runs in its own process group (under a reaper on Linux), killed
	// whole on timeout, once it exits, or if this test process dies; the
	// suite stops its targets itself, and they die with it.
	res, err := target.RunJob(ctx, target.Job{
		Args: args,
		Dir:  dir,
		Env:  append(append(suiteEnv(), suiteSettings(t)...), t.Env...),
		Tail: 32 << 10,
	})
	run.Duration, run.Output, run.ExitCode = res.Duration, res.Output, res.ExitCode
	if ctx.Err() != nil {
		run.Err = fmt.Errorf("the suite ran past %v and was killed", o.Timeout)
	}
	m, raw, rerr := readReport(jsonPath)
	if rerr != nil {
		run.Err = errors.Join(run.Err, rerr, fmt.Errorf("suite exit: %v", err))
		return run
	}
	if len(m.Targets) != 1 || m.Targets[0] != t.Name {
		run.Err = errors.Join(run.Err, fmt.Errorf("the report has targets %v, want just %s", m.Targets, t.Name))
		return run
	}
	run.Cells = m.Cells[t.Name]
	run.Texts = m.Texts
	run.Entries = EntriesOf(raw, t.Name)
	return run
}

// EntriesOf returns the report entries of each spec of target tg in r
// (spec ID → entries).
func EntriesOf(r types.Report, tg string) map[string][]types.ReportEntry {
	out := map[string][]types.ReportEntry{}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt || report.TargetOf(s) != tg {
			continue
		}
		if id, _, ok := report.SpecID(s.LeafNodeText); ok {
			out[id] = append(out[id], s.ReportEntries...)
		}
	}
	return out
}

// suiteSettings are the settings the self-test gives every run of the
// suite (the door settings.Selftest), NAME=VALUE: the target, as an
// outside command.
func suiteSettings(t Target) []string {
	values := map[*settings.Setting]string{
		settings.TargetCmd:     t.Cmdline,
		settings.TargetName:    t.Name,
		settings.TargetProfile: t.Profile.String(),
	}
	var env []string
	for _, s := range settings.In(settings.Selftest) {
		env = append(env, s.Env+"="+values[s])
	}
	return env
}

// suiteEnv is this process's environment without the suite's own
// settings, so that a developer's ECHOSPEC_* cannot change what runs.
func suiteEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ECHOSPEC_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// readReport reads a Ginkgo JSON report and builds its matrix; it returns
// the report too. A suite that failed before its specs (BeforeSuite) is an
// error: no spec ran.
func readReport(path string) (report.Matrix, types.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return report.Matrix{}, types.Report{}, fmt.Errorf("no report: %w", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return report.Matrix{}, types.Report{}, fmt.Errorf("report %s: %w", path, err)
	}
	if len(reports) != 1 {
		return report.Matrix{}, types.Report{}, fmt.Errorf("report %s: %d suites, want 1", path, len(reports))
	}
	r := reports[0]
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeBeforeSuite || s.LeafNodeType == types.NodeTypeSynchronizedBeforeSuite {
			if s.State.Is(types.SpecStateFailureStates) {
				return report.Matrix{}, types.Report{}, fmt.Errorf("the suite failed before any spec: %s", s.Failure.Message)
			}
		}
	}
	return report.Build(r), r, nil
}
