package report

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/echospec/echospec/fixtures/wire"
)

// HTML renders the matrix as one self-contained page in the spirit of the
// Autobahn testsuite's report: targets × specs grouped by category, one
// colour per outcome, every cell linking to its detail (the requirement,
// the message with its numbers, the duration, the target's output tail).
// It fetches nothing and needs no JavaScript.
func (m Matrix) HTML(title string) ([]byte, error) {
	type group struct {
		Name string
		IDs  []string
	}
	var groups []group
	for _, id := range m.IDs {
		cat := m.Categories[id]
		if len(groups) == 0 || groups[len(groups)-1].Name != cat {
			groups = append(groups, group{Name: cat})
		}
		groups[len(groups)-1].IDs = append(groups[len(groups)-1].IDs, id)
	}
	data := struct {
		Title    string
		Summary  string
		Outcomes []Outcome
		Groups   []group
		M        Matrix
	}{title, m.Summary(), Outcomes, groups, m}
	var b bytes.Buffer
	if err := page.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render HTML report: %w", err)
	}
	return b.Bytes(), nil
}

// anchor is the id of a cell's detail section.
func anchor(target, id string) string {
	return "d-" + strings.NewReplacer(" ", "-", "/", "-", ":", "-").Replace(target) + "-" + id
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"anchor":  anchor,
	"verdict": Verdict,
	"sym":     func(o Outcome) string { return symbols[o] },
	"dur":     func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"secs":    wire.Seconds,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}
th,td{border:1px solid #bbb;padding:2px 5px;text-align:center}
th.cat{background:#eee}
td.t{text-align:left;font-weight:bold;white-space:nowrap}
td a{color:inherit;text-decoration:none;display:block}
.pass{background:#9c6}.deviation{background:#7bd}.xfail{background:#fc6}
.xpass{background:#c9f}.skipped{background:#ddd;color:#666}.fail{background:#e55;color:#fff;font-weight:bold}
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;border:1px solid #bbb}
section.d{border-top:1px solid #ccc;padding:6px 0}
section.d:target{background:#ffc}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;max-height:20em;overflow:auto}
.muted{color:#666}
.kind{font-family:monospace;border:1px solid #999;padding:0 4px}
tr.regression td{font-weight:bold}
pre.rerun{background:#eef}
table.wire{margin:4px 0 10px}
table.wire td{text-align:left;font-family:monospace;white-space:nowrap}
table.wire td.n{text-align:right}
table.wire td.d{white-space:normal;overflow-wrap:anywhere;min-width:24em}
table.wire tr.failure td{background:#fdd;font-weight:bold}
table.wire tr.gap td{color:#666;font-style:italic}
</style></head><body>
<h1>{{.Title}}</h1>
<p>{{.Summary}}</p>
{{with .M.ProtocolNote}}<p><strong>{{.}}</strong></p>
{{end}}{{with .M.Changes}}<h2 id="changes">Changes since baseline</h2>
<p>{{.Summary}}</p>
{{if .Note}}<p class="muted">Note: {{.Note}}.</p>{{end}}
{{if .Changes}}<table class="changes">
<tr><th>target</th><th>spec</th><th>baseline</th><th>now</th><th>change</th></tr>
{{range .Changes}}<tr{{if .Regression}} class="regression"{{end}}><td class="t">{{.Target}}</td><td><a href="#{{anchor .Target .ID}}">{{.ID}}</a></td><td class="{{.Old.Outcome}}">{{verdict .Old}}</td><td class="{{.New.Outcome}}">{{verdict .New}}</td><td>{{.What}}{{if .Regression}} (regression){{end}}</td></tr>
{{end}}</table>{{end}}{{end}}
<p class="legend">{{range .Outcomes}}<span class="{{.}}">{{sym .}} = {{.}}</span>{{end}}<span>· = not run</span></p>
<table>
<tr><th rowspan="2">target</th>{{range .Groups}}<th class="cat" colspan="{{len .IDs}}">{{.Name}}</th>{{end}}</tr>
<tr>{{range .Groups}}{{range .IDs}}<th title="{{index $.M.Texts .}}"><a href="#spec-{{.}}">{{.}}</a></th>{{end}}{{end}}</tr>
{{range $t := .M.Targets}}<tr><td class="t">{{$t}}</td>{{range $.Groups}}{{range $id := .IDs}}{{$c := index (index $.M.Cells $t) $id}}{{if $c.Outcome}}<td class="{{$c.Outcome}}"><a href="#{{anchor $t $id}}" title="{{$id}}: {{$c.Outcome}}{{if $c.Kind}} ({{$c.Kind}}){{end}}{{if $c.Rerun}}; rerun: {{$c.Rerun}}{{end}}">{{sym $c.Outcome}}{{if $c.Kind}}<br><small>{{$c.Kind}}</small>{{end}}</a></td>{{else}}<td>·</td>{{end}}{{end}}{{end}}</tr>
{{end}}</table>

<h2>Specs</h2>
<table>
<tr><th>ID</th><th>category</th><th>level</th><th>requirement</th></tr>
{{range .M.IDs}}<tr id="spec-{{.}}"><td>{{.}}</td><td>{{index $.M.Categories .}}</td><td>{{index $.M.Levels .}}</td><td style="text-align:left">{{index $.M.Texts .}}</td></tr>
{{end}}</table>

<h2>Details</h2>
{{range $t := .M.Targets}}{{range $id := $.M.IDs}}{{$c := index (index $.M.Cells $t) $id}}{{if $c.Outcome}}
<section class="d" id="{{anchor $t $id}}">
<h3><span class="{{$c.Outcome}}">&nbsp;{{$c.Outcome}}&nbsp;</span>{{if $c.Kind}} <span class="kind">{{$c.Kind}}</span>{{end}} {{$t}} — {{$id}}</h3>
<p>{{$c.Text}} <span class="muted">({{index $.M.Categories $id}}, {{index $.M.Levels $id}}; {{dur $c.Duration}})</span></p>
{{if $c.Message}}<pre>{{$c.Message}}</pre>{{end}}
{{if $c.Location}}<p class="muted">at {{$c.Location}}</p>{{end}}
{{with $c.Timeline}}{{$tl := .}}<p><strong>wire timeline</strong> <span class="muted">(client side; times since the spec's start)</span>{{with .Failure}}: the failure at {{secs .At}}{{end}}</p>
{{with .Faults}}<p>the spec's faults:</p><table class="wire">{{range .}}<tr><td>{{secs .At}}</td><td class="d">{{.Detail}}</td></tr>{{end}}</table>{{end}}
{{range $ct := .Conns}}<p>{{$ct.Title}}</p>
<table class="wire"><tr><th>time</th><th>event</th><th>offset</th><th>size</th><th>detail</th></tr>
{{range $tl.Rows $ct}}<tr{{if .Failure}} class="failure"{{else if .Gap}} class="gap"{{end}}><td class="n">{{.Time}}</td><td>{{.Event}}</td><td class="n">{{.Offset}}</td><td class="n">{{.Size}}</td><td class="d">{{.Detail}}</td></tr>
{{end}}</table>
{{with $ct.Kernel}}<p class="muted">kernel at the failure: {{.}}</p>{{end}}{{end}}
{{if .More}}<p class="muted">{{.More}} more connections not shown</p>{{end}}
{{if .Forgotten}}<p class="muted">{{.Forgotten}} cleanly closed connections' timelines not kept</p>{{end}}
{{with .Window}}<pre>{{.String}}</pre>{{end}}{{end}}
{{if $c.Rerun}}<p>rerun just this spec:</p><pre class="rerun">{{$c.Rerun}}</pre>{{end}}
{{range $c.Notes}}<p class="muted">{{.}}</p>{{end}}
{{if $c.Output}}<p>target output (tail):</p><pre>{{$c.Output}}</pre>{{end}}
</section>{{end}}{{end}}{{end}}
</body></html>
`))
