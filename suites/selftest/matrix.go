package selftest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/suites/report"
)

// Marks of the detection matrix.
const (
	MarkCaught     = "✓" // declared, and the spec failed
	MarkUnexpected = "+" // not declared, and the spec failed anyway
	MarkMissed     = "✗" // declared, and the spec did not fail
	MarkKnownMiss  = "⊘" // a known miss: the spec meant to catch it cannot, as written
)

// Detection is the self-test's result: every faulty server's run and the
// correct servers' runs.
type Detection struct {
	Faulty  []Run
	Correct []Run
	Elapsed time.Duration // wall time of all the runs
}

// IDs are the spec IDs that ran (were not skipped) in at least one run:
// every spec the default selection includes and that applies to some
// target, in the suite's order.
func (d Detection) IDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, r := range slices.Concat(d.Faulty, d.Correct) {
		for id, c := range r.Cells {
			if c.Outcome != report.Skipped && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sortIDs(ids)
	return ids
}

func sortIDs(ids []string) { slices.SortFunc(ids, report.CompareIDs) }

// Mark is the matrix cell of faulty run r for spec id.
func Mark(r Run, id string) string {
	if r.Target.Bug == nil {
		return ""
	}
	declared := slices.Contains(r.Target.Bug.Catches, id)
	_, known := r.Target.Bug.KnownMisses[id]
	failed := r.Cells[id].Outcome == report.Fail
	switch {
	case known && !failed:
		return MarkKnownMiss
	case declared && failed:
		return MarkCaught
	case declared:
		return MarkMissed
	case failed:
		return MarkUnexpected
	}
	return ""
}

// Missed returns the declared IDs of a faulty run that did not fail.
func Missed(r Run) []string {
	var ids []string
	for _, id := range r.Target.Bug.Catches {
		if r.Cells[id].Outcome != report.Fail {
			ids = append(ids, id)
		}
	}
	return ids
}

// Unexpected returns the IDs that failed on a faulty run without being
// declared.
func Unexpected(r Run) []string {
	var ids []string
	for _, id := range r.Failed() {
		if !slices.Contains(r.Target.Bug.Catches, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// KnownMiss is a spec that cannot catch a faulty server it is meant for.
type KnownMiss struct {
	Bug, ID, Why string
	Caught       bool // it failed after all: the known miss can be retired
}

// KnownMisses lists the catalog's known misses, in matrix order.
func (d Detection) KnownMisses() []KnownMiss {
	var out []KnownMiss
	for _, r := range d.Faulty {
		var ids []string
		for id := range r.Target.Bug.KnownMisses {
			ids = append(ids, id)
		}
		sortIDs(ids)
		for _, id := range ids {
			out = append(out, KnownMiss{Bug: r.Target.Name, ID: id, Why: r.Target.Bug.KnownMisses[id], Caught: r.Cells[id].Outcome == report.Fail})
		}
	}
	return out
}

// Catchers returns, for each spec ID, the faulty servers it failed on.
func (d Detection) Catchers() map[string][]string {
	m := map[string][]string{}
	for _, r := range d.Faulty {
		for _, id := range r.Failed() {
			m[id] = append(m[id], r.Target.Name)
		}
	}
	return m
}

// Declarers returns, for each spec ID, the faulty servers that declare it.
func (d Detection) Declarers() map[string][]string {
	m := map[string][]string{}
	for _, r := range d.Faulty {
		for _, id := range r.Target.Bug.Catches {
			m[id] = append(m[id], r.Target.Name)
		}
	}
	return m
}

// Uncaught returns the IDs that ran and failed on no faulty server.
func (d Detection) Uncaught() []string {
	c := d.Catchers()
	var ids []string
	for _, id := range d.IDs() {
		if len(c[id]) == 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// Undeclared returns the IDs that ran and that no faulty server declares
// it must fail: specs without a faulty twin.
func (d Detection) Undeclared() []string {
	c := d.Declarers()
	var ids []string
	for _, id := range d.IDs() {
		if len(c[id]) == 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// Markdown renders the detection matrix, the per-spec counts, the catalog
// and the correct servers' results.
func (d Detection) Markdown() string {
	var b strings.Builder
	ids := d.IDs()
	caught, full := 0, 0
	for _, r := range d.Faulty {
		if len(r.Failed()) > 0 {
			caught++
		}
		if r.Err == nil && len(r.Target.Bug.Catches) > 0 && len(Missed(r)) == 0 {
			full++
		}
	}
	n := len(d.Faulty)
	b.WriteString("# echospec self-test: the suite's detection power\n\n")
	fmt.Fprintf(&b, "The conformance suite (default selection: %d spec IDs) against %d faulty servers, each broken on purpose with one defect "+
		"(servers/faulty), and %d correct servers. Wall time of the runs: %v.\n\n", len(ids), n, len(d.Correct), d.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "- **Faulty servers caught** (at least one spec failed): %d of %d (%s).\n", caught, n, pct(caught, n))
	fmt.Fprintf(&b, "- **Caught by every declared spec**: %d of %d (%s).\n", full, n, pct(full, n))
	uncaught := d.Uncaught()
	fmt.Fprintf(&b, "- **Spec IDs that caught at least one faulty server**: %d of %d.", len(ids)-len(uncaught), len(ids))
	if len(uncaught) > 0 {
		fmt.Fprintf(&b, " Caught nothing: %s.", strings.Join(uncaught, ", "))
	}
	b.WriteString("\n")
	if und := d.Undeclared(); len(und) > 0 {
		fmt.Fprintf(&b, "- **Spec IDs no faulty server declares** (no faulty twin): %s.\n", strings.Join(und, ", "))
	}
	clean := 0
	for _, r := range d.Correct {
		if r.Err == nil && len(r.Failed()) == 0 {
			clean++
		}
	}
	fmt.Fprintf(&b, "- **Correct servers without a failure** (false alarms): %d of %d.\n\n", clean, len(d.Correct))

	b.WriteString("## Detection matrix\n\n")
	fmt.Fprintf(&b, "%s declared and caught · %s caught, not declared · %s declared but missed · %s known miss (see Findings) · blank: passed (or skipped).\n\n",
		MarkCaught, MarkUnexpected, MarkMissed, MarkKnownMiss)
	b.WriteString("| faulty server | category |")
	for _, id := range ids {
		b.WriteString(" " + id + " |")
	}
	b.WriteString("\n|---|---|")
	for range ids {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range d.Faulty {
		fmt.Fprintf(&b, "| %s | %s |", r.Target.Name, r.Target.Bug.Category)
		for _, id := range ids {
			b.WriteString(" " + Mark(r, id) + " |")
		}
		if r.Err != nil {
			b.WriteString(" run broken")
		}
		b.WriteString("\n")
	}
	catchers, declarers := d.Catchers(), d.Declarers()
	b.WriteString("| **faulty servers caught** | |")
	for _, id := range ids {
		fmt.Fprintf(&b, " %d |", len(catchers[id]))
	}
	b.WriteString("\n\n")

	knownBy := map[string][]string{}
	for _, k := range d.KnownMisses() {
		knownBy[k.ID] = append(knownBy[k.ID], k.Bug)
	}
	b.WriteString("## Per spec\n\n| spec | faulty servers it catches | declared by | caught, not declared | known misses |\n|---|---|---|---|---|\n")
	for _, id := range ids {
		var extra []string
		for _, name := range catchers[id] {
			if !slices.Contains(declarers[id], name) {
				extra = append(extra, name)
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", id, len(catchers[id]), strings.Join(declarers[id], ", "), strings.Join(extra, ", "), strings.Join(knownBy[id], ", "))
	}

	if known := d.KnownMisses(); len(known) > 0 {
		b.WriteString("\n## Findings: known misses\n\nFaulty servers that the spec meant for their kind of bug cannot catch as it is written — findings about the suite, not asserted:\n\n")
		for _, k := range known {
			fmt.Fprintf(&b, "- **%s** escapes **%s**: %s\n", k.Bug, k.ID, mdCell(k.Why))
		}
	}

	b.WriteString("\n## Catalog\n\n| faulty server | category | defect | models | declares | must be caught by | run time |\n|---|---|---|---|---|---|---|\n")
	for _, r := range d.Faulty {
		bug := r.Target.Bug
		prof := bug.Profile.String()
		if prof == "" {
			prof = "—"
		}
		catches := strings.Join(bug.Catches, ", ")
		var known []string
		for _, k := range d.KnownMisses() {
			if k.Bug == bug.Name {
				known = append(known, k.ID)
			}
		}
		if len(known) > 0 {
			catches += " (known miss: " + strings.Join(known, ", ") + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %v |\n", bug.Name, bug.Category, mdCell(bug.Defect), mdCell(bug.Models),
			prof, catches, r.Duration.Round(time.Second))
	}

	b.WriteString("\n## Correct servers\n\n")
	for _, r := range d.Correct {
		fmt.Fprintf(&b, "- **%s** (`%s`): ", r.Target.Name, r.Target.Cmdline)
		switch {
		case r.Err != nil:
			fmt.Fprintf(&b, "run broken: %s\n", mdCell(r.Err.Error()))
		case len(r.Failed()) == 0:
			fmt.Fprintf(&b, "no failure (%d specs ran, %v).\n", ran(r), r.Duration.Round(time.Second))
		default:
			fmt.Fprintf(&b, "FAILED %s (false alarms).\n", strings.Join(r.Failed(), ", "))
			for _, id := range r.Failed() {
				fmt.Fprintf(&b, "  - %s: %s\n", id, mdCell(r.Cells[id].Message))
			}
		}
	}

	var misses []string
	for _, r := range d.Faulty {
		if r.Err != nil {
			misses = append(misses, fmt.Sprintf("- **%s**: run broken: %s", r.Target.Name, mdCell(r.Err.Error())))
			continue
		}
		for _, id := range Missed(r) {
			c := r.Cells[id]
			misses = append(misses, fmt.Sprintf("- **%s** escaped **%s** (%s): %s", r.Target.Name, id, outcomeOf(c), mdCell(c.Message)))
		}
	}
	if len(misses) > 0 {
		b.WriteString("\n## Misses\n\n" + strings.Join(misses, "\n") + "\n")
	}
	return b.String()
}

func ran(r Run) int {
	n := 0
	for _, c := range r.Cells {
		if c.Outcome != report.Skipped {
			n++
		}
	}
	return n
}

func outcomeOf(c report.Cell) string {
	if c.Outcome == "" {
		return "did not run"
	}
	return string(c.Outcome)
}

func pct(a, b int) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
}

// mdCell makes text fit in one Markdown table cell or list line.
func mdCell(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

// FaultyTargets returns a target for every faulty server of the catalog.
func FaultyTargets(bin Binaries) []Target {
	var ts []Target
	for _, b := range faulty.Catalog() {
		ts = append(ts, Target{Name: b.Name, Cmdline: b.Cmdline(bin.FaultyServer), Profile: b.Profile, Bug: &b})
	}
	return ts
}

// CorrectTargets returns the correct servers the self-test holds to zero
// failures: the example asyncio server and a built-in engine run through
// the echoserver command.
func CorrectTargets(bin Binaries) []Target {
	return []Target{
		{Name: "asyncio-echo", Cmdline: "exec python3 fixtures/servers/asyncio_echo.py"},
		{Name: "echoserver-goroutine", Cmdline: "exec '" + bin.EchoServer + "' -engine goroutine"},
	}
}
