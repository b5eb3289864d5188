package conformance_test

import (
	"flag"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/all"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/runner"
)

// setting reads a setting by its variable: the flag of the same meaning
// (the table of settings, suites/settings), after --, e.g.
// go tool ginkgo run ./suites/conformance -- --cmd='...', wins over it.
var setting = runner.Flags(flag.CommandLine, os.Getenv)

// The specs that probe a built-in engine's process run it as this test
// binary re-executed (target.InProcess's Spawn), as they do an engine
// author's: the re-executed binary serves the engine here, at package
// initialization, before any test runs. (The targets are built later,
// inside TestConformance, from flags, so conformance.Specs itself comes
// too late for that.)
var _ = target.ServeIfAsked(builtinEngines()...)

func builtinEngines() []engine.Engine {
	reg := all.Registry()
	var es []engine.Engine
	for _, n := range reg.Names() {
		if e, err := reg.Lookup(n); err == nil {
			es = append(es, e)
		}
	}
	return es
}

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	// Relative paths in an outside command are the user's, from the
	// repository root, not from this package's directory.
	root, err := target.ModuleRoot()
	if err != nil {
		t.Fatalf("echospec: bad configuration: %v", err)
	}
	s, err := runner.Load(runner.Setup{Get: setting, Dir: root, Runner: report.RunnerGinkgo})
	if err != nil {
		t.Fatalf("echospec: bad configuration: %v", err)
	}
	s.Register(runner.PrintMatrix(setting(runner.EnvReportDir)))
	suiteConfig, reporterConfig := GinkgoConfiguration()
	suiteConfig.FailOnEmpty = true // a selection that matches no spec is an error
	RunSpecs(t, "echospec conformance", suiteConfig, reporterConfig)
}
