// Package report turns a Ginkgo report of the conformance suite into a
// matrix of targets × spec IDs, the summary a user reads first.
package report

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/wire"
	"github.com/echospec/echospec/spec"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
)

// Outcome is what one spec did against one target.
type Outcome string

// The outcomes.
const (
	Pass      Outcome = "pass"
	Deviation Outcome = "deviation" // passed, shaped by a declared deviation
	XFail     Outcome = "xfail"     // failed, as declared (a known finding)
	XPass     Outcome = "xpass"     // declared to fail, but passed
	Skipped   Outcome = "skipped"
	Fail      Outcome = "fail"
)

// Outcomes lists every outcome, in the order reports show them.
var Outcomes = []Outcome{Pass, Deviation, XFail, XPass, Skipped, Fail}

// Categories are the spec category labels, in report order.
var Categories = func() []string {
	var cs []string
	for _, c := range spec.Categories {
		cs = append(cs, string(c))
	}
	return cs
}()

// Cell is one spec against one target.
type Cell struct {
	Outcome  Outcome
	Kind     spec.Kind // the failure kind of a failure or an expected failure
	Text     string    // the spec's text, without its ID
	Message  string    // failure message, deviation or skip reason
	Location string    // where it failed
	Output   string    // the tail of the target's output, if captured
	Notes    []string
	Duration time.Duration
	// Rerun is the shell command that runs this spec again against this
	// target alone (its settings, the run's label filter and seed), for a
	// failure; "" when the report does not say how it was run.
	Rerun string
	// Timeline is a failure's wire timeline (spec.TimelineEntry): what
	// the client did and saw on the connections involved; nil when the
	// report has none (a pass, or a report written before it was kept).
	Timeline *wire.Timeline
}

// Matrix is targets × spec IDs.
type Matrix struct {
	Targets    []string
	IDs        []string
	Texts      map[string]string // spec ID → text
	Categories map[string]string // spec ID → category
	Levels     map[string]string // spec ID → must or should
	Cells      map[string]map[string]Cell
	// Version is the spec version of the run (VersionEntry); "" for a
	// report made before it was recorded.
	Version string
	// Runs are the runs the matrix is made of: one, or the shards Merge
	// put together.
	Runs []RunID
	// Protocols names, by target, the protocol a target was judged by
	// when it is not the default, upper-echo (spec.ProtocolEntry); a
	// target not in it was judged by upper-echo.
	Protocols map[string]string
	// Changes, when set, compares the matrix with a baseline (Compare); the
	// reports show it.
	Changes *Comparison
}

// RunID identifies one run (one suite report): where it was read from,
// when it started, its seed and spec version. Merge refuses the same run
// twice.
type RunID struct {
	Source  string // the file it was read from, if any
	Start   time.Time
	Seed    int64
	Version string
	Targets []string
}

var idPattern = regexp.MustCompile(`^\[([^\]\s]+)\]\s*(.*)$`)

// SpecID returns the ID at the start of a spec's text, and the rest.
func SpecID(text string) (id, rest string, ok bool) {
	m := idPattern.FindStringSubmatch(text)
	if m == nil {
		return "", text, false
	}
	return m[1], m[2], true
}

// TargetOf returns the target a spec ran against, from its
// "target:NAME" label.
func TargetOf(s types.SpecReport) string {
	for _, l := range s.Labels() {
		if name, ok := strings.CutPrefix(l, spec.TargetLabelPrefix); ok {
			return name
		}
	}
	return ""
}

// Build makes the matrix from a suite report. Specs that were filtered out
// of the run are left out; specs skipped while running count as skipped.
func Build(r types.Report) Matrix {
	m := Matrix{Texts: map[string]string{}, Categories: map[string]string{}, Levels: map[string]string{}, Cells: map[string]map[string]Cell{}}
	version, run := runInfo(r)
	m.Version = version
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		id, text, ok := SpecID(s.LeafNodeText)
		tg := TargetOf(s)
		if !ok || tg == "" || (s.State == types.SpecStateSkipped && s.Failure.Message == "") || s.State == types.SpecStatePending {
			continue
		}
		if m.Cells[tg] == nil {
			m.Cells[tg] = map[string]Cell{}
			m.Targets = append(m.Targets, tg)
		}
		if _, seen := m.Texts[id]; !seen {
			m.IDs = append(m.IDs, id)
			m.Texts[id] = text
			for _, l := range s.Labels() {
				switch {
				case slices.Contains(Categories, l):
					m.Categories[id] = l
				case l == string(spec.Must) || l == string(spec.Should):
					m.Levels[id] = l
				}
			}
		}
		for _, e := range s.ReportEntries {
			if e.Name == spec.ProtocolEntry {
				if m.Protocols == nil {
					m.Protocols = map[string]string{}
				}
				m.Protocols[tg] = e.StringRepresentation()
			}
		}
		c := cellOf(s, text)
		if c.Outcome == Fail {
			c.Rerun = run.Rerun(tg, id, r.SuiteConfig.RandomSeed, r.SuiteConfig.LabelFilter)
		}
		m.Cells[tg][id] = c
	}
	sort.Strings(m.Targets)
	m.Runs = []RunID{{Start: r.StartTime, Seed: r.SuiteConfig.RandomSeed, Version: version, Targets: slices.Clone(m.Targets)}}
	m.sortIDs()
	return m
}

// sortIDs orders the spec IDs by category, then ID.
func (m *Matrix) sortIDs() {
	slices.SortFunc(m.IDs, func(a, b string) int {
		ca, cb := slices.Index(Categories, m.Categories[a]), slices.Index(Categories, m.Categories[b])
		if ca != cb {
			return ca - cb
		}
		return CompareIDs(a, b)
	})
}

// kindOf is the failure kind a report entry names: a report written
// before a kind was renamed (early-eof, reset) reads as today's, so a
// baseline from then compares with a run of now; a name this version does
// not know stays as it is.
func kindOf(v string) spec.Kind {
	if k, err := spec.ParseKind(v); err == nil {
		return k
	}
	return spec.Kind(strings.TrimSpace(v))
}

// plain renders Ginkgo's colour markup as nothing.
var plain = formatter.NewWithNoColorBool(true)

func cellOf(s types.SpecReport, text string) Cell {
	c := Cell{Text: text, Duration: s.RunTime}
	entries := map[string]string{}
	for _, e := range s.ReportEntries {
		v := e.StringRepresentation()
		entries[e.Name] = v
		switch e.Name {
		case spec.KindEntry:
			c.Kind = kindOf(v) // the last one counts: a crash found at the end overrides
		case spec.TimelineEntry:
			c.Timeline = timelineOf(e)
		case spec.DeviationEntry, spec.NotObservedEntry, spec.ExpectedFailureEntry, spec.UnexpectedPassEntry, spec.OutputEntry, spec.ProtocolEntry:
		default:
			// A gmeasure experiment renders itself with Ginkgo's
			// {{bold}}…{{/}} markup: a note is plain text.
			c.Notes = append(c.Notes, e.Name+": "+plain.F(v))
		}
	}
	c.Output = entries[spec.OutputEntry]
	if v, ok := entries[spec.NotObservedEntry]; ok {
		c.Notes = append(c.Notes, spec.NotObservedEntry+": "+v)
	}
	switch {
	case s.State == types.SpecStatePassed && entries[spec.UnexpectedPassEntry] != "":
		c.Outcome, c.Message = XPass, entries[spec.UnexpectedPassEntry]
	case s.State == types.SpecStatePassed && entries[spec.DeviationEntry] != "":
		c.Outcome, c.Message = Deviation, entries[spec.DeviationEntry]
	case s.State == types.SpecStatePassed:
		c.Outcome = Pass
	case s.State == types.SpecStateSkipped && entries[spec.ExpectedFailureEntry] != "":
		c.Outcome, c.Message = XFail, entries[spec.ExpectedFailureEntry]
		c.Location = s.Failure.Location.String()
	case s.State == types.SpecStateSkipped:
		c.Outcome, c.Message = Skipped, s.Failure.Message
	default:
		c.Outcome = Fail
		c.Message = s.Failure.Message
		c.Location = s.Failure.Location.String()
		if c.Message == "" {
			c.Message = s.State.String()
		}
	}
	return c
}

// CompareIDs orders spec IDs by letter prefix, then number, then suffix:
// E1, E1p, E2, E10, R1.
func CompareIDs(a, b string) int {
	pa, na, sa := splitID(a)
	pb, nb, sb := splitID(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	if na != nb {
		return na - nb
	}
	return strings.Compare(sa, sb)
}

var idParts = regexp.MustCompile(`^([A-Za-z]*)(\d*)(.*)$`)

func splitID(id string) (string, int, string) {
	m := idParts.FindStringSubmatch(id)
	n, _ := strconv.Atoi(m[2])
	return m[1], n, m[3]
}

// Counts returns how many cells have each outcome.
func (m Matrix) Counts() map[Outcome]int {
	c := map[Outcome]int{}
	for _, row := range m.Cells {
		for _, cell := range row {
			c[cell.Outcome]++
		}
	}
	return c
}

var symbols = map[Outcome]string{Pass: "ok", Deviation: "dev", XFail: "xfail", XPass: "XPASS", Skipped: "skip", Fail: "FAIL"}

// Markdown renders the matrix as a Markdown table, followed by the spec
// texts and every failure with its message.
func (m Matrix) Markdown() string {
	var b strings.Builder
	if p := m.ProtocolNote(); p != "" {
		b.WriteString(p + "\n\n")
	}
	b.WriteString("| target |")
	for _, id := range m.IDs {
		b.WriteString(" " + id + " |")
	}
	b.WriteString("\n|---|")
	for range m.IDs {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, tg := range m.Targets {
		b.WriteString("| " + tg + " |")
		for _, id := range m.IDs {
			cell, ok := m.Cells[tg][id]
			sym := "·"
			if ok {
				sym = symbols[cell.Outcome]
				if cell.Kind != "" && (cell.Outcome == Fail || cell.Outcome == XFail) {
					sym += " " + string(cell.Kind)
				}
			}
			b.WriteString(" " + sym + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + m.Summary() + " `·` = not run.\n")
	if m.Changes != nil {
		b.WriteString("\n" + m.Changes.Markdown())
	}
	var notes []string
	for _, tg := range m.Targets {
		for _, id := range m.IDs {
			cell, ok := m.Cells[tg][id]
			if !ok || cell.Outcome == Pass || cell.Outcome == Skipped {
				continue
			}
			msg := strings.ReplaceAll(strings.TrimSpace(cell.Message), "\n", "\n  > ")
			outcome := string(cell.Outcome)
			if cell.Kind != "" {
				outcome += ", " + string(cell.Kind)
			}
			note := fmt.Sprintf("- **%s %s** (%s): %s\n  > %s", tg, id, outcome, cell.Text, msg)
			if cell.Rerun != "" {
				note += "\n\n  rerun: `" + cell.Rerun + "`"
			}
			notes = append(notes, note)
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n### Failures, expected failures and deviations\n\n" + strings.Join(notes, "\n") + "\n")
	}
	return b.String()
}

// ProtocolNote says which targets were judged by a protocol other than
// the default, upper-echo, and by which; "" when every target was judged
// by upper-echo.
func (m Matrix) ProtocolNote() string {
	if len(m.Protocols) == 0 {
		return ""
	}
	by := map[string][]string{}
	var protos []string
	for _, tg := range m.Targets {
		p, ok := m.Protocols[tg]
		if !ok {
			continue
		}
		if by[p] == nil {
			protos = append(protos, p)
		}
		by[p] = append(by[p], tg)
	}
	sort.Strings(protos)
	var parts []string
	for _, p := range protos {
		what := p
		if pr, err := payload.ParseProtocol(p); err == nil {
			what += " (" + pr.Description() + ")"
		}
		parts = append(parts, fmt.Sprintf("%s judged by protocol %s", strings.Join(by[p], ", "), what))
	}
	note := "Protocol: " + strings.Join(parts, "; ")
	if len(m.Protocols) < len(m.Targets) {
		note += "; every other target by upper-echo"
	}
	return note + "."
}

// Summary counts the outcomes in one line.
func (m Matrix) Summary() string {
	c := m.Counts()
	var parts []string
	for _, o := range Outcomes {
		parts = append(parts, fmt.Sprintf("%d %s", c[o], o))
	}
	return strings.Join(parts, ", ") + "."
}
