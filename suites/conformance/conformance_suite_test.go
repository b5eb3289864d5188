package conformance_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/all"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/serve"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/report"
)

// Flags of the same meaning as the ECHOSPEC_* variables; a flag that is set
// wins over its variable. Pass them after --, e.g.
// go tool ginkgo run ./suites/conformance -- --target-cmd='...'
var flags = map[string]*string{
	conformance.EnvEngines:    flag.String("engines", "", "built-in engines to test, comma-separated (ECHOSPEC_ENGINES)"),
	conformance.EnvTargetCmd:  flag.String("target-cmd", "", "outside server command, run with sh -c (ECHOSPEC_TARGET_CMD)"),
	conformance.EnvTargetName: flag.String("target-name", "", "the outside target's name in reports (ECHOSPEC_TARGET_NAME)"),
	conformance.EnvTargetAddr: flag.String("target-addr", "", "an already running outside server, HOST:PORT (ECHOSPEC_TARGET_ADDR)"),
	conformance.EnvToxiproxy:  flag.String("toxiproxy-url", "", "an outside toxiproxy API server (ECHOSPEC_TOXIPROXY_URL)"),
	conformance.EnvProfile:    flag.String("target-profile", "", "deviations the outside target declares (ECHOSPEC_TARGET_PROFILE)"),
}

var reportDir = flag.String("report-dir", os.Getenv("ECHOSPEC_REPORT_DIR"), "write index.html and matrix.md here (ECHOSPEC_REPORT_DIR)")

func setting(name string) string {
	if f := flags[name]; f != nil && *f != "" {
		return *f
	}
	return os.Getenv(name)
}

var cfg conformance.Config

// self is a private link to this test binary, which the Ginkgo CLI may
// delete or rebuild while the suite still spawns servers from it.
var self string

func linkSelf() (string, func()) {
	exe, err := os.Executable()
	if err != nil {
		return "", func() {}
	}
	dir, err := os.MkdirTemp("", "echospec-serve-")
	if err != nil {
		return exe, func() {}
	}
	link := filepath.Join(dir, "echospec-serve")
	if err := os.Link(exe, link); err != nil {
		return exe, func() { os.RemoveAll(dir) }
	}
	return link, func() { os.RemoveAll(dir) }
}

// serveEnv makes this test binary serve one built-in engine instead of
// running the suite: the specs that probe a server's process spawn the
// built-in engines that way.
const serveEnv = "ECHOSPEC_SERVE_ENGINE"

func init() {
	name := os.Getenv(serveEnv)
	if name == "" {
		return
	}
	e, err := all.Registry().Lookup(name)
	if err == nil {
		err = serve.Run(e, os.Getenv("ECHO_ADDR"), os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "echospec:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// selfSpawn runs a built-in engine in a process of its own for the specs
// that probe the server's process: this binary, re-executed with serveEnv.
func selfSpawn(e engine.Engine) (target.CommandSpec, bool) {
	if self == "" {
		return target.CommandSpec{}, false
	}
	return target.CommandSpec{
		Name:    e.Name(),
		Cmdline: "exec '" + strings.ReplaceAll(self, "'", `'\''`) + "'",
		Profile: e.Profile(),
		Env:     []string{serveEnv + "=" + e.Name()},
	}, true
}

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	var unlink func()
	self, unlink = linkSelf()
	defer unlink()
	var err error
	cfg, err = conformance.LoadConfig(setting)
	if err == nil {
		// Relative paths in an outside command are the user's, from the
		// repository root, not from this package's directory.
		cfg.Dir, err = moduleRoot()
		cfg.Spawn = selfSpawn
	}
	if err != nil {
		t.Fatalf("echospec: bad configuration: %v", err)
	}
	targets, err := cfg.Targets(all.Registry())
	if err != nil {
		t.Fatalf("echospec: bad configuration: %v", err)
	}
	xfail, err := loadExpectedFailures()
	if err != nil {
		t.Fatalf("echospec: %v", err)
	}
	for _, tg := range targets {
		opts := []conformance.Option{conformance.WithToxiproxy(cfg.ToxiproxyURL)}
		if _, builtin := tg.(target.Spawner); builtin {
			opts = append(opts, conformance.WithExpectedFailures(xfail[tg.Name()]))
		}
		conformance.Specs(tg, opts...)
	}
	suiteConfig, reporterConfig := GinkgoConfiguration()
	suiteConfig.FailOnEmpty = true // a selection that matches no spec is an error
	RunSpecs(t, "echospec conformance", suiteConfig, reporterConfig)
}

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) {
	targets, err := cfg.Targets(all.Registry())
	if err == nil {
		err = conformance.Preflight(ctx, cfg, targets)
	}
	if err != nil {
		Fail("echospec: the targets must start before any spec runs:\n" + err.Error())
	}
}, func() {}, NodeTimeout(2*target.StartLimit*3))

var _ = AfterSuite(func() { target.KillAll() })

var _ = ReportAfterSuite("conformance matrix", func(r Report) {
	m := report.Build(r)
	if len(m.Targets) == 0 {
		return
	}
	fmt.Println("\n# " + report.Title + "\n\n" + m.Markdown())
	if *reportDir != "" {
		Expect(m.Write(*reportDir)).To(Succeed())
	}
})

// loadExpectedFailures reads the known findings of the built-in engines.
func loadExpectedFailures() (map[string]map[string]string, error) {
	f, err := os.Open("expected_failures.txt")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return conformance.ParseExpectedFailures(f)
}

// moduleRoot is the directory of the go.mod above the test's directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return dir, nil
		}
	}
}
