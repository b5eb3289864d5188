// Command tally counts passed and failed tests in Ginkgo JSON reports and
// `go test -json` streams, prints the failures of the latter, and ends with
// the plain line "N passed, N failed" that CI reads.
//
//	tally [-go FILE]... [-ginkgo FILE]...
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(s string) error { *f = append(*f, s); return nil }

func main() {
	var goFiles, ginkgoFiles files
	flag.Var(&goFiles, "go", "a `go test -json` output file (repeatable)")
	flag.Var(&ginkgoFiles, "ginkgo", "a Ginkgo JSON report (repeatable)")
	flag.Parse()
	var passed, failed int
	for _, f := range goFiles {
		p, fl, err := goTests(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tally:", err)
			os.Exit(2)
		}
		passed, failed = passed+p, failed+fl
	}
	for _, f := range ginkgoFiles {
		p, fl, err := ginkgoSpecs(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tally:", err)
			os.Exit(2)
		}
		passed, failed = passed+p, failed+fl
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
}

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// goTests counts tests (and packages that failed without a test, such as
// build failures) and prints the output of every failed one.
func goTests(name string) (passed, failed int, err error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Println(sc.Text()) // not JSON: a build error, say
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			out[key] = append(out[key], e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			}
		case "fail":
			if e.Test != "" || len(out[key]) > 0 && !hasTests(out, e.Package) {
				failed++
			}
			fmt.Printf("--- FAIL: %s\n%s", key, strings.Join(out[key], ""))
		}
	}
	return passed, failed, sc.Err()
}

func hasTests(out map[string][]string, pkg string) bool {
	for k := range out {
		if strings.HasPrefix(k, pkg+" ") && k != pkg+" " {
			return true
		}
	}
	return false
}

func ginkgoSpecs(name string) (passed, failed int, err error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, 0, err
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", name, err)
	}
	for _, r := range reports {
		for _, s := range r.SpecReports {
			switch {
			case s.State == types.SpecStatePassed && s.LeafNodeType == types.NodeTypeIt:
				passed++
			case s.State.Is(types.SpecStateFailureStates):
				failed++
			}
		}
	}
	return passed, failed, nil
}
