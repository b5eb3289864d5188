package stability

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/selftest"
)

// Cell is one spec × target over every run of the sweep.
type Cell struct {
	Spec   string `json:"spec"`
	Target string `json:"target"`
	// Faulty is set for a faulty server's cell.
	Faulty bool `json:"faulty,omitempty"`
	// Declared are the kinds the spec must fail with on a faulty server,
	// or those of a correct target's declared expected failure.
	Declared []spec.Kind `json:"declared,omitempty"`
	// Aimed: the spec is one of the faulty server's aims.
	Aimed bool `json:"aimed,omitempty"`

	Runs int `json:"runs"`
	// Pass counts passes, those shaped by a declared deviation included.
	Pass int `json:"pass"`
	// Fail counts failures; XFail declared expected failures (of the
	// declared kind), XPass declared expected failures that passed.
	Fail    int `json:"fail"`
	XFail   int `json:"xfail,omitempty"`
	XPass   int `json:"xpass,omitempty"`
	Skipped int `json:"skipped"`
	// Broken counts runs that gave no verdict on the spec: the suite's
	// run broke (no report), or the spec is missing from it.
	Broken int `json:"broken,omitempty"`
	// Kinds counts the failure kinds seen (failures and expected ones).
	Kinds map[spec.Kind]int `json:"kinds,omitempty"`
	// Caught counts a faulty server's runs that failed with a declared
	// kind.
	Caught int `json:"caught,omitempty"`
	// Bounds are the bounds the spec recorded, one per What.
	Bounds []BoundStats `json:"bounds,omitempty"`
	// Failures are the first failure messages, one per kind, for reading.
	Failures []string `json:"failures,omitempty"`
}

// BoundStats is one bound of a cell over the runs: every value recorded
// (a spec that measures several times in a run records each), as a
// fraction of its limit.
type BoundStats struct {
	What    string `json:"what"`
	Unit    string `json:"unit,omitempty"`
	AtLeast bool   `json:"at_least,omitempty"`
	// Samples are the recorded bounds, in run order.
	Samples []spec.Bound `json:"samples"`
	// Min, Median and Max are fractions of the limit (1 = at the limit).
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
	// Past counts the values past their limit.
	Past int `json:"past"`
}

// Unstable reports whether the cell's verdict did not hold: a correct
// target failed it (or a run gave no verdict), or a faulty server was not
// caught with a declared kind in every run.
func (c Cell) Unstable() bool {
	if c.Faulty {
		return c.Runs == 0 || c.Caught < c.Runs
	}
	return c.Runs == 0 || c.Fail > 0 || c.Broken > 0
}

// KindsString is the kinds seen with their counts, most first:
// "timing×2, stall×1".
func (c Cell) KindsString() string {
	type kc struct {
		k spec.Kind
		n int
	}
	var ks []kc
	for k, n := range c.Kinds {
		ks = append(ks, kc{k, n})
	}
	slices.SortFunc(ks, func(a, b kc) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(string(a.k), string(b.k))
	})
	var out []string
	for _, x := range ks {
		out = append(out, fmt.Sprintf("%s×%d", x.k, x.n))
	}
	return strings.Join(out, ", ")
}

// Tally adds up the runs of the subjects into cells, in the subjects'
// order and each subject's spec order. A run belongs to the subject of
// its target's name.
func Tally(subjects []Subject, runs []selftest.Run) []Cell {
	var cells []Cell
	for _, s := range subjects {
		for _, id := range s.Specs {
			c := Cell{Spec: id, Target: s.Target.Name, Faulty: s.Faulty(), Declared: s.Declared[id], Aimed: slices.Contains(s.Aimed, id)}
			bounds := map[string]*BoundStats{}
			var whats []string
			for _, r := range runs {
				if r.Target.Name != s.Target.Name {
					continue
				}
				c.Runs++
				rc, ok := r.Cells[id]
				if r.Err != nil || !ok {
					c.Broken++
					continue
				}
				switch rc.Outcome {
				case report.Pass, report.Deviation:
					c.Pass++
				case report.XPass:
					c.XPass++
				case report.Skipped:
					c.Skipped++
				case report.XFail:
					c.XFail++
					c.seen(rc)
				case report.Fail:
					c.Fail++
					c.seen(rc)
					if c.Faulty && slices.Contains(c.Declared, rc.Kind) {
						c.Caught++
					}
				}
				for _, b := range Bounds(r.Entries[id]) {
					bs := bounds[b.What]
					if bs == nil {
						bs = &BoundStats{What: b.What, Unit: b.Unit, AtLeast: b.AtLeast}
						bounds[b.What] = bs
						whats = append(whats, b.What)
					}
					bs.Samples = append(bs.Samples, b)
				}
			}
			for _, w := range whats {
				c.Bounds = append(c.Bounds, bounds[w].summed())
			}
			cells = append(cells, c)
		}
	}
	return cells
}

// seen counts a failure's kind and keeps its message if it is the first
// of its kind.
func (c *Cell) seen(rc report.Cell) {
	k := rc.Kind
	if k == "" {
		k = "unclassified"
	}
	if c.Kinds == nil {
		c.Kinds = map[spec.Kind]int{}
	}
	c.Kinds[k]++
	if c.Kinds[k] == 1 {
		c.Failures = append(c.Failures, firstLine(rc.Message, 400))
	}
}

func (b BoundStats) summed() BoundStats {
	fs := make([]float64, len(b.Samples))
	for i, s := range b.Samples {
		fs[i] = s.Fraction()
		if s.Failed() {
			b.Past++
		}
	}
	b.Min, b.Median, b.Max = stats(fs)
	return b
}

// stats is the min, median and max of xs (0s when empty); the median of an
// even count is the mean of the middle two.
func stats(xs []float64) (lo, mid, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	mid = s[n/2]
	if n%2 == 0 {
		mid = (s[n/2-1] + s[n/2]) / 2
	}
	return s[0], mid, s[n-1]
}

// Bounds reads the bounds a spec recorded among its report entries
// (spec.BoundEntry); an entry that does not decode is left out.
func Bounds(entries []types.ReportEntry) []spec.Bound {
	var out []spec.Bound
	for _, e := range entries {
		if e.Name != spec.BoundEntry {
			continue
		}
		var b spec.Bound
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &b); err == nil && b.What != "" {
			out = append(out, b)
		}
	}
	return out
}

func firstLine(s string, max int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// Durations are the run times of one target's runs.
type Durations struct {
	Target string          `json:"target"`
	Runs   []time.Duration `json:"runs_ns"`
}

// RunTimes lists each subject's run times, in the subjects' order.
func RunTimes(subjects []Subject, runs []selftest.Run) []Durations {
	var out []Durations
	for _, s := range subjects {
		d := Durations{Target: s.Target.Name}
		for _, r := range runs {
			if r.Target.Name == s.Target.Name {
				d.Runs = append(d.Runs, r.Duration)
			}
		}
		out = append(out, d)
	}
	return out
}

// pct renders a fraction as a percentage: "0.4", "12", "340".
func pct(f float64) string {
	p := 100 * f
	if math.Abs(p) < 9.95 && p != 0 {
		return fmt.Sprintf("%.1f", p)
	}
	return fmt.Sprintf("%.0f", p)
}
