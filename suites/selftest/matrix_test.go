package selftest

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
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

// TestBroaden checks that a faulty server's matrix run includes a spec
// run only when asked (L2) that it declares, and still leaves out the
// long-running group it does not declare, and C2.
func TestBroaden(t *testing.T) {
	for _, tc := range []struct {
		decl                  string
		long, lifetime, other bool
	}{
		{decl: "L2: stall", long: false, lifetime: true, other: true},
		{decl: "H6: memory-growth", long: true, lifetime: false, other: true},
	} {
		bug := faulty.Bug{Name: "bug", Aims: []faulty.Catch{{ID: strings.Split(tc.decl, ":")[0], Kinds: []spec.Kind{spec.Stall}}}}
		skip, filter := broaden(bug)
		match := func(labels ...string) bool { return filter == "" || ginkgo.Label(labels...).MatchesLabelFilter(filter) }
		// A spec run only when asked runs when the filter names its label
		// and lets it through (or a focus names it: not here).
		asked := strings.Contains(filter, spec.LifetimeLabel) && match("lifecycle", "must", spec.LifetimeLabel)
		if got := asked; got != tc.lifetime {
			t.Errorf("%s: filter %q (skip %q) runs L2: %v, want %v", tc.decl, filter, skip, got, tc.lifetime)
		}
		if got := match("hygiene", "must", spec.LongLabel); got != tc.long {
			t.Errorf("%s: filter %q runs the long-running group: %v, want %v", tc.decl, filter, got, tc.long)
		}
		if got := match("echo", "must"); got != tc.other {
			t.Errorf("%s: filter %q runs the other specs: %v, want %v", tc.decl, filter, got, tc.other)
		}
		if filter != "" && strings.Contains(filter, spec.C10KLabel) {
			t.Errorf("%s: filter %q asks for C2", tc.decl, filter)
		}
	}
	if got := AskFor([]string{"E1", "L2"}, ""); got != "(!lifetime) || lifetime" {
		t.Errorf("AskFor(E1, L2) = %q", got)
	}
	if got := AskFor([]string{"E1"}, "!long"); got != "!long" {
		t.Errorf("AskFor(E1) = %q, want the filter unchanged", got)
	}
	if got, want := AskFor([]string{"E14"}, "!long"), "(!long) || 4gib"; got != want {
		t.Errorf("AskFor(E14, !long) = %q, want %q", got, want)
	}
}
