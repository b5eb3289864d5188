package spec

import (
	"slices"
	"strings"
	"testing"
)

// TestParseKind: every kind parses as itself, the retired names as the
// kind that replaced them, and anything else is an error that lists both.
func TestParseKind(t *testing.T) {
	for _, k := range Kinds {
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

// TestParseKinds: kinds joined by |, an alias and its kind counted once.
func TestParseKinds(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []Kind
	}{
		{"lost", []Kind{Lost}},
		{"lost|stall", []Kind{Lost, Stall}},
		{"early-eof|reset", []Kind{EarlyClose}},
		{"lost|reset", []Kind{Lost, EarlyClose}},
		{"early-close|early-eof", []Kind{EarlyClose}},
	} {
		got, err := ParseKinds(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseKinds(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "lost|", "lost|bogus"} {
		if _, err := ParseKinds(bad); err == nil {
			t.Errorf("ParseKinds(%q) succeeded", bad)
		}
	}
}

// TestKinds: the vocabulary is closed and has no retired name in it.
func TestKinds(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range Kinds {
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
