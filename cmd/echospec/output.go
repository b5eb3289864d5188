package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/wire"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/runner"
)

// printer writes what a person reads: a header, one line per spec as it
// ends, then the verdict table, the failures in detail, and the verdict.
type printer struct {
	w       io.Writer
	s       *runner.Suite
	verbose bool
	width   int // of the widest target name
	// reportDir is where the reports are written ("" when they are not),
	// for a failure's details to point at.
	reportDir string
}

func newPrinter(w io.Writer, s *runner.Suite, verbose bool) *printer {
	p := &printer{w: w, s: s, verbose: verbose}
	for _, t := range s.Targets {
		p.width = max(p.width, len(t.Name()))
	}
	return p
}

func (p *printer) header(sc types.SuiteConfig) {
	var names []string
	for _, t := range p.s.Targets {
		names = append(names, t.Name())
	}
	sel := "every spec"
	if sc.LabelFilter != "" {
		sel = "label filter " + report.ShellQuote(sc.LabelFilter)
	}
	if len(sc.FocusStrings) > 0 {
		sel += ", focus " + report.ShellQuote(strings.Join(sc.FocusStrings, " "))
	}
	fmt.Fprintf(p.w, "echospec: spec version %s, seed %d; %s against %s\n",
		runner.SpecVersion(), sc.RandomSeed, sel, strings.Join(names, ", "))
	if p.s.Config.TargetCmd != "" {
		fmt.Fprintf(p.w, "  %s: %s (in %s)\n", p.s.Config.TargetName, p.s.Config.TargetCmd, p.s.Run.Dir)
	}
	if pr := p.s.Config.Protocol; pr != payload.UpperEcho {
		fmt.Fprintf(p.w, "  judged by protocol %s: %s, not upper-echo\n", pr, pr.Description())
	}
}

// spec prints the line of one spec that ran (a ReportAfterEach).
func (p *printer) spec(r types.SpecReport) {
	if p.verbose || r.LeafNodeType != types.NodeTypeIt {
		return
	}
	m := report.Build(types.Report{SpecReports: []types.SpecReport{r}})
	for _, tg := range m.Targets {
		for id, c := range m.Cells[tg] {
			p.line(tg, id, c)
		}
	}
}

var marks = map[report.Outcome]string{report.Pass: "ok", report.Deviation: "dev", report.XFail: "xfail",
	report.XPass: "XPASS", report.Skipped: "skip", report.Fail: "FAIL"}

func (p *printer) line(tg, id string, c report.Cell) {
	extra := string(c.Kind)
	switch c.Outcome {
	case report.Skipped, report.Deviation, report.XPass:
		extra = oneLine(c.Message, 70)
	}
	line := fmt.Sprintf("%-5s %-*s %-4s %8s  %s", marks[c.Outcome], p.width, tg, id, c.Duration.Round(time.Millisecond), extra)
	fmt.Fprintln(p.w, strings.TrimRight(line, " "))
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n-1] + "…"
	}
	return s
}

// summary prints the verdict table, the failures in detail and the
// verdict, and returns the exit status.
func (p *printer) summary(r types.Report, m report.Matrix, cmp *report.Comparison, took time.Duration, failed bool) int {
	fmt.Fprintln(p.w)
	// Failures of the suite itself: the preflight, a timeout, an interrupt.
	preflight := false
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt || !s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		preflight = preflight || strings.HasPrefix(s.Failure.Message, runner.PreflightFailure)
		fmt.Fprintf(p.w, "%s failed: %s\n", s.LeafNodeType, indent(s.Failure.Message, "  "))
	}
	if preflight {
		fmt.Fprintln(p.w, "echospec: no spec ran: a target did not start (exit 2)")
		return exitConfig
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		if strings.Contains(reason, "no specs ran") {
			fmt.Fprintln(p.w, "echospec: no spec ran: the label filter and focus select none (echospec list shows every spec and its labels) (exit 2)")
			return exitConfig
		}
	}

	counts := map[string]map[report.Outcome]int{}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	head := []string{"target"}
	for _, o := range report.Outcomes {
		head = append(head, string(o))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	var failures []string
	for _, tg := range m.Targets {
		counts[tg] = map[report.Outcome]int{}
		for _, c := range m.Cells[tg] {
			counts[tg][c.Outcome]++
		}
		row := []string{tg}
		for _, o := range report.Outcomes {
			row = append(row, fmt.Sprint(counts[tg][o]))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
		for _, id := range m.IDs {
			if c, ok := m.Cells[tg][id]; ok && c.Outcome == report.Fail {
				failures = append(failures, fmt.Sprintf("%s %s (%s)", tg, id, orUnknown(c.Kind)))
			}
		}
	}
	tw.Flush()

	for _, tg := range m.Targets {
		for _, id := range m.IDs {
			c, ok := m.Cells[tg][id]
			if !ok || c.Outcome != report.Fail {
				continue
			}
			p.failure(r, tg, id, c)
		}
	}
	regressions := 0
	if cmp != nil {
		fmt.Fprintln(p.w, "\n"+strings.TrimSpace(cmp.Markdown()))
		regressions = len(cmp.Regressions())
	}
	fmt.Fprintf(p.w, "\n%s (%s)\n", m.Summary(), took.Round(100*time.Millisecond))
	switch {
	case regressions > 0:
		fmt.Fprintf(p.w, "REGRESSION: %d against the baseline %s (exit 3)\n", regressions, cmp.Base)
		return exitRegression
	case len(failures) > 0:
		fmt.Fprintf(p.w, "FAIL: %s (exit 1)\n", strings.Join(failures, ", "))
		return exitFail
	case failed:
		fmt.Fprintf(p.w, "FAIL: %s (exit 1)\n", strings.Join(r.SpecialSuiteFailureReasons, "; "))
		return exitFail
	}
	fmt.Fprintln(p.w, "PASS (exit 0)")
	return exitPass
}

func orUnknown(k spec.Kind) string {
	if k == "" {
		return "no kind"
	}
	return string(k)
}

// failure prints one failed spec in full: the requirement, the message,
// where, the target's output, what the spec wrote, and the rerun command.
func (p *printer) failure(r types.Report, tg, id string, c report.Cell) {
	fmt.Fprintf(p.w, "\n--- FAIL %s %s [%s] (%s): %s\n", tg, id, orUnknown(c.Kind), c.Duration.Round(time.Millisecond), c.Text)
	fmt.Fprintln(p.w, indent(strings.TrimSpace(c.Message), "    "))
	if c.Location != "" {
		fmt.Fprintf(p.w, "    at %s\n", c.Location)
	}
	for _, n := range c.Notes {
		fmt.Fprintln(p.w, "    "+oneLine(n, 200))
	}
	p.timeline(c.Timeline)
	if c.Output != "" {
		fmt.Fprintln(p.w, "    target output (tail):\n"+indent(tail(c.Output, 20), "      | "))
	}
	for _, s := range r.SpecReports {
		sid, _, _ := report.SpecID(s.LeafNodeText)
		if sid == id && report.TargetOf(s) == tg && s.CapturedGinkgoWriterOutput != "" {
			fmt.Fprintln(p.w, "    log (tail):\n"+indent(tail(s.CapturedGinkgoWriterOutput, 20), "      | "))
		}
	}
	if c.Rerun != "" {
		fmt.Fprintf(p.w, "    rerun: %s\n", c.Rerun)
	}
}

// timelineTail is how many of the failing connection's last events a
// failure's details show.
const timelineTail = 8

// timeline prints the last events of a failure's first connection (the
// failing one, when known) and where the whole timeline is.
func (p *printer) timeline(tl *wire.Timeline) {
	if tl == nil || len(tl.Conns) == 0 {
		return
	}
	c := tl.Conns[0]
	rows := tl.Rows(c)
	fmt.Fprintf(p.w, "    wire timeline, %s; its last events:\n", c.Title())
	fmt.Fprintln(p.w, "    "+wire.RowHeader)
	if len(rows) > timelineTail {
		fmt.Fprintf(p.w, "       (%d before)\n", len(rows)-timelineTail)
		rows = rows[len(rows)-timelineTail:]
	}
	for _, r := range rows {
		fmt.Fprintln(p.w, "    "+r.String())
	}
	if c.Kernel != "" {
		fmt.Fprintf(p.w, "      kernel at the failure: %s\n", c.Kernel)
	}
	if tl.Window != nil {
		fmt.Fprintln(p.w, indent(strings.TrimRight(tl.Window.String(), "\n"), "      "))
	}
	where := "in the report (--report-dir writes it)"
	if p.reportDir != "" {
		where = "in " + filepath.Join(p.reportDir, "index.html")
	}
	fmt.Fprintf(p.w, "    the whole timeline (%d connections shown, %d more) is %s\n", len(tl.Conns), tl.More, where)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
