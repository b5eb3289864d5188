package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/runner"
	"github.com/echospec/echospec/suites/settings"
)

// runCmd is echospec run. Its flags are the table's (settings.In(
// settings.Run)), each also read from its ECHOSPEC_* variable (kong's
// env); get reads them by variable.
type runCmd struct {
	get func(env string) string
}

// runFlags are echospec run's flags for kong: a struct made from the
// table, one field per setting of its door, with its kong tags.
type runFlags struct {
	ptr reflect.Value // *struct{S0 …; S1 …}
	set []*settings.Setting
}

func newRunFlags() runFlags {
	set := settings.In(settings.Run)
	fields := make([]reflect.StructField, len(set))
	for i, s := range set {
		fields[i] = reflect.StructField{Name: fmt.Sprintf("S%d", i), Type: goType[s.Type], Tag: kongTag(s)}
		if fields[i].Type == nil {
			fields[i].Type = reflect.TypeFor[string]()
		}
	}
	return runFlags{reflect.New(reflect.StructOf(fields)), set}
}

// goType is the field type kong parses a setting of each type into; a
// string for the others.
var goType = map[settings.Type]reflect.Type{
	settings.Bool:     reflect.TypeFor[bool](),
	settings.Int:      reflect.TypeFor[int64](),
	settings.Duration: reflect.TypeFor[time.Duration](),
}

// kongTag is s's flag, as kong's struct tag.
func kongTag(s *settings.Setting) reflect.StructTag {
	t := fmt.Sprintf("name:%q help:%q env:%q group:%q", s.Flag, s.Help, s.Env, s.Group)
	if len(s.Aliases) > 0 {
		t += fmt.Sprintf(" aliases:%q", strings.Join(s.Aliases, ","))
	}
	if s.Short != 0 {
		t += fmt.Sprintf(" short:%q", string(s.Short))
	}
	if s.Placeholder != "" {
		t += fmt.Sprintf(" placeholder:%q", s.Placeholder)
	}
	if s.Type == settings.Duration && s.Default != "" {
		t += fmt.Sprintf(" default:%q", s.Default)
	}
	return reflect.StructTag(t)
}

// get is the value of the setting of variable env, as a string: "" when
// it is unset (a false bool, a zero number); for a setting run has no
// flag for, the variable.
func (f runFlags) get(env string) string {
	i := slices.IndexFunc(f.set, func(s *settings.Setting) bool { return s.Env == env })
	if i < 0 {
		return os.Getenv(env)
	}
	switch v := f.ptr.Elem().Field(i).Interface().(type) {
	case string:
		return v
	case bool:
		if v {
			return "1"
		}
	case int64:
		if v != 0 {
			return strconv.FormatInt(v, 10)
		}
	case time.Duration:
		if v != 0 {
			return v.String()
		}
	}
	return ""
}

type testingT struct{ failed bool }

func (t *testingT) Fail() { t.failed = true }

func (c *runCmd) run(stdout, stderr io.Writer) int {
	configError := func(err error) int {
		fmt.Fprintf(stderr, "echospec: bad configuration: %v\n", withFlags(err.Error()))
		return exitConfig
	}
	labelFilter, focus := c.get(settings.LabelFilter.Env), c.get(settings.Focus.Env)
	baseline, reportDir := c.get(settings.Baseline.Env), c.get(settings.ReportDir.Env)
	seed, _ := strconv.ParseInt(c.get(settings.Seed.Env), 10, 64) // kong parsed it
	timeout, _ := time.ParseDuration(c.get(settings.Timeout.Env))
	verbose := c.get(settings.Verbose.Env) != ""
	if labelFilter != "" {
		if _, err := types.ParseLabelFilter(labelFilter); err != nil {
			return configError(fmt.Errorf("--label-filter: %v", err))
		}
	}
	if _, err := regexp.Compile(focus); err != nil {
		return configError(fmt.Errorf("--focus: %v", err))
	}
	var base report.Matrix
	if baseline != "" {
		var err error
		if base, err = report.ReadJSON(baseline); err != nil {
			return configError(fmt.Errorf("--baseline: %v", err))
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return configError(err)
	}
	if reportDir != "" && !filepath.IsAbs(reportDir) {
		reportDir = filepath.Join(dir, reportDir)
	}
	s, err := runner.Load(runner.Setup{Get: c.get, Dir: dir, Runner: report.RunnerEchospec})
	if err != nil {
		return configError(err)
	}

	gomega.RegisterFailHandler(Fail)
	suiteConfig, reporterConfig := GinkgoConfiguration()
	suiteConfig.LabelFilter = labelFilter
	if focus != "" {
		suiteConfig.FocusStrings = []string{focus}
	} else if c.get(settings.Replay.Env) != "" && labelFilter == "" {
		suiteConfig.FocusStrings = []string{`\[X1\]`} // a replay is X1's
	}
	if seed != 0 {
		suiteConfig.RandomSeed = seed // the specs' payloads too (conformance: seeds)
	}
	suiteConfig.FailOnEmpty = true
	suiteConfig.Timeout = timeout
	suiteConfig.ParallelProcess, suiteConfig.ParallelTotal = 1, 1
	reporterConfig.NoColor = true
	if reportDir != "" {
		if err := os.MkdirAll(reportDir, 0o755); err != nil {
			return configError(fmt.Errorf("--report-dir: %v", err))
		}
		reporterConfig.JSONReport = filepath.Join(reportDir, "conformance.json")
		reporterConfig.JUnitReport = filepath.Join(reportDir, "conformance.xml")
	}
	// Ginkgo's own console reporter: everything with -v, nothing
	// otherwise (this command prints its own lines and summary).
	if verbose {
		reporterConfig.Verbose = true
		formatter.ColorableStdOut = stdout
	} else {
		formatter.ColorableStdOut = io.Discard
	}

	if worker != nil { // a worker of a parallel run (workers.go)
		return worker.work(s, suiteConfig, reporterConfig)
	}
	out := newPrinter(stdout, s, verbose)
	out.reportDir = reportDir
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
	if baseline != "" {
		cc := report.Compare(base, baseline, m)
		cmp, m.Changes = &cc, &cc
	}
	if reportDir != "" {
		if err := m.Write(reportDir); err != nil {
			fmt.Fprintln(stderr, "echospec:", err)
		}
	}
	status := out.summary(final, m, cmp, time.Since(start), t.failed)
	if reportDir != "" {
		fmt.Fprintf(stdout, "reports: %s (index.html, matrix.md, conformance.json, conformance.xml)\n", reportDir)
	}
	return status
}

var envName = regexp.MustCompile(`\bECHOSPEC_[A-Z_]+\b`)

// withFlags names the flag beside each variable a message names.
func withFlags(msg string) string {
	return envName.ReplaceAllStringFunc(msg, func(v string) string {
		if s := settings.ByEnv(v); s != nil && s.In(settings.Run) {
			return "--" + s.Flag + " (" + v + ")"
		}
		return v
	})
}
