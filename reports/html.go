package reports

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// WriteHTML writes run as one self-contained HTML page that works offline:
// inline CSS, inline SVG, no scripts and no external references. It shows
// the verdicts in a coloured banner, a matrix of check areas by status, every
// failing check with its findings (message, exchange excerpt, reproduce
// command), the warnings (SHOULD and MAY failures), checks that errored or
// were skipped, latency histograms and percentiles per operation, the
// coverage of the requirements catalogue, leftovers and the property-run
// feedback.
//
// Every value goes through html/template, after control characters and
// invalid UTF-8 are replaced by U+FFFD.
func WriteHTML(w io.Writer, run *Run) error {
	if run == nil {
		return errors.New("reports: WriteHTML: nil Run")
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, newHTMLView(run)); err != nil {
		return fmt.Errorf("reports: WriteHTML: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type htmlView struct {
	Target, Tool, Version, Catalogue, Profile string
	Started, Duration, Seed, Dialect, Prefix  string
	Strict                                    bool
	Merged                                    bool // the run merges several seeds or dialects (certify)
	Command                                   string
	Result, IdPCompat                         string // PASS, FAIL, N/A, UNKNOWN
	ResultClass, IdPClass                     string // pass, fail, na
	Verdict                                   Verdict
	Errors                                    []string
	Areas                                     []htmlArea
	AreaTotal                                 htmlArea
	Failing, Warnings, Errored, Skipped       []htmlCheck
	Ops                                       []htmlOp
	AllRequests                               *htmlOp // every exchange together
	Coverage                                  []RowCoverage
	CoverageCounts                            []htmlCount
	Leftovers                                 []Leftover
	Feedback                                  *htmlFeedback
	Filters                                   *htmlFilters // the filter support matrix, when filters were probed
	SchemaCoverage                            []htmlSchemaRow
}

type htmlArea struct {
	Name                     string
	Pass, Fail, Skip, Errors int
}

type htmlCheck struct {
	ID, Title, Level, RFC, Rule, Spec, Area, Capability, Reason, Note string
	First                                                             string // the first finding's first line, shortened
	Effect                                                            string // what the failure does to the verdicts, in two or three words
	More                                                              int    // findings beyond the first
	Findings                                                          []htmlFinding
	// Consequences are the checks that failed or could not be judged only
	// because this one failed: listed under it, not as failures of their own.
	Consequences []htmlConsequence
}

// htmlConsequence is one check listed under its root cause.
type htmlConsequence struct {
	ID, Level, Status, Via, Detail string
}

type htmlFinding struct {
	Scenario, Message, Exchanges, Excerpt, Repro string
	Curl                                         string // one command per line
}

type htmlCount struct {
	Status string
	Count  int
}

type htmlOp struct {
	Op, P50, P90, P99, Max string
	Count                  int
	Histogram              *htmlHistogram
	Spark                  *htmlHistogram // the same counts, small and unlabelled, for a table cell
}

type htmlHistogram struct {
	Width, Height, Base int
	Bars                []htmlBar
}

type htmlBar struct {
	X, Y, W, H, LabelX, CountY int
	Label                      string // the bucket's bound, "≤5" or ">5000" (ms)
	Count                      int
}

type htmlFeedback struct {
	Sequences, Steps, Retries, MinimalSteps int
	Seed                                    int64
	Failures                                []htmlSeqFailure
	AfterSequences, AfterSteps              int
	Confirmed, Unconfirmed                  []htmlCount
	ModelCounts, ServerCounts               []htmlCount
	MemberDrift, ReplayFiles                []string
}

// htmlSeqFailure is one distinct failure of the property runs.
type htmlSeqFailure struct {
	Checks, ReplayFile    string
	Seed                  int64
	MinimalSteps, Repeats int
	Flaky                 bool
}

func htmlSeqFailures(list []SequenceFailure) []htmlSeqFailure {
	var out []htmlSeqFailure
	for _, f := range list {
		out = append(out, htmlSeqFailure{Checks: clean(strings.Join(f.Checks, ", ")), ReplayFile: clean(f.ReplayFile),
			Seed: f.Seed, MinimalSteps: f.MinimalSteps, Repeats: f.Repeats, Flaky: f.Flaky})
	}
	return out
}

func newHTMLView(run *Run) htmlView {
	v := htmlView{
		Target:      clean(run.Target),
		Tool:        clean(cmp.Or(run.Tool, "scimloop")),
		Version:     clean(run.Version),
		Catalogue:   clean(run.Catalogue),
		Profile:     clean(run.Profile),
		Started:     timestamp(run.Started),
		Duration:    seconds(run.Duration),
		Seed:        seedsText(run),
		Dialect:     clean(run.Dialect),
		Prefix:      clean(run.Prefix),
		Strict:      run.Strict,
		Merged:      len(run.Seeds) > 1 || len(run.Dialects) > 1,
		Command:     clean(run.Command),
		Result:      verdictWord(clean(run.Verdict.Result)),
		IdPCompat:   verdictWord(clean(run.Verdict.IdPCompat)),
		ResultClass: verdictClass(run.Verdict.Result),
		IdPClass:    verdictClass(run.Verdict.IdPCompat),
		Verdict:     run.Verdict,
		Errors:      cleanAll(run.Errors),
		Filters:     newHTMLFilters(run),
	}
	v.SchemaCoverage = newHTMLSchemaCoverage(run)

	areas := map[string]*htmlArea{}
	roots, under := GroupByCause(run)
	isRoot := map[string]bool{}
	for _, c := range roots {
		isRoot[c.ID] = true
	}
	for _, c := range sortedChecks(run) {
		name := cmp.Or(c.Area, "(none)")
		a := areas[name]
		if a == nil {
			a = &htmlArea{Name: clean(name)}
			areas[name] = a
		}
		countStatus(a, c.Status)
		countStatus(&v.AreaTotal, c.Status)

		if (c.Status == StatusFail || c.Status == StatusError) && !isRoot[c.ID] {
			continue // listed under its root cause
		}
		hc := htmlCheckOf(run, c)
		hc.Consequences = htmlConsequences(c.ID, under[c.ID])
		switch {
		case c.Status == StatusFail && blocking(c.Level, run.Strict):
			v.Failing = append(v.Failing, hc)
		case c.Status == StatusFail:
			v.Warnings = append(v.Warnings, hc)
		case c.Status == StatusError:
			v.Errored = append(v.Errored, hc)
		case c.Status == StatusSkip:
			v.Skipped = append(v.Skipped, hc)
		}
	}
	for _, name := range sortedKeys(areas) {
		v.Areas = append(v.Areas, *areas[name])
	}
	v.AreaTotal.Name = "all"

	v.Ops = htmlOps(run)
	v.AllRequests = htmlAllRequests(run)

	v.Coverage = make([]RowCoverage, len(run.Coverage))
	for i, r := range run.Coverage {
		v.Coverage[i] = RowCoverage{ID: clean(r.ID), Level: clean(r.Level), Status: clean(r.Status), Checks: cleanAll(r.Checks), Reason: clean(r.Reason)}
	}
	slices.SortStableFunc(v.Coverage, func(a, b RowCoverage) int {
		return cmp.Or(cmp.Compare(levelRank(a.Level), levelRank(b.Level)), cmp.Compare(a.ID, b.ID))
	})
	if len(run.Coverage) > 0 {
		order, counts := coverageCounts(run)
		for _, s := range order {
			v.CoverageCounts = append(v.CoverageCounts, htmlCount{Status: clean(s), Count: counts[s]})
		}
	}

	for _, l := range sortedLeftovers(run) {
		v.Leftovers = append(v.Leftovers, Leftover{Type: clean(l.Type), ID: clean(l.ID), Name: clean(l.Name), Error: clean(l.Error)})
	}
	if f := run.Feedback; f != nil {
		v.Feedback = &htmlFeedback{
			Sequences: f.Sequences, Steps: f.Steps, Retries: f.Retries, MinimalSteps: f.MinimalSteps, Seed: f.Seed,
			Confirmed: htmlCounts(f.Confirmed), Unconfirmed: htmlCounts(f.Unconfirmed),
			ModelCounts: htmlCounts(f.ModelCounts), ServerCounts: htmlCounts(f.ServerCounts),
			MemberDrift: cleanAll(f.MemberDrift), ReplayFiles: cleanAll(f.ReplayFiles),
			Failures: htmlSeqFailures(f.Failures), AfterSequences: f.SequencesAfterFailure, AfterSteps: f.StepsAfterFailure,
		}
	}
	return v
}

func countStatus(a *htmlArea, s Status) {
	switch s {
	case StatusPass:
		a.Pass++
	case StatusFail:
		a.Fail++
	case StatusSkip:
		a.Skip++
	default:
		a.Errors++
	}
}

func verdictClass(v string) string {
	switch v {
	case "pass":
		return "pass"
	case "fail":
		return "fail"
	}
	return "na"
}

func htmlCheckOf(run *Run, c CheckResult) htmlCheck {
	hc := htmlCheck{
		ID: clean(c.ID), Title: clean(c.Title), Level: clean(string(c.Level)), RFC: clean(c.RFC),
		Rule: clean(c.Rule), Spec: clean(strings.Join(c.Spec, ", ")), Area: clean(c.Area),
		Capability: clean(c.Capability), Reason: clean(c.Reason),
	}
	if c.Status == StatusFail {
		hc.Note = failureNote(c.Level, run.Strict)
	}
	if len(c.Findings) > 0 {
		hc.First = clean(shorten(strings.TrimPrefix(c.Findings[0].Message, c.ID+": "), 140))
		hc.More = len(c.Findings) - 1
	}
	hc.Effect = failureEffect(c.Level, run.Strict)
	for _, f := range c.Findings {
		hc.Findings = append(hc.Findings, htmlFinding{
			Scenario:  clean(f.Scenario),
			Message:   clean(f.Message),
			Exchanges: exchangeRefs(f.Exchanges),
			Excerpt:   clean(strings.TrimRight(f.Excerpt, "\n")),
			Repro:     clean(cmp.Or(f.Repro, run.Command)),
			Curl:      clean(strings.Join(f.Curl, "\n")),
		})
	}
	return hc
}

// htmlConsequences renders the checks listed under root.
func htmlConsequences(root string, checks []CheckResult) []htmlConsequence {
	var out []htmlConsequence
	for _, c := range checks {
		hc := htmlConsequence{ID: clean(c.ID), Level: clean(string(c.Level)), Status: clean(string(c.Status))}
		if len(c.CausedBy) > 0 && c.CausedBy[0] != root {
			hc.Via = clean(strings.Join(c.CausedBy, ", "))
		}
		if c.Status == StatusFail && len(c.Findings) > 0 {
			hc.Detail = clean(shorten(strings.TrimPrefix(c.Findings[0].Message, c.ID+": "), 160))
		} else {
			hc.Detail = clean(shorten(c.Reason, 160))
		}
		out = append(out, hc)
	}
	return out
}

// failureEffect says in a few words what a failure at level does.
func failureEffect(level Level, strict bool) string {
	switch level {
	case LevelShould:
		if strict {
			return "fails the run (strict)"
		}
		return "warning"
	case LevelMay:
		return "note only"
	case LevelIDP:
		return "fails IdP compatibility"
	}
	return "fails the run"
}

func htmlCounts(m map[string]int) []htmlCount {
	var out []htmlCount
	for _, k := range sortedKeys(m) {
		out = append(out, htmlCount{Status: clean(k), Count: m[k]})
	}
	return out
}

// Histogram geometry, in SVG user units.
const (
	histBarW   = 40
	histGap    = 6
	histLeft   = 8
	histTop    = 18
	histPlotH  = 110
	histLabelH = 32
)

// htmlOps returns one entry per operation: percentiles from run.Latency when
// it has the operation, else computed from the exchanges; a histogram
// whenever the exchanges have samples of it.
func htmlOps(run *Run) []htmlOp {
	samples := latencySamples(run)
	given := map[string]OpLatency{}
	for _, l := range run.Latency {
		given[l.Op] = l
	}
	ops := sortedKeys(samples)
	for _, op := range sortedKeys(given) {
		if _, ok := samples[op]; !ok {
			ops = append(ops, op)
		}
	}
	slices.Sort(ops)
	var out []htmlOp
	for _, op := range ops {
		l, ok := given[op]
		if !ok {
			l = summarise(op, samples[op])
		}
		h := htmlOp{Op: clean(op), Count: l.Count, P50: millis(l.P50), P90: millis(l.P90), P99: millis(l.P99), Max: millis(l.Max)}
		if s := samples[op]; len(s) > 0 {
			h.Histogram = histogramSVG(histogram(s))
			h.Spark = sparkSVG(histogram(s))
		}
		out = append(out, h)
	}
	return out
}

// htmlAllRequests summarises the latency of every exchange together, or
// returns nil when there is none.
func htmlAllRequests(run *Run) *htmlOp {
	var all []float64
	for _, s := range latencySamples(run) {
		all = append(all, s...)
	}
	if len(all) == 0 {
		return nil
	}
	slices.Sort(all)
	l := summarise("all requests", all)
	return &htmlOp{Op: l.Op, Count: l.Count, P50: millis(l.P50), P90: millis(l.P90), P99: millis(l.P99), Max: millis(l.Max),
		Histogram: histogramSVG(histogram(all))}
}

// Sparkline geometry, in SVG user units.
const (
	sparkBarW = 8
	sparkGap  = 2
	sparkH    = 22
)

// sparkSVG draws counts as a small bar chart for a table cell; each bar's
// label says its bucket and count on hover.
func sparkSVG(counts []int) *htmlHistogram {
	peak := slices.Max(counts)
	h := &htmlHistogram{Width: len(counts) * (sparkBarW + sparkGap), Height: sparkH, Base: sparkH}
	for i, n := range counts {
		barH := 0
		if peak > 0 {
			barH = n * (sparkH - 2) / peak
		}
		if n > 0 && barH < 2 {
			barH = 2
		}
		x := i * (sparkBarW + sparkGap)
		h.Bars = append(h.Bars, htmlBar{X: x, Y: sparkH - barH, W: sparkBarW, H: barH, Label: bucketLabel(i), Count: n})
	}
	return h
}

// bucketLabel names latency bucket i by its upper bound in milliseconds.
func bucketLabel(i int) string {
	if i < len(latencyBucketsMs) {
		return "≤" + strconv.FormatFloat(latencyBucketsMs[i], 'f', -1, 64)
	}
	return ">" + strconv.FormatFloat(latencyBucketsMs[len(latencyBucketsMs)-1], 'f', -1, 64)
}

func histogramSVG(counts []int) *htmlHistogram {
	peak := slices.Max(counts)
	h := &htmlHistogram{
		Width:  histLeft*2 + len(counts)*(histBarW+histGap),
		Height: histTop + histPlotH + histLabelH,
		Base:   histTop + histPlotH,
	}
	for i, n := range counts {
		barH := 0
		if peak > 0 {
			barH = n * histPlotH / peak
		}
		if n > 0 && barH < 2 {
			barH = 2
		}
		x := histLeft + i*(histBarW+histGap)
		label := bucketLabel(i)
		h.Bars = append(h.Bars, htmlBar{
			X: x, Y: h.Base - barH, W: histBarW, H: barH,
			LabelX: x + histBarW/2, CountY: h.Base - barH - 3,
			Label: label, Count: n,
		})
	}
	return h
}

// clean replaces invalid UTF-8 and control characters other than newline
// and tab with U+FFFD, and drops carriage returns, so the text is fit for
// HTML.
func clean(s string) string {
	return replaceRunes(s, func(r rune) bool {
		return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xFFFE || r == 0xFFFF
	})
}

// replaceRunes keeps newline and tab, drops carriage returns, and turns
// invalid UTF-8 and every rune bad reports into U+FFFD: the one sanitiser
// behind the HTML and Markdown renderers, which differ only in what is bad.
func replaceRunes(s string, bad func(rune) bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
		case bad(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func cleanAll(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = clean(s)
	}
	return out
}
