package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// htmlRowsPerClass bounds the rows an HTML section lists; results.json has all.
const htmlRowsPerClass = 2000

const reconcileHTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>scimloop reconcile: {{.R.Verdict}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
.banner{padding:1em;border-radius:6px;color:#fff;font-size:1.3em}
.in-sync{background:#2e7d32}.drift{background:#c62828}.incomplete{background:#ef6c00}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
code{background:#f4f4f4;padding:0 .2em}.muted{color:#777}
</style></head><body>
<div class="banner {{.R.Verdict}}">scimloop reconcile: {{.R.Verdict}} · {{.Total}} drift findings</div>
<p>Target <code>{{.R.Target}}</code>, source <code>{{.R.Source}}</code>, match <code>{{.R.Match}}</code>, scope <code>{{.R.Scope}}</code>, {{printf "%.1f" .R.Duration}} s.</p>
{{range .R.Incomplete}}<p><strong>Incomplete:</strong> {{.}}</p>{{end}}
<h2>Drift summary</h2>
<table><tr><th>class (most risky first)</th><th>count</th></tr>
{{range .Classes}}<tr><td>{{.Name}}</td><td>{{.Count}}</td></tr>{{end}}</table>
{{.Plot}}
<p class="muted">Source: {{.R.Stats.SourceUsers}} users, {{.R.Stats.SourceGroups}} groups, {{.R.Stats.SourceMemberships}} memberships, {{.R.SourceErrorCount}} bad rows.
Server: {{.R.Stats.ServerUsers}} users, {{.R.Stats.ServerGroups}} groups, {{.R.Stats.Pages}} pages, {{.R.Stats.Requests}} requests, {{.R.Stats.Reread}} re-read.</p>
{{if .Groups}}<h2>Group memberships</h2>
{{range .Groups}}<h3>Group {{.Key}}</h3><table><tr><th>member</th><th>member id</th><th>drift</th></tr>
{{range .Rows}}<tr><td>{{.Member}}</td><td><code>{{.MemberID}}</code></td><td>{{.Class}}</td></tr>{{end}}</table>{{end}}{{end}}
{{range .Classes}}{{if .Rows}}<h2>{{.Name}} ({{.Count}})</h2>
<table><tr><th>resource</th><th>id</th><th>drift</th></tr>
{{range .Rows}}<tr><td>{{.Resource}}</td><td><code>{{.ID}}</code></td><td>{{.Text}}</td></tr>{{end}}</table>
{{if .More}}<p class="muted">{{.More}} more in results.json.</p>{{end}}{{end}}{{end}}
{{if .R.SourceErrors}}<h2>Bad source rows ({{.R.SourceErrorCount}})</h2><ul>
{{range .R.SourceErrors}}<li>line {{.Line}}: {{.Error}}</li>{{end}}</ul>{{end}}
</body></html>
`

type reconcileClassView struct {
	Name  DriftClass
	Count int
	Rows  []Drift
	More  int
}

type reconcileGroupView struct {
	Key  string
	Rows []Drift
}

// WriteReconcileHTML writes one self-contained page: the verdict, the drift
// summary with counts per class and an inline SVG plot by class first, then
// per-group membership tables and the drift class by class.
func WriteReconcileHTML(w io.Writer, r *Reconcile) error {
	t, err := template.New("reconcile").Parse(reconcileHTML)
	if err != nil {
		return err
	}
	view := struct {
		R       *Reconcile
		Total   int
		Classes []reconcileClassView
		Groups  []reconcileGroupView
		Plot    template.HTML
	}{R: r, Total: r.Total()}
	groups := map[string]int{}
	for _, c := range DriftClasses() {
		cv := reconcileClassView{Name: c, Count: r.Counts[c]}
		for _, d := range r.Drift {
			if d.Class != c {
				continue
			}
			if len(cv.Rows) < htmlRowsPerClass {
				cv.Rows = append(cv.Rows, d)
			} else {
				cv.More++
			}
		}
		view.Classes = append(view.Classes, cv)
	}
	for _, d := range r.Drift {
		if d.Type != "Group" || d.Member == "" && d.MemberID == "" {
			continue
		}
		i, ok := groups[d.Key]
		if !ok {
			if len(view.Groups) >= htmlRowsPerClass {
				continue
			}
			i = len(view.Groups)
			groups[d.Key] = i
			view.Groups = append(view.Groups, reconcileGroupView{Key: d.Key})
		}
		if len(view.Groups[i].Rows) < htmlRowsPerClass {
			view.Groups[i].Rows = append(view.Groups[i].Rows, d)
		}
	}
	view.Plot = driftPlot(view.Classes)
	var buf bytes.Buffer
	if err := t.Execute(&buf, view); err != nil {
		return fmt.Errorf("reports: WriteReconcileHTML: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// driftPlot draws a horizontal bar per class, scaled to the largest count.
// Class names are fixed identifiers and counts numbers, so the SVG holds no
// outside text.
func driftPlot(classes []reconcileClassView) template.HTML {
	const barH, labelW, plotW = 22, 200, 400
	top := 1
	for _, c := range classes {
		top = max(top, c.Count)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="drift by class" width="%d" height="%d">`,
		labelW+plotW+80, barH*len(classes)+4)
	for i, c := range classes {
		y := i*barH + 2
		wdt := c.Count * plotW / top
		if c.Count > 0 {
			wdt = max(wdt, 2)
		}
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="13">%s</text>`, y+15, template.HTMLEscapeString(string(c.Name)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#c62828"/>`, labelW, y+2, wdt, barH-6)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">%d</text>`, labelW+wdt+6, y+15, c.Count)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built here from class names and numbers only
}
