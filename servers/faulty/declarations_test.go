package faulty_test

// TestDeclarations checks what every faulty server declares against the
// spec catalog at unit-test speed, without running a server: a typo in a
// spec ID, or a kind its spec cannot raise, fails here rather than after a
// self-test run.

import (
	"slices"
	"testing"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
)

// anySpecRaises are the kinds every spec may fail with on top of its own:
// a server that dies (crash) or stops answering (stall, also the kind of a
// spec whose time ran out).
var anySpecRaises = spec.KindsOf(spec.Crash, spec.Stall)

// TestDeclarations: every aim, catch and known miss of every faulty server
// names a spec of the catalog (proxied variants included), and every
// declared kind is one that spec can raise: its Kinds, crash or stall.
// Aims go only to specs that judge (that have kinds of their own).
func TestDeclarations(t *testing.T) {
	ids := conformance.IDs()
	for _, b := range faulty.Catalog() {
		for _, c := range b.Declared() {
			d, ok := conformance.Lookup(c.ID)
			if !ok || !slices.Contains(ids, c.ID) {
				t.Errorf("%s declares %s: no such spec (valid: %v)", b.Name, c, ids)
				continue
			}
			if err := checkKinds(d, c.Kinds); err != "" {
				t.Errorf("%s declares %s: %s", b.Name, c, err)
			}
			if b.Aimed(c.ID) && len(d.Kinds) == 0 {
				t.Errorf("%s aims at %s, which judges nothing (it only measures)", b.Name, c.ID)
			}
		}
		for id := range b.KnownMisses {
			if !slices.Contains(ids, id) {
				t.Errorf("%s: known miss %s: no such spec (valid: %v)", b.Name, id, ids)
			}
		}
	}
}

// checkKinds says which of ks spec d cannot raise, or "" when it can raise
// them all.
func checkKinds(d conformance.Def, ks spec.Kinds) string {
	if len(ks) == 0 {
		return "no kind declared"
	}
	for _, k := range ks {
		if !spec.Kinds(d.Kinds).Contains(k) && !anySpecRaises.Contains(k) {
			return string(k) + " is not a kind " + d.ID + " raises (" + spec.KindsOf(append(slices.Clone(d.Kinds), anySpecRaises...)...).String() + ")"
		}
	}
	return ""
}
