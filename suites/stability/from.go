package stability

import (
	"fmt"
	"slices"

	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/selftest"
)

// FromReports reads Ginkgo JSON reports the suite wrote before — `make
// test`'s (reports/test/conformance*.json), a sweep's kept runs, the
// self-test's (ECHOSPEC_SELFTEST_KEEP) — and returns one run for every
// target of every report, for Tally: the stability of runs made
// elsewhere, such as many fresh-clone `make test` runs, quiet and loaded.
func FromReports(paths []string) ([]selftest.Run, error) {
	reports, sources, err := report.ReadReports(paths...)
	if err != nil {
		return nil, err
	}
	var runs []selftest.Run
	for i, r := range reports {
		m := report.Build(r)
		if len(m.Targets) == 0 {
			return nil, fmt.Errorf("%s: no spec of any target ran", sources[i])
		}
		for _, tg := range m.Targets {
			runs = append(runs, selftest.Run{
				Target:   selftest.Target{Name: tg},
				Cells:    m.Cells[tg],
				Texts:    m.Texts,
				Duration: r.RunTime,
				Entries:  selftest.EntriesOf(r, tg),
			})
		}
	}
	return runs, nil
}

// ReportSubjects narrows the subjects to the targets the runs name, in
// the subjects' order, and adds a correct subject on specs for a target
// they do not know (an outside server, the Go API example's engine). A
// spec a run's report does not hold (the run skipped it, or left it out:
// make test's Unix-socket run, a self-test run narrowed to a faulty
// server's specs) is counted skipped in that run, not broken: the report
// is what it is. It returns the subjects and the runs so completed.
func ReportSubjects(subjects []Subject, runs []selftest.Run, specs []string) ([]Subject, []selftest.Run) {
	var out []Subject
	seen := map[string]bool{}
	for _, r := range runs {
		seen[r.Target.Name] = true
	}
	for _, s := range subjects {
		if seen[s.Target.Name] {
			out = append(out, s)
			delete(seen, s.Target.Name)
		}
	}
	for _, r := range runs {
		if seen[r.Target.Name] {
			out = append(out, Subject{Target: selftest.Target{Name: r.Target.Name}, Specs: specs})
			delete(seen, r.Target.Name)
		}
	}
	for i, r := range runs {
		j := slices.IndexFunc(out, func(s Subject) bool { return s.Target.Name == r.Target.Name })
		cells := map[string]report.Cell{}
		for id, c := range r.Cells {
			cells[id] = c
		}
		for _, id := range out[j].Specs {
			if _, ok := cells[id]; !ok {
				cells[id] = report.Cell{Outcome: report.Skipped}
			}
		}
		runs[i].Cells = cells
	}
	return out, runs
}
