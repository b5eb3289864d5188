package report_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	vocab "github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
)

func TestSpecID(t *testing.T) {
	tests := []struct {
		text     string
		id, rest string
		ok       bool
	}{
		{"[E1] echoes a byte", "E1", "echoes a byte", true},
		{"[E1p]   pipelined", "E1p", "pipelined", true},
		{"[R10] reset", "R10", "reset", true},
		{"[E1]", "E1", "", true},
		{"[E1]no space", "E1", "no space", true},
		{"[E1] text with [brackets] inside", "E1", "text with [brackets] inside", true},
		{"E1 no brackets", "", "E1 no brackets", false},
		{" [E1] leading space", "", " [E1] leading space", false},
		{"[] empty id", "", "[] empty id", false},
		{"[E 1] space in id", "", "[E 1] space in id", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		id, rest, ok := report.SpecID(tt.text)
		if id != tt.id || rest != tt.rest || ok != tt.ok {
			t.Errorf("SpecID(%q) = %q, %q, %v; want %q, %q, %v", tt.text, id, rest, ok, tt.id, tt.rest, tt.ok)
		}
	}
}

func TestCompareIDs(t *testing.T) {
	ordered := []string{"A3", "E1", "E1b", "E1p", "E2", "E9", "E10", "E11", "H1", "R1", "R2p", "R20"}
	for i, a := range ordered {
		for j, b := range ordered {
			c := report.CompareIDs(a, b)
			switch {
			case i < j && c >= 0, i > j && c <= 0, i == j && c != 0:
				t.Errorf("CompareIDs(%q, %q) = %d, want the sign of %d", a, b, c, i-j)
			}
		}
	}
	// The order the contract gives as its example.
	ids := []string{"R1", "E10", "E2", "E1p", "E1"}
	slices.SortFunc(ids, report.CompareIDs)
	if got := strings.Join(ids, " "); got != "E1 E1p E2 E10 R1" {
		t.Errorf("sorted: %s, want E1 E1p E2 E10 R1", got)
	}
	// Any shuffle sorts the same.
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		s := slices.Clone(ordered)
		r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		slices.SortFunc(s, report.CompareIDs)
		if !slices.Equal(s, ordered) {
			t.Fatalf("sorted %v, want %v", s, ordered)
		}
	}
}

// category is the label the conformance suite gives the specs of an ID.
func category(text string) string {
	switch {
	case strings.HasPrefix(text, "[R"):
		return "reset"
	case strings.HasPrefix(text, "[H"):
		return "hygiene"
	}
	return "echo"
}

// spec builds the SpecReport of an It with the given text under a container
// labelled target:tg ("" for none).
func spec(tg, text string, state types.SpecState, msg string) types.SpecReport {
	s := types.SpecReport{
		ContainerHierarchyTexts:  []string{tg},
		ContainerHierarchyLabels: [][]string{{"target:" + tg}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             text,
		LeafNodeLabels:           []string{category(text), "must"},
		State:                    state,
		RunTime:                  120 * time.Millisecond,
	}
	if tg == "" {
		s.ContainerHierarchyLabels = nil
	}
	if msg != "" {
		s.Failure = types.Failure{Message: msg, Location: types.CodeLocation{FileName: "/src/suites/conformance/echo.go", LineNumber: 42}}
	}
	return s
}

func withEntry(s types.SpecReport, name, value string) types.SpecReport {
	s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: name, Value: types.WrapEntryValue(value)})
	return s
}

func sampleReport() types.Report {
	beforeSuite := spec("", "", types.SpecStatePassed, "")
	beforeSuite.LeafNodeType = types.NodeTypeSynchronizedBeforeSuite
	return types.Report{SpecReports: types.SpecReports{
		beforeSuite,
		spec("beta", "[R1] survives a reset", types.SpecStatePanicked, ""),
		spec("alpha", "[E10] process probe", types.SpecStateSkipped, "needs the server's own process"),
		spec("alpha", "[E2] all 256 byte values", types.SpecStateFailed,
			"echo wrong at byte offset 97 of 256: want 0x41 'A', got 0x61 'a'\nsecond line"),
		withEntry(spec("alpha", "[E1p] pipelined", types.SpecStatePassed, ""),
			vocab.DeviationEntry, "max-conns=4: the 5th connection waited 1.2s"),
		withEntry(spec("alpha", "[E1] echoes a byte", types.SpecStatePassed, ""), "target output", "server log line"),
		spec("alpha", "[R1] survives a reset", types.SpecStateSkipped, ""), // filtered out
		spec("beta", "[E1] echoes a byte, beta's text", types.SpecStatePassed, ""),
		withEntry(spec("beta", "[E2] all 256 byte values", types.SpecStateTimedout, "timed out after 5s"),
			vocab.DeviationEntry, "never hides a failure"),
		spec("beta", "[E3] pending", types.SpecStatePending, ""),
		spec("beta", "no ID in this text", types.SpecStateFailed, "ignored"),
		spec("", "[E4] no target label", types.SpecStateFailed, "ignored"),
		spec("gamma", "[E5] only filtered out", types.SpecStateSkipped, ""),
	}}
}

func TestBuild(t *testing.T) {
	m := report.Build(sampleReport())

	if got := strings.Join(m.Targets, ","); got != "alpha,beta" {
		t.Errorf("Targets = %s, want alpha,beta (sorted; gamma ran nothing)", got)
	}
	if got := strings.Join(m.IDs, ","); got != "E1,E1p,E2,E10,R1" {
		t.Errorf("IDs = %s, want E1,E1p,E2,E10,R1", got)
	}
	if m.Texts["E1"] != "echoes a byte" || m.Texts["R1"] != "survives a reset" {
		t.Errorf("Texts = %v", m.Texts)
	}

	tests := []struct {
		tg, id  string
		outcome report.Outcome
		msg     string
		loc     string
	}{
		{"alpha", "E1", report.Pass, "", ""},
		{"alpha", "E1p", report.Deviation, "max-conns=4: the 5th connection waited 1.2s", ""},
		{"alpha", "E2", report.Fail, "echo wrong at byte offset 97 of 256: want 0x41 'A', got 0x61 'a'\nsecond line", "/src/suites/conformance/echo.go:42"},
		{"alpha", "E10", report.Skipped, "needs the server's own process", ""},
		{"beta", "E1", report.Pass, "", ""},
		{"beta", "E2", report.Fail, "timed out after 5s", "/src/suites/conformance/echo.go:42"},
		{"beta", "R1", report.Fail, "panicked", ":0"},
	}
	for _, tt := range tests {
		cell, ok := m.Cells[tt.tg][tt.id]
		if !ok {
			t.Errorf("no cell for %s %s", tt.tg, tt.id)
			continue
		}
		if cell.Outcome != tt.outcome || cell.Message != tt.msg || cell.Location != tt.loc {
			t.Errorf("%s %s = %s %q at %q; want %s %q at %q", tt.tg, tt.id, cell.Outcome, cell.Message, cell.Location, tt.outcome, tt.msg, tt.loc)
		}
		if cell.Duration != 120*time.Millisecond {
			t.Errorf("%s %s Duration = %v", tt.tg, tt.id, cell.Duration)
		}
	}
	if cell := m.Cells["beta"]["E1"]; cell.Text != "echoes a byte, beta's text" {
		t.Errorf("beta E1 Text = %q, want its own spec's text", cell.Text)
	}
	for _, absent := range [][2]string{{"alpha", "R1"}, {"beta", "E1p"}, {"beta", "E3"}, {"beta", "E10"}} {
		if _, ok := m.Cells[absent[0]][absent[1]]; ok {
			t.Errorf("cell %s %s exists; it did not run", absent[0], absent[1])
		}
	}

	c := m.Counts()
	if c[report.Pass] != 2 || c[report.Fail] != 3 || c[report.Deviation] != 1 || c[report.Skipped] != 1 {
		t.Errorf("Counts = %v, want 2 pass, 3 fail, 1 deviation, 1 skipped", c)
	}
}

func TestBuildExpectedFailures(t *testing.T) {
	m := report.Build(types.Report{SpecReports: types.SpecReports{
		// A declared known failure is turned into a skip carrying the entry.
		withEntry(spec("x", "[E1] a", types.SpecStateSkipped, "expected failure: see issue 7"),
			vocab.ExpectedFailureEntry, "issue 7: drops the last byte"),
		// Declared to fail, but passed.
		withEntry(spec("x", "[E2] b", types.SpecStatePassed, ""), vocab.UnexpectedPassEntry, "issue 8 is fixed?"),
		// A deviation declared but not observed is noted, not hidden.
		withEntry(spec("x", "[E3] c", types.SpecStatePassed, ""), vocab.NotObservedEntry, "max-conns=4"),
	}})
	tests := []struct {
		id      string
		outcome report.Outcome
		msg     string
	}{
		{"E1", report.XFail, "issue 7: drops the last byte"},
		{"E2", report.XPass, "issue 8 is fixed?"},
		{"E3", report.Pass, ""},
	}
	for _, tt := range tests {
		cell := m.Cells["x"][tt.id]
		if cell.Outcome != tt.outcome || cell.Message != tt.msg {
			t.Errorf("%s = %s %q, want %s %q", tt.id, cell.Outcome, cell.Message, tt.outcome, tt.msg)
		}
	}
	if notes := strings.Join(m.Cells["x"]["E3"].Notes, "; "); !strings.Contains(notes, "max-conns=4") {
		t.Errorf("E3 notes %q do not mention the deviation not observed", notes)
	}
}

func TestBuildEmpty(t *testing.T) {
	m := report.Build(types.Report{})
	if len(m.Targets) != 0 || len(m.IDs) != 0 || len(m.Counts()) != 0 {
		t.Errorf("empty report gave %+v", m)
	}
	md := m.Markdown()
	if !strings.Contains(md, "| target |") || strings.Contains(md, "**") {
		t.Errorf("empty Markdown = %q", md)
	}
}

func TestMarkdown(t *testing.T) {
	m := report.Build(sampleReport())
	md := m.Markdown()
	want := []string{
		"| target | E1 | E1p | E2 | E10 | R1 |\n|---|---|---|---|---|---|\n",
		"| alpha | ok | dev | FAIL | skip | · |\n",
		"| beta | ok | · | FAIL | · | FAIL |\n",
		"- **alpha E1p** (deviation): pipelined\n  > max-conns=4: the 5th connection waited 1.2s",
		"- **alpha E2** (fail): all 256 byte values\n  > echo wrong at byte offset 97 of 256: want 0x41 'A', got 0x61 'a'\n  > second line",
		"- **beta E2** (fail): all 256 byte values\n  > timed out after 5s",
		"- **beta R1** (fail): survives a reset\n  > panicked",
	}
	for _, w := range want {
		if !strings.Contains(md, w) {
			t.Errorf("Markdown does not contain %q; it is:\n%s", w, md)
		}
	}
	c := m.Counts()
	for _, n := range []string{
		fmt.Sprintf("%d pass", c[report.Pass]), fmt.Sprintf("%d fail", c[report.Fail]),
		fmt.Sprintf("%d deviation", c[report.Deviation]), fmt.Sprintf("%d skipped", c[report.Skipped]),
	} {
		if !strings.Contains(md, n) {
			t.Errorf("Markdown does not count %q:\n%s", n, md)
		}
	}
	if strings.Contains(md, "**alpha E1**") || strings.Contains(md, "**beta E1**") {
		t.Errorf("passed specs listed among the failures:\n%s", md)
	}
	// Notes come in target, then ID order.
	order := []string{"**alpha E1p**", "**alpha E2**", "**beta E2**", "**beta R1**"}
	last := -1
	for _, o := range order {
		i := strings.Index(md, o)
		if i < last {
			t.Errorf("note %s out of order:\n%s", o, md)
		}
		last = i
	}
}

func TestTargetOf(t *testing.T) {
	s := spec("alpha", "[E1] x", types.SpecStatePassed, "")
	if got := report.TargetOf(s); got != "alpha" {
		t.Errorf("TargetOf = %q, want alpha", got)
	}
	s.ContainerHierarchyLabels = [][]string{{"outer"}, {"inner", "target:nested"}}
	if got := report.TargetOf(s); got != "nested" {
		t.Errorf("TargetOf nested = %q, want nested", got)
	}
	s.ContainerHierarchyLabels = nil
	s.LeafNodeLabels = []string{"target:leaf"}
	if got := report.TargetOf(s); got != "leaf" {
		t.Errorf("TargetOf leaf label = %q, want leaf", got)
	}
	s.LeafNodeLabels = []string{"echo"}
	if got := report.TargetOf(s); got != "" {
		t.Errorf("TargetOf without a target label = %q, want empty", got)
	}
}

// TestBuildKinds checks that a failure's kind reaches its cell (the last
// kind entry counts: a crash found at the spec's end overrides) and the
// Markdown.
func TestBuildKinds(t *testing.T) {
	failed := withEntry(withEntry(spec("x", "[E1] a", types.SpecStateFailed, "[refused] connect"), vocab.KindEntry, "refused"), vocab.KindEntry, "crash")
	xfail := withEntry(withEntry(spec("x", "[E2] b", types.SpecStateSkipped, "expected failure"), vocab.KindEntry, "lost"), vocab.ExpectedFailureEntry, "[lost] 3 bytes")
	m := report.Build(types.Report{SpecReports: types.SpecReports{failed, xfail}})
	if k := m.Cells["x"]["E1"].Kind; k != vocab.Crash {
		t.Errorf("E1 kind = %q, want crash", k)
	}
	if k := m.Cells["x"]["E2"].Kind; k != vocab.Lost || m.Cells["x"]["E2"].Outcome != report.XFail {
		t.Errorf("E2 = %s %q, want xfail lost", m.Cells["x"]["E2"].Outcome, k)
	}
	if md := m.Markdown(); !strings.Contains(md, "| FAIL crash | xfail lost |") {
		t.Errorf("the Markdown does not show the kinds:\n%s", md)
	}
}

// TestNotesArePlain: a gmeasure table renders itself with Ginkgo's colour
// markup; a cell's notes (echospec run's failure details) show none of it.
func TestNotesArePlain(t *testing.T) {
	s := withEntry(spec("x", "[S10] round trips", types.SpecStateFailed, "[timing] slow"), "S10 round trips",
		"{{bold}}S10 round trips {{/}}\n{{green}}p90{{/}}: 3ms, 100% sure")
	notes := report.Build(types.Report{SpecReports: types.SpecReports{s}}).Cells["x"]["S10"].Notes
	if want := "S10 round trips: S10 round trips \np90: 3ms, 100% sure"; len(notes) != 1 || notes[0] != want {
		t.Errorf("notes = %q, want [%q]", notes, want)
	}
}
