package report_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"golang.org/x/net/html"

	vocab "github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
)

// htmlSpec makes one It spec report for target tg.
func htmlSpec(tg, text, category string, state types.SpecState, msg string, entries ...string) types.SpecReport {
	s := types.SpecReport{
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             text,
		LeafNodeLabels:           []string{category, "must"},
		ContainerHierarchyLabels: [][]string{{"target:" + tg}},
		State:                    state,
		RunTime:                  1500 * time.Millisecond,
	}
	if msg != "" {
		s.Failure = types.Failure{Message: msg}
	}
	for i := 0; i+1 < len(entries); i += 2 {
		s.ReportEntries = append(s.ReportEntries, types.ReportEntry{
			Name: entries[i], Value: types.WrapEntryValue(entries[i+1])})
	}
	return s
}

// TestHTMLMatchesJSON writes a Ginkgo JSON report, reads it back as
// `make report` does, renders the HTML, parses it, and checks that every
// cell of the matrix says what the JSON says: outcome (class and symbol),
// the link to its detail, and the detail's message.
func TestHTMLMatchesJSON(t *testing.T) {
	specs := []types.SpecReport{
		htmlSpec("alpha", "[E1] a byte", "echo", types.SpecStatePassed, ""),
		htmlSpec("alpha", "[R1] a reset", "reset", types.SpecStateFailed, "echo wrong at byte offset 122 of 256"),
		htmlSpec("alpha", "[S8] idle", "slow-client", types.SpecStatePassed, "", vocab.DeviationEntry, "busy-idle: 97% of a core"),
		htmlSpec("beta", "[E1] a byte", "echo", types.SpecStateSkipped, "expected failure (declared): lost", vocab.ExpectedFailureEntry, "12 bytes lost"),
		htmlSpec("beta", "[R1] a reset", "reset", types.SpecStatePassed, "", vocab.UnexpectedPassEntry, "retire it"),
		htmlSpec("beta", "[S8] idle", "slow-client", types.SpecStateSkipped, "needs the server's own process"),
		htmlSpec("beta", "[H1] fds", "hygiene", types.SpecStateSkipped, ""), // filtered out: not in the matrix
	}
	want := map[string]map[string]struct{ outcome, msg string }{
		"alpha": {"E1": {"pass", ""}, "R1": {"fail", "echo wrong at byte offset 122 of 256"}, "S8": {"deviation", "busy-idle: 97% of a core"}},
		"beta":  {"E1": {"xfail", "12 bytes lost"}, "R1": {"xpass", "retire it"}, "S8": {"skipped", "needs the server's own process"}},
	}
	dir := t.TempDir()
	b, err := json.Marshal([]types.Report{{SpecReports: specs}})
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
	if err := m.Write(dir); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := html.Parse(f)
	if err != nil {
		t.Fatalf("index.html does not parse: %v", err)
	}

	// The column order comes from the second header row; then one row per
	// target: its name, then one cell per column.
	var header []string
	cells := map[string]map[string]*html.Node{}
	details := map[string]string{}
	walk(doc, func(n *html.Node) {
		switch {
		case n.Data == "tr" && header == nil && len(children(n, "th")) > 0 && attr(children(n, "th")[0], "rowspan") == "":
			for _, th := range children(n, "th") {
				header = append(header, text(th))
			}
		case n.Data == "tr" && len(children(n, "td")) > 0 && attr(children(n, "td")[0], "class") == "t":
			tds := children(n, "td")
			tg := text(tds[0])
			cells[tg] = map[string]*html.Node{}
			for i, td := range tds[1:] {
				cells[tg][header[i]] = td
			}
		case n.Data == "section" && attr(n, "class") == "d":
			details[attr(n, "id")] = text(n)
		}
	})
	if strings.Join(header, " ") != "E1 R1 S8" {
		t.Fatalf("spec columns %v, want E1 R1 S8 (H1 was filtered out)", header)
	}
	if len(cells) != len(want) {
		t.Fatalf("rows for %d targets, want %d", len(cells), len(want))
	}
	for tg, row := range want {
		for id, w := range row {
			td := cells[tg][id]
			if td == nil {
				t.Errorf("%s %s: no cell", tg, id)
				continue
			}
			if got := attr(td, "class"); got != w.outcome {
				t.Errorf("%s %s: class %q, JSON says %q", tg, id, got, w.outcome)
			}
			if got, wantSym := text(td), symbolOf(w.outcome); got != wantSym {
				t.Errorf("%s %s: shows %q, want %q", tg, id, got, wantSym)
			}
			a := children(td, "a")
			if len(a) != 1 {
				t.Errorf("%s %s: %d links, want 1", tg, id, len(a))
				continue
			}
			anchor := strings.TrimPrefix(attr(a[0], "href"), "#")
			d, ok := details[anchor]
			if !ok {
				t.Errorf("%s %s: links to #%s, which is no detail section", tg, id, anchor)
				continue
			}
			if !strings.Contains(d, w.msg) || !strings.Contains(d, tg) || !strings.Contains(d, id) || !strings.Contains(d, "1.5s") {
				t.Errorf("%s %s: detail %q lacks the message %q, the target, the ID or the duration", tg, id, d, w.msg)
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "matrix.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"| alpha | ok | FAIL | dev |", "| beta | xfail | XPASS | skip |"} {
		if !strings.Contains(string(md), line) {
			t.Errorf("matrix.md lacks %q:\n%s", line, md)
		}
	}
	if strings.Contains(string(b), "http") && strings.Contains(readAll(t, filepath.Join(dir, "index.html")), "src=\"http") {
		t.Error("index.html fetches from the network")
	}
}

func symbolOf(outcome string) string {
	return map[string]string{"pass": "ok", "fail": "FAIL", "deviation": "dev", "xfail": "xfail", "xpass": "XPASS", "skipped": "skip"}[outcome]
}

func readAll(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func walk(n *html.Node, f func(*html.Node)) {
	if n.Type == html.ElementNode {
		f(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func children(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
