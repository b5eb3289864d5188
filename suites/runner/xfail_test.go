package runner_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/runner"
)

// TestParseExpectedFailuresKinds: kinds joined by |, and the retired names
// early-eof and reset read as early-close (counted once).
func TestParseExpectedFailuresKinds(t *testing.T) {
	x, err := runner.ParseExpectedFailures(strings.NewReader(`# a comment

srv  E1   early-eof        an old file
srv  E2   reset            an old file
srv  E3   early-eof|reset  an old file's race
srv  E12  lost|reset       an old file's race after the FIN
srv  S1   early-close      a new file
srv  E4   lost|stall       two kinds
`))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]spec.Kind{
		"E1":  {spec.EarlyClose},
		"E2":  {spec.EarlyClose},
		"E3":  {spec.EarlyClose},
		"E12": {spec.Lost, spec.EarlyClose},
		"S1":  {spec.EarlyClose},
		"E4":  {spec.Lost, spec.Stall},
	} {
		if got := x["srv"][id].Kinds; !slices.Equal(got, want) {
			t.Errorf("%s: kinds %v, want %v", id, got, want)
		}
	}
	if why := x["srv"]["E3"].Why; why != "an old file's race" {
		t.Errorf("E3's reason %q", why)
	}
	for _, bad := range []string{"srv E1 bogus why", "srv E1 lost| why", "srv E1 early-eof|bogus why"} {
		_, err := runner.ParseExpectedFailures(strings.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "early-close") {
			t.Errorf("%q: %v, want an error naming the line and the valid kinds", bad, err)
		}
	}
}

// TestProjectExpectedFailures: the project's own expected-failures files
// parse, and write kinds by their current names only.
func TestProjectExpectedFailures(t *testing.T) {
	if _, err := runner.BuiltinExpectedFailures(); err != nil {
		t.Fatalf("built-in: %v", err)
	}
	for _, p := range []string{"expected_failures.txt", filepath.Join("..", "..", "servers", "realworld", "expected_failures.txt")} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := runner.ParseExpectedFailures(strings.NewReader(string(b))); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for n, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 3 || strings.HasPrefix(f[0], "#") {
				continue
			}
			for _, k := range strings.Split(f[2], "|") {
				if now, retired := spec.KindAliases[k]; retired {
					t.Errorf("%s:%d: %s %s is declared %s, a former name: write %s", p, n+1, f[0], f[1], k, now)
				}
			}
		}
	}
}
