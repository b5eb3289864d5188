package spec

import (
	"slices"
	"strings"
	"testing"
)

// TestParseKind: every kind parses as itself, the retired names as the
// kind that replaced them, and anything else is an error that lists both.
func TestParseKind(t *testing.T) {
	for _, k := range AllKinds {
		if got, err := ParseKind(" " + string(k.Kind) + " "); err != nil || got != k.Kind {
			t.Errorf("ParseKind(%q) = %q, %v", k.Kind, got, err)
		}
	}
	for _, tt := range []struct {
		name string
		want Kind
	}{
		{"early-eof", EarlyClose},
		{"reset", EarlyClose},
		{"early-close", EarlyClose},
		{"lost", Lost},
		{"rst-close", RSTClose},
	} {
		if got, err := ParseKind(tt.name); err != nil || got != tt.want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	_, err := ParseKind("bogus")
	if err == nil || !strings.Contains(err.Error(), "early-close") || !strings.Contains(err.Error(), "early-eof = early-close") || !strings.Contains(err.Error(), "reset = early-close") {
		t.Errorf("ParseKind(bogus): %v; want the valid kinds and the aliases", err)
	}
}

// TestParseKinds: kinds joined by |, an alias and its kind counted once,
// and printed back as the set's kinds joined by |.
func TestParseKinds(t *testing.T) {
	for _, tt := range []struct {
		in, out string
		want    Kinds
	}{
		{"lost", "lost", Kinds{Lost}},
		{"lost|stall", "lost|stall", Kinds{Lost, Stall}},
		{"early-eof|reset", "early-close", Kinds{EarlyClose}},
		{"lost|reset", "lost|early-close", Kinds{Lost, EarlyClose}},
		{"early-close|early-eof", "early-close", Kinds{EarlyClose}},
	} {
		got, err := ParseKinds(tt.in)
		if err != nil || !slices.Equal(got, tt.want) || got.String() != tt.out {
			t.Errorf("ParseKinds(%q) = %v (%q), %v; want %v (%q)", tt.in, got, got, err, tt.want, tt.out)
		}
	}
	for _, bad := range []string{"", "lost|", "lost|bogus"} {
		if _, err := ParseKinds(bad); err == nil {
			t.Errorf("ParseKinds(%q) succeeded", bad)
		}
	}
}

// TestKindsSet: KindsOf keeps the first of each kind in order, Contains
// answers for the set, and the empty set prints as nothing.
func TestKindsSet(t *testing.T) {
	ks := KindsOf(Stall, Lost, Stall)
	if !slices.Equal(ks, Kinds{Stall, Lost}) || ks.String() != "stall|lost" {
		t.Errorf("KindsOf(stall, lost, stall) = %v (%q)", ks, ks)
	}
	if !ks.Contains(Lost) || !ks.Contains(Stall) || ks.Contains(Crash) {
		t.Errorf("%s: Contains is wrong", ks)
	}
	if s := KindsOf().String(); s != "" {
		t.Errorf("the empty set prints %q", s)
	}
}

// TestKinds: the vocabulary is closed and has no retired name in it.
func TestKinds(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range AllKinds {
		if seen[k.Kind] {
			t.Errorf("%s listed twice", k.Kind)
		}
		seen[k.Kind] = true
		if k.Meaning == "" {
			t.Errorf("%s has no meaning", k.Kind)
		}
	}
	for a, k := range KindAliases {
		if seen[Kind(a)] {
			t.Errorf("alias %s is also a kind", a)
		}
		if !seen[k] {
			t.Errorf("alias %s stands for %s, which is not a kind", a, k)
		}
	}
	if EarlyEOF != EarlyClose || Reset != EarlyClose {
		t.Error("the deprecated constants must read as early-close")
	}
}
