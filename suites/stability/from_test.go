package stability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/selftest"
)

// itOf is the SpecReport of an It of target tg, as the suite writes it.
func itOf(tg, id string, state types.SpecState, msg string, entries ...types.ReportEntry) types.SpecReport {
	s := types.SpecReport{
		ContainerHierarchyTexts:  []string{tg},
		ContainerHierarchyLabels: [][]string{{"target:" + tg}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             "[" + id + "] a spec",
		LeafNodeLabels:           []string{"hygiene", "must"},
		State:                    state,
		RunTime:                  time.Second,
		ReportEntries:            entries,
	}
	if msg != "" {
		s.Failure = types.Failure{Message: msg}
		kind := msg[1:strings.Index(msg, "]")]
		s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: spec.KindEntry, Value: types.WrapEntryValue(kind)})
	}
	return s
}

func writeReport(t *testing.T, dir, name string, specs ...types.SpecReport) string {
	t.Helper()
	data, err := json.Marshal([]types.Report{{SuiteSucceeded: true, RunTime: time.Minute, SpecReports: specs}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Two make-test-like runs of two engines (the second run leaves H1 out for
// one of them) and two self-test runs of a faulty server: every target of
// every report is a run, a spec a report does not hold is skipped, and
// the faulty server's catches count.
func TestFromReports(t *testing.T) {
	dir := t.TempDir()
	pass := types.SpecStatePassed
	var paths []string
	for i, v := range []float64{20, 40} {
		// written as the suite writes it (the value itself, encoded when
		// the report is)
		b := types.ReportEntry{Name: spec.BoundEntry, Value: types.WrapEntryValue(spec.Bound{What: "p90 round trip", Value: v, Limit: 100, Unit: "ms"})}
		specs := []types.SpecReport{itOf("epoll", "S11", pass, "", b), itOf("epoll", "H1", pass, ""), itOf("poll", "S11", pass, "", b)}
		if i == 0 {
			specs = append(specs, itOf("poll", "H1", pass, ""))
		}
		paths = append(paths, writeReport(t, dir, "conformance"+string(rune('1'+i))+".json", specs...))
	}
	paths = append(paths,
		writeReport(t, dir, "s1.json", itOf("eagain-spin", "S9", types.SpecStateFailed, "[cpu] a core")),
		writeReport(t, dir, "s2.json", itOf("eagain-spin", "S9", types.SpecStateFailed, "[stall] nothing")))

	runs, err := FromReports(paths)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 6 {
		t.Fatalf("%d runs, want 6 (2 engines × 2 reports, 1 faulty × 2)", len(runs))
	}
	bug := faulty.Bug{Name: "eagain-spin"}
	known := []Subject{
		{Target: selftest.Target{Name: "eagain-spin", Bug: &bug}, Specs: []string{"S9"}, Declared: map[string][]spec.Kind{"S9": {spec.CPU}}, Aimed: []string{"S9"}},
		{Target: selftest.Target{Name: "epoll"}, Specs: []string{"S11", "H1"}},
		{Target: selftest.Target{Name: "select"}, Specs: []string{"S11", "H1"}},
	}
	subjects, runs := ReportSubjects(known, runs, []string{"S11", "H1"})
	var names []string
	for _, s := range subjects {
		names = append(names, s.Target.Name)
	}
	if want := "[eagain-spin epoll poll]"; fmt.Sprint(names) != want {
		t.Fatalf("subjects %v, want %s (select ran in no report; poll is unknown, added)", names, want)
	}
	cells := Tally(subjects, runs)
	if c := cellOf(t, cells, "H1", "poll"); c.Runs != 2 || c.Pass != 1 || c.Skipped != 1 || c.Broken != 0 || c.Unstable() {
		t.Errorf("poll H1 = %+v, want 2 runs: 1 pass, 1 skipped (not in the second report), stable", c)
	}
	if c := cellOf(t, cells, "S11", "epoll"); c.Runs != 2 || c.Pass != 2 || len(c.Bounds) != 1 || c.Bounds[0].Max != 0.4 {
		t.Errorf("epoll S11 = %+v, want 2 passes and the bound's max 40 %%", c)
	}
	if c := cellOf(t, cells, "S9", "eagain-spin"); c.Runs != 2 || c.Caught != 1 || !c.Unstable() {
		t.Errorf("eagain-spin S9 = %+v, want caught 1 of 2 (one stall), unstable", c)
	}
	if _, err := FromReports([]string{filepath.Join(dir, "none.json")}); err == nil {
		t.Error("a missing report: no error")
	}
	if _, err := FromReports([]string{writeReport(t, dir, "empty.json")}); err == nil {
		t.Error("a report where no spec ran: no error")
	}
}
