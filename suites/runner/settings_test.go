package runner

import (
	"flag"
	"io"
	"slices"
	"testing"

	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/settings"
)

// TestSuiteDoor fails when a setting of the test binary's door
// (settings.Suite) misses it: each has its flag under its name and every
// alias, the flag wins over the variable, LoadConfig reads it (Values),
// and the report records it when a rerun keeps it. No setting outside the
// door is read.
func TestSuiteDoor(t *testing.T) {
	door := settings.In(settings.Suite)
	if len(door) == 0 {
		t.Fatal("the test binary takes no setting")
	}
	for _, s := range door {
		for _, name := range s.Names() {
			fs := flag.NewFlagSet("suite", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			get := Flags(fs, env{s.Env: "from-env"}.get)
			val := "1"
			if s.Type != settings.Bool && s.Type != settings.Int {
				val = "from-flag"
			}
			if got := get(s.Env); got != "from-env" {
				t.Errorf("%s, no flag: got %q, want the variable's value", s.Env, got)
			}
			if err := fs.Parse([]string{"--" + name + "=" + val}); err != nil {
				t.Errorf("%s: the test binary has no flag --%s: %v", s.Env, name, err)
				continue
			}
			if got := get(s.Env); got != val {
				t.Errorf("%s: --%s=%s gives %q: the flag must win", s.Env, name, val, got)
			}
		}
	}

	var asked []string
	LoadConfig(func(k string) string { asked = append(asked, k); return "" })
	for _, s := range settings.All() {
		if s.In(settings.Suite) != slices.Contains(asked, s.Env) {
			t.Errorf("%s: in the test binary's door %v, read by LoadConfig %v", s.Env, s.In(settings.Suite), slices.Contains(asked, s.Env))
		}
	}

	all := env{}
	for _, s := range door {
		all[s.Env] = "v"
	}
	if cfg, _ := LoadConfig(env{settings.TargetCmd.Env: " x ", settings.Network.Env: "unix"}.get); cfg.Value(settings.TargetCmd) != "x" || cfg.Value(settings.Network) != "unix" {
		t.Errorf("Config.Values = %v, want every setting set, trimmed", cfg.Values)
	}
	run := Setup{Get: all.get, Runner: report.RunnerGinkgo}.record(Config{})
	for _, s := range settings.All() {
		_, ok := run.Settings[s.Env]
		if want := s.In(settings.Suite) && s.Recorded(); ok != want {
			t.Errorf("%s: recorded in the report %v, want %v (settings.Setting.Rerun)", s.Env, ok, want)
		}
	}
}

// TestTypeChecks: a Bool setting takes 1 or 0, whatever reads it.
func TestTypeChecks(t *testing.T) {
	if _, err := LoadConfig(env{settings.Strict.Env: " yes "}.get); err == nil || err.Error() != `ECHOSPEC_STRICT="yes": want 1 or 0` {
		t.Errorf("ECHOSPEC_STRICT=yes: %v", err)
	}
	for _, v := range []string{"1", "true", " 1 "} {
		if c, err := LoadConfig(env{settings.Strict.Env: v}.get); err != nil || !c.Strict {
			t.Errorf("ECHOSPEC_STRICT=%q: %+v, %v", v, c.Strict, err)
		}
	}
}
