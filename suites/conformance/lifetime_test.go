package conformance

import (
	"math"
	"testing"
)

// TestTheilSen checks L2's slope: exact on a line, unmoved by a minority
// of samples taken at odd moments, and a leak's slope seen through them.
func TestTheilSen(t *testing.T) {
	xs := make([]float64, 17)
	for i := range xs {
		xs[i] = float64(6000 + 4000*i)
	}
	line := func(slope, base float64) []float64 {
		ys := make([]float64, len(xs))
		for i, x := range xs {
			ys[i] = base + slope*x
		}
		return ys
	}
	if got := theilSen(xs, line(1024, 20<<20)); math.Abs(got-1024) > 1e-6 {
		t.Errorf("a leak of 1,024 B per connection: slope %v", got)
	}
	// A flat RSS with 4 samples of 17 off by 8 MiB either way (a GC
	// just before, an allocator's cache grown just before): least
	// squares would be moved, Theil–Sen hardly.
	flat := line(0, 20<<20)
	flat[2] += 8 << 20
	flat[9] -= 8 << 20
	flat[15] += 8 << 20
	flat[16] += 8 << 20
	if got := theilSen(xs, flat); math.Abs(got) > 64 {
		t.Errorf("a flat RSS with 4 odd samples: slope %v B per connection, want about 0", got)
	}
	leak := line(1024, 20<<20)
	leak[3] -= 16 << 20 // a GC returned memory just before
	if got := theilSen(xs, leak); got < 900 || got > 1150 {
		t.Errorf("a leak of 1,024 B per connection with an odd sample: slope %v", got)
	}
	if got := theilSen([]float64{1, 1}, []float64{1, 2}); got != 0 {
		t.Errorf("no distinct xs: slope %v, want 0", got)
	}
}
