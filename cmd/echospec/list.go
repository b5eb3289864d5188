package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/runner"
)

type listCmd struct {
	Markdown bool `help:"A Markdown table." xor:"format"`
	JSON     bool `name:"json" help:"JSON: one object per spec." xor:"format"`
}

type explainCmd struct {
	ID string `arg:"" help:"A spec ID (echospec list shows them), e.g. E12."`
}

// specInfo is one spec as list --json and explain show it.
type specInfo struct {
	ID          string   `json:"id"`
	Level       string   `json:"level"`
	Category    string   `json:"category"`
	Requirement string   `json:"requirement"`
	Measure     string   `json:"measure"`
	Kinds       []string `json:"kinds"`
	Timeout     string   `json:"timeout"`
	Labels      []string `json:"labels"`
	NeedsProc   bool     `json:"needs_process,omitempty"`
	NeedsTCP    string   `json:"needs_tcp,omitempty"` // why; skipped on a Unix socket
}

func infoOf(d conformance.Def) specInfo {
	i := specInfo{ID: d.ID, Level: string(d.Level), Category: string(d.Category), Requirement: d.Text,
		Measure: d.Measure, Timeout: d.Timeout.String(), NeedsProc: d.NeedsProcess, NeedsTCP: d.TCP, Kinds: []string{}}
	for _, k := range d.Kinds {
		i.Kinds = append(i.Kinds, string(k))
	}
	i.Labels = labelsOf(d)
	return i
}

// labelsOf are the labels a spec can be selected by (--label-filter),
// besides target:NAME and, for a declared expected failure, xfail.
func labelsOf(d conformance.Def) []string {
	ls := []string{string(d.Category), string(d.Level)}
	base, isProxy := strings.CutSuffix(d.ID, "p")
	if base0, ok := conformance.Lookup(base); isProxy && ok && base0.Proxied {
		ls = append(ls, spec.ProxyLabel)
	} else if d.Proxied || (d.Category == spec.CatEcho && !d.Long) {
		ls = append(ls, spec.DirectLabel)
	}
	if d.Long {
		ls = append(ls, spec.LongLabel)
	}
	if d.OnlyWhenAsked != "" {
		ls = append(ls, d.OnlyWhenAsked)
	}
	return ls
}

func allSpecs() []specInfo {
	var out []specInfo
	for _, id := range conformance.IDs() {
		d, _ := conformance.Lookup(id)
		out = append(out, infoOf(d))
	}
	return out
}

func (c listCmd) run(stdout, stderr io.Writer) int {
	specs := allSpecs()
	switch {
	case c.JSON:
		b, _ := json.MarshalIndent(specs, "", "  ")
		fmt.Fprintln(stdout, string(b))
	case c.Markdown:
		fmt.Fprintln(stdout, "| ID | level | category | requirement |\n| --- | --- | --- | --- |")
		for _, s := range specs {
			fmt.Fprintf(stdout, "| %s | %s | %s | %s |\n", s.ID, s.Level, s.Category, strings.ReplaceAll(s.Requirement, "|", `\|`))
		}
	default:
		w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tlevel\tcategory\trequirement")
		for _, s := range specs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.ID, s.Level, s.Category, s.Requirement)
		}
		w.Flush()
		fmt.Fprintf(stdout, "\n%d specs, spec version %s. echospec explain ID prints one in full.\n", len(specs), runner.SpecVersion())
	}
	return exitPass
}

func (c explainCmd) run(stdout, stderr io.Writer) int {
	d, ok := conformance.Lookup(c.ID)
	if !ok {
		fmt.Fprintf(stderr, "echospec: unknown spec ID %q (valid: %s)\n", c.ID, strings.Join(conformance.IDs(), ", "))
		return exitConfig
	}
	i := infoOf(d)
	fmt.Fprintf(stdout, "%s — %s, %s\n\n", i.ID, i.Category, i.Level)
	fmt.Fprintf(stdout, "Requirement: %s.\n\n", i.Requirement)
	fmt.Fprintf(stdout, "How it is measured, and its bound: %s.\n\n", i.Measure)
	fmt.Fprintln(stdout, "Failure kinds it raises (besides crash, which any spec may raise, and stall, when the server makes a spec run out of its time):")
	if len(d.Kinds) == 0 {
		fmt.Fprintln(stdout, "  none: it reports a measurement, it does not judge")
	}
	for _, k := range d.Kinds {
		for _, kk := range spec.AllKinds {
			if kk.Kind == k {
				fmt.Fprintf(stdout, "  %-16s %s\n", k, kk.Meaning)
			}
		}
	}
	fmt.Fprintf(stdout, "\nTimeout: %s.\n", i.Timeout)
	fmt.Fprintf(stdout, "Labels: %s (and target:NAME).\n", strings.Join(i.Labels, ", "))
	if d.NeedsProcess {
		fmt.Fprintln(stdout, "It probes the server's own process (/proc): skipped for --addr, which has none.")
	}
	if d.TCP != "" {
		fmt.Fprintf(stdout, "It needs TCP (%s): skipped for a server on a Unix socket (--network unix).\n", d.TCP)
	}
	if d.OnlyWhenAsked != "" {
		fmt.Fprintf(stdout, "It runs only when asked: --label-filter=%s.\n", d.OnlyWhenAsked)
	}
	fmt.Fprintf(stdout, "Run just it: echospec run ... --focus '%s'\n", `\[`+d.ID+`\]`)
	return exitPass
}
