package main

import (
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/fixtures/wire"
)

// TestFailureTimeline: a failure's details show the failing connection's
// last events and where the whole timeline is.
func TestFailureTimeline(t *testing.T) {
	var events []wire.Event
	for i := range 20 {
		kind := "write"
		if i%2 == 1 {
			kind = "read"
		}
		events = append(events, wire.Event{At: time.Duration(i) * time.Millisecond, Kind: kind, Off: int64(i), N: 1})
	}
	events = append(events, wire.Event{At: 30 * time.Millisecond, Kind: "FIN seen", Off: 10})
	tl := &wire.Timeline{
		Failure: &wire.Event{At: 31 * time.Millisecond, Kind: "FAILURE", Detail: "[lost] 10 of 20 echo bytes arrived"},
		Conns:   []wire.ConnTimeline{{ID: 3, Local: "a", Remote: "b", Failing: true, Events: events, Kernel: "TCP_INFO state CLOSE"}, {ID: 1}},
		More:    2,
	}
	var b strings.Builder
	p := &printer{w: &b, reportDir: "reports/run"}
	p.timeline(tl)
	out := b.String()
	for _, want := range []string{
		"wire timeline, connection 3 (a → b): 0 bytes written, 0 read; the failing connection; its last events:",
		"(14 before)",
		"FIN seen",
		"▶ 0.031000s    FAILURE",
		"kernel at the failure: TCP_INFO state CLOSE",
		"the whole timeline (2 connections shown, 2 more) is in reports/run/index.html",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the details lack %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n") != 1+1+1+8+1+1 {
		t.Errorf("want the heading, the header, the count before, 8 rows, the kernel and the pointer:\n%s", out)
	}
	b.Reset()
	p.timeline(nil) // a report without one
	if b.Len() != 0 {
		t.Errorf("no timeline printed %q", b.String())
	}
}
