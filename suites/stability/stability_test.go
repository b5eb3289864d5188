package stability

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/selftest"
)

// boundEntry is a report entry as the suite writes a bound
// (spec.BoundEntry, its value JSON-encoded).
func boundEntry(what string, value, limit float64, atLeast bool) types.ReportEntry {
	data, _ := json.Marshal(spec.Bound{What: what, Value: value, Limit: limit, Unit: "ms", AtLeast: atLeast})
	return types.ReportEntry{Name: spec.BoundEntry, Value: types.ReportEntryValue{AsJSON: string(data)}}
}

func run(tg string, cells map[string]report.Cell, entries map[string][]types.ReportEntry) selftest.Run {
	return selftest.Run{Target: selftest.Target{Name: tg}, Cells: cells, Entries: entries, Duration: 40 * time.Second}
}

// fixture is two subjects — a correct engine on S1 and H1, a faulty
// server on S9 (aimed, cpu) — and three runs of each.
func fixture() ([]Subject, []selftest.Run) {
	bug := faulty.Bug{Name: "eagain-spin"}
	subjects := []Subject{
		{Target: selftest.Target{Name: "epoll"}, Specs: []string{"S1", "H1"}, Declared: map[string][]spec.Kind{}},
		{Target: selftest.Target{Name: "eagain-spin", Bug: &bug}, Specs: []string{"S9"},
			Declared: map[string][]spec.Kind{"S9": {spec.CPU}}, Aimed: []string{"S9"}},
	}
	pass := report.Cell{Outcome: report.Pass}
	s1 := func(v float64) map[string][]types.ReportEntry {
		return map[string][]types.ReportEntry{"S1": {{Name: "margin"}, boundEntry("median round trip", v, 100, false)}}
	}
	runs := []selftest.Run{
		run("epoll", map[string]report.Cell{"S1": pass, "H1": pass}, s1(10)),
		run("eagain-spin", map[string]report.Cell{"S9": {Outcome: report.Fail, Kind: spec.CPU, Message: "[cpu] 100% of a core"}}, nil),
		run("epoll", map[string]report.Cell{"S1": {Outcome: report.Fail, Kind: spec.Timing, Message: "[timing] took 1.2s\nmore"}, "H1": pass}, s1(120)),
		run("eagain-spin", map[string]report.Cell{"S9": pass}, nil),
		run("epoll", map[string]report.Cell{"S1": pass, "H1": {Outcome: report.Deviation}}, s1(30)),
		{Target: selftest.Target{Name: "eagain-spin"}, Err: errors.New("the suite ran past 5m0s and was killed")},
	}
	return subjects, runs
}

func cellOf(t *testing.T, cells []Cell, id, tg string) Cell {
	t.Helper()
	i := slices.IndexFunc(cells, func(c Cell) bool { return c.Spec == id && c.Target == tg })
	if i < 0 {
		t.Fatalf("no cell %s × %s", id, tg)
	}
	return cells[i]
}

func TestTally(t *testing.T) {
	subjects, runs := fixture()
	cells := Tally(subjects, runs)
	if len(cells) != 3 {
		t.Fatalf("%d cells, want 3 (S1, H1 on epoll; S9 on eagain-spin)", len(cells))
	}

	s1 := cellOf(t, cells, "S1", "epoll")
	if s1.Runs != 3 || s1.Pass != 2 || s1.Fail != 1 || s1.Kinds[spec.Timing] != 1 {
		t.Errorf("S1 × epoll: %+v; want 3 runs, 2 pass, 1 fail of kind timing", s1)
	}
	if !s1.Unstable() {
		t.Error("a correct target that failed once must be unstable")
	}
	if len(s1.Bounds) != 1 {
		t.Fatalf("S1 bounds: %+v, want one (median round trip)", s1.Bounds)
	}
	b := s1.Bounds[0]
	if b.What != "median round trip" || len(b.Samples) != 3 || b.Min != 0.1 || b.Median != 0.3 || b.Max != 1.2 || b.Past != 1 {
		t.Errorf("S1 bound: %+v; want 3 samples, 10%% / 30%% / 120%%, one past its limit", b)
	}
	if len(s1.Failures) != 1 || s1.Failures[0] != "[timing] took 1.2s" {
		t.Errorf("S1 failures: %q, want the first line of the one failure", s1.Failures)
	}

	h1 := cellOf(t, cells, "H1", "epoll")
	if h1.Pass != 3 || h1.Unstable() {
		t.Errorf("H1 × epoll: %+v; a deviation is a pass: 3 of 3, stable", h1)
	}

	s9 := cellOf(t, cells, "S9", "eagain-spin")
	if !s9.Faulty || !s9.Aimed || s9.Runs != 3 || s9.Caught != 1 || s9.Pass != 1 || s9.Broken != 1 {
		t.Errorf("S9 × eagain-spin: %+v; want faulty, aimed, 3 runs: caught 1, passed 1, broken 1", s9)
	}
	if !s9.Unstable() {
		t.Error("a faulty server not caught in every run must be unstable")
	}
}

// A faulty server caught every time, but once with a kind it does not
// declare, is unstable: the right reason did not hold.
func TestTallyWrongKind(t *testing.T) {
	bug := faulty.Bug{Name: "one-at-a-time"}
	subjects := []Subject{{Target: selftest.Target{Name: "one-at-a-time", Bug: &bug}, Specs: []string{"S1"},
		Declared: map[string][]spec.Kind{"S1": {spec.Timing}}}}
	runs := []selftest.Run{
		run("one-at-a-time", map[string]report.Cell{"S1": {Outcome: report.Fail, Kind: spec.Timing}}, nil),
		run("one-at-a-time", map[string]report.Cell{"S1": {Outcome: report.Fail, Kind: spec.Stall}}, nil),
	}
	c := Tally(subjects, runs)[0]
	if c.Fail != 2 || c.Caught != 1 || !c.Unstable() {
		t.Errorf("%+v: want 2 failures, 1 caught with the declared kind, unstable", c)
	}
	if got := c.KindsString(); got != "stall×1, timing×1" {
		t.Errorf("KindsString = %q", got)
	}
	all := Tally(subjects, runs[:1])[0]
	if all.Unstable() {
		t.Errorf("%+v: caught with the declared kind in every run must be stable", all)
	}
}

// A correct target's declared expected failure, failing as declared every
// time, is stable; a target with no run at all is not.
func TestTallyExpectedAndEmpty(t *testing.T) {
	subjects := []Subject{{Target: selftest.Target{Name: "nbio"}, Specs: []string{"S7"}, Declared: map[string][]spec.Kind{"S7": {spec.MemoryGrowth}}}}
	runs := []selftest.Run{run("nbio", map[string]report.Cell{"S7": {Outcome: report.XFail, Kind: spec.MemoryGrowth}}, nil)}
	c := Tally(subjects, runs)[0]
	if c.XFail != 1 || c.Fail != 0 || c.Kinds[spec.MemoryGrowth] != 1 || c.Unstable() {
		t.Errorf("%+v: want one expected failure, stable", c)
	}
	if e := Tally(subjects, nil)[0]; !e.Unstable() {
		t.Errorf("%+v: a cell that never ran must not count as stable", e)
	}
}

func TestBoundsSkipsOtherEntries(t *testing.T) {
	es := []types.ReportEntry{
		{Name: "margin", Value: types.ReportEntryValue{AsJSON: `"3 ms"`}},
		{Name: spec.BoundEntry, Value: types.ReportEntryValue{AsJSON: `not json`}},
		boundEntry("receive window closed", 450, 100, true),
	}
	bs := Bounds(es)
	if len(bs) != 1 || !bs[0].AtLeast || bs[0].Fraction() != 4.5 || bs[0].Failed() {
		t.Errorf("Bounds = %+v, want the one at-least bound, 450%%, not failed", bs)
	}
}

func TestStats(t *testing.T) {
	for _, tc := range []struct {
		in          []float64
		lo, mid, hi float64
	}{
		{nil, 0, 0, 0},
		{[]float64{0.5}, 0.5, 0.5, 0.5},
		{[]float64{0.4, 0.1, 0.2, 0.3}, 0.1, 0.25, 0.4},
		{[]float64{3, 1, 2}, 1, 2, 3},
	} {
		lo, mid, hi := stats(tc.in)
		if lo != tc.lo || mid != tc.mid || hi != tc.hi {
			t.Errorf("stats(%v) = %v %v %v, want %v %v %v", tc.in, lo, mid, hi, tc.lo, tc.mid, tc.hi)
		}
	}
	for f, want := range map[float64]string{0: "0", 0.004: "0.4", 0.12: "12", 3.4: "340", -0.02: "-2.0"} {
		if got := pct(f); got != want {
			t.Errorf("pct(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	subjects, runs := fixture()
	res := Result{
		Header: Header{Date: time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC), Kernel: "6.18.44", NProc: 2, Runs: 3, Hogs: 2, Parallel: 3,
			Command: "stability -runs 3 -hogs 2", Elapsed: 95 * time.Second, Notes: []string{"engine iouring left out: io_uring is disabled"}},
		Cells:    Tally(subjects, runs),
		RunTimes: RunTimes(subjects, runs),
	}
	md := res.Markdown()
	for _, want := range []string{
		"- date: 2026-12-04T18:00:00Z",
		"- kernel (uname -r): 6.18.44, nproc: 2",
		"- runs per target: 3, hogs: 2, parallel: 3",
		"- command: `stability -runs 3 -hogs 2`",
		"- note: engine iouring left out",
		"| S1 | **epoll** ⚠ | 3 | 2 | 1 | 0 | 0 | timing×1 |  |  | median round trip 10 / 30 / 120% (n=3, past 1) |",
		"| H1 | epoll | 3 | 3 | 0 | 0 | 0 |  |  |  |  |",
		"| S9 | **eagain-spin** ⚠ | 3 | 1 | 1 | 0 | 0 (+1 broken) | cpu×1 | ◎ cpu | 1 of 3 |  |",
		"| epoll | 2 | 3 | 40s | 40s | 40s |",
		"- S1 × epoll: [timing] took 1.2s",
		"**Unstable**: 2 of 3 cells: S1 × epoll (failed 1 of 3: timing×1); S9 × eagain-spin (caught 1 of 3).",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the markdown lacks %q:\n%s", want, md)
		}
	}
	// Rows in the suite's order: S before H, whatever order the cells came in.
	if strings.Index(md, "| S1 |") > strings.Index(md, "| H1 |") || strings.Index(md, "| S9 |") > strings.Index(md, "| H1 |") {
		t.Errorf("rows out of the suite's order:\n%s", md)
	}
	if !strings.HasSuffix(md, res.Summary()+"\n") {
		t.Error("the summary must be the last line")
	}

	if strings.Contains(md, "echospec run --workers") {
		t.Error("a sweep of the test binary must not say it ran echospec run")
	}
	res.Header.Workers = 4
	if md := res.Markdown(); !strings.Contains(md, "- each run: echospec run --workers 4 (not the test binary)") {
		t.Errorf("a sweep through echospec run --workers 4 must say so:\n%s", md)
	}

	stable := Result{Cells: []Cell{cellOf(t, res.Cells, "H1", "epoll")}}
	if got := stable.Summary(); got != "**Stable**: 0 of 1 cells unstable." {
		t.Errorf("Summary = %q", got)
	}
}

func TestWrite(t *testing.T) {
	subjects, runs := fixture()
	res := Result{Header: Header{Runs: 3}, Cells: Tally(subjects, runs)}
	dir := t.TempDir()
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "stability.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Cells) != 3 || back.Cells[0].Bounds[0].Samples[1].Value != 120 {
		t.Errorf("stability.json does not read back: %+v", back.Cells)
	}
	if md, err := os.ReadFile(filepath.Join(dir, "stability.md")); err != nil || string(md) != res.Markdown() {
		t.Errorf("stability.md: %v", err)
	}
}

// BoundSpecs covers every spec that can fail with a bound's kind, and
// none that runs only when asked.
func TestBoundSpecs(t *testing.T) {
	ids := BoundSpecs()
	for _, id := range []string{"S1", "S2", "S7", "S8", "S9", "S10", "S11", "H1", "H2", "H3", "H5", "H6", "H7", "C4", "W2", "L1", "E13"} {
		if !slices.Contains(ids, id) {
			t.Errorf("BoundSpecs lacks %s: %v", id, ids)
		}
	}
	for _, id := range []string{"C2", "E1", "E4", "R1", "W1"} {
		if slices.Contains(ids, id) {
			t.Errorf("BoundSpecs has %s, which judges no bound: %v", id, ids)
		}
	}
	for _, d := range conformance.Catalog() {
		for _, k := range d.Kinds {
			if slices.Contains(boundKinds, k) && d.OnlyWhenAsked == "" && !slices.Contains(ids, d.ID) {
				t.Errorf("%s can fail with %s but is not among BoundSpecs", d.ID, k)
			}
		}
	}
}

func TestSubjects(t *testing.T) {
	bin := selftest.Binaries{EchoServer: "/bin/echoserver", FaultyServer: "/bin/faultyserver"}
	subs, notes, err := Subjects(bin, Selection{Targets: []string{"goroutine", "echoserver-goroutine", "nbio", "eagain-spin"}, Specs: []string{"S10", "S9", "S1"},
		ExpectedFailures: "/x/expected_failures.txt"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range subs {
		names = append(names, s.Target.Name)
	}
	if !slices.Equal(names, []string{"goroutine", "nbio", "eagain-spin"}) {
		t.Fatalf("subjects %v, want goroutine, nbio, eagain-spin (echoserver-goroutine is goroutine's command)", names)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "echoserver-goroutine left out: the same command as goroutine") {
		t.Errorf("notes %q", notes)
	}
	g, n, e := subs[0], subs[1], subs[2]
	if !slices.Equal(g.Specs, []string{"S1", "S9", "S10"}) || g.Target.Focus != `\[(S1|S9|S10)\]` || g.Faulty() {
		t.Errorf("goroutine: specs %v, focus %s", g.Specs, g.Target.Focus)
	}
	if g.Target.Cmdline != "exec '/bin/echoserver' -engine goroutine" || !slices.Contains(g.Target.Env, "ECHOSPEC_EXPECTED_FAILURES=/x/expected_failures.txt") {
		t.Errorf("goroutine: %+v", g.Target)
	}
	if len(n.Declared["S9"]) == 0 {
		t.Errorf("nbio: its declared expected failure of S9 is missing: %v", n.Declared)
	}
	if !e.Faulty() || !slices.Equal(e.Specs, []string{"S9"}) || !slices.Equal(e.Aimed, []string{"S9"}) || e.Target.Skip != "" || e.Target.LabelFilter != "" {
		t.Errorf("eagain-spin: specs %v, aimed %v, target %+v; want S9 alone, aimed, no other narrowing", e.Specs, e.Aimed, e.Target)
	}

	// Unaimed: a faulty server runs the specs given, declared or not, and
	// any failure kind is a catch.
	subs, _, err = Subjects(bin, Selection{Targets: []string{"eagain-spin"}, Specs: []string{"X1"}, Unaimed: true})
	if err != nil || len(subs) != 1 {
		t.Fatalf("unaimed: %v, %v", subs, err)
	}
	if u := subs[0]; !slices.Equal(u.Specs, []string{"X1"}) || len(u.Aimed) != 0 || !slices.Contains(u.Declared["X1"], spec.WrongByte) || u.Target.Focus != `\[(X1)\]` {
		t.Errorf("unaimed eagain-spin: specs %v, aimed %v, declared %v, focus %s", u.Specs, u.Aimed, u.Declared, u.Target.Focus)
	}

	for _, sel := range []Selection{{Targets: []string{"no-such-engine"}}, {Specs: []string{"Z9"}}} {
		if _, _, err := Subjects(bin, sel); err == nil {
			t.Errorf("Subjects(%+v): want an error", sel)
		}
	}
}

func TestFocus(t *testing.T) {
	f := Focus([]string{"S1", "E11p", "H1"})
	re := regexp.MustCompile(f)
	for text, want := range map[string]bool{"[S1] a client": true, "[E11p] idle": true, "[H1] fds": true, "[S10] latency": false, "[E11] idle": false, "[H10] x": false} {
		if re.MatchString(text) != want {
			t.Errorf("focus %s on %q: %v, want %v", f, text, !want, want)
		}
	}
}

func TestRunStatus(t *testing.T) {
	subjects, runs := fixture()
	for _, tc := range []struct {
		s    Subject
		r    selftest.Run
		want string
	}{
		{subjects[0], runs[0], "ok"},
		{subjects[0], runs[2], "failed S1 (timing)"},
		{subjects[1], runs[1], "failed S9 (cpu)"},
		{subjects[1], runs[3], "ESCAPED S9 (pass)"},
		{subjects[1], runs[5], "BROKEN: the suite ran past 5m0s and was killed"},
	} {
		if got := RunStatus(tc.s, tc.r); got != tc.want {
			t.Errorf("RunStatus(%s) = %q, want %q", tc.s.Target.Name, got, tc.want)
		}
	}
}

func TestHogArgs(t *testing.T) {
	if d, err := ParseHogArgs([]string{"90m"}); err != nil || d != 90*time.Minute {
		t.Errorf("ParseHogArgs(90m) = %v, %v", d, err)
	}
	for _, bad := range [][]string{nil, {"x"}, {"-1s"}, {"1s", "2s"}} {
		if _, err := ParseHogArgs(bad); err == nil {
			t.Errorf("ParseHogArgs(%q): want an error", bad)
		}
	}
}

// A hog stops by itself at its time cap.
func TestRunHogStops(t *testing.T) {
	start := time.Now()
	RunHog(50 * time.Millisecond)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("RunHog(50ms) took %v", d)
	}
}
