package report_test

import (
	"strings"
	"testing"

	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/settings"
)

// TestRerunKeepsEverySetting fails when a setting a rerun must keep
// (settings.Setting.Rerun) misses a rerun command: for the outside
// target, its own settings and the common ones; for a built-in engine,
// the engine and the common ones; in both runners' commands, with the
// seed.
func TestRerunKeepsEverySetting(t *testing.T) {
	run := report.Run{Outside: "srv", Dir: "/d", Settings: map[string]string{}}
	for _, s := range settings.All() {
		if s.Recorded() {
			run.Settings[s.Env] = "v-" + strings.ToLower(s.Flag)
			if s.Type == settings.Bool {
				run.Settings[s.Env] = "1"
			}
		}
	}
	for _, runner := range []string{report.RunnerGinkgo, report.RunnerEchospec} {
		run.Runner = runner
		for _, tg := range []string{"srv", "epoll"} {
			cmd := run.Rerun(tg, "E2", 99, "")
			if !strings.Contains(cmd, "99") {
				t.Errorf("%s rerun of %s: no seed: %s", runner, tg, cmd)
			}
			for _, s := range settings.All() {
				if !s.Recorded() {
					continue // the focus, the seed, the label filter: the rerun's own
				}
				want := s.Rerun == settings.KeepAlways || s.Rerun == settings.KeepTarget && tg == "epoll" || s.Rerun == settings.KeepOutside && tg == "srv"
				if got := keeps(cmd, runner, s); got != want {
					t.Errorf("%s rerun of %s keeps %s: %v, want %v\n%s", runner, tg, s.Env, got, want, cmd)
				}
			}
		}
	}
}

// keeps reports whether cmd sets s.
func keeps(cmd, runner string, s *settings.Setting) bool {
	if runner == report.RunnerGinkgo || !s.In(settings.Run) {
		return strings.Contains(cmd, s.Env+"=")
	}
	return strings.Contains(cmd, " --"+s.Flag+" ") || strings.HasSuffix(cmd, " --"+s.Flag)
}
