package report

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/suites/settings"
)

// Report entries that a run writes once, in its SynchronizedBeforeSuite
// (suites/runner), so that a saved JSON report says which specification it
// ran and how to run any of its specs again. They are invisible on the
// console and present in every machine-readable report.
const (
	// VersionEntry carries the spec version: a hash of the spec catalog
	// (every spec's ID, labels, timeout, requirement, measure and kinds).
	// Reports of different spec versions do not merge.
	VersionEntry = "echospec spec version"
	// RunEntry carries the Run, as JSON.
	RunEntry = "echospec run"
)

// How a run was started, which decides how its rerun commands are written.
const (
	// RunnerEchospec is the echospec command (cmd/echospec).
	RunnerEchospec = "echospec"
	// RunnerGinkgo is the Ginkgo suite in a checkout (go tool ginkgo run
	// ./suites/conformance).
	RunnerGinkgo = "ginkgo"
)

// Run is how a run was made: what a command that reruns one of its specs
// needs besides the spec's ID and the seed (which Ginkgo's report keeps).
type Run struct {
	// Runner is RunnerEchospec or RunnerGinkgo.
	Runner string `json:"runner"`
	// Settings are the ECHOSPEC_* settings in force that a rerun may keep
	// (settings.Setting.Recorded), by variable name; empty ones are left
	// out.
	Settings map[string]string `json:"settings,omitempty"`
	// Outside is the name of the outside target (a command or an
	// address), if there is one; every other target is a built-in engine.
	Outside string `json:"outside,omitempty"`
	// Dir is where relative paths (the outside command's, its PID file,
	// the expected-failures file) were resolved.
	Dir string `json:"dir,omitempty"`
}

// FocusOf is the --focus pattern that selects spec id and no other (not
// E1p for E1, not E10 for E1).
func FocusOf(id string) string { return `\[` + regexp.QuoteMeta(id) + `\]` }

// Rerun is the shell command that runs spec id against target tg again,
// alone, with the same settings, label filter and seed — the seed decides
// its payloads, so the rerun sends the same bytes; "" when the report
// does not say how it was run. What it keeps of each setting is the
// table's (settings.Setting.Rerun): the engine it reruns, the outside
// target's settings for the outside target, the common ones always.
func (r Run) Rerun(tg, id string, seed int64, labelFilter string) string {
	if r.Runner == "" {
		return ""
	}
	type kept struct {
		s *settings.Setting
		v string
	}
	var keep []kept
	needDir := false
	for _, role := range []settings.Rerun{settings.KeepTarget, settings.KeepOutside, settings.KeepAlways} {
		for _, s := range settings.All() {
			if s.Rerun != role {
				continue
			}
			v := r.Settings[s.Env]
			switch {
			case role == settings.KeepTarget:
				if tg == r.Outside {
					continue
				}
				v = tg
			case role == settings.KeepOutside && tg != r.Outside:
				continue
			}
			if v == "" || v == s.Default { // the default needs no saying
				continue
			}
			keep = append(keep, kept{s, v})
			needDir = needDir || s.Type == settings.Path || s.FromDir
		}
	}
	var parts []string
	if r.Dir != "" && (needDir || r.Runner == RunnerGinkgo) {
		parts = append(parts, "cd", ShellQuote(r.Dir), "&&")
	}
	switch r.Runner {
	case RunnerGinkgo:
		for _, k := range keep {
			parts = append(parts, k.s.Env+"="+ShellQuote(k.v))
		}
		parts = append(parts, "go", "tool", "ginkgo", "run")
		if labelFilter != "" {
			parts = append(parts, "--label-filter="+ShellQuote(labelFilter))
		}
		parts = append(parts, "--focus="+ShellQuote(FocusOf(id)), "--seed="+strconv.FormatInt(seed, 10), "./suites/conformance")
	default:
		parts = append(parts, "echospec", "run")
		for _, k := range keep {
			switch {
			case !k.s.In(settings.Run): // no flag of its own: the variable
				parts = append([]string{k.s.Env + "=" + ShellQuote(k.v)}, parts...)
			case k.s.Type == settings.Bool:
				if on, _ := settings.ParseBool(k.v); on {
					parts = append(parts, "--"+k.s.Flag)
				}
			default:
				parts = append(parts, "--"+k.s.Flag, ShellQuote(k.v))
			}
		}
		if labelFilter != "" {
			parts = append(parts, "--label-filter", ShellQuote(labelFilter))
		}
		parts = append(parts, "--focus", ShellQuote(FocusOf(id)), "--seed", strconv.FormatInt(seed, 10))
	}
	return strings.Join(parts, " ")
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// ShellQuote quotes s for sh when it needs quoting.
func ShellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runInfo reads the suite-level entries of a report: the spec version and
// the Run, from whichever suite node carries them.
func runInfo(r types.Report) (version string, run Run) {
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt {
			continue
		}
		for _, e := range s.ReportEntries {
			switch e.Name {
			case VersionEntry:
				version = e.StringRepresentation()
			case RunEntry:
				_ = json.Unmarshal([]byte(e.StringRepresentation()), &run)
			}
		}
	}
	return version, run
}
