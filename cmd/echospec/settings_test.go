package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/echospec/echospec/suites/settings"
)

// TestRunDoor fails when a setting of echospec run's door (settings.Run)
// misses it: each is a flag under its name and every alias, listed by
// run --help with its variable, read by its variable when the flag is not
// given, the flag winning; and no other setting is a flag of run.
func TestRunDoor(t *testing.T) {
	var help bytes.Buffer
	run([]string{"run", "--help"}, &help, &help)
	for _, s := range settings.All() {
		listed := strings.Contains(help.String(), "--"+s.Flag) && strings.Contains(help.String(), "$"+s.Env)
		if listed != s.In(settings.Run) {
			t.Errorf("%s: in echospec run's door %v, in run --help %v", s.Env, s.In(settings.Run), listed)
		}
		if !s.In(settings.Run) {
			continue
		}
		val := map[settings.Type]string{settings.Bool: "1", settings.Int: "42", settings.Duration: "1m30s"}[s.Type]
		if val == "" {
			val = "from-flag"
		}
		for _, name := range s.Names() {
			args := []string{"run", "--" + name}
			if s.Type != settings.Bool {
				args = append(args, val)
			}
			if got := parseRun(t, args, nil).get(s.Env); got != val {
				t.Errorf("%s: run %s: got %q, want %q", s.Env, strings.Join(args[1:], " "), got, val)
			}
		}
		env := map[string]string{s.Env: val}
		if got := parseRun(t, []string{"run"}, env).get(s.Env); got != val {
			t.Errorf("%s=%s: got %q, want the variable's value", s.Env, val, got)
		}
	}
	if got := parseRun(t, []string{"run"}, nil).get(settings.Timeout.Env); got != time.Hour.String() {
		t.Errorf("--timeout's default: %q, want 1h", got)
	}
	if got := parseRun(t, []string{"run", "--seed", "7"}, map[string]string{settings.Seed.Env: "8"}).get(settings.Seed.Env); got != strconv.Itoa(7) {
		t.Errorf("--seed 7 beside ECHOSPEC_SEED=8: %q, want the flag's", got)
	}
}

// parseRun parses args as kong does for echospec, with env as the only
// variables, and returns run's flags.
func parseRun(t *testing.T, args []string, env map[string]string) runFlags {
	t.Helper()
	for _, s := range settings.All() {
		v, ok := env[s.Env]
		t.Setenv(s.Env, v) // restored after the test
		if !ok {
			os.Unsetenv(s.Env)
		}
	}
	c := newCLI()
	p, err := kong.New(c.ptr.Interface(), kong.Name("echospec"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(args); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return c.run
}
