// Command allran checks Ginkgo JSON reports of conformance runs against
// an engine (make example): every spec passed, or was skipped for a reason
// that is by design — the specs that run only when asked (the c10k spec,
// the 4 GiB stream, the lifetime spec), the max-conns
// spec only with max-conns declared. Any other skip (above all, for lack
// of the server's own process) or failure fails the check.
//
//	go run ./suites/conformancetest/cmd/allran REPORT.json...
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// byDesign are the skip reasons that are not a gap: a spec that does not
// apply to the engine, or runs only when asked.
var byDesign = []string{
	"runs only when asked", // C2, E14, L2: the skip of onlyWhenAsked
	"declares no max-conns",
}

var idText = regexp.MustCompile(`^\[([A-Z][0-9]+p?)\] `)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: allran REPORT.json...")
		os.Exit(2)
	}
	bad := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			bad = true
		}
	}
	if bad {
		os.Exit(1)
	}
}

func check(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		return err
	}
	if len(reports) == 0 {
		return fmt.Errorf("no suite in the report")
	}
	var problems, designed []string
	ran, total := 0, 0
	for _, r := range reports {
		for _, s := range r.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt {
				if s.State.Is(types.SpecStateFailureStates) {
					problems = append(problems, fmt.Sprintf("%s failed: %s", s.LeafNodeType, s.Failure.Message))
				}
				continue
			}
			m := idText.FindStringSubmatch(s.LeafNodeText)
			if m == nil {
				continue
			}
			total++
			id := m[1]
			switch {
			case s.State == types.SpecStatePassed:
				ran++
			case s.State == types.SpecStateSkipped && matchesAny(s.Failure.Message, byDesign):
				designed = append(designed, id)
			case s.State == types.SpecStateSkipped:
				problems = append(problems, fmt.Sprintf("%s skipped: %s", id, s.Failure.Message))
			default:
				problems = append(problems, fmt.Sprintf("%s %s: %s", id, s.State, s.Failure.Message))
			}
		}
	}
	fmt.Printf("%s: %d of %d specs ran and passed; skipped by design: %s\n", path, ran, total, strings.Join(designed, ", "))
	if len(problems) > 0 {
		return fmt.Errorf("%d spec(s) did not run or did not pass:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	if ran == 0 {
		return fmt.Errorf("no spec ran")
	}
	return nil
}

func matchesAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
