package selftest

import (
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/settings"
)

// TestSuiteSettingsDoor: the self-test gives every run a value for each
// setting of its door (settings.Selftest), and sets no other setting.
func TestSuiteSettingsDoor(t *testing.T) {
	tg := Target{Name: "n", Cmdline: "exec x", Profile: engine.Profile{MaxConns: 3}}
	env := suiteSettings(tg)
	var names []string
	for _, kv := range env {
		name, v, _ := strings.Cut(kv, "=")
		names = append(names, name)
		if v == "" {
			t.Errorf("the self-test gives %s no value: the door %s misses it (suiteSettings)", name, settings.Selftest)
		}
	}
	for _, s := range settings.All() {
		if s.In(settings.Selftest) != slices.Contains(names, s.Env) {
			t.Errorf("%s: in the self-test's door %v, set by it %v", s.Env, s.In(settings.Selftest), slices.Contains(names, s.Env))
		}
	}
	if !slices.Contains(env, "ECHOSPEC_TARGET_PROFILE=max-conns=3") || !slices.Contains(env, "ECHOSPEC_TARGET_CMD=exec x") {
		t.Errorf("suiteSettings = %q", env)
	}
}
