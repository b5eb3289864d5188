package stability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/spec"
)

// Header is what a result says about how it was made.
type Header struct {
	Date     time.Time     `json:"date"`
	Kernel   string        `json:"kernel"` // uname -r
	NProc    int           `json:"nproc"`
	Runs     int           `json:"runs"` // per target
	Hogs     int           `json:"hogs"`
	Parallel int           `json:"parallel"`
	Workers  int           `json:"workers,omitempty"` // echospec run --workers, or 0: the test binary
	Command  string        `json:"command"`
	Elapsed  time.Duration `json:"elapsed_ns"` // wall time of the runs
	// Notes say what was left out, and why.
	Notes []string `json:"notes,omitempty"`
}

// Result is a sweep's outcome: its cells and its targets' run times.
type Result struct {
	Header   Header      `json:"header"`
	Cells    []Cell      `json:"cells"`
	RunTimes []Durations `json:"run_times"`
}

// Unstable returns the unstable cells, in table order.
func (r Result) Unstable() []Cell {
	var out []Cell
	for _, c := range r.sorted() {
		if c.Unstable() {
			out = append(out, c)
		}
	}
	return out
}

// sorted is the cells in table order: by spec (the suite's order), then
// correct targets before faulty servers, then as the sweep listed them.
func (r Result) sorted() []Cell {
	cs := slices.Clone(r.Cells)
	slices.SortStableFunc(cs, func(a, b Cell) int {
		if c := compareSpecs(a.Spec, b.Spec); c != 0 {
			return c
		}
		switch {
		case a.Faulty == b.Faulty:
			return 0
		case a.Faulty:
			return 1
		}
		return -1
	})
	return cs
}

// Markdown renders the result: the header lines, one table row per
// spec × target, the run times, the failures' first messages, and the
// summary line.
func (r Result) Markdown() string {
	var b strings.Builder
	h := r.Header
	b.WriteString("# echospec stability\n\n")
	fmt.Fprintf(&b, "- date: %s\n", h.Date.Format(time.RFC3339))
	fmt.Fprintf(&b, "- kernel (uname -r): %s, nproc: %d\n", h.Kernel, h.NProc)
	fmt.Fprintf(&b, "- runs per target: %d, hogs: %d, parallel: %d\n", h.Runs, h.Hogs, h.Parallel)
	if h.Workers > 0 {
		fmt.Fprintf(&b, "- each run: echospec run --workers %d (not the test binary)\n", h.Workers)
	}
	fmt.Fprintf(&b, "- command: `%s`\n", h.Command)
	if h.Elapsed > 0 {
		fmt.Fprintf(&b, "- wall time: %v\n", h.Elapsed.Round(time.Second))
	}
	for _, n := range h.Notes {
		fmt.Fprintf(&b, "- note: %s\n", n)
	}
	b.WriteString("\nEach row is one spec against one target over every run. kinds: the failure kinds seen (failures and declared expected ones). " +
		"declared: a faulty server's kinds for the spec (◎ aimed at it), or a correct target's declared expected failure. " +
		"caught: the runs a faulty server failed with a declared kind. " +
		"bounds: each measure the spec judged, as a percentage of its limit, min / median / max over every value recorded " +
		"(≥: the value must reach the limit; n: values; past: values beyond the limit).\n\n")
	b.WriteString("| spec | target | runs | pass | fail | xfail | skipped | kinds | declared | caught | bounds (% of the limit: min / median / max) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.sorted() {
		declared, caught := "", ""
		if len(c.Declared) > 0 {
			declared = spec.Kinds(c.Declared).String()
			if c.Aimed {
				declared = "◎ " + declared
			}
		}
		if c.Faulty {
			caught = fmt.Sprintf("%d of %d", c.Caught, c.Runs)
		}
		skipped := fmt.Sprint(c.Skipped)
		if c.Broken > 0 {
			skipped += fmt.Sprintf(" (+%d broken)", c.Broken)
		}
		xfail := fmt.Sprint(c.XFail)
		if c.XPass > 0 {
			xfail += fmt.Sprintf(" (+%d xpass)", c.XPass)
		}
		target := c.Target
		if c.Unstable() {
			target = "**" + target + "** ⚠"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %s | %s | %s | %s | %s | %s |\n",
			c.Spec, target, c.Runs, c.Pass, c.Fail, xfail, skipped, c.KindsString(), declared, caught, boundsCell(c.Bounds))
	}

	if len(r.RunTimes) > 0 {
		b.WriteString("\n## Run times\n\nOne run is one suite process against one target, focused on its specs.\n\n| target | specs | runs | min | median | max |\n|---|---|---|---|---|---|\n")
		specsOf := map[string]int{}
		for _, c := range r.Cells {
			specsOf[c.Target]++
		}
		for _, d := range r.RunTimes {
			lo, mid, hi := durationStats(d.Runs)
			fmt.Fprintf(&b, "| %s | %d | %d | %v | %v | %v |\n", d.Target, specsOf[d.Target], len(d.Runs), lo, mid, hi)
		}
	}

	var fails []string
	for _, c := range r.sorted() {
		if c.Unstable() {
			for _, m := range c.Failures {
				fails = append(fails, fmt.Sprintf("- %s × %s: %s", c.Spec, c.Target, mdCell(m)))
			}
		}
	}
	if len(fails) > 0 {
		b.WriteString("\n## Unstable cells' failures (the first of each kind)\n\n" + strings.Join(fails, "\n") + "\n")
	}
	b.WriteString("\n" + r.Summary() + "\n")
	return b.String()
}

// Summary is the result's last line: how many cells are unstable, and
// which.
func (r Result) Summary() string {
	un := r.Unstable()
	if len(un) == 0 {
		return fmt.Sprintf("**Stable**: 0 of %d cells unstable.", len(r.Cells))
	}
	var names []string
	for _, c := range un {
		why := ""
		switch {
		case c.Faulty:
			why = fmt.Sprintf("caught %d of %d", c.Caught, c.Runs)
		case c.Broken > 0 && c.Fail == 0:
			why = fmt.Sprintf("%d broken of %d", c.Broken, c.Runs)
		default:
			why = fmt.Sprintf("failed %d of %d", c.Fail, c.Runs)
			if k := c.KindsString(); k != "" {
				why += ": " + k
			}
		}
		names = append(names, fmt.Sprintf("%s × %s (%s)", c.Spec, c.Target, why))
	}
	return fmt.Sprintf("**Unstable**: %d of %d cells: %s.", len(un), len(r.Cells), strings.Join(names, "; "))
}

// Write writes stability.md and stability.json into dir.
func (r Result) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "stability.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "stability.md"), []byte(r.Markdown()), 0o644)
}

// boundsCell renders a cell's bounds: "median round trip … 3.1 / 4.0 / 9.2% (n=10)".
func boundsCell(bs []BoundStats) string {
	var out []string
	for _, s := range bs {
		at := ""
		if s.AtLeast {
			at = "≥ "
		}
		line := fmt.Sprintf("%s%s %s / %s / %s%% (n=%d", at, s.What, pct(s.Min), pct(s.Median), pct(s.Max), len(s.Samples))
		if s.Past > 0 {
			line += fmt.Sprintf(", past %d", s.Past)
		}
		out = append(out, mdCell(line+")"))
	}
	return strings.Join(out, "; ")
}

func durationStats(ds []time.Duration) (lo, mid, hi time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
	n := len(s)
	mid = s[n/2]
	if n%2 == 0 {
		mid = (s[n/2-1] + s[n/2]) / 2
	}
	return r(s[0]), r(mid), r(s[n-1])
}

// mdCell makes text fit in one Markdown table cell or list line.
func mdCell(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
