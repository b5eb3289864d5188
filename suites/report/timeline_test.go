package report_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/wire"
	vocab "github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
)

// sampleTimeline is a wrong-byte failure's timeline.
func sampleTimeline() wire.Timeline {
	return wire.Timeline{
		Failure: &wire.Event{At: 1200 * time.Millisecond, Kind: "FAILURE", Detail: "[wrong-byte] echo wrong at byte offset 20 of 64"},
		Spec:    []wire.Event{{At: time.Millisecond, Kind: "fault", Detail: "toxiproxy proxy 127.0.0.1:9: toxic latency upstream (latency=10)"}},
		Conns: []wire.ConnTimeline{{ID: 1, Local: "127.0.0.1:1", Remote: "127.0.0.1:2", Failing: true, Written: 64, Read: 20,
			Kernel: "TCP_INFO state ESTABLISHED",
			Events: []wire.Event{
				{At: time.Millisecond, Kind: "connect", N: int64(time.Millisecond)},
				{At: 2 * time.Millisecond, Kind: "write", N: 64},
				{At: 3 * time.Millisecond, Kind: "read", N: 20},
				{At: 1300 * time.Millisecond, Kind: "close", Off: 64},
			}}},
		Window: &wire.Window{Offset: 20, Start: 4, Want: []byte("ABCDEFGHIJKLMNOPQRSTU"), Got: []byte("ABCDEFGHIJKLMNOPqRSTU")},
	}
}

// TestTimelineRoundTrip writes a report whose failure holds a wire
// timeline, reads it back, and renders it: the cell has the timeline, the
// HTML shows its table with the failure marked and the bytes around the
// wrong one. A report without one (written before it was kept) shows none.
func TestTimelineRoundTrip(t *testing.T) {
	failed := htmlSpec("alpha", "[E1] a byte", "echo", types.SpecStateFailed, "[wrong-byte] echo wrong at byte offset 20 of 64")
	failed.ReportEntries = append(failed.ReportEntries, types.ReportEntry{Name: vocab.TimelineEntry, Value: types.WrapEntryValue(sampleTimeline())})
	old := htmlSpec("alpha", "[E2] bytes", "echo", types.SpecStateFailed, "[lost] 12 bytes lost")
	dir := t.TempDir()
	b, err := json.Marshal([]types.Report{{SpecReports: []types.SpecReport{failed, old}}})
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "conformance.json")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := report.ReadJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Cells["alpha"]["E1"]
	if c.Timeline == nil {
		t.Fatal("the failure's timeline was not read back")
	}
	if got, want := c.Timeline.String(), sampleTimeline().String(); got != want {
		t.Errorf("read back:\n%s\nwant:\n%s", got, want)
	}
	for _, n := range c.Notes {
		if strings.HasPrefix(n, vocab.TimelineEntry) {
			t.Errorf("the timeline is also a note: %q", n)
		}
	}
	if m.Cells["alpha"]["E2"].Timeline != nil {
		t.Error("a report without a timeline has one")
	}
	page, err := m.HTML("t")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{
		`<table class="wire">`,
		`<tr class="failure"><td class="n">1.200000s</td><td>▶ FAILURE</td>`,
		"connection 1 (127.0.0.1:1 → 127.0.0.1:2): 64 bytes written, 20 read; the failing connection",
		"kernel at the failure: TCP_INFO state ESTABLISHED",
		"toxic latency upstream",
		"got   41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50 71",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	if n := strings.Count(html, `<table class="wire">`); n != 2 {
		t.Errorf("%d wire tables, want 2 (the spec's faults and one connection): the failure without a timeline has none", n)
	}
}
