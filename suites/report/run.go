package report

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
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
	// Settings are the ECHOSPEC_* settings in force, by variable name;
	// empty ones are left out.
	Settings map[string]string `json:"settings,omitempty"`
	// Flags are the echospec command's flag names, by variable name, for
	// RunnerEchospec rerun commands.
	Flags map[string]string `json:"flags,omitempty"`
	// Outside is the name of the outside target (a command or an
	// address), if there is one; every other target is a built-in engine.
	Outside string `json:"outside,omitempty"`
	// Dir is where relative paths (the outside command's, its PID file,
	// the expected-failures file) were resolved.
	Dir string `json:"dir,omitempty"`
}

// The settings a rerun command of one target keeps, by variable name:
// the outside target's own, and those of every target.
var (
	outsideSettings = []string{"ECHOSPEC_TARGET_CMD", "ECHOSPEC_TARGET_ADDR", "ECHOSPEC_TARGET_NAME", "ECHOSPEC_TARGET_PROFILE",
		"ECHOSPEC_TARGET_PIDFILE", "ECHOSPEC_TARGET_HOST", "ECHOSPEC_EXPECTED_FAILURES"}
	commonSettings = []string{"ECHOSPEC_TOXIPROXY_URL", "ECHOSPEC_PROTOCOL", "ECHOSPEC_STRICT"}
	// pathSettings hold paths that may be relative to Run.Dir.
	pathSettings = []string{"ECHOSPEC_TARGET_CMD", "ECHOSPEC_TARGET_PIDFILE", "ECHOSPEC_EXPECTED_FAILURES"}
)

// FocusOf is the --focus pattern that selects spec id and no other (not
// E1p for E1, not E10 for E1).
func FocusOf(id string) string { return `\[` + regexp.QuoteMeta(id) + `\]` }

// Rerun is the shell command that runs spec id against target tg again,
// alone, with the same settings, label filter and seed; "" when the
// report does not say how it was run.
func (r Run) Rerun(tg, id string, seed int64, labelFilter string) string {
	if r.Runner == "" {
		return ""
	}
	settings := map[string]string{}
	keep := commonSettings
	if tg == r.Outside {
		keep = append(slices.Clone(keep), outsideSettings...)
	} else {
		settings["ECHOSPEC_ENGINES"] = tg
	}
	needDir := false
	for _, k := range keep {
		if v := r.Settings[k]; v != "" {
			settings[k] = v
			needDir = needDir || slices.Contains(pathSettings, k)
		}
	}
	var parts []string
	if r.Dir != "" && (needDir || r.Runner == RunnerGinkgo) {
		parts = append(parts, "cd", ShellQuote(r.Dir), "&&")
	}
	order := append(append([]string{"ECHOSPEC_ENGINES"}, outsideSettings...), commonSettings...)
	switch r.Runner {
	case RunnerGinkgo:
		for _, k := range order {
			if v, ok := settings[k]; ok {
				parts = append(parts, k+"="+ShellQuote(v))
			}
		}
		parts = append(parts, "go", "tool", "ginkgo", "run")
		if labelFilter != "" {
			parts = append(parts, "--label-filter="+ShellQuote(labelFilter))
		}
		parts = append(parts, "--focus="+ShellQuote(FocusOf(id)), "--seed="+strconv.FormatInt(seed, 10), "./suites/conformance")
	default:
		parts = append(parts, "echospec", "run")
		for _, k := range order {
			v, ok := settings[k]
			if !ok {
				continue
			}
			flag := r.Flags[k]
			if flag == "" { // no flag of its own: the variable
				parts = append([]string{k + "=" + ShellQuote(v)}, parts...)
				continue
			}
			if k == "ECHOSPEC_STRICT" {
				parts = append(parts, "--"+flag)
				continue
			}
			parts = append(parts, "--"+flag, ShellQuote(v))
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
