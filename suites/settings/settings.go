// Package settings is the one table of the suite's settings: each
// ECHOSPEC_* environment variable with its flag, meaning, type, default
// and the doors that take it (echospec run, the Ginkgo suite's test
// binary, conformancetest in a plain go test, the self-test, the stability
// tool). Everything else is derived from it: echospec run's flags, the
// test binary's flags, the environment lookup (suites/runner), the
// settings recorded in reports and the rerun commands built from them
// (suites/report), the variables the self-test sets, and the settings
// tables of SPEC.md and the README (suites/specdoc). A setting is added by
// one declaration here, with add; each door's test fails when it misses a
// door the table gives it.
//
// It imports nothing of the project's: every layer may import it.
package settings

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Door is a way into the suite that takes settings; a Setting's Doors are
// a set of them.
type Door uint8

// The doors.
const (
	// Run is the echospec command's run: the flag, or the variable.
	Run Door = 1 << iota
	// Suite is the Ginkgo suite's test binary (go tool ginkgo run
	// ./suites/conformance, go test ./suites/conformance): the variable,
	// or the flag after -- (-- --cmd=...).
	Suite
	// GoTest is conformancetest.Run in an engine author's go test: the
	// variable.
	GoTest
	// Selftest is the self-test (suites/selftest), which sets the
	// variable for each run of the suite it makes (and clears every
	// other ECHOSPEC_* of its own environment).
	Selftest
	// Stability is the stability tool (suites/stability), which runs the
	// suite through the self-test's runner and sets the variable too.
	Stability
)

// Doors is every door, in the order the docs name them.
var Doors = []Door{Run, Suite, GoTest, Selftest, Stability}

// String names the doors in d, comma-separated.
func (d Door) String() string {
	var names []string
	for _, one := range Doors {
		if d&one != 0 {
			names = append(names, doorNames[one])
		}
	}
	return strings.Join(names, ", ")
}

var doorNames = map[Door]string{Run: "echospec run", Suite: "test binary", GoTest: "conformancetest", Selftest: "self-test", Stability: "stability"}

// Type is a setting's value type.
type Type string

// The types.
const (
	String   Type = "string"
	List     Type = "list"     // comma-separated
	Path     Type = "path"     // a file or directory, relative to where the run starts
	Regexp   Type = "regexp"   // a Go regular expression
	Bool     Type = "bool"     // 1 or 0 (true, false); a flag alone is 1
	Duration Type = "duration" // a Go duration: 90s, 1h
	Int      Type = "int"
)

// Rerun says what a command that reruns one failed spec keeps of a
// setting (report.Run.Rerun).
type Rerun int

// The roles.
const (
	// NotKept: a rerun does without it (where to write reports, …), or
	// keeps it another way (the seed, the label filter, the focus).
	NotKept Rerun = iota
	// KeepTarget is the built-in engines: a rerun names the one engine it
	// reruns.
	KeepTarget
	// KeepOutside is kept by a rerun against the outside target only.
	KeepOutside
	// KeepAlways is kept by every rerun.
	KeepAlways
)

// Setting is one setting of the suite.
type Setting struct {
	// Env is the environment variable, ECHOSPEC_….
	Env string
	// Flag is the flag's name, the same in every door that takes flags
	// (echospec run, and the test binary after --).
	Flag string
	// Aliases are older flag names, still accepted in those doors.
	Aliases []string
	// Short is echospec run's one-letter flag, if any.
	Short rune
	// Placeholder names the value in echospec run --help.
	Placeholder string
	// Group is the group of echospec run --help: target, selection,
	// verdicts, output.
	Group string
	Type  Type
	// Default is the value when it is unset ("" = none).
	Default string
	// FromDir says the value names paths relative to where the run
	// started (a Path always does): a rerun changes there first.
	FromDir bool
	Doors   Door
	// Rerun is what a rerun command keeps of it.
	Rerun Rerun
	// Help is the one line of echospec run --help and of the README's
	// table of its flags.
	Help string
	// Meaning is the docs' full text (SPEC.md, the README's table of
	// settings), in Markdown.
	Meaning string
}

// Recorded reports whether a run's report records the setting (as
// report.Run.Settings), for its rerun commands.
func (s *Setting) Recorded() bool { return s.Rerun != NotKept }

// In reports whether door d takes the setting.
func (s *Setting) In(d Door) bool { return s.Doors&d != 0 }

// Names are the flag's name and its aliases.
func (s *Setting) Names() []string { return append([]string{s.Flag}, s.Aliases...) }

var all []*Setting

// add declares a setting; the table's order is the docs' and the rerun
// commands'.
func add(s Setting) *Setting {
	p := &s
	all = append(all, p)
	return p
}

// All is every setting, in the table's order.
func All() []*Setting { return slices.Clone(all) }

// In is the settings door d takes, in the table's order.
func In(d Door) []*Setting {
	var out []*Setting
	for _, s := range all {
		if s.In(d) {
			out = append(out, s)
		}
	}
	return out
}

// ByEnv is the setting of variable env, or nil.
func ByEnv(env string) *Setting {
	for _, s := range all {
		if s.Env == env {
			return s
		}
	}
	return nil
}

// The settings. Their order is the docs' order.
var (
	Engines = add(Setting{Env: "ECHOSPEC_ENGINES", Flag: "engine", Aliases: []string{"engines"}, Placeholder: "NAMES", Group: "target",
		Type: List, Doors: Run | Suite, Rerun: KeepTarget,
		Help:    "Built-in engines to test, comma-separated (all of them when no --cmd or --addr is given).",
		Meaning: "comma-separated built-in engines to test; empty or unset = all of them, unless a target below is given, in which case none unless listed"})
	TargetCmd = add(Setting{Env: "ECHOSPEC_TARGET_CMD", Flag: "cmd", Aliases: []string{"target-cmd"}, Placeholder: "COMMAND", Group: "target",
		Type: String, FromDir: true, Doors: Run | Suite | Selftest | Stability, Rerun: KeepOutside,
		Help:    "An outside server to start for each spec, run with sh -c in the current directory, with ECHO_ADDR=127.0.0.1:PORT, ECHO_HOST and ECHO_PORT in its environment; exec the server (or give --pid-file) so that its process can be probed.",
		Meaning: "an outside server to start and test, run with `sh -c` (from the current directory in `echospec run`, from the repository root in the test binary), with `ECHO_ADDR=127.0.0.1:PORT`, `ECHO_HOST` and `ECHO_PORT` in its environment (PORT is a free loopback port the suite picked); the suite waits for it to accept, watches its process (crash, fds, threads, memory, CPU through /proc), and stops its whole process group at the end of each spec"})
	TargetAddr = add(Setting{Env: "ECHOSPEC_TARGET_ADDR", Flag: "addr", Aliases: []string{"target-addr"}, Placeholder: "HOST:PORT", Group: "target",
		Type: String, Doors: Run | Suite, Rerun: KeepOutside,
		Help:    "An outside server already running at HOST:PORT (loopback), or unix:PATH; the specs that need its process are skipped.",
		Meaning: "an already-running outside server at HOST:PORT (loopback only), or `unix:PATH` on a Unix-domain socket; specs that need its process are skipped, with the reason"})
	TargetName = add(Setting{Env: "ECHOSPEC_TARGET_NAME", Flag: "name", Aliases: []string{"target-name"}, Placeholder: "NAME", Group: "target",
		Type: String, Default: "external", Doors: Run | Suite | Selftest | Stability, Rerun: KeepOutside,
		Help:    "The outside target's name in reports (default external).",
		Meaning: "the name the outside target has in reports"})
	TargetProfile = add(Setting{Env: "ECHOSPEC_TARGET_PROFILE", Flag: "profile", Aliases: []string{"target-profile"}, Placeholder: "DEVIATIONS", Group: "target",
		Type: List, Doors: Run | Suite | Selftest | Stability, Rerun: KeepOutside,
		Help:    "Deviations the outside target declares: max-conns=N, busy-idle (comma-separated).",
		Meaning: "deviations the outside target declares, comma-separated: `max-conns=N` (serves at most N connections at once; more must wait, not fail), `busy-idle` (spins while idle by design); unset = none: the target is held to every spec"})
	PIDFile = add(Setting{Env: "ECHOSPEC_TARGET_PIDFILE", Flag: "pid-file", Placeholder: "FILE", Group: "target",
		Type: Path, Doors: Run | Suite, Rerun: KeepOutside,
		Help:    "For --cmd: a file in which the server writes its PID, for a wrapper that does not exec it ($ECHO_PORT is expanded).",
		Meaning: "for `--cmd`: a file in which the server writes its PID (`$ECHO_PORT` and the command's other variables are expanded; relative to where the command runs); the suite probes that process, for a command that is a wrapper (a script, `docker run`) and does not `exec` the server. Without it, a wrapper that does not `exec` gets the process specs skipped, with this advice"})
	TargetHost = add(Setting{Env: "ECHOSPEC_TARGET_HOST", Flag: "host", Aliases: []string{"target-host"}, Placeholder: "HOST", Group: "target",
		Type: String, Default: "127.0.0.1", Doors: Run | Suite, Rerun: KeepOutside,
		Help:    "For --cmd: the loopback address the server is to listen on, 127.0.0.1 (default) or ::1 (then ECHO_ADDR=[::1]:PORT, ECHO_HOST=::1).",
		Meaning: "for `--cmd`: the loopback address the command is to listen on, `127.0.0.1` or `::1`; with `::1` the suite picks a free port on it and gives `ECHO_ADDR=[::1]:PORT`, `ECHO_HOST=::1`"})
	Network = add(Setting{Env: "ECHOSPEC_TARGET_NETWORK", Flag: "network", Aliases: []string{"target-network"}, Placeholder: "NETWORK", Group: "target",
		Type: String, Default: "tcp", Doors: Run | Suite, Rerun: KeepAlways,
		Help:    "tcp (default) or unix: --cmd and the built-in engines serve a Unix-domain socket (the command gets ECHO_NETWORK=unix and ECHO_PATH); the specs that need TCP are skipped. --addr unix:PATH names a running one.",
		Meaning: "`tcp` or `unix`: the outside command (`--cmd`) and the built-in engines serve a Unix-domain stream socket; the command gets `ECHO_NETWORK=unix` and `ECHO_PATH` (a socket path in a fresh temporary directory) instead of `ECHO_ADDR`, `ECHO_HOST` and `ECHO_PORT`; the specs that need TCP (toxiproxy, an RST, TCP_INFO) are skipped with the reason. An outside address on a Unix socket is `ECHOSPEC_TARGET_ADDR=unix:PATH`"})
	Toxiproxy = add(Setting{Env: "ECHOSPEC_TOXIPROXY_URL", Flag: "toxiproxy-url", Placeholder: "URL", Group: "target",
		Type: String, Doors: Run | Suite, Rerun: KeepAlways,
		Help:    "Use this toxiproxy API server (toxiproxy-server) instead of an embedded one; shards may share it.",
		Meaning: "use this toxiproxy API server instead of the embedded one"})
	Protocol = add(Setting{Env: "ECHOSPEC_PROTOCOL", Flag: "protocol", Placeholder: "PROTOCOL", Group: "target",
		Type: String, Default: "upper-echo", Doors: Run | Suite, Rerun: KeepAlways,
		Help:    "The protocol every target is judged by: upper-echo (default, SPEC.md §1) or echo (every byte back unchanged, RFC 862).",
		Meaning: "the protocol every target is judged by: `upper-echo` (§1) or `echo` (every byte back unchanged, RFC 862, for the echo servers that already exist); every spec is otherwise the same, and reports name the protocol"})
	LabelFilter = add(Setting{Env: "ECHOSPEC_LABEL_FILTER", Flag: "label-filter", Placeholder: "FILTER", Group: "selection",
		Type: String, Doors: Run,
		Help:    "Ginkgo label filter: which specs, e.g. 'echo && must', '!slow-client'.",
		Meaning: "which specs, by label: `'echo && must'`, `'!slow-client'` (the test binary: Ginkgo's own `--label-filter`)"})
	Focus = add(Setting{Env: "ECHOSPEC_FOCUS", Flag: "focus", Placeholder: "REGEXP", Group: "selection",
		Type: Regexp, Doors: Run | GoTest,
		Help:    "Run only specs whose text matches this regular expression, e.g. '\\[E12\\]'.",
		Meaning: "only the specs whose text matches this regular expression, e.g. `'\\[E12\\]'` (the test binary: Ginkgo's own `--focus`). It was a list of IDs in conformancetest before: that is `ECHOSPEC_ONLY`"})
	Only = add(Setting{Env: "ECHOSPEC_ONLY", Flag: "only", Placeholder: "SELECTORS", Group: "selection",
		Type: List, Doors: GoTest,
		Help:    "Only the specs these select: spec IDs, categories or levels, comma-separated (E1,hygiene).",
		Meaning: "only the specs these select, comma-separated: spec IDs (`E1`, `E1p`), categories (`hygiene`) or levels (`must`), as `conformancetest.Only`; an unknown one fails the test"})
	Seed = add(Setting{Env: "ECHOSPEC_SEED", Flag: "seed", Placeholder: "N", Group: "selection",
		Type: Int, Doors: Run,
		Help:    "The run's random seed: the specs' order and every random payload, chunk size and pause; 0 = a new one, printed. The same seed sends the same bytes again.",
		Meaning: "the run's random seed (unset or 0: a new one, printed): the order of the specs and, mixed with each spec's ID, every random payload, chunk size and pause a spec chooses (fixed sizes, fixed payloads and bounds do not change); a rerun with the same seed sends the same bytes (the test binary and conformancetest: Ginkgo's own `--seed`)"})
	Timeout = add(Setting{Env: "ECHOSPEC_TIMEOUT", Flag: "timeout", Placeholder: "D", Group: "selection",
		Type: Duration, Default: "1h", Doors: Run,
		Help:    "Stop the whole run after this long.",
		Meaning: "stop the whole run after this long (the test binary: Ginkgo's own `--timeout`)"})
	Explore = add(Setting{Env: "ECHOSPEC_EXPLORE", Flag: "explore", Placeholder: "DURATION", Group: "selection",
		Type: Duration, Default: "10s", Doors: Run | Suite, Rerun: KeepAlways,
		Help:    "X1's time for random scenarios, e.g. 10m for a nightly run (default 10s).",
		Meaning: "X1's time for random scenarios, a positive Go duration; a nightly run gives it minutes (`10m`) with `--label-filter=explore`"})
	Replay = add(Setting{Env: "ECHOSPEC_REPLAY", Flag: "replay", Placeholder: "FILE", Group: "selection",
		Type: Path, Doors: Run | Suite, Rerun: KeepAlways,
		Help:    "Replay a script X1 saved for a failing scenario, exactly, against the target (selects X1 unless --focus or --label-filter says otherwise).",
		Meaning: "a script X1 printed and saved for a failing scenario: X1 runs exactly that scenario once, against any target, instead of exploring; `echospec run` then selects X1 alone unless `--focus` or `--label-filter` is given"})
	Workers = add(Setting{Env: "ECHOSPEC_WORKERS", Flag: "workers", Placeholder: "N", Group: "selection",
		Type: Int, Doors: Run,
		Help:    "Run the specs across N worker processes; 1 runs them one at a time in this one (0 = the default: 4, or 1 with --addr, whose specs share one server).",
		Meaning: "run the specs across N worker processes (the binary re-executed); `1` runs them one at a time in one process; unset or `0`: 4, or 1 with `--addr` (a running server's specs share it); a rerun of one spec runs it alone"})
	ExpectedFailures = add(Setting{Env: "ECHOSPEC_EXPECTED_FAILURES", Flag: "expected-failures", Placeholder: "FILE", Group: "verdicts",
		Type: Path, Doors: Run | Suite | Stability, Rerun: KeepOutside,
		Help:    "The outside target's expected failures: lines of TARGET SPEC-ID KIND REASON.",
		Meaning: "a file of the outside target's expected failures, in the format of the built-in one (see Expected failures)"})
	Strict = add(Setting{Env: "ECHOSPEC_STRICT", Flag: "strict", Group: "verdicts",
		Type: Bool, Default: "0", Doors: Run | Suite, Rerun: KeepAlways,
		Help:    "A declared expected failure that passes fails the run.",
		Meaning: "`1`: a declared expected failure that passes fails the run, so stale declarations are retired"})
	Baseline = add(Setting{Env: "ECHOSPEC_BASELINE", Flag: "baseline", Placeholder: "FILE", Group: "verdicts",
		Type: Path, Doors: Run,
		Help:    "A JSON report of an earlier run of the same targets: show what changed, exit 3 on a regression.",
		Meaning: "the JSON report of an earlier run: show what changed, exit 3 on a regression"})
	ReportDir = add(Setting{Env: "ECHOSPEC_REPORT_DIR", Flag: "report-dir", Placeholder: "DIR", Group: "output",
		Type: Path, Doors: Run | Suite,
		Help:    "Write conformance.json, conformance.xml (JUnit), index.html and matrix.md there.",
		Meaning: "write the reports there: `index.html` and `matrix.md` (`echospec run` also `conformance.json` and `conformance.xml`)"})
	Verbose = add(Setting{Env: "ECHOSPEC_VERBOSE", Flag: "verbose", Short: 'v', Group: "output",
		Type: Bool, Doors: Run,
		Help:    "Print everything, as it happens (Ginkgo's verbose output).",
		Meaning: "print everything as it happens (Ginkgo's verbose output; the test binary: Ginkgo's own `-v`)"})
)

// ParseBool reads a Bool setting: "" (unset), 0 or false is false, 1 or
// true is true; anything else is an error.
func ParseBool(v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, errors.New("want 1 or 0")
}

// Check checks the syntax of a value of the setting, by its type: a Bool's,
// an Int's, a Duration's, a Regexp's ("" is unset, always good).
func (s *Setting) Check(v string) error {
	if v == "" {
		return nil
	}
	var err error
	switch s.Type {
	case Bool:
		_, err = ParseBool(v)
	case Int:
		_, err = strconv.ParseInt(v, 10, 64)
	case Duration:
		_, err = time.ParseDuration(v)
	case Regexp:
		_, err = regexp.Compile(v)
	}
	return err
}
