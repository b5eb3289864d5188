package selftest

import (
	"strings"
	"testing"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/spec"
)

// TestMatrix checks the bookkeeping of the detection matrix on made-up
// runs; it starts nothing.
func TestMatrix(t *testing.T) {
	bug := &faulty.Bug{Name: "bug", Category: spec.CatEcho,
		Aims:        []faulty.Catch{{ID: "E1", Kinds: []spec.Kind{spec.WrongByte}}, {ID: "E4", Kinds: []spec.Kind{spec.Stall}}},
		Catches:     []faulty.Catch{{ID: "E2", Kinds: []spec.Kind{spec.WrongByte}}},
		KnownMisses: map[string]string{"R5": "why"}}
	fail := func(k spec.Kind) report.Cell { return report.Cell{Outcome: report.Fail, Kind: k, Message: "boom"} }
	pass, skip := report.Cell{Outcome: report.Pass}, report.Cell{Outcome: report.Skipped}
	faultyRun := Run{Target: Target{Name: "bug", Bug: bug}, Cells: map[string]report.Cell{
		"E1": fail(spec.WrongByte), "E2": pass, "E3": fail(spec.Stall), "E4": fail(spec.Lost), "R5": pass, "C2": skip}}
	correct := Run{Target: Target{Name: "good"}, Cells: map[string]report.Cell{"E1": pass, "E2": pass, "E3": pass, "E4": pass, "R5": pass, "S1": pass, "C2": skip}}
	d := Detection{Faulty: []Run{faultyRun}, Correct: []Run{correct}}

	for id, want := range map[string]string{"E1": MarkAimed + " wrong-byte", "E2": MarkMissed, "E3": MarkUnexpected + " stall",
		"E4": MarkWrongKind + " lost", "R5": MarkKnownMiss, "S1": ""} {
		if got := Mark(faultyRun, id); got != want {
			t.Errorf("Mark(%s) = %q, want %q", id, got, want)
		}
	}
	if got := strings.Join(Missed(faultyRun), ","); got != "E4: stall,E2: wrong-byte" {
		t.Errorf("Missed = %s, want E4: stall,E2: wrong-byte", got)
	}
	if got := strings.Join(Unexpected(faultyRun), ","); got != "E3: stall" {
		t.Errorf("Unexpected = %s, want E3: stall", got)
	}
	if got := strings.Join(d.IDs(), ","); got != "E1,E2,E3,E4,R5,S1" {
		t.Errorf("IDs = %s: skipped-everywhere specs (C2) are left out", got)
	}
	if got := strings.Join(d.Uncaught(), ","); got != "E2,R5,S1" {
		t.Errorf("Uncaught = %s, want E2,R5,S1", got)
	}
	// E4 failed on the server aimed at it, but with another kind: not the
	// right reason.
	if got := strings.Join(d.Unaimed(), ","); got != "E2,E3,E4,R5,S1" {
		t.Errorf("Unaimed = %s, want E2,E3,E4,R5,S1", got)
	}
	md := d.Markdown()
	for _, want := range []string{"| bug | echo | ◎ wrong-byte | ✗ | + stall | ≠ lost | ⊘ |  |", "**bug** escapes **R5**: why",
		"**bug** escaped **E2** (declared wrong-byte; pass)", "**bug** escaped **E4** (declared stall; failed with lost)",
		"1 of 1 (100%)", "with the declared kind**: 0 of 1", "| E1 | bug | bug |  |  |", "| E3 |  |  | bug |  |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestAskFor(t *testing.T) {
	ring, err := faulty.Lookup("ring-offset-32")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := askFor(ring, "!long"), "(!long) || 4gib"; got != want {
		t.Errorf("askFor(ring-offset-32, !long) = %q, want %q", got, want)
	}
	if got, want := askFor(ring, ""), "4gib || !4gib"; got != want {
		t.Errorf("askFor(ring-offset-32, \"\") = %q, want %q", got, want)
	}
	fds, err := faulty.Lookup("fd-set-mask")
	if err != nil {
		t.Fatal(err)
	}
	if got := askFor(fds, "!long"); got != "!long" {
		t.Errorf("askFor(fd-set-mask, !long) = %q: it declares no spec that runs only when asked", got)
	}
}
