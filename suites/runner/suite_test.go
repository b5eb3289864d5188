package runner_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/runner"
)

func getter(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "known.txt"), []byte("srv E1 lost a finding\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := runner.Load(runner.Setup{Dir: dir, Runner: report.RunnerEchospec, Get: getter(map[string]string{
		runner.EnvTargetCmd: "./srv", runner.EnvTargetName: "srv", runner.EnvExpectedFailures: "known.txt",
		runner.EnvReportDir: "reports", runner.EnvEngines: "goroutine",
	})})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Targets) != 2 || s.Targets[0].Name() != "srv" || s.Targets[1].Name() != "goroutine" {
		t.Errorf("targets %v", s.Targets)
	}
	if x := s.Expected["srv"]["E1"]; len(x.Kinds) != 1 || x.Kinds[0] != "lost" {
		t.Errorf("the user's expected failures, relative to Dir: %v", s.Expected)
	}
	if len(s.Expected["gnet"]) == 0 {
		t.Error("the built-in expected failures are missing")
	}
	if s.Config.Dir != dir || s.Run.Dir != dir || s.Run.Outside != "srv" || s.Run.Runner != report.RunnerEchospec {
		t.Errorf("config dir %q, run %+v", s.Config.Dir, s.Run)
	}
	if s.Run.Settings[runner.EnvTargetCmd] != "./srv" || s.Run.Settings[runner.EnvReportDir] != "" {
		t.Errorf("settings %v", s.Run.Settings)
	}
}

// TestExpectedFailuresOfAnOutsideTarget: an outside target named like a
// built-in engine is another server, so the engine's declarations do not
// apply to it; a file shared by runs of several targets is taken, its
// lines for other targets left out.
func TestExpectedFailuresOfAnOutsideTarget(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shared.txt"), []byte("gnet E1 lost this one\nother E2 reset another target's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := runner.Load(runner.Setup{Dir: dir, Get: getter(map[string]string{runner.EnvTargetCmd: "./srv", runner.EnvTargetName: "gnet"})})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Expected["gnet"]) != 0 {
		t.Errorf("an outside target named gnet got the built-in gnet's declarations: %v", s.Expected["gnet"])
	}
	s, err = runner.Load(runner.Setup{Dir: dir, Get: getter(map[string]string{runner.EnvTargetCmd: "./srv", runner.EnvTargetName: "gnet", runner.EnvExpectedFailures: "shared.txt"})})
	if err != nil {
		t.Fatal(err)
	}
	if x := s.Expected["gnet"]; len(x) != 1 || x["E1"].Why != "this one" || len(s.Expected["other"]) != 0 {
		t.Errorf("the shared file: %v; want gnet's own line only", s.Expected)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.script")
	if err := os.WriteFile(bad, []byte("seed 1\nwrite c9 10 in 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{runner.EnvTargetCmd: "x", runner.EnvTargetAddr: "127.0.0.1:1"}, "not both"},
		{map[string]string{runner.EnvEngines: "nosuch"}, "nosuch"},
		{map[string]string{runner.EnvTargetCmd: "x", runner.EnvExpectedFailures: "missing.txt"}, "missing.txt"},
		{map[string]string{runner.EnvTargetCmd: "x", runner.EnvProfile: "bogus"}, runner.EnvProfile},
		{map[string]string{runner.EnvReplay: "missing.script"}, "missing.script"},
		{map[string]string{runner.EnvReplay: bad}, "line 2"},
	} {
		_, err := runner.Load(runner.Setup{Dir: dir, Get: getter(tt.set)})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.set, err, tt.want)
		}
	}
}

func TestSpecVersion(t *testing.T) {
	v := runner.SpecVersion()
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(v) || v != runner.SpecVersion() {
		t.Errorf("spec version %q", v)
	}
}
