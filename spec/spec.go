// Package spec is the suite's vocabulary, defined once: spec categories
// and levels (the Ginkgo labels every spec carries), the closed set of
// failure kinds a failed spec is classified by (Kind, and sets of them,
// Kinds), and the names of the report entries the suite writes and the
// report builder reads. It is the floor of the module: it imports only the
// standard library, so every layer — the faulty servers, the fixtures, the
// suites and the commands — may import it.
package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Category is what a spec is about; it is a Ginkgo label of every spec.
type Category string

// The categories, in report order.
const (
	CatEcho         Category = "echo"
	CatReset        Category = "reset"
	CatPartialWrite Category = "partial-write"
	CatSlowClient   Category = "slow-client"
	CatHygiene      Category = "hygiene"
	CatLifecycle    Category = "lifecycle"
	CatLoad         Category = "load"
	// CatExplore is the explorer (X1): random scenarios checked against
	// the protocol's model, a failure shrunk to a replayable script.
	CatExplore Category = "explore"
)

// Categories lists every category, in report order.
var Categories = []Category{CatEcho, CatReset, CatPartialWrite, CatSlowClient, CatHygiene, CatLifecycle, CatLoad, CatExplore}

// CategoryOrder is c's place in Categories (len(Categories) if unknown).
func CategoryOrder(c Category) int {
	if i := slices.Index(Categories, c); i >= 0 {
		return i
	}
	return len(Categories)
}

// Level says how hard a requirement is; it is a Ginkgo label of every spec.
type Level string

// The levels.
const (
	Must   Level = "must"
	Should Level = "should"
)

// Labels the suite puts on specs besides their category and level.
const (
	// TargetLabelPrefix + the target's name labels every spec of a target.
	TargetLabelPrefix = "target:"
	// XFailLabel marks a spec declared as an expected failure of its target.
	XFailLabel = "xfail"
	// C10KLabel marks the 10,000-connection spec, run only when asked.
	C10KLabel = "c10k"
	// HugeStreamLabel marks the 4 GiB stream on one connection (E14), run
	// only when asked: it moves 8 GiB through the server, seconds even on
	// a quiet host.
	HugeStreamLabel = "4gib"
	// LifetimeLabel marks the lifetime spec (L2, 70,000 connections to one
	// server process), run only when asked.
	LifetimeLabel = "lifetime"
	// LongLabel marks the long-running group: the specs that take seconds
	// each, run in order on one process while E13's connections idle.
	LongLabel = "long"
	// DirectLabel and ProxyLabel mark how an echo spec reaches the server.
	DirectLabel = "direct"
	ProxyLabel  = "proxy"
)

// Report entry names the suite writes into a spec's report and the report
// builder reads back.
const (
	// KindEntry carries the failure kind of a failed spec (and of an
	// expected failure). The last one written counts.
	KindEntry = "failure kind"
	// DeviationEntry marks a spec shaped by a declared deviation. It never
	// hides a failure: it is shown in every report.
	DeviationEntry = "deviation (declared)"
	// NotObservedEntry marks a declared deviation that the spec did not
	// observe.
	NotObservedEntry = "deviation declared, not observed"
	// ExpectedEntry says why a spec is declared to fail.
	ExpectedEntry = "expected to fail"
	// ExpectedFailureEntry carries the failure of a declared expected
	// failure.
	ExpectedFailureEntry = "expected failure"
	// UnexpectedPassEntry marks a declared expected failure that passed.
	UnexpectedPassEntry = "expected failure passed"
	// OutputEntry is the tail of a failed target's output.
	OutputEntry = "target output"
	// DiedEntry says how the server died during a spec.
	DiedEntry = "the server died"
	// ProtocolEntry names the protocol a spec judged the target by, when
	// it is not the default, upper-echo (payload.Protocol's name). It is
	// invisible on the console; reports show it once per target.
	ProtocolEntry = "protocol"
	// BoundEntry carries a Bound: a measured value judged against its
	// limit, for the stability tool and the reports (one per bound a spec
	// judges; a spec that retries a noise-prone measure writes one per
	// attempt).
	BoundEntry = "bound"
	// TimelineEntry carries a failed spec's wire timeline (package
	// fixtures/wire's Timeline, as JSON, and its text rendering): what the
	// client did and saw on the connections involved, and when, the
	// failing one first. A passing spec has none.
	TimelineEntry = "wire timeline"
)

// Bound is one measured value a spec judged against its limit, in the
// limit's unit: the margin a verdict had. Fraction is Value/Limit; for an
// AtLeast bound (the value must reach the limit, as W2's closed window)
// a fraction under 1 fails, for every other bound a fraction over 1 does.
type Bound struct {
	What    string  `json:"what"`
	Value   float64 `json:"value"`
	Limit   float64 `json:"limit"`
	Unit    string  `json:"unit,omitempty"`
	AtLeast bool    `json:"at_least,omitempty"`
}

// Fraction is the measured value as a fraction of its limit.
func (b Bound) Fraction() float64 {
	if b.Limit == 0 {
		return 0
	}
	return b.Value / b.Limit
}

// Failed says whether the value is past its limit.
func (b Bound) Failed() bool {
	if b.AtLeast {
		return b.Value < b.Limit
	}
	return b.Value > b.Limit
}

// String is the bound as a report shows it: "S11 p90 round trip 3.1 of
// 130 ms (2%)".
func (b Bound) String() string {
	return fmt.Sprintf("%s %.4g of %.4g %s (%.0f%%)", b.What, b.Value, b.Limit, b.Unit, 100*b.Fraction())
}

// Kind classifies why a spec failed. The set is closed: every failure the
// suite raises carries exactly one of these.
type Kind string

// The failure kinds.
const (
	WrongByte    Kind = "wrong-byte"      // a byte of the echo differs from what the protocol demands
	Lost         Kind = "lost"            // after the client's FIN, the server ended the connection (FIN or RST) with echo bytes missing
	Extra        Kind = "extra"           // bytes beyond the expected echo
	EarlyClose   Kind = "early-close"     // the server ended the connection (FIN or RST) before the client had sent all of its bytes and its FIN
	NoEOF        Kind = "no-eof"          // after the client's FIN and the full echo, the server never closed
	RSTClose     Kind = "rst-close"       // the server closed with RST where a clean FIN was due
	Stall        Kind = "stall"           // no progress within the stall time: the echo stopped
	Timing       Kind = "timing"          // slower than the bound relative to a yardstick measured in the same spec
	Crash        Kind = "crash"           // the server process died
	Refused      Kind = "refused"         // a connect failed (refused, or not accepted in time)
	FDGrowth     Kind = "fd-growth"       // file descriptors not released
	ThreadGrowth Kind = "thread-growth"   // threads not released
	MemoryGrowth Kind = "memory-growth"   // memory grew past the bound
	CPU          Kind = "cpu"             // the server used (or wanted) CPU past the bound
	NotListening Kind = "not-listening"   // the server did not start listening in time
	SlowExit     Kind = "slow-exit"       // the server did not exit in time after SIGTERM
	Deviation    Kind = "false-deviation" // a declared deviation is not real, or was needed and not declared
	NoFault      Kind = "no-fault"        // the fault the spec injects did not take effect: the spec could not test
	IOError      Kind = "io-error"        // any other I/O error the suite met
)

// The kinds early-close replaced. Whether a server's early close reaches
// the client as a FIN or an RST is a race, not a property of the defect: a
// close() that meets unread data in the receive queue sends an RST, and
// whether the client's bytes had arrived by then is timing. The client
// cannot tell that RST from a deliberate one (SO_LINGER 0), so the kind
// names the family and the message says which was seen.
const (
	// Deprecated: use EarlyClose; a failure is never classified early-eof.
	EarlyEOF = EarlyClose
	// Deprecated: use EarlyClose (or Lost, after the client's FIN); a
	// failure is never classified reset.
	Reset = EarlyClose
)

// KindAliases are the retired names still read where kinds are written as
// text (expected-failures files, saved reports: ParseKind, ParseKinds):
// each stands for the kind it maps to.
var KindAliases = map[string]Kind{
	"early-eof": EarlyClose,
	"reset":     EarlyClose,
}

// AllKinds lists every failure kind with what it means, in the order
// reports show them.
var AllKinds = []struct {
	Kind    Kind
	Meaning string
}{
	{WrongByte, "a byte of the echo differs from what the protocol demands (the first wrong offset, the byte wanted, got and sent)"},
	{Lost, "after the client's FIN, the server ended the connection (FIN or RST) with echo bytes missing (how many; the message says FIN or RST)"},
	{Extra, "bytes arrived beyond the expected echo (how many, the first of them)"},
	{EarlyClose, "the server ended the connection (FIN or RST) before the client had sent all of its bytes and its FIN (bytes received and missing; the message says FIN or RST, which timing may decide: a close with unread data is an RST); its former names early-eof and reset are read as early-close"},
	{NoEOF, "after the client's FIN and the full echo, the server did not close its side (time waited)"},
	{RSTClose, "after the full echo and the client's FIN, the server closed with RST where a clean FIN was due"},
	{Stall, "no echo byte arrived within the stall time (bytes received and missing, time waited)"},
	{Timing, "a time measured beside a misbehaving client, or against a yardstick, exceeded its bound (both times, the bound)"},
	{Crash, "the server process died (exit status, output tail)"},
	{Refused, "a connection could not be made (refused, or not accepted in time)"},
	{FDGrowth, "file descriptors held after connections ended (before, after, time waited)"},
	{ThreadGrowth, "threads held after connections ended (before, after, time waited)"},
	{MemoryGrowth, "resident memory grew past the bound (before, after, bound)"},
	{CPU, "the server used or wanted CPU past the bound (share of a core, bound)"},
	{NotListening, "the server did not accept connections within the start limit"},
	{SlowExit, "the server did not exit within the limit after SIGTERM"},
	{Deviation, "a declared deviation is not real (max-conns=N, yet connection N+1 is served at once), so it would have shrunk other specs"},
	{NoFault, "the fault the spec injects did not take effect, so the spec could not test what it is for"},
	{IOError, "any other I/O error (its message)"},
}

// ParseKind returns the kind named s (a retired name of KindAliases gives
// the kind it stands for), or an error listing the valid ones.
func ParseKind(s string) (Kind, error) {
	s = strings.TrimSpace(s)
	for _, k := range AllKinds {
		if string(k.Kind) == s {
			return k.Kind, nil
		}
	}
	if k, ok := KindAliases[s]; ok {
		return k, nil
	}
	var names, aliases []string
	for _, k := range AllKinds {
		names = append(names, string(k.Kind))
	}
	for a, k := range KindAliases {
		aliases = append(aliases, a+" = "+string(k))
	}
	slices.Sort(aliases)
	return "", fmt.Errorf("unknown failure kind %q (valid: %s; read as aliases: %s)", s, strings.Join(names, ", "), strings.Join(aliases, ", "))
}

// Kinds is a set of failure kinds, in the order they were named: the
// kinds a spec can fail with, a faulty server's declaration must see, or
// an expected failure may take. It is written, and parsed, as the kinds
// joined by "|" ("lost|stall").
type Kinds []Kind

// KindsOf is the set of ks, each counted once, in their order.
func KindsOf(ks ...Kind) Kinds {
	var out Kinds
	for _, k := range ks {
		if !out.Contains(k) {
			out = append(out, k)
		}
	}
	return out
}

// ParseKinds parses kinds joined by "|" ("lost|stall"), each by ParseKind;
// a kind named twice (an alias and its kind, say) counts once.
func ParseKinds(s string) (Kinds, error) {
	var ks []Kind
	for _, f := range strings.Split(s, "|") {
		k, err := ParseKind(f)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return KindsOf(ks...), nil
}

// Contains reports whether k is one of ks.
func (ks Kinds) Contains(k Kind) bool { return slices.Contains(ks, k) }

// String is ks as ParseKinds reads them: "lost|stall".
func (ks Kinds) String() string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, "|")
}

// Tag is how a failure message starts, so that the terminal shows the kind
// too: "[stall] ...".
func (k Kind) Tag() string { return "[" + string(k) + "] " }
