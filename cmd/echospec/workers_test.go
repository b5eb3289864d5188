package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/suites/conformance"
)

// defaultUnits are the default selection against one target, as the
// parent would see it.
func defaultUnits(tg string) []unit {
	var us []unit
	for _, id := range conformance.IDs() {
		d, _ := conformance.Lookup(id)
		u := unit{text: tg + " [" + id + "]", target: tg, id: id, long: d.Long, cost: costOf(id)}
		if d.OnlyWhenAsked != "" {
			u.cost = 0
		}
		us = append(us, u)
	}
	return us
}

// TestPartition: every unit in exactly one share; E13's share fills its
// idle time with the long-running group's specs; the shares are balanced
// within the longest unit.
func TestPartition(t *testing.T) {
	us := defaultUnits("epoll")
	shares := partition(us, 4)
	if len(shares) != 4 {
		t.Fatalf("%d shares, want 4", len(shares))
	}
	seen := map[string]int{}
	var lo, hi time.Duration = 1 << 62, 0
	for i, s := range shares {
		var ids []string
		for _, u := range s {
			seen[u.text]++
			ids = append(ids, u.id)
		}
		lo, hi = min(lo, s.cost()), max(hi, s.cost())
		t.Logf("share %d (%v): %s", i+1, s.cost(), strings.Join(ids, " "))
	}
	for _, u := range us {
		if seen[u.text] != 1 {
			t.Errorf("%s in %d shares", u.text, seen[u.text])
		}
	}
	if hi-lo > costOf("C4") {
		t.Errorf("shares from %v to %v: not balanced", lo, hi)
	}
	if got := partition(us[:2], 4); len(got) != 2 {
		t.Errorf("2 units in %d shares, want 2", len(got))
	}
}

// TestTypicalNamesSpecs: the cost table names only specs of the catalog.
func TestTypicalNamesSpecs(t *testing.T) {
	ids := conformance.IDs()
	for id := range typical {
		if !slices.Contains(ids, strings.TrimSuffix(id, "p")) {
			t.Errorf("typical names %s, not a spec", id)
		}
	}
}
