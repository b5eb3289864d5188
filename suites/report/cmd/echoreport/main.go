// Command echoreport rebuilds the conformance matrix (index.html and
// matrix.md) from a saved Ginkgo JSON report:
//
//	go run ./suites/report/cmd/echoreport -json reports/conformance.json -out reports
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/echospec/echospec/suites/report"
)

func main() {
	in := flag.String("json", "reports/conformance.json", "Ginkgo JSON report of a conformance run")
	out := flag.String("out", "reports", "directory for index.html and matrix.md")
	flag.Parse()
	m, err := report.ReadJSON(*in)
	if err == nil {
		err = m.Write(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "echoreport:", err)
		os.Exit(1)
	}
	fmt.Printf("echoreport: %d targets × %d specs → %s/index.html, %s/matrix.md\n%s\n", len(m.Targets), len(m.IDs), *out, *out, m.Summary())
}
