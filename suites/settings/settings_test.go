package settings

import (
	"strings"
	"testing"
)

// TestTable: every setting is an ECHOSPEC_ variable with a door, a flag
// and texts; no two share a variable or a flag name (aliases included);
// a setting a rerun keeps is taken by the test binary, whose report
// records it.
func TestTable(t *testing.T) {
	envs, flags := map[string]bool{}, map[string]string{}
	for _, s := range All() {
		if !strings.HasPrefix(s.Env, "ECHOSPEC_") || envs[s.Env] {
			t.Errorf("%s: not an ECHOSPEC_ variable, or declared twice", s.Env)
		}
		envs[s.Env] = true
		if s.Doors == 0 || s.Flag == "" || s.Help == "" || s.Meaning == "" || s.Type == "" {
			t.Errorf("%s: a door, a flag, a type, a help line and a meaning are needed", s.Env)
		}
		for _, n := range s.Names() {
			if other, ok := flags[n]; ok {
				t.Errorf("--%s: the flag of %s and of %s", n, other, s.Env)
			}
			flags[n] = s.Env
		}
		if s.Recorded() && !s.In(Suite) {
			t.Errorf("%s: a rerun keeps it, but the test binary, whose reports record it, does not take it", s.Env)
		}
		if err := s.Check(""); err != nil {
			t.Errorf("%s: unset is not a good value: %v", s.Env, err)
		}
	}
	if ByEnv("ECHOSPEC_TARGET_CMD") != TargetCmd || ByEnv("ECHOSPEC_NOPE") != nil {
		t.Error("ByEnv")
	}
	if got := (Run | GoTest).String(); got != "echospec run, conformancetest" {
		t.Errorf("Door.String = %q", got)
	}
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		s   *Setting
		v   string
		bad bool
	}{
		{Strict, "1", false}, {Strict, "yes", true}, {Seed, "42", false}, {Seed, "x", true},
		{Timeout, "90s", false}, {Timeout, "soon", true}, {Focus, `\[E1\]`, false}, {Focus, "[E1", true},
		{TargetCmd, "anything at all", false},
	} {
		if err := tt.s.Check(tt.v); (err != nil) != tt.bad {
			t.Errorf("%s=%q: %v", tt.s.Env, tt.v, err)
		}
	}
}
