package report

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// Merge puts several matrices — the shards of one run, split by target
// and by label — into one. It refuses, with the reason:
//   - the same run twice (same start time and seed: a report given twice);
//   - runs of different spec versions (their IDs may not mean the same);
//   - two shards that both ran one spec against one target (they overlap).
func Merge(ms ...Matrix) (Matrix, error) {
	out := Matrix{Texts: map[string]string{}, Categories: map[string]string{}, Levels: map[string]string{}, Cells: map[string]map[string]Cell{}}
	from := map[string]string{} // "target id" → the run that has it
	for i, m := range ms {
		for _, r := range m.Runs {
			for _, prev := range out.Runs {
				if !r.Start.IsZero() && r.Start.Equal(prev.Start) && r.Seed == prev.Seed {
					return Matrix{}, fmt.Errorf("merge: %s and %s are the same run (started %s, seed %d): a report merged twice",
						name(prev), name(r), r.Start.Format("2006-01-02 15:04:05.000"), r.Seed)
				}
			}
		}
		if i > 0 && m.Version != out.Version {
			return Matrix{}, fmt.Errorf("merge: %s has spec version %s, but %s has %s: reports of different spec versions do not merge (run every shard with the same echospec)",
				names(out.Runs), orNone(out.Version), names(m.Runs), orNone(m.Version))
		}
		out.Version = m.Version
		for _, tg := range m.Targets {
			if out.Cells[tg] == nil {
				out.Cells[tg] = map[string]Cell{}
				out.Targets = append(out.Targets, tg)
			}
			for id, c := range m.Cells[tg] {
				if prev, dup := from[tg+" "+id]; dup {
					return Matrix{}, fmt.Errorf("merge: %s and %s both ran %s against %s: shards must not overlap (a report merged twice?)",
						prev, names(m.Runs), id, tg)
				}
				from[tg+" "+id] = names(m.Runs)
				out.Cells[tg][id] = c
			}
			if p, ok := m.Protocols[tg]; ok {
				if out.Protocols == nil {
					out.Protocols = map[string]string{}
				}
				out.Protocols[tg] = p
			}
		}
		for _, id := range m.IDs {
			if _, seen := out.Texts[id]; !seen {
				out.IDs = append(out.IDs, id)
				out.Texts[id], out.Categories[id], out.Levels[id] = m.Texts[id], m.Categories[id], m.Levels[id]
			}
		}
		out.Runs = append(out.Runs, m.Runs...)
	}
	sort.Strings(out.Targets)
	out.sortIDs()
	return out, nil
}

func name(r RunID) string {
	if r.Source != "" {
		return r.Source
	}
	return "the run of " + r.Start.Format("2006-01-02 15:04:05.000")
}

func names(rs []RunID) string {
	var ns []string
	for _, r := range rs {
		if n := name(r); !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	return strings.Join(ns, ", ")
}

func orNone(v string) string {
	if v == "" {
		return "none (an older report)"
	}
	return v
}

// ReadReports reads Ginkgo JSON reports (each file a list of suite
// reports, as --json-report writes them).
func ReadReports(paths ...string) ([]types.Report, []string, error) {
	var reports []types.Report
	var sources []string
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("reports: %w", err)
		}
		var rs []types.Report
		if err := json.Unmarshal(b, &rs); err != nil {
			return nil, nil, fmt.Errorf("reports: %s: not a Ginkgo JSON report: %w", path, err)
		}
		for i := range rs {
			reports = append(reports, rs[i])
			src := path
			if len(rs) > 1 {
				src = fmt.Sprintf("%s#%d", path, i+1)
			}
			sources = append(sources, src)
		}
	}
	return reports, sources, nil
}

// ReadJSON reads Ginkgo JSON reports — one run, or the shards of one run
// in one or several files — and merges them into one matrix (Merge).
func ReadJSON(paths ...string) (Matrix, error) {
	reports, sources, err := ReadReports(paths...)
	if err != nil {
		return Matrix{}, err
	}
	var ms []Matrix
	for i, r := range reports {
		m := Build(r)
		for j := range m.Runs {
			m.Runs[j].Source = sources[i]
		}
		ms = append(ms, m)
	}
	return Merge(ms...)
}

// WriteJSON writes reports as one Ginkgo JSON report file (a list of suite
// reports): the shards merged, which ReadJSON, Merge and --baseline read
// like any other.
func WriteJSON(path string, reports []types.Report) error {
	b, err := json.MarshalIndent(reports, "", "  ")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// Verdicts is the matrix reduced to what a comparison of two runs looks
// at: "target ID" → outcome and kind. Two runs with the same verdicts
// found the same things.
func (m Matrix) Verdicts() map[string]string {
	v := map[string]string{}
	for _, tg := range m.Targets {
		for id, c := range m.Cells[tg] {
			v[tg+" "+id] = strings.TrimSpace(string(c.Outcome) + " " + string(c.Kind))
		}
	}
	return v
}

// MergeReports puts the reports of the workers of one parallel run —
// each the same suite, run with the same settings and seed, each running
// its own share of the specs and skipping the others' — into the one
// report a serial run of the whole selection would have written: every
// spec once, as the worker that ran it reported it (a spec no worker ran
// once, as filtered out); the suite's own nodes once, a failed one
// first (a preflight that failed in any worker); the run failed if any
// worker's did, for all of their reasons. Two workers that both ran a spec
// are refused, by Merge.
func MergeReports(shards ...types.Report) (types.Report, error) {
	if len(shards) == 0 {
		return types.Report{}, fmt.Errorf("merge: no report")
	}
	var ms []Matrix
	for i, r := range shards {
		r.SpecReports = slices.DeleteFunc(slices.Clone(r.SpecReports), notRun)
		m := Build(r)
		for j := range m.Runs {
			m.Runs[j].Source = fmt.Sprintf("worker %d", i+1)
			m.Runs[j].Start = time.Time{} // the workers of one run start together
		}
		ms = append(ms, m)
	}
	if _, err := Merge(ms...); err != nil {
		return types.Report{}, err
	}
	out := shards[0]
	out.SpecReports = nil
	out.SpecialSuiteFailureReasons = nil
	out.PreRunStats.SpecsThatWillRun = 0
	specs := map[string]int{}      // a spec's full text → its place in out
	suiteNodes := map[string]int{} // a suite node's type and text → its place
	for _, r := range shards {
		if r.StartTime.Before(out.StartTime) || out.StartTime.IsZero() {
			out.StartTime = r.StartTime
		}
		if r.EndTime.After(out.EndTime) {
			out.EndTime = r.EndTime
		}
		out.SuiteSucceeded = out.SuiteSucceeded && r.SuiteSucceeded
		out.PreRunStats.SpecsThatWillRun += r.PreRunStats.SpecsThatWillRun
		out.PreRunStats.TotalSpecs = max(out.PreRunStats.TotalSpecs, r.PreRunStats.TotalSpecs)
		for _, reason := range r.SpecialSuiteFailureReasons {
			if !slices.Contains(out.SpecialSuiteFailureReasons, reason) {
				out.SpecialSuiteFailureReasons = append(out.SpecialSuiteFailureReasons, reason)
			}
		}
		for _, s := range r.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt {
				key := s.LeafNodeType.String() + " " + s.LeafNodeText
				i, seen := suiteNodes[key]
				switch {
				case !seen:
					suiteNodes[key] = len(out.SpecReports)
					out.SpecReports = append(out.SpecReports, s)
				case s.State.Is(types.SpecStateFailureStates) && !out.SpecReports[i].State.Is(types.SpecStateFailureStates):
					out.SpecReports[i] = s
				}
				continue
			}
			key := s.FullText()
			i, seen := specs[key]
			switch {
			case !seen:
				specs[key] = len(out.SpecReports)
				out.SpecReports = append(out.SpecReports, s)
			case !notRun(s):
				out.SpecReports[i] = s
			}
		}
	}
	out.RunTime = out.EndTime.Sub(out.StartTime)
	return out, nil
}

// ElsewhereSkip is the reason a worker of a parallel run skips a spec
// another worker of the run has taken: the spec is not skipped, it ran
// there.
const ElsewhereSkip = "echospec: run by another worker of this run"

// notRun reports whether s is a spec its run did not select (skipped
// without a reason: Build leaves it out), or one another worker ran.
func notRun(s types.SpecReport) bool {
	return s.State == types.SpecStateSkipped && (s.Failure.Message == "" || s.Failure.Message == ElsewhereSkip)
}
