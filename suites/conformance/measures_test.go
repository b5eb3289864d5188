package conformance

import (
	"testing"
	"time"
)

// TestTimeQuantile checks S11's weighting: a few long round trips among
// many short ones hide below an unweighted p90 and not below a weighted
// one, the case a server that keeps some clients waiting makes.
func TestTimeQuantile(t *testing.T) {
	ms := time.Millisecond
	if got := timeQuantile(nil, 0.9); got != 0 {
		t.Errorf("timeQuantile(nil) = %v, want 0", got)
	}
	same := []time.Duration{5 * ms, 5 * ms, 5 * ms}
	if got := timeQuantile(same, 0.9); got != 5*ms {
		t.Errorf("timeQuantile of equal round trips = %v, want 5ms", got)
	}
	// 91 round trips of 1 ms and 9 of 400 ms: 9 % of the rounds (the
	// unweighted p90 is 1 ms), 97.5 % of the time.
	var ds []time.Duration
	for range 91 {
		ds = append(ds, ms)
	}
	for range 9 {
		ds = append(ds, 400*ms)
	}
	if got := p90(ds); got != ms {
		t.Errorf("p90 = %v, want 1ms", got)
	}
	if got := timeQuantile(ds, 0.9); got != 400*ms {
		t.Errorf("timeQuantile(0.9) = %v, want 400ms", got)
	}
	if got := timeQuantile(ds, 0.02); got != ms {
		t.Errorf("timeQuantile(0.02) = %v, want 1ms (the short ones are 2.5 %% of the time)", got)
	}
}
