package runner

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
)

// builtinExpected is the expected-failures file of the built-in engines:
// their known findings, explained in the README's Findings. It is part of
// the binary, so the suite does not depend on its working directory.
//
//go:embed expected_failures.txt
var builtinExpected string

// ExpectedFailures maps target → spec ID → the declared failure.
type ExpectedFailures map[string]map[string]conformance.Expected

// BuiltinExpectedFailures returns the built-in engines' declarations.
func BuiltinExpectedFailures() (ExpectedFailures, error) {
	return ParseExpectedFailures(strings.NewReader(builtinExpected))
}

// ParseExpectedFailures reads an expected-failures file: one declaration a
// line, "TARGET SPEC-ID KIND reason…" (KIND a failure kind of
// package spec, or several joined by "|" for a failure whose kind depends
// on something its reason names; a retired name, early-eof or reset, is
// read as the kind that replaced it, early-close); blank lines and lines
// starting with # are ignored. It checks the syntax, the kind and the spec
// ID; Validate checks the targets.
func ParseExpectedFailures(r io.Reader) (ExpectedFailures, error) {
	out := ExpectedFailures{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			return nil, fmt.Errorf("expected failures, line %d: want TARGET SPEC-ID KIND REASON, got %q", n, line)
		}
		tg, id := f[0], f[1]
		if _, ok := conformance.Lookup(id); !ok {
			return nil, fmt.Errorf("expected failures, line %d: unknown spec ID %q (valid: %s)", n, id, strings.Join(conformance.IDs(), ", "))
		}
		kinds, err := spec.ParseKinds(f[2])
		if err != nil {
			return nil, fmt.Errorf("expected failures, line %d: %w", n, err)
		}
		if out[tg] == nil {
			out[tg] = map[string]conformance.Expected{}
		}
		if _, dup := out[tg][id]; dup {
			return nil, fmt.Errorf("expected failures, line %d: %s %s declared twice", n, tg, id)
		}
		out[tg][id] = conformance.Expected{Kinds: kinds, Why: strings.Join(f[3:], " ")}
	}
	return out, sc.Err()
}

// Validate fails when a declaration names a target that is not among
// targets, with the list of valid ones.
func (x ExpectedFailures) Validate(targets []string) error {
	for tg := range x {
		if !slices.Contains(targets, tg) {
			return fmt.Errorf("expected failures: unknown target %q (valid: %s)", tg, strings.Join(targets, ", "))
		}
	}
	return nil
}
