package faulty

// These tests check the catalog's bookkeeping only. They never start a
// faulty server: several crash, leak or spin on purpose, and run only as
// outside targets (suites/selftest).

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

var specID = regexp.MustCompile(`^[A-Z][0-9]+p?$`)

func TestCatalog(t *testing.T) {
	bugs := Catalog()
	if len(bugs) < 18 {
		t.Errorf("%d faulty servers, want at least 18", len(bugs))
	}
	perCategory := map[spec.Category]int{}
	python := 0
	seen := map[string]bool{}
	for i, b := range bugs {
		if seen[b.Name] {
			t.Errorf("%s: listed twice", b.Name)
		}
		seen[b.Name] = true
		if i > 0 && spec.CategoryOrder(bugs[i-1].Category) > spec.CategoryOrder(b.Category) {
			t.Errorf("%s: the catalog goes by category, in the suite's order", b.Name)
		}
		perCategory[b.Category]++
		if !slices.Contains(spec.Categories, b.Category) {
			t.Errorf("%s: unknown category %q", b.Name, b.Category)
		}
		if b.Defect == "" || b.Models == "" {
			t.Errorf("%s: needs a defect and the real bug it models", b.Name)
		}
		if len(b.Aims) == 0 && len(b.KnownMisses) == 0 {
			t.Errorf("%s: aims at no spec, and has no known miss", b.Name)
		}
		ids := map[string]bool{}
		for _, c := range b.Declared() {
			if !specID.MatchString(c.ID) {
				t.Errorf("%s: bad spec ID %q", b.Name, c.ID)
			}
			if len(c.Kinds) == 0 {
				t.Errorf("%s: %s declares no kind", b.Name, c.ID)
			}
			for _, k := range c.Kinds {
				if _, err := spec.ParseKind(string(k)); err != nil {
					t.Errorf("%s: %s: %v", b.Name, c.ID, err)
				}
			}
			if ids[c.ID] {
				t.Errorf("%s: %s declared twice", b.Name, c.ID)
			}
			ids[c.ID] = true
		}
		for id, why := range b.KnownMisses {
			if !specID.MatchString(id) || why == "" || ids[id] {
				t.Errorf("%s: known miss %q needs a spec ID it does not declare, and a reason", b.Name, id)
			}
		}
		if _, ok := b.Declares("C3"); ok && b.Profile.MaxConns == 0 {
			t.Errorf("%s: C3 applies only to a target that declares max-conns", b.Name)
		}
		if b.Profile.String() != "" {
			if p, err := engine.ParseProfile(b.Profile.String()); err != nil || p.MaxConns != b.Profile.MaxConns || p.BusyIdle != b.Profile.BusyIdle {
				t.Errorf("%s: profile %q does not survive ECHOSPEC_TARGET_PROFILE: %v", b.Name, b.Profile, err)
			}
		}
		switch {
		case b.Go() && b.Script != "":
			t.Errorf("%s: both a Go engine and a script", b.Name)
		case b.Go():
			if b.Engine.Name() != b.Name {
				t.Errorf("%s: engine named %q", b.Name, b.Engine.Name())
			}
			if !strings.Contains(b.Engine.Model(), "FAULTY ON PURPOSE") {
				t.Errorf("%s: its model must say FAULTY ON PURPOSE: %q", b.Name, b.Engine.Model())
			}
		default:
			python++
			src, err := os.ReadFile(filepath.Join("..", "..", b.Script))
			if err != nil {
				t.Errorf("%s: %v", b.Name, err)
			} else if !bytes.Contains(src, []byte("FAULTY ON PURPOSE")) {
				t.Errorf("%s: %s must say FAULTY ON PURPOSE", b.Name, b.Script)
			}
		}
		if got, err := Lookup(b.Name); err != nil || got.Name != b.Name {
			t.Errorf("Lookup(%q) = %v, %v", b.Name, got.Name, err)
		}
	}
	for _, c := range spec.Categories {
		// The explorer (X1) is aimed at no defect in particular: its
		// catch rate over this whole catalog is measured apart.
		if c == spec.CatExplore {
			continue
		}
		if perCategory[c] < 2 {
			t.Errorf("category %s has %d faulty servers, want at least 2", c, perCategory[c])
		}
	}
	if python < 2 {
		t.Errorf("%d Python faulty servers, want at least 2", python)
	}
	if _, err := Lookup("no-such-bug"); err == nil {
		t.Error("Lookup of an unknown name must fail")
	}
}

// TestMarkedFaulty checks that every source file of the catalog says it is
// broken on purpose, and that no built-in engine registry imports it.
func TestMarkedFaulty(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	py, _ := filepath.Glob("py/*.py")
	for _, f := range append(files, py...) {
		if strings.HasSuffix(f, "_test.go") || f == "doc.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(src, []byte("FAULTY ON PURPOSE")) {
			t.Errorf("%s: no FAULTY ON PURPOSE line", f)
		}
	}
	all, _ := filepath.Glob("../all/*.go")
	for _, f := range all {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(src, []byte("servers/faulty")) {
			t.Errorf("%s imports the faulty servers: they must never be registered as engines", f)
		}
	}
}

// TestSWARUpper checks that the swar-tail transform is right except for
// its one defect.
func TestSWARUpper(t *testing.T) {
	in := make([]byte, 256)
	for i := range in {
		in[i] = byte(i)
	}
	for _, n := range []int{1, 7, 8, 16, 256} {
		got := slices.Clone(in[:n])
		want := slices.Clone(in[:n])
		swarUpper(got)
		want = payload.Expect(want)
		if !bytes.Equal(got, want) {
			t.Errorf("swarUpper of %d bytes (no tail) = % x, want % x", n, got, want)
		}
	}
	b := []byte("abcdefghz") // 9 bytes: a tail of one
	swarUpper(b)
	if string(b) != "ABCDEFGHz" {
		t.Errorf("swarUpper(abcdefghz) = %q, want the defect: ABCDEFGHz", b)
	}
}

// TestCatchKinds checks declarations of one kind and of several, and how
// they print in the self-test's report.
func TestCatchKinds(t *testing.T) {
	cs := catches(spec.Lost, "E8", "E12")
	if len(cs) != 2 || cs[0].ID != "E8" || cs[1].ID != "E12" || !cs[1].Kinds.Contains(spec.Lost) || cs[1].Kinds.Contains(spec.Stall) || cs[1].String() != "E12: lost" {
		t.Errorf("catches(lost, E8, E12) = %+v", cs)
	}
	c := catchesEither(spec.KindsOf(spec.Lost, spec.Stall), "E12")[0]
	if c.ID != "E12" || !c.Kinds.Contains(spec.Lost) || !c.Kinds.Contains(spec.Stall) || c.Kinds.Contains(spec.EarlyClose) || c.String() != "E12: lost|stall" {
		t.Errorf("catchesEither(lost|stall, E12) = %+v (%s)", c, c)
	}
}

// TestRegistered: every constructor of the catalog is registered once (a
// server whose file forgot its init would be missing from Catalog).
func TestRegistered(t *testing.T) {
	if len(Catalog()) != len(registered) {
		t.Fatalf("Catalog has %d servers, %d registered", len(Catalog()), len(registered))
	}
	src, err := filepath.Glob("bug_*.go")
	if err != nil {
		t.Fatal(err)
	}
	inits := 0
	for _, f := range append(src, "python.go") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("func init() { register(")) {
			t.Errorf("%s registers no faulty server", f)
		}
		inits += bytes.Count(b, []byte("\nfunc init() { register("))
		// each constructor of the file's is registered by its init
		for _, m := range regexp.MustCompile(`(?m)^func ([a-z]\w*)\(\) Bug`).FindAllSubmatch(b, -1) {
			if !regexp.MustCompile(`func init\(\) \{ register\([^)]*\b` + string(m[1]) + `\b`).Match(b) {
				t.Errorf("%s: %s is not registered", f, m[1])
			}
		}
	}
	if inits != len(src)+1 {
		t.Errorf("%d inits register servers in %d files", inits, len(src)+1)
	}
}
