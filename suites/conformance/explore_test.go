package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
)

// A printed script parses back to the same seed and operations: what X1
// prints for a failure is what --replay runs.
func TestExploreScriptRoundTrip(t *testing.T) {
	ops := []exploreOp{
		{Kind: opOpen, Conn: 0},
		{Kind: opOpen, Conn: 1, Via: viaSlicer},
		{Kind: opOpen, Conn: 2, Via: viaResetPeer, N: 40},
		{Kind: opOpen, Conn: 3, Via: viaLimitData, N: 1200},
		{Kind: opWrite, Conn: 0, N: 5000, Chunk: 700},
		{Kind: opRead, Conn: 0, N: 3000},
		{Kind: opFlood, Conn: 1},
		{Kind: opHalfClose, Conn: 0},
		{Kind: opClose, Conn: 1},
		{Kind: opReset, Conn: 2},
		{Kind: opBurst, N: 16},
		{Kind: opBurst, N: 64, End: burstReset},
		{Kind: opBurst, N: 100, End: burstEmpty},
		{Kind: opBurst, N: 9, End: burstQueue},
		{Kind: opBurst, N: 5, End: burstAbort},
		{Kind: opBurst, N: 1100, End: burstCrowd},
		{Kind: opIdle, N: 200},
		{Kind: opIdle, N: 3000},
		{Kind: opStarve, N: 40},
	}
	text := formatScript(42, ops)
	for _, want := range []string{"seed 42\n", "open c2 via slicer\n", "open c3 via reset-peer 40\n", "write c1 5000 in 700\n", "half-close c1\n", "burst 16\n", "burst 64 reset\n", "burst 100 empty\n", "burst 9 queue\n", "burst 5 abort\n", "idle 200ms\n", "idle 3000ms\n", "starve 40\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("script lacks %q:\n%s", want, text)
		}
	}
	seed, got, err := parseScript(text)
	if err != nil {
		t.Fatal(err)
	}
	if seed != 42 || !slices.Equal(got, ops) {
		t.Fatalf("parsed back seed %d, %v; want 42, %v", seed, got, ops)
	}
}

// Every generated operation prints a line that parses back to it, and
// every kind of operation is generated.
func TestExploreGeneratedOpsParse(t *testing.T) {
	params := gopter.DefaultGenParameters().WithSize(exploreOps)
	params.Rng.Seed(7)
	seen := map[opKind]bool{}
	ends := map[burstEnd]bool{}
	for range 200 {
		v, ok := gen.SliceOf(genOp(exploreLongIdleMax))(params).Retrieve()
		if !ok {
			t.Fatal("no scenario generated")
		}
		ops := v.([]exploreOp)
		_, got, err := parseScript(formatScript(1, ops))
		if err != nil {
			t.Fatalf("%v\n%s", err, formatScript(1, ops))
		}
		if !slices.Equal(got, ops) {
			t.Fatalf("parsed back %v, want %v", got, ops)
		}
		for _, o := range ops {
			seen[o.Kind] = true
			if o.Kind == opBurst {
				ends[o.End] = true
			}
		}
	}
	for k := range opKinds {
		if !seen[k] {
			t.Errorf("operation %s never generated", k)
		}
	}
	for e := range burstEnds {
		if !ends[e] {
			t.Errorf("burst %q never generated", burstNames[e])
		}
	}
}

// Bad scripts are refused with the line.
func TestExploreScriptErrors(t *testing.T) {
	for _, bad := range []string{
		"open c1\n",             // no seed
		"seed 1\nopen c9\n",     // no such slot
		"seed 1\nwrite c1 10\n", // no chunk
		"seed 1\nopen c1 via wormhole\n",
		"seed 1\nopen c1 via slicer 3\n",
		"seed 1\nfly c1\n",
		"seed 1\nburst 3 hold\n",
		"seed 1\nburst 65\n",
		"seed 1\nstarve 41\n",
	} {
		if _, _, err := parseScript(bad); err == nil {
			t.Errorf("parsed %q without an error", bad)
		}
	}
}
