package report

import (
	"fmt"
	"strings"
)

// Comparison is what changed between a baseline run and a new one of the
// same targets, cell by cell.
type Comparison struct {
	// Base names the baseline (its file).
	Base string
	// Note says what makes the comparison less than exact: a different
	// spec version, targets or specs only one of the runs has.
	Note string
	// Changes are the cells whose outcome or failure kind changed, in
	// target, then spec order.
	Changes []Change
}

// Change is one cell that differs from the baseline.
type Change struct {
	Target, ID string
	Old, New   Cell // Old.Outcome is "" for a spec the baseline did not run
	What       string
	// Regression: a failure the baseline did not have — a spec that
	// failed where it did not, or that fails with another kind.
	Regression bool
}

// What a Change is.
const (
	NewFailure       = "new failure"
	Fixed            = "fixed"
	KindChanged      = "kind changed"
	DeviationChanged = "deviation changed"
	OutcomeChanged   = "outcome changed"
	NotInBaseline    = "not in baseline"
)

// Compare compares m with the baseline base (named baseName).
// Specs the new run did not run are left out (a narrower selection is no
// change); specs the baseline did not run are listed, not judged.
func Compare(base Matrix, baseName string, m Matrix) Comparison {
	c := Comparison{Base: baseName}
	var notes []string
	if base.Version != m.Version {
		notes = append(notes, fmt.Sprintf("the baseline has spec version %s, this run %s: a spec's requirement may have changed", orNone(base.Version), orNone(m.Version)))
	}
	var newTargets []string
	for _, tg := range m.Targets {
		if base.Cells[tg] == nil {
			newTargets = append(newTargets, tg)
			continue
		}
		for _, id := range m.IDs {
			now, ok := m.Cells[tg][id]
			if !ok {
				continue
			}
			old, had := base.Cells[tg][id]
			ch := Change{Target: tg, ID: id, Old: old, New: now}
			switch {
			case !had:
				ch.What = NotInBaseline
			case now.Outcome == Fail && old.Outcome != Fail:
				ch.What, ch.Regression = NewFailure, true
			case now.Outcome == Fail && old.Kind != now.Kind:
				ch.What, ch.Regression = KindChanged, true
			case old.Outcome == Fail && now.Outcome != Fail:
				ch.What = Fixed
			case old.Outcome == now.Outcome && old.Kind != now.Kind:
				ch.What = KindChanged
			case (old.Outcome == Deviation) != (now.Outcome == Deviation):
				ch.What = DeviationChanged
			case old.Outcome != now.Outcome:
				ch.What = OutcomeChanged
			default:
				continue
			}
			c.Changes = append(c.Changes, ch)
		}
	}
	if len(newTargets) > 0 {
		notes = append(notes, "targets not in the baseline: "+strings.Join(newTargets, ", "))
	}
	c.Note = strings.Join(notes, "; ")
	return c
}

// Regressions are the changes that are regressions.
func (c Comparison) Regressions() []Change {
	var rs []Change
	for _, ch := range c.Changes {
		if ch.Regression {
			rs = append(rs, ch)
		}
	}
	return rs
}

// Verdict renders a cell's outcome and kind: "fail (wrong-byte)".
func Verdict(c Cell) string {
	if c.Outcome == "" {
		return "not run"
	}
	if c.Kind != "" {
		return fmt.Sprintf("%s (%s)", c.Outcome, c.Kind)
	}
	return string(c.Outcome)
}

// Summary says in one line how many cells changed, and how many are
// regressions.
func (c Comparison) Summary() string {
	counts := map[string]int{}
	for _, ch := range c.Changes {
		counts[ch.What]++
	}
	if len(c.Changes) == 0 {
		return "no change since the baseline " + c.Base + "."
	}
	var parts []string
	for _, w := range []string{NewFailure, KindChanged, Fixed, DeviationChanged, OutcomeChanged, NotInBaseline} {
		if counts[w] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[w], w))
		}
	}
	return fmt.Sprintf("since the baseline %s: %s; %d regressions.", c.Base, strings.Join(parts, ", "), len(c.Regressions()))
}

// Markdown renders the comparison as a section: a summary line and one
// table row per change.
func (c Comparison) Markdown() string {
	var b strings.Builder
	b.WriteString("## Changes since baseline\n\n" + c.Summary() + "\n")
	if c.Note != "" {
		b.WriteString("\nNote: " + c.Note + ".\n")
	}
	if len(c.Changes) > 0 {
		b.WriteString("\n| target | spec | baseline | now | change |\n|---|---|---|---|---|\n")
		for _, ch := range c.Changes {
			what := ch.What
			if ch.Regression {
				what = "**" + what + " (regression)**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", ch.Target, ch.ID, Verdict(ch.Old), Verdict(ch.New), what)
		}
	}
	return b.String()
}
