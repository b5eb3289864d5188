package report_test

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	vocab "github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
)

// TestProtocol: a target judged by a protocol other than upper-echo is
// named once, in the Markdown and the HTML, never as a note of each cell;
// a report without the entry (upper-echo, the default) says nothing.
func TestProtocol(t *testing.T) {
	if m := report.Build(sampleReport()); m.Protocols != nil || m.ProtocolNote() != "" || strings.Contains(m.Markdown(), "Protocol") {
		t.Fatalf("a report of upper-echo targets names a protocol: %v %q", m.Protocols, m.ProtocolNote())
	}
	r := types.Report{SpecReports: types.SpecReports{
		withEntry(spec("plain", "[E1] echoes a byte", types.SpecStatePassed, ""), vocab.ProtocolEntry, "echo"),
		withEntry(spec("plain", "[E2] all 256 byte values", types.SpecStatePassed, ""), vocab.ProtocolEntry, "echo"),
		spec("goroutine", "[E1] echoes a byte", types.SpecStatePassed, ""),
	}}
	m := report.Build(r)
	if len(m.Protocols) != 1 || m.Protocols["plain"] != "echo" {
		t.Fatalf("Protocols = %v, want plain: echo", m.Protocols)
	}
	want := "Protocol: plain judged by protocol echo (every byte back unchanged, RFC 862); every other target by upper-echo."
	if got := m.ProtocolNote(); got != want {
		t.Errorf("ProtocolNote = %q, want %q", got, want)
	}
	if md := m.Markdown(); !strings.HasPrefix(md, want+"\n\n") {
		t.Errorf("Markdown does not start with the protocol:\n%s", md)
	}
	if notes := m.Cells["plain"]["E1"].Notes; len(notes) != 0 {
		t.Errorf("the protocol is a note of each cell: %v", notes)
	}
	page, err := m.HTML("t")
	if err != nil || !strings.Contains(string(page), "plain judged by protocol echo") {
		t.Errorf("the HTML does not name the protocol (%v)", err)
	}
	merged, err := report.Merge(report.Build(sampleReport()), m)
	if err != nil || merged.Protocols["plain"] != "echo" || merged.ProtocolNote() != want {
		t.Errorf("Merge: %v, %v, %q", err, merged.Protocols, merged.ProtocolNote())
	}
}
