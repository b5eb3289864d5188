package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/suites/report"
)

// write saves a one-spec-per-entry report of target srv: id → passed.
func write(t *testing.T, dir, name string, start time.Time, version string, specs map[string]bool) string {
	t.Helper()
	before := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite}
	run, _ := json.Marshal(report.Run{Runner: report.RunnerEchospec, Outside: "srv"})
	before.ReportEntries = []types.ReportEntry{
		{Name: report.VersionEntry, Value: types.WrapEntryValue(version)},
		{Name: report.RunEntry, Value: types.WrapEntryValue(string(run))},
	}
	r := types.Report{StartTime: start, SpecReports: types.SpecReports{before}}
	for id, ok := range specs {
		s := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[" + id + "] x",
			ContainerHierarchyLabels: [][]string{{"target:srv"}}, LeafNodeLabels: []string{"echo", "must"}, State: types.SpecStatePassed}
		if !ok {
			s.State, s.Failure = types.SpecStateFailed, types.Failure{Message: "[lost] x"}
			s.ReportEntries = []types.ReportEntry{{Name: "failure kind", Value: types.WrapEntryValue("lost")}}
		}
		r.SpecReports = append(r.SpecReports, s)
	}
	p := filepath.Join(dir, name)
	if err := report.WriteJSON(p, []types.Report{r}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEchoreport(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := write(t, dir, "a.json", t0, "v1", map[string]bool{"E1": true, "E2": true})
	b := write(t, dir, "b.json", t0.Add(time.Minute), "v1", map[string]bool{"E3": true})
	out := filepath.Join(dir, "out")
	merged := filepath.Join(dir, "merged.json")
	if code := run([]string{a, b}, out, "", merged); code != 0 {
		t.Fatalf("merge: exit %d", code)
	}
	m, err := report.ReadJSON(merged)
	if err != nil || len(m.IDs) != 3 {
		t.Fatalf("merged: %v, %v", m.IDs, err)
	}
	if code := run([]string{a, a}, out, "", ""); code != 1 {
		t.Errorf("a report twice: exit %d", code)
	}
	c := write(t, dir, "c.json", t0.Add(2*time.Minute), "v2", map[string]bool{"E4": true})
	if code := run([]string{a, c}, out, "", ""); code != 1 {
		t.Errorf("two spec versions: exit %d", code)
	}
	now := write(t, dir, "now.json", t0.Add(time.Hour), "v1", map[string]bool{"E1": true, "E2": false, "E3": true})
	if code := run([]string{now}, out, merged, ""); code != 3 {
		t.Errorf("a regression: exit %d", code)
	}
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	md, _ := os.ReadFile(filepath.Join(out, "matrix.md"))
	if !strings.Contains(string(page), "Changes since baseline") || !strings.Contains(string(md), "new failure (regression)") {
		t.Errorf("the reports lack the changes:\n%s", md)
	}
	if code := run([]string{merged}, out, merged, ""); code != 0 {
		t.Errorf("no change: exit %d", code)
	}
}
