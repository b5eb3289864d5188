package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/all"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/settings"
)

// Setup says how a run of the conformance suite is wired. The Ginkgo suite
// (suites/conformance) and the echospec command differ only in it.
type Setup struct {
	// Get returns a setting by its ECHOSPEC_* name: a flag, falling back
	// to the environment (Flags makes one for the test binary).
	Get func(string) string
	// Dir is where an outside command runs and where relative paths (its
	// PID file, the expected-failures file) are resolved; "" = the working
	// directory.
	Dir string
	// Spawn, when set, runs a built-in engine in a process of its own
	// (Config.Spawn); nil leaves target.InProcess's own.
	Spawn func(e engine.Engine) (target.CommandSpec, bool)
	// Runner is report.RunnerGinkgo or report.RunnerEchospec: how the
	// reports write the command that reruns a failed spec.
	Runner string
}

// Suite is one run of the conformance suite: its configuration, resolved
// targets and expected failures, ready to Register.
type Suite struct {
	Config   Config
	Targets  []target.Target
	Expected ExpectedFailures
	// Run is recorded in the reports (report.RunEntry).
	Run report.Run
	// Preflighted says the targets were started once already, by a
	// parallel run's parent (echospec run --workers): Register's suite
	// does not start them again.
	Preflighted bool
}

// Load reads the configuration through s.Get and resolves the targets and
// the expected failures (the built-in ones and the user's file, every
// target, spec ID and kind they name checked). Every error it returns is
// a configuration error: nothing has started.
func Load(s Setup) (*Suite, error) {
	cfg, err := LoadConfig(s.Get)
	if err != nil {
		return nil, err
	}
	if s.Dir == "" {
		if s.Dir, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	cfg.Dir = s.Dir
	cfg.Spawn = s.Spawn
	if cfg.Replay, err = readReplay(s.Get(EnvReplay), s.Dir); err != nil {
		return nil, err
	}
	targets, err := cfg.Targets(all.Registry())
	if err != nil {
		return nil, err
	}
	xfail, err := expectedFailures(cfg)
	if err != nil {
		return nil, err
	}
	return &Suite{Config: cfg, Targets: targets, Expected: xfail, Run: s.record(cfg)}, nil
}

// record is what the reports keep of the run: every setting a rerun may
// keep (settings.Setting.Recorded) that is set, for the rerun commands.
func (s Setup) record(cfg Config) report.Run {
	run := report.Run{Runner: s.Runner, Settings: map[string]string{}, Dir: s.Dir}
	for _, v := range settings.In(settings.Suite) {
		if !v.Recorded() {
			continue
		}
		if val := s.Get(v.Env); val != "" {
			run.Settings[v.Env] = val
		}
	}
	if cfg.TargetCmd != "" || cfg.TargetAddr != "" {
		run.Outside = cfg.TargetName
	}
	return run
}

// Register declares, before RunSpecs, the whole suite: every spec against
// every target (conformance.Specs), the preflight that starts each target
// before any spec runs, unless s.Preflighted (SynchronizedBeforeSuite,
// which also records the spec version and the Run in the report), killing
// whatever is left at the end (AfterSuite), and onReport, if set, as a
// ReportAfterSuite.
func (s *Suite) Register(onReport func(types.Report)) {
	for _, tg := range s.Targets {
		conformance.Specs(tg, conformance.WithToxiproxy(s.Config.ToxiproxyURL),
			conformance.WithExpectedFailures(s.Expected[tg.Name()]), conformance.WithStrict(s.Config.Strict),
			conformance.WithProtocol(s.Config.Protocol),
			conformance.WithExplore(conformance.ExploreOptions{Budget: s.Config.Explore, Replay: s.Config.Replay, Dir: s.reportDir()}))
	}
	run, _ := json.Marshal(s.Run)
	SynchronizedBeforeSuite(func(ctx SpecContext) {
		AddReportEntry(report.VersionEntry, SpecVersion(), ReportEntryVisibilityNever)
		AddReportEntry(report.RunEntry, string(run), ReportEntryVisibilityNever)
		if s.Preflighted {
			return
		}
		if err := s.Preflight(ctx); err != nil {
			Fail(PreflightFailure + "\n" + err.Error())
		}
	}, func() {}, NodeTimeout(PreflightLimit))
	AfterSuite(func() { target.KillAll() })
	if onReport != nil {
		ReportAfterSuite("conformance matrix", onReport)
	}
}

// Preflight starts and stops each of the suite's targets once, fresh
// (the preflight's leave nothing behind in the specs'), and checks the
// toxiproxy server it names (the package's Preflight).
func (s *Suite) Preflight(ctx context.Context) error {
	targets, err := s.Config.Targets(all.Registry())
	if err != nil {
		return err
	}
	return Preflight(ctx, s.Config, targets)
}

// PreflightLimit bounds the whole preflight: every target's start and
// stop.
const PreflightLimit = 2 * target.StartLimit * 3

// PreflightFailure starts the failure of a run whose targets did not
// start: no spec ran.
const PreflightFailure = "echospec: the targets must start before any spec runs:"

// PrintMatrix is the Ginkgo suite's report: the matrix in Markdown on
// stdout and, when dir is set, index.html and matrix.md written there.
func PrintMatrix(dir string) func(types.Report) {
	return func(r types.Report) {
		m := report.Build(r)
		if len(m.Targets) == 0 {
			return
		}
		fmt.Println("\n# " + report.Title + "\n\n" + m.Markdown())
		if dir != "" {
			if err := m.Write(dir); err != nil {
				Fail(err.Error())
			}
		}
	}
}

// SpecVersion identifies the specification the suite runs: the first 12
// hex digits of the SHA-256 of the spec catalog (every spec's ID,
// category, level, timeout, requirement, measure, kinds and flags) and
// the failure kinds. Reports of different spec versions do not merge.
func SpecVersion() string { return specVersion() }

var specVersion = sync.OnceValue(func() string {
	h := sha256.New()
	for _, d := range conformance.Catalog() {
		fmt.Fprintf(h, "%#v\n", d)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// expectedFailures are the built-in engines' known findings and, for an
// outside target, the user's file; every target and spec ID they name
// must exist.
func expectedFailures(cfg Config) (ExpectedFailures, error) {
	x, err := BuiltinExpectedFailures()
	if err != nil {
		return nil, err
	}
	if runtime.GOOS == "linux" { // every engine the file names is built here
		if err := x.Validate(all.Registry().Names()); err != nil {
			return nil, err
		}
	}
	// The built-in declarations are findings about the built-in engines:
	// an outside target that has an engine's name is another server.
	outside := ""
	if cfg.TargetCmd != "" || cfg.TargetAddr != "" {
		outside = cfg.TargetName
		delete(x, outside)
	}
	if cfg.ExpectedFailures == "" {
		return x, nil
	}
	path := cfg.ExpectedFailures
	if !filepath.IsAbs(path) && cfg.Dir != "" {
		path = filepath.Join(cfg.Dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvExpectedFailures, err)
	}
	defer f.Close()
	user, err := ParseExpectedFailures(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", EnvExpectedFailures, path, err)
	}
	// A user's file may name targets this run does not have (one file
	// shared by shards, each running one target): their lines are left
	// out, which can only fail a run, never pass one. It declares the
	// outside target's failures only.
	if ids, ok := user[outside]; ok && outside != "" {
		x[outside] = ids
	}
	return x, nil
}

// readReplay reads the script X1 is to replay (ECHOSPEC_REPLAY, relative
// to dir), checked: "" for none.
func readReplay(path, dir string) (string, error) {
	if path == "" {
		return "", nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvReplay, err)
	}
	if err := conformance.CheckScript(string(b)); err != nil {
		return "", fmt.Errorf("%s: %s: %w", EnvReplay, path, err)
	}
	return string(b), nil
}

// reportDir is where X1 saves the script of a failing scenario: the
// report directory, if one is set ("": the temporary directory).
func (s *Suite) reportDir() string {
	d := s.Config.Value(settings.ReportDir)
	if d != "" && !filepath.IsAbs(d) {
		d = filepath.Join(s.Config.Dir, d)
	}
	return d
}
