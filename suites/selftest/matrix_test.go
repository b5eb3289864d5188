package selftest

import (
	"strings"
	"testing"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/suites/report"
)

// TestMatrix checks the bookkeeping of the detection matrix on made-up
// runs; it starts nothing.
func TestMatrix(t *testing.T) {
	bug := &faulty.Bug{Name: "bug", Category: "echo", Catches: []string{"E1", "E2"}, KnownMisses: map[string]string{"R5": "why"}}
	fail, pass, skip := report.Cell{Outcome: report.Fail, Message: "boom"}, report.Cell{Outcome: report.Pass}, report.Cell{Outcome: report.Skipped}
	faultyRun := Run{Target: Target{Name: "bug", Bug: bug}, Cells: map[string]report.Cell{
		"E1": fail, "E2": pass, "E3": fail, "R5": pass, "C2": skip}}
	correct := Run{Target: Target{Name: "good"}, Cells: map[string]report.Cell{"E1": pass, "E2": pass, "E3": pass, "R5": pass, "S1": pass, "C2": skip}}
	d := Detection{Faulty: []Run{faultyRun}, Correct: []Run{correct}}

	for id, want := range map[string]string{"E1": MarkCaught, "E2": MarkMissed, "E3": MarkUnexpected, "R5": MarkKnownMiss, "S1": ""} {
		if got := Mark(faultyRun, id); got != want {
			t.Errorf("Mark(%s) = %q, want %q", id, got, want)
		}
	}
	if got := strings.Join(Missed(faultyRun), ","); got != "E2" {
		t.Errorf("Missed = %s, want E2", got)
	}
	if got := strings.Join(Unexpected(faultyRun), ","); got != "E3" {
		t.Errorf("Unexpected = %s, want E3", got)
	}
	if got := strings.Join(d.IDs(), ","); got != "E1,E2,E3,R5,S1" {
		t.Errorf("IDs = %s: skipped-everywhere specs (C2) are left out", got)
	}
	if got := strings.Join(d.Uncaught(), ","); got != "E2,R5,S1" {
		t.Errorf("Uncaught = %s, want E2,R5,S1", got)
	}
	if got := strings.Join(d.Undeclared(), ","); got != "E3,R5,S1" {
		t.Errorf("Undeclared = %s, want E3,R5,S1", got)
	}
	md := d.Markdown()
	for _, want := range []string{"| bug | echo | ✓ | ✗ | + | ⊘ |  |", "**bug** escapes **R5**: why", "**bug** escaped **E2** (pass)", "1 of 1 (100%)", "Caught by every declared spec**: 0 of 1"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
}
