package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/runner"
)

// runCmd is echospec run. Every flag has its ECHOSPEC_* variable.
type runCmd struct {
	Cmd              string        `help:"An outside server to start for each spec, run with sh -c in the current directory, with ECHO_ADDR=127.0.0.1:PORT, ECHO_HOST and ECHO_PORT in its environment; exec the server (or give --pid-file) so that its process can be probed." env:"ECHOSPEC_TARGET_CMD" placeholder:"COMMAND" group:"target"`
	Addr             string        `help:"An outside server already running at HOST:PORT (loopback), or unix:PATH; the specs that need its process are skipped." env:"ECHOSPEC_TARGET_ADDR" placeholder:"HOST:PORT" group:"target"`
	Engine           string        `help:"Built-in engines to test, comma-separated (all of them when no --cmd or --addr is given)." env:"ECHOSPEC_ENGINES" placeholder:"NAMES" group:"target"`
	Name             string        `help:"The outside target's name in reports (default external)." env:"ECHOSPEC_TARGET_NAME" group:"target"`
	Profile          string        `help:"Deviations the outside target declares: max-conns=N, busy-idle (comma-separated)." env:"ECHOSPEC_TARGET_PROFILE" group:"target"`
	PIDFile          string        `name:"pid-file" help:"For --cmd: a file in which the server writes its PID, for a wrapper that does not exec it ($ECHO_PORT is expanded)." env:"ECHOSPEC_TARGET_PIDFILE" placeholder:"FILE" group:"target"`
	Host             string        `help:"For --cmd: the loopback address the server is to listen on, 127.0.0.1 (default) or ::1 (then ECHO_ADDR=[::1]:PORT, ECHO_HOST=::1)." env:"ECHOSPEC_TARGET_HOST" placeholder:"HOST" group:"target"`
	Network          string        `help:"tcp (default) or unix: --cmd and the built-in engines serve a Unix-domain socket (the command gets ECHO_NETWORK=unix and ECHO_PATH); the specs that need TCP are skipped. --addr unix:PATH names a running one." env:"ECHOSPEC_TARGET_NETWORK" placeholder:"NETWORK" group:"target"`
	Protocol         string        `help:"The protocol every target is judged by: upper-echo (default, SPEC.md §1) or echo (every byte back unchanged, RFC 862)." env:"ECHOSPEC_PROTOCOL" placeholder:"PROTOCOL" group:"target"`
	ToxiproxyURL     string        `name:"toxiproxy-url" help:"Use this toxiproxy API server (toxiproxy-server) instead of an embedded one; shards may share it." env:"ECHOSPEC_TOXIPROXY_URL" placeholder:"URL" group:"target"`
	LabelFilter      string        `help:"Ginkgo label filter: which specs, e.g. 'echo && must', '!slow-client'." env:"ECHOSPEC_LABEL_FILTER" placeholder:"FILTER" group:"selection"`
	Focus            string        `help:"Run only specs whose text matches this regular expression, e.g. '\\[E12\\]'." env:"ECHOSPEC_FOCUS" placeholder:"REGEXP" group:"selection"`
	Seed             int64         `help:"The random seed (payloads, chunk sizes); 0 = a new one, printed." env:"ECHOSPEC_SEED" group:"selection"`
	Timeout          time.Duration `help:"Stop the whole run after this long." default:"1h" env:"ECHOSPEC_TIMEOUT" group:"selection"`
	ExpectedFailures string        `help:"The outside target's expected failures: lines of TARGET SPEC-ID KIND REASON." env:"ECHOSPEC_EXPECTED_FAILURES" placeholder:"FILE" group:"verdicts"`
	Strict           bool          `help:"A declared expected failure that passes fails the run." env:"ECHOSPEC_STRICT" group:"verdicts"`
	Baseline         string        `help:"A JSON report of an earlier run of the same targets: show what changed, exit 3 on a regression." env:"ECHOSPEC_BASELINE" placeholder:"FILE" group:"verdicts"`
	ReportDir        string        `help:"Write conformance.json, conformance.xml (JUnit), index.html and matrix.md there." env:"ECHOSPEC_REPORT_DIR" placeholder:"DIR" group:"output"`
	Verbose          bool          `short:"v" help:"Print everything, as it happens (Ginkgo's verbose output)." env:"ECHOSPEC_VERBOSE" group:"output"`
	Workers          int           `help:"Run the specs across N worker processes; 1 runs them one at a time in this one (0 = the default: 4, or 1 with --addr, whose specs share one server)." env:"ECHOSPEC_WORKERS" placeholder:"N" group:"selection"`
}

// flags maps each setting the suite shares with the Ginkgo suite
// (runner.Variables) to run's flag for it: rerun commands use them.
var flags = map[string]string{
	runner.EnvEngines:          "engine",
	runner.EnvTargetCmd:        "cmd",
	runner.EnvTargetAddr:       "addr",
	runner.EnvTargetName:       "name",
	runner.EnvProfile:          "profile",
	runner.EnvPIDFile:          "pid-file",
	runner.EnvTargetHost:       "host",
	runner.EnvNetwork:          "network",
	runner.EnvProtocol:         "protocol",
	runner.EnvToxiproxy:        "toxiproxy-url",
	runner.EnvExpectedFailures: "expected-failures",
	runner.EnvStrict:           "strict",
	runner.EnvReportDir:        "report-dir",
}

// setting is the value of the setting named by its variable.
func (c *runCmd) setting(name string) string {
	switch name {
	case runner.EnvEngines:
		return c.Engine
	case runner.EnvTargetCmd:
		return c.Cmd
	case runner.EnvTargetAddr:
		return c.Addr
	case runner.EnvTargetName:
		return c.Name
	case runner.EnvProfile:
		return c.Profile
	case runner.EnvPIDFile:
		return c.PIDFile
	case runner.EnvTargetHost:
		return c.Host
	case runner.EnvNetwork:
		return c.Network
	case runner.EnvProtocol:
		return c.Protocol
	case runner.EnvToxiproxy:
		return c.ToxiproxyURL
	case runner.EnvExpectedFailures:
		return c.ExpectedFailures
	case runner.EnvStrict:
		if c.Strict {
			return "1"
		}
		return ""
	case runner.EnvReportDir:
		return c.ReportDir
	}
	return os.Getenv(name)
}

type testingT struct{ failed bool }

func (t *testingT) Fail() { t.failed = true }

func (c *runCmd) run(stdout, stderr io.Writer) int {
	configError := func(err error) int {
		fmt.Fprintf(stderr, "echospec: bad configuration: %v\n", withFlags(err.Error()))
		return exitConfig
	}
	if c.LabelFilter != "" {
		if _, err := types.ParseLabelFilter(c.LabelFilter); err != nil {
			return configError(fmt.Errorf("--label-filter: %v", err))
		}
	}
	if _, err := regexp.Compile(c.Focus); err != nil {
		return configError(fmt.Errorf("--focus: %v", err))
	}
	var base report.Matrix
	if c.Baseline != "" {
		var err error
		if base, err = report.ReadJSON(c.Baseline); err != nil {
			return configError(fmt.Errorf("--baseline: %v", err))
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return configError(err)
	}
	if c.ReportDir != "" && !filepath.IsAbs(c.ReportDir) {
		c.ReportDir = filepath.Join(dir, c.ReportDir)
	}
	s, err := runner.Load(runner.Setup{Get: c.setting, Dir: dir, Runner: report.RunnerEchospec, Flags: flags})
	if err != nil {
		return configError(err)
	}

	gomega.RegisterFailHandler(Fail)
	suiteConfig, reporterConfig := GinkgoConfiguration()
	suiteConfig.LabelFilter = c.LabelFilter
	if c.Focus != "" {
		suiteConfig.FocusStrings = []string{c.Focus}
	}
	if c.Seed != 0 {
		suiteConfig.RandomSeed = c.Seed
	}
	suiteConfig.FailOnEmpty = true
	suiteConfig.Timeout = c.Timeout
	suiteConfig.ParallelProcess, suiteConfig.ParallelTotal = 1, 1
	reporterConfig.NoColor = true
	if c.ReportDir != "" {
		if err := os.MkdirAll(c.ReportDir, 0o755); err != nil {
			return configError(fmt.Errorf("--report-dir: %v", err))
		}
		reporterConfig.JSONReport = filepath.Join(c.ReportDir, "conformance.json")
		reporterConfig.JUnitReport = filepath.Join(c.ReportDir, "conformance.xml")
	}
	// Ginkgo's own console reporter: everything with -v, nothing
	// otherwise (this command prints its own lines and summary).
	if c.Verbose {
		reporterConfig.Verbose = true
		formatter.ColorableStdOut = stdout
	} else {
		formatter.ColorableStdOut = io.Discard
	}

	if worker != nil { // a worker of a parallel run (workers.go)
		return worker.work(s, suiteConfig, reporterConfig)
	}
	out := newPrinter(stdout, s, c.Verbose)
	out.header(suiteConfig)
	var final types.Report
	start := time.Now()
	t := &testingT{}
	if n := c.workers(); n > 1 {
		final, t.failed = c.parallel(n, s, out, suiteConfig, reporterConfig, stderr)
	} else {
		s.Register(func(r types.Report) { final = r })
		ReportAfterEach(out.spec)
		RunSpecs(t, "echospec conformance", suiteConfig, reporterConfig)
	}

	m := report.Build(final)
	var cmp *report.Comparison
	if c.Baseline != "" {
		cc := report.Compare(base, c.Baseline, m)
		cmp, m.Changes = &cc, &cc
	}
	if c.ReportDir != "" {
		if err := m.Write(c.ReportDir); err != nil {
			fmt.Fprintln(stderr, "echospec:", err)
		}
	}
	status := out.summary(final, m, cmp, time.Since(start), t.failed)
	if c.ReportDir != "" {
		fmt.Fprintf(stdout, "reports: %s (index.html, matrix.md, conformance.json, conformance.xml)\n", c.ReportDir)
	}
	return status
}

var envName = regexp.MustCompile(`\bECHOSPEC_[A-Z_]+\b`)

// withFlags names the flag beside each variable a message names.
func withFlags(msg string) string {
	return envName.ReplaceAllStringFunc(msg, func(v string) string {
		if f := flags[v]; f != "" {
			return "--" + f + " (" + v + ")"
		}
		return v
	})
}
