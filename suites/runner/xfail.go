package conformance

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ParseExpectedFailures reads the expected-failures file: one declaration
// a line, "TARGET SPEC-ID reason…"; blank lines and lines starting with #
// are ignored. It returns target → spec ID → reason.
func ParseExpectedFailures(r io.Reader) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("expected failures, line %d: want TARGET SPEC-ID REASON, got %q", n, line)
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]string{}
		}
		if _, dup := out[f[0]][f[1]]; dup {
			return nil, fmt.Errorf("expected failures, line %d: %s %s declared twice", n, f[0], f[1])
		}
		out[f[0]][f[1]] = strings.Join(f[2:], " ")
	}
	return out, sc.Err()
}
