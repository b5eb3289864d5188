// Command echoreport rebuilds the conformance matrix (index.html and
// matrix.md) from saved Ginkgo JSON reports, merges the shards of one run,
// and compares a run with a baseline:
//
//	echoreport -json reports/conformance.json -out reports
//	echoreport -out merged -json-out merged/conformance.json shard-*/conformance.json
//	echoreport -base old.json new.json
//
// Several reports (the shards of one run, split by target and by label)
// merge into one matrix; the same report twice, shards that overlap and
// reports of different spec versions are refused, with the reason.
//
// Exit status: 0 done; 1 the reports could not be read, merged or
// written; 3 a regression against -base (a spec that fails where the
// baseline did not, or with another failure kind).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/echospec/echospec/suites/report"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var in list
	flag.Var(&in, "json", "a Ginkgo JSON report of a conformance run (repeatable; also as arguments)")
	out := flag.String("out", "reports", "directory for index.html and matrix.md")
	base := flag.String("base", "", "a baseline JSON report: show the changes since it, exit 3 on a regression")
	jsonOut := flag.String("json-out", "", "also write the merged reports to this JSON file (a baseline, or input, for later runs)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: echoreport [-out DIR] [-base OLD.json] [-json-out FILE] REPORT.json...")
		flag.PrintDefaults()
	}
	flag.Parse()
	in = append(in, flag.Args()...)
	if len(in) == 0 {
		in = list{"reports/conformance.json"}
	}
	os.Exit(run(in, *out, *base, *jsonOut))
}

func run(in []string, out, base, jsonOut string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "echoreport:", err)
		return 1
	}
	m, err := report.ReadJSON(in...)
	if err != nil {
		return fail(err)
	}
	if base != "" {
		old, err := report.ReadJSON(base)
		if err != nil {
			return fail(fmt.Errorf("baseline: %w", err))
		}
		c := report.Compare(old, base, m)
		m.Changes = &c
	}
	if err := m.Write(out); err != nil {
		return fail(err)
	}
	if jsonOut != "" {
		reports, _, err := report.ReadReports(in...)
		if err == nil {
			err = report.WriteJSON(jsonOut, reports)
		}
		if err != nil {
			return fail(err)
		}
	}
	fmt.Printf("echoreport: %d reports, %d targets × %d specs → %s/index.html, %s/matrix.md\n%s\n",
		len(m.Runs), len(m.Targets), len(m.IDs), out, out, m.Summary())
	if m.Changes != nil {
		fmt.Print(m.Changes.Markdown())
		if len(m.Changes.Regressions()) > 0 {
			return 3
		}
	}
	return 0
}
