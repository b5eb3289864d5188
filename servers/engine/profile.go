package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// Profile lists the deviations from the full contract that a target
// declares (SPEC.md §3). The zero Profile declares none: the target is held
// to every spec. A declared deviation never hides a spec; it is reported.
type Profile struct {
	// MaxConns is the most connections served at once; 0 means no limit.
	// More connections must wait to be served, never fail.
	MaxConns int
	// BusyIdle says the target spins a core while idle by design.
	BusyIdle bool
	// Reason says why, for the reports. Optional.
	Reason string
}

// IsZero reports whether the profile declares no deviation.
func (p Profile) IsZero() bool { return p.MaxConns == 0 && !p.BusyIdle }

// String renders the profile in the ECHOSPEC_TARGET_PROFILE syntax.
func (p Profile) String() string {
	var parts []string
	if p.MaxConns > 0 {
		parts = append(parts, "max-conns="+strconv.Itoa(p.MaxConns))
	}
	if p.BusyIdle {
		parts = append(parts, "busy-idle")
	}
	return strings.Join(parts, ",")
}

// ParseProfile parses the ECHOSPEC_TARGET_PROFILE syntax: comma-separated
// "max-conns=N" and "busy-idle". An empty string is the zero Profile.
func ParseProfile(s string) (Profile, error) {
	var p Profile
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
		case item == "busy-idle":
			p.BusyIdle = true
		case strings.HasPrefix(item, "max-conns="):
			n, err := strconv.Atoi(strings.TrimPrefix(item, "max-conns="))
			if err != nil || n < 1 {
				return Profile{}, fmt.Errorf("profile %q: max-conns needs a whole number ≥ 1, got %q", s, strings.TrimPrefix(item, "max-conns="))
			}
			p.MaxConns = n
		default:
			return Profile{}, fmt.Errorf("profile %q: unknown deviation %q (known: max-conns=N, busy-idle)", s, item)
		}
	}
	return p, nil
}
