package selftest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/report"
)

// Marks of the detection matrix. A cell shows the mark and, where the
// spec failed, the failure kind.
const (
	MarkAimed      = "◎" // aimed at, and the spec failed with the declared kind: the right reason
	MarkCaught     = "✓" // declared (incidental), and the spec failed with the declared kind
	MarkWrongKind  = "≠" // declared, and the spec failed with another kind: not the right reason
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

// Mark is the matrix cell of faulty run r for spec id: the mark, and the
// failure kind where the spec failed.
func Mark(r Run, id string) string {
	if r.Target.Bug == nil {
		return ""
	}
	bug := r.Target.Bug
	decl, declared := bug.Declares(id)
	_, known := bug.KnownMisses[id]
	c := r.Cells[id]
	failed := c.Outcome == report.Fail
	withKind := func(m string) string { return m + " " + string(c.Kind) }
	switch {
	case known && !failed:
		return MarkKnownMiss
	case declared && failed && decl.Kinds.Contains(c.Kind) && bug.Aimed(id):
		return withKind(MarkAimed)
	case declared && failed && decl.Kinds.Contains(c.Kind):
		return withKind(MarkCaught)
	case declared && failed:
		return withKind(MarkWrongKind)
	case declared:
		return MarkMissed
	case failed:
		return withKind(MarkUnexpected)
	}
	return ""
}

// rightReason reports whether r's spec id failed as declared: with the
// declared kind.
func rightReason(r Run, c faulty.Catch) bool {
	cell := r.Cells[c.ID]
	return cell.Outcome == report.Fail && c.Kinds.Contains(cell.Kind)
}

// Missed returns the declarations of a faulty run that did not fail with
// their declared kind, as "ID: kind".
func Missed(r Run) []string {
	var out []string
	for _, c := range r.Target.Bug.Declared() {
		if !rightReason(r, c) {
			out = append(out, c.String())
		}
	}
	return out
}

// missedCatches returns the declarations of r that did not fail as
// declared.
func missedCatches(r Run) []faulty.Catch {
	var out []faulty.Catch
	for _, c := range r.Target.Bug.Declared() {
		if !rightReason(r, c) {
			out = append(out, c)
		}
	}
	return out
}

// Unexpected returns the IDs that failed on a faulty run without being
// declared, with their kinds.
func Unexpected(r Run) []string {
	var ids []string
	for _, id := range r.Failed() {
		if _, ok := r.Target.Bug.Declares(id); !ok {
			ids = append(ids, id+": "+string(r.Cells[id].Kind))
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

// Aimers returns, for each spec ID, the faulty servers aimed at it.
func (d Detection) Aimers() map[string][]string {
	m := map[string][]string{}
	for _, r := range d.Faulty {
		for _, c := range r.Target.Bug.Aims {
			m[c.ID] = append(m[c.ID], r.Target.Name)
		}
	}
	return m
}

// RightReason returns, for each spec ID, the faulty servers aimed at it
// that it caught with the declared kind.
func (d Detection) RightReason() map[string][]string {
	m := map[string][]string{}
	for _, r := range d.Faulty {
		for _, c := range r.Target.Bug.Aims {
			if rightReason(r, c) {
				m[c.ID] = append(m[c.ID], r.Target.Name)
			}
		}
	}
	return m
}

// Incidental returns, for each spec ID, the faulty servers it failed on
// that are not aimed at it.
func (d Detection) Incidental() map[string][]string {
	m := map[string][]string{}
	for _, r := range d.Faulty {
		for _, id := range r.Failed() {
			if !r.Target.Bug.Aimed(id) {
				m[id] = append(m[id], r.Target.Name)
			}
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

// Unaimed returns the IDs that ran and that no faulty server aimed at
// them caught for the right reason (its declared kind): specs whose
// reason to exist is not shown to work. A spec that only measures and
// reports (no failure kinds of its own, such as H3) is not counted, nor
// the explorer (X1), aimed at no defect in particular: its catch rate over
// every faulty server is measured apart (stability -specs X1 -unaimed).
func (d Detection) Unaimed() []string {
	rr := d.RightReason()
	var ids []string
	for _, id := range d.IDs() {
		if def, ok := conformance.Lookup(id); ok && (len(def.Kinds) == 0 || def.Category == spec.CatExplore) {
			continue
		}
		if len(rr[id]) == 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// Markdown renders the detection matrix, the per-spec lines (aimed at
// by, caught for the right reason, incidental), the catalog and the
// correct servers' results.
func (d Detection) Markdown() string {
	var b strings.Builder
	ids := d.IDs()
	caught, full := 0, 0
	for _, r := range d.Faulty {
		if len(r.Failed()) > 0 {
			caught++
		}
		if r.Err == nil && len(r.Target.Bug.Declared()) > 0 && len(Missed(r)) == 0 {
			full++
		}
	}
	n := len(d.Faulty)
	b.WriteString("# echospec self-test: the suite's detection power\n\n")
	fmt.Fprintf(&b, "The conformance suite (default selection: %d spec IDs) against %d faulty servers, each broken on purpose with one defect "+
		"(servers/faulty), and %d correct servers. Wall time of the runs: %v.\n\n", len(ids), n, len(d.Correct), d.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "- **Faulty servers caught** (at least one spec failed): %d of %d (%s).\n", caught, n, pct(caught, n))
	fmt.Fprintf(&b, "- **Caught by every declared spec, with the declared kind**: %d of %d (%s).\n", full, n, pct(full, n))
	unaimed := d.Unaimed()
	judging, reports := 0, []string{}
	for _, id := range ids {
		if def, ok := conformance.Lookup(id); ok && len(def.Kinds) == 0 {
			reports = append(reports, id)
			continue
		}
		judging++
	}
	fmt.Fprintf(&b, "- **Spec IDs caught for the right reason** (a faulty server aimed at the spec, failing with the declared kind): %d of the %d that judge", judging-len(unaimed), judging)
	if len(reports) > 0 {
		fmt.Fprintf(&b, " (%s only measure and report)", strings.Join(reports, ", "))
	}
	b.WriteString(".")
	if len(unaimed) > 0 {
		fmt.Fprintf(&b, " Not shown: %s.", strings.Join(unaimed, ", "))
	}
	b.WriteString("\n")
	if uncaught := d.Uncaught(); len(uncaught) > 0 {
		fmt.Fprintf(&b, "- **Spec IDs that caught nothing**: %s.\n", strings.Join(uncaught, ", "))
	}
	clean := 0
	for _, r := range d.Correct {
		if r.Err == nil && len(r.Failed()) == 0 {
			clean++
		}
	}
	fmt.Fprintf(&b, "- **Correct servers without a failure** (false alarms): %d of %d.\n\n", clean, len(d.Correct))

	b.WriteString("## Detection matrix\n\n")
	fmt.Fprintf(&b, "%s aimed at and caught with the declared kind (the right reason) · %s declared (incidental) and caught with the declared kind · "+
		"%s declared, failed with another kind · %s failed, not declared · %s declared but passed · %s known miss (see Findings) · blank: passed (or skipped). "+
		"The word after a mark is the failure kind seen.\n\n",
		MarkAimed, MarkCaught, MarkWrongKind, MarkUnexpected, MarkMissed, MarkKnownMiss)
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
	catchers := d.Catchers()
	b.WriteString("| **faulty servers caught** | |")
	for _, id := range ids {
		fmt.Fprintf(&b, " %d |", len(catchers[id]))
	}
	b.WriteString("\n\n")

	knownBy := map[string][]string{}
	for _, k := range d.KnownMisses() {
		knownBy[k.ID] = append(knownBy[k.ID], k.Bug)
	}
	aimers, right, incidental := d.Aimers(), d.RightReason(), d.Incidental()
	b.WriteString("## Per spec\n\n| spec | aimed at by | caught for the right reason | incidental catches | known misses |\n|---|---|---|---|---|\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", id, strings.Join(aimers[id], ", "), strings.Join(right[id], ", "),
			strings.Join(incidental[id], ", "), strings.Join(knownBy[id], ", "))
	}

	if known := d.KnownMisses(); len(known) > 0 {
		b.WriteString("\n## Findings: known misses\n\nFaulty servers that the spec meant for their kind of bug cannot catch as it is written — findings about the suite, not asserted:\n\n")
		for _, k := range known {
			fmt.Fprintf(&b, "- **%s** escapes **%s**: %s\n", k.Bug, k.ID, mdCell(k.Why))
		}
	}

	b.WriteString("\n## Catalog\n\n| faulty server | category | defect | models | declares | aimed at | must also fail | run time |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range d.Faulty {
		bug := r.Target.Bug
		prof := bug.Profile.String()
		if prof == "" {
			prof = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %v |\n", bug.Name, bug.Category, mdCell(bug.Defect), mdCell(bug.Models),
			prof, joinCatches(bug.Aims), joinCatches(bug.Catches), r.Duration.Round(time.Second))
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
		for _, c := range missedCatches(r) {
			cell := r.Cells[c.ID]
			misses = append(misses, fmt.Sprintf("- **%s** escaped **%s** (declared %s; %s): %s", r.Target.Name, c.ID, c.Kinds, outcomeOf(cell), mdCell(cell.Message)))
		}
	}
	if len(misses) > 0 {
		b.WriteString("\n## Misses\n\n" + strings.Join(misses, "\n") + "\n")
	}
	return b.String()
}

func joinCatches(cs []faulty.Catch) string {
	if len(cs) == 0 {
		return "—"
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return strings.Join(out, ", ")
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
	switch {
	case c.Outcome == "":
		return "did not run"
	case c.Outcome == report.Fail:
		return "failed with " + string(c.Kind)
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

// broaden is what a faulty server's run of the whole matrix leaves out
// unless the server declares it, to keep that run's time in bounds: the
// long-running group (label long: 15 s of E13's idle overlapped by a
// gigabyte's soak, E11's idles, S7's push, S8's and H5's measuring
// windows…) when the server declares none of its specs, and within the
// group E13 and C4 when it declares neither. Every correct server runs all
// of it. A catch of a left-out spec on a faulty server that does not
// declare it is therefore not seen: incidental catches are shown only
// among the specs that ran.
//
// A spec that runs only when asked (C2, E14, L2) runs where the server declares
// it (AskFor).
func broaden(b faulty.Bug) (skip, labelFilter string) {
	skip, labelFilter = leaveOut(b)
	return skip, AskFor(declaredIDs(b), labelFilter)
}

// AskFor is labelFilter (empty: every spec) that also asks for the specs
// among ids that run only when asked (C2, E14, L2: their label named in the
// filter, Def.OnlyWhenAsked), and lets them through.
func AskFor(ids []string, labelFilter string) string {
	for _, id := range ids {
		d, ok := conformance.Lookup(id)
		if !ok || d.OnlyWhenAsked == "" || strings.Contains(labelFilter, d.OnlyWhenAsked) {
			continue
		}
		if labelFilter == "" {
			labelFilter = "!" + d.OnlyWhenAsked // every spec; the asked one below
		}
		labelFilter = "(" + labelFilter + ") || " + d.OnlyWhenAsked
	}
	return labelFilter
}

// declaredIDs are the IDs of the specs b declares.
func declaredIDs(b faulty.Bug) []string {
	var ids []string
	for _, c := range b.Declared() {
		ids = append(ids, c.ID)
	}
	return ids
}

// leaveOut is broaden's skip pattern and label filter before the specs
// run only when asked.
func leaveOut(b faulty.Bug) (skip, labelFilter string) {
	long := false
	for _, c := range b.Declared() {
		if d, ok := conformance.Lookup(c.ID); ok && d.Long {
			long = true
		}
	}
	if !long {
		return "", "!" + spec.LongLabel
	}
	var ids []string
	for _, id := range []string{"E13", "C4"} {
		if _, ok := b.Declares(id); !ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", ""
	}
	return `\[(` + strings.Join(ids, "|") + `)\]`, ""
}

// declaredFocus is a Ginkgo focus on the specs b declares (its aims and
// catches).
func declaredFocus(b faulty.Bug) string {
	var ids []string
	for _, c := range b.Declared() {
		ids = append(ids, regexp.QuoteMeta(c.ID))
	}
	return `\[(` + strings.Join(ids, "|") + `)\]`
}

// FaultyTargets returns a target for every faulty server of the catalog,
// each running only the specs it declares: what the self-test's verdict
// rests on (every declared spec must catch its server with a declared
// kind). What no longer runs — the other specs on a faulty server — can
// only show incidental catches, which the verdict never read.
func FaultyTargets(bin Binaries) []Target {
	var ts []Target
	for _, b := range faulty.Catalog() {
		ts = append(ts, Target{Name: b.Name, Cmdline: b.Cmdline(bin.FaultyServer), Profile: b.Profile, Bug: &b, Focus: declaredFocus(b), LabelFilter: AskFor(declaredIDs(b), "")})
	}
	return ts
}

// MatrixTargets returns a target for every faulty server of the catalog
// that runs the default selection (less what broaden leaves out), for the
// whole detection matrix: incidental catches included.
func MatrixTargets(bin Binaries) []Target {
	var ts []Target
	for _, b := range faulty.Catalog() {
		skip, filter := broaden(b)
		ts = append(ts, Target{Name: b.Name, Cmdline: b.Cmdline(bin.FaultyServer), Profile: b.Profile, Bug: &b, Skip: skip, LabelFilter: filter})
	}
	return ts
}

// CorrectTargets returns the correct servers the self-test holds to zero
// failures: the example asyncio server and a built-in engine run through
// the echoserver command.
func CorrectTargets(bin Binaries) []Target {
	return []Target{
		{Name: "asyncio-echo", Cmdline: "exec '" + faulty.Python() + "' fixtures/servers/asyncio_echo.py"},
		{Name: "echoserver-goroutine", Cmdline: "exec '" + bin.EchoServer + "' -engine goroutine"},
	}
}
