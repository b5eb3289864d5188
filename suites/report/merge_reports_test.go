package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/suites/report"
)

// TestMergeReports: the workers of one parallel run make the report a
// serial run would have: each spec once, as the worker that ran it
// reported it, whether the others filtered it out or skipped it as taken;
// the suite's nodes once, a failed one kept; failed if any worker failed.
func TestMergeReports(t *testing.T) {
	run := echospecRun()
	skipped := func(s types.SpecReport) types.SpecReport {
		s.State, s.Failure, s.ReportEntries = types.SpecStateSkipped, types.Failure{}, nil
		return s
	}
	elsewhere := func(s types.SpecReport) types.SpecReport {
		s = skipped(s)
		s.Failure.Message = report.ElsewhereSkip
		return s
	}
	e1 := spec("srv", "[E1] a byte", types.SpecStatePassed, "")
	e2 := withEntry(spec("srv", "[E2] all bytes", types.SpecStateFailed, "[wrong-byte] echo wrong"), "failure kind", "wrong-byte")
	r1 := spec("srv", "[R1] a reset", types.SpecStatePassed, "")
	a := shard(t0, 7, "v1", run, e1, skipped(e2), skipped(r1))
	a.SuiteSucceeded = true
	b := shard(t0.Add(time.Millisecond), 7, "v1", run, skipped(e1), e2, elsewhere(r1))
	b.SpecialSuiteFailureReasons = []string{"a spec failed"}
	c := shard(t0.Add(2*time.Millisecond), 7, "v1", run, elsewhere(e1), elsewhere(e2), r1)
	c.SuiteSucceeded = true
	c.EndTime = t0.Add(time.Minute)

	got, err := report.MergeReports(a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	if got.SuiteSucceeded || strings.Join(got.SpecialSuiteFailureReasons, ";") != "a spec failed" {
		t.Errorf("succeeded %v, reasons %q: want failed, for b's reason", got.SuiteSucceeded, got.SpecialSuiteFailureReasons)
	}
	if !got.StartTime.Equal(t0) || got.RunTime != time.Minute {
		t.Errorf("start %v, run time %v: want %v, 1m", got.StartTime, got.RunTime, t0)
	}
	var its, suites int
	for _, s := range got.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			suites++
			continue
		}
		its++
		if s.State == types.SpecStateSkipped {
			t.Errorf("%s: skipped in the merged report", s.LeafNodeText)
		}
	}
	if its != 3 || suites != 1 {
		t.Errorf("%d specs and %d suite nodes, want 3 and 1", its, suites)
	}
	m := report.Build(got)
	if v := m.Verdicts(); v["srv E1"] != "pass" || v["srv E2"] != "fail wrong-byte" || v["srv R1"] != "pass" || len(v) != 3 {
		t.Errorf("verdicts %v", v)
	}

	// Two workers that both ran a spec overlap.
	if _, err := report.MergeReports(a, shard(t0, 7, "v1", run, e1)); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("two workers ran E1: %v, want an overlap", err)
	}
}
