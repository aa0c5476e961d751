package reports

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteMarkdown writes a summary of run as GitHub-flavoured Markdown, meant
// for $GITHUB_STEP_SUMMARY: the verdicts, a counts table, the failing checks
// (ID, level, RFC section, first finding), the warnings, checks skipped per
// capability, infrastructure errors, leftovers, the command that reproduces
// the run, latency per operation and requirement coverage.
//
// Table cells have '|' escaped, line breaks folded into spaces and '<', '>'
// and '&' written as entities, so no finding can break the table or inject
// markup; control characters and invalid UTF-8 become U+FFFD.
//
// Typical usage in a GitHub Actions step:
//
//	f, _ := os.OpenFile(os.Getenv("GITHUB_STEP_SUMMARY"), os.O_APPEND|os.O_WRONLY, 0)
//	err := reports.WriteMarkdown(f, run)
func WriteMarkdown(w io.Writer, run *Run) error {
	if run == nil {
		return errors.New("reports: WriteMarkdown: nil Run")
	}
	var b bytes.Buffer
	md := &mdWriter{b: &b}
	md.header(run)
	md.counts(run)
	md.certification(run)
	md.filters(run)
	md.schemaCoverage(run)
	md.failures(run)
	md.skips(run)
	md.runErrors(run)
	md.leftovers(run)
	md.curls(run)
	md.repro(run)
	md.latency(run)
	md.coverage(run)
	md.feedback(run)
	_, err := w.Write(b.Bytes())
	return err
}

type mdWriter struct{ b *bytes.Buffer }

func (m *mdWriter) line(format string, args ...any) {
	fmt.Fprintf(m.b, format, args...)
	m.b.WriteByte('\n')
}

func (m *mdWriter) row(cells ...string) {
	m.b.WriteString("|")
	for _, c := range cells {
		m.b.WriteString(" ")
		m.b.WriteString(c)
		m.b.WriteString(" |")
	}
	m.b.WriteByte('\n')
}

func verdictBadge(v string) string {
	switch v {
	case "pass":
		return "✅ PASS"
	case "fail":
		return "❌ FAIL"
	case "n/a":
		return "➖ N/A"
	}
	return "❔ " + verdictWord(mdText(v))
}

func (m *mdWriter) header(run *Run) {
	m.line("## scimloop conformance report")
	m.line("")
	m.line("**RFC verdict: %s** · **IdP compatibility: %s**", verdictBadge(run.Verdict.Result), verdictBadge(run.Verdict.IdPCompat))
	m.line("")
	var facts []string
	if run.Target != "" {
		facts = append(facts, "target "+mdCodeSpan(run.Target, false))
	}
	facts = append(facts, strings.TrimSpace(mdText(cmp.Or(run.Tool, "scimloop"))+" "+mdText(run.Version)))
	if run.Catalogue != "" {
		facts = append(facts, "catalogue "+mdText(run.Catalogue))
	}
	if run.Profile != "" {
		facts = append(facts, "profile "+mdText(run.Profile))
	}
	if run.Dialect != "" {
		facts = append(facts, "dialect "+mdText(run.Dialect))
	}
	if len(run.Seeds) > 1 {
		facts = append(facts, "seeds "+seedsText(run))
	} else {
		facts = append(facts, "seed "+seedsText(run))
	}
	if run.Strict {
		facts = append(facts, "strict")
	}
	if ts := timestamp(run.Started); ts != "" {
		facts = append(facts, "started "+ts)
	}
	facts = append(facts, seconds(run.Duration)+" s")
	m.line("%s", strings.Join(facts, " · "))
	if run.Verdict.Incomplete {
		m.line("")
		m.line("> [!WARNING]")
		m.line("> The run did not complete; the results below are partial.")
	}
}

func (m *mdWriter) counts(run *Run) {
	v := run.Verdict
	m.line("")
	m.line("| Passed | Failed | MUST failures | Warnings (SHOULD) | Skipped | Errored |")
	m.line("| ---: | ---: | ---: | ---: | ---: | ---: |")
	m.line("| %d | %d | %d | %d | %d | %d |", v.Passed, v.Failed, v.MustFailures, v.Warnings, v.Skipped, v.Errored)
}

func (m *mdWriter) failures(run *Run) {
	var failing, warnings, errored []CheckResult
	roots, under := GroupByCause(run)
	for _, c := range roots {
		switch {
		case c.Status == StatusFail && blocking(c.Level, run.Strict):
			failing = append(failing, c)
		case c.Status == StatusFail:
			warnings = append(warnings, c)
		case c.Status == StatusError:
			errored = append(errored, c)
		}
	}
	table := func(title string, checks []CheckResult) {
		if len(checks) == 0 {
			return
		}
		m.line("")
		m.line("### %s (%d)", title, len(checks))
		m.line("")
		m.row("Check", "Level", "RFC", "Scenarios", "First finding")
		m.row("---", "---", "---", "---", "---")
		for _, c := range checks {
			m.row(mdCode(c.ID), mdCell(string(c.Level)), mdCell(c.RFC), mdCell(scenarioList(c.Findings)), mdCell(firstFinding(c)))
			m.consequences(c.ID, under[c.ID])
		}
	}
	table("Failing checks", failing)
	if len(warnings) > 0 {
		title := "Warnings"
		if !run.Strict {
			title = "Warnings (SHOULD and MAY failures, not failing the run)"
		}
		table(title, warnings)
	}
	if len(errored) > 0 {
		m.line("")
		m.line("### Checks that could not run (%d)", len(errored))
		m.line("")
		m.row("Check", "Level", "Reason")
		m.row("---", "---", "---")
		for _, c := range errored {
			m.row(mdCode(c.ID), mdCell(string(c.Level)), mdCell(shorten(c.Reason, 160)))
		}
	}
}

// consequences writes, as rows under their root's row, the checks that
// failed or could not be judged only because root failed.
func (m *mdWriter) consequences(root string, checks []CheckResult) {
	for _, c := range checks {
		detail := shorten(c.Reason, 160)
		if c.Status == StatusFail {
			detail = firstFinding(c)
		}
		m.row("↳ "+mdCode(c.ID), mdCell(string(c.Level)), mdCell(c.RFC), mdCell(scenarioList(c.Findings)),
			mdCell(string(c.Status)+", "+causePrefix([]string{root})+detail))
	}
}

// firstFinding is the first finding's message, shortened, with how many more
// there are; or the check's reason when it has no finding.
func firstFinding(c CheckResult) string {
	if len(c.Findings) == 0 {
		return shorten(c.Reason, 160)
	}
	s := shorten(c.Findings[0].Message, 160)
	if n := len(c.Findings) - 1; n > 0 {
		s += fmt.Sprintf(" (+%d more)", n)
	}
	return s
}

// scenarioList names the distinct scenarios of findings, in order of first
// appearance, at most three.
func scenarioList(findings []Finding) string {
	var names []string
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Scenario != "" && !seen[f.Scenario] {
			seen[f.Scenario] = true
			names = append(names, f.Scenario)
		}
	}
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" (+%d)", len(names)-3)
	}
	return strings.Join(names, ", ")
}

func (m *mdWriter) skips(run *Run) {
	byCap := map[string]int{}
	other := 0
	for _, c := range run.Checks {
		if c.Status != StatusSkip {
			continue
		}
		if c.Capability != "" {
			byCap[c.Capability]++
		} else {
			other++
		}
	}
	if len(byCap) == 0 && other == 0 {
		return
	}
	m.line("")
	m.line("### Skipped checks")
	m.line("")
	m.row("Capability", "Advertised", "Skipped checks")
	m.row("---", "---", "---:")
	for _, capName := range sortedKeys(byCap) {
		adv := "no"
		if on, ok := run.Capabilities[capName]; !ok {
			adv = "unknown"
		} else if on {
			adv = "yes"
		}
		m.row(mdCode(capName), adv, strconv.Itoa(byCap[capName]))
	}
	if other > 0 {
		m.row("(other reasons)", "", strconv.Itoa(other))
	}
}

func (m *mdWriter) runErrors(run *Run) {
	if len(run.Errors) == 0 {
		return
	}
	m.line("")
	m.line("### Infrastructure errors (%d)", len(run.Errors))
	m.line("")
	for _, e := range run.Errors {
		m.line("- %s", mdCell(e))
	}
}

func (m *mdWriter) leftovers(run *Run) {
	if len(run.Leftovers) == 0 {
		return
	}
	m.line("")
	m.line("### Leftovers (%d)", len(run.Leftovers))
	m.line("")
	m.line("The run created these resources but could not delete them; remove them by hand.")
	m.line("")
	m.row("Type", "ID", "Name", "Error")
	m.row("---", "---", "---", "---")
	for _, l := range sortedLeftovers(run) {
		m.row(mdCell(l.Type), mdCode(l.ID), mdCell(l.Name), mdCell(shorten(l.Error, 160)))
	}
}

// maxMdCurl bounds a curl command shown in the summary; a longer one (a
// large body) is left to report.html and results.json.
const maxMdCurl = 4 << 10

// curls shows, for every failing check, the curl commands of its first
// finding: how to reproduce it without scimloop.
func (m *mdWriter) curls(run *Run) {
	first := true
	for _, c := range sortedChecks(run) {
		if c.Status != StatusFail || len(c.Findings) == 0 || len(c.Findings[0].Curl) == 0 {
			continue
		}
		if first {
			m.line("")
			m.line("### Reproduce with curl")
			m.line("")
			m.line("Each command resends a failing check's first exchanges; it reads the token from `$%s`.", TokenEnv)
			first = false
		}
		m.line("")
		m.line("%s (%s):", mdCode(c.ID), mdCell(string(c.Level)))
		m.line("")
		var cmds []string
		for _, cmd := range c.Findings[0].Curl {
			if len(cmd) > maxMdCurl {
				cmd = fmt.Sprintf("# a command of %d bytes: see report.html", len(cmd))
			}
			cmds = append(cmds, cmd)
		}
		text := strings.Join(cmds, "\n")
		fence := mdFence(text)
		m.line("%ssh", fence)
		m.line("%s", mdBlock(text))
		m.line("%s", fence)
	}
}

func (m *mdWriter) repro(run *Run) {
	if run.Command == "" {
		return
	}
	fence := mdFence(run.Command)
	m.line("")
	m.line("### Reproduce")
	m.line("")
	m.line("%ssh", fence)
	m.line("%s", mdBlock(run.Command))
	m.line("%s", fence)
}

func (m *mdWriter) latency(run *Run) {
	ops := opLatencies(run)
	if len(ops) == 0 {
		return
	}
	m.line("")
	m.line("### Latency (ms)")
	m.line("")
	m.row("Operation", "Count", "p50", "p90", "p99", "Max")
	m.row("---", "---:", "---:", "---:", "---:", "---:")
	for _, l := range ops {
		m.row(mdCode(l.Op), strconv.Itoa(l.Count), millis(l.P50), millis(l.P90), millis(l.P99), millis(l.Max))
	}
}

// coverageStatuses are the statuses of RowCoverage, in display order.
var coverageStatuses = []string{"pass", "fail", "skip", "not-run", "uncovered"}

// coverageCounts counts coverage rows per status; statuses outside
// coverageStatuses are returned in order after them.
func coverageCounts(run *Run) (order []string, counts map[string]int) {
	counts = map[string]int{}
	for _, r := range run.Coverage {
		counts[r.Status]++
	}
	order = append(order, coverageStatuses...)
	for _, s := range sortedKeys(counts) {
		if !contains(coverageStatuses, s) {
			order = append(order, s)
		}
	}
	return order, counts
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (m *mdWriter) coverage(run *Run) {
	if len(run.Coverage) == 0 {
		return
	}
	order, counts := coverageCounts(run)
	m.line("")
	m.line("### Requirement coverage (%d rows)", len(run.Coverage))
	m.line("")
	header := make([]string, len(order))
	align := make([]string, len(order))
	values := make([]string, len(order))
	for i, s := range order {
		header[i], align[i], values[i] = mdCell(s), "---:", strconv.Itoa(counts[s])
	}
	m.row(header...)
	m.row(align...)
	m.row(values...)
}

func (m *mdWriter) feedback(run *Run) {
	f := run.Feedback
	if f == nil {
		return
	}
	m.line("")
	m.line("### Property runs")
	m.line("")
	m.line("%s, %s, %d retried requests.", plural(f.Sequences, "sequence"), plural(f.Steps, "step"), f.Retries)
	if len(f.Failures) > 0 {
		m.seqFailures(f)
	} else if f.MinimalSteps > 0 {
		m.line("")
		m.line("Minimal failing sequence: %s (seed %d).", plural(f.MinimalSteps, "step"), f.Seed)
	}
	if len(f.Unconfirmed) > 0 {
		var parts []string
		for _, k := range sortedKeys(f.Unconfirmed) {
			parts = append(parts, fmt.Sprintf("%s %d", mdText(k), f.Unconfirmed[k]))
		}
		m.line("")
		m.line("Mutations not confirmed by read-back: %s.", strings.Join(parts, ", "))
	}
	if len(f.MemberDrift) > 0 {
		m.line("")
		m.line("Membership drift: %s.", plural(len(f.MemberDrift), "member"))
	}
	for _, r := range f.ReplayFiles {
		m.line("")
		m.line("Replay: %s", mdCodeSpan("scimloop replay "+r, false))
	}
}

// seqFailures lists the distinct failures of the property runs, and how
// far the search went after the first.
func (m *mdWriter) seqFailures(f *Feedback) {
	m.line("")
	seqs := "sequences"
	if f.SequencesAfterFailure == 1 {
		seqs = "sequence"
	}
	m.line("Distinct failures: %d; after the first, the search ran %d more %s (%s).", len(f.Failures),
		f.SequencesAfterFailure, seqs, plural(f.StepsAfterFailure, "step"))
	m.line("")
	for _, sf := range f.Failures {
		var parts []string
		for _, c := range sf.Checks {
			parts = append(parts, mdCodeSpan(c, false))
		}
		kind := "minimal sequence"
		if sf.Flaky {
			kind = "did not reproduce; sequence"
		}
		line := fmt.Sprintf("- %s: %s of %s (seed %d)", strings.Join(parts, ", "), kind, plural(sf.MinimalSteps, "step"), sf.Seed)
		if sf.Repeats > 0 {
			line += fmt.Sprintf(", met again %s", plural(sf.Repeats, "time"))
		}
		if sf.ReplayFile != "" {
			line += ", replay " + mdCodeSpan("scimloop replay "+sf.ReplayFile, false)
		}
		m.line("%s", line)
	}
}

// mdText makes s safe as Markdown inline text on one line: invalid UTF-8 and
// control characters become U+FFFD, line breaks become spaces, and '<', '>'
// and '&' become entities so that no raw HTML gets through.
func mdText(s string) string {
	return mdLine(s, func(r rune) string {
		switch r {
		case '<':
			return "&lt;"
		case '>':
			return "&gt;"
		case '&':
			return "&amp;"
		}
		return ""
	})
}

// mdLine puts s on one line: invalid UTF-8 and control characters become
// U+FFFD and line breaks spaces; special may replace any other rune (""
// keeps it).
func mdLine(s string, special func(rune) string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r' || r == '\n' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteRune(utf8.RuneError)
		default:
			if rep := special(r); rep != "" {
				b.WriteString(rep)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// mdCell makes s safe inside a table cell: mdText plus '|' escaped.
func mdCell(s string) string {
	return strings.ReplaceAll(mdText(s), "|", `\|`)
}

// mdCode writes s as an inline code span that is safe in a table cell. Code
// spans show entities literally, so '<', '>' and '&' are kept as they are;
// the span's backtick fence is longer than any run of backticks in s.
func mdCode(s string) string { return mdCodeSpan(s, true) }

// mdCodeSpan is mdCode; outside a table (inTable false) '|' is left alone.
func mdCodeSpan(s string, inTable bool) string {
	if s == "" {
		return ""
	}
	body := mdLine(s, func(r rune) string {
		if r == '|' && inTable {
			// GFM splits cells on '|' even inside code spans; "\|" is
			// the documented escape there too.
			return `\|`
		}
		return ""
	})
	fence := strings.Repeat("`", longestRun(body, '`')+1)
	if strings.HasPrefix(body, "`") || strings.HasSuffix(body, "`") {
		body = " " + body + " "
	}
	return fence + body + fence
}

// mdBlock makes s safe as the content of a fenced code block: invalid UTF-8
// and control characters other than newline and tab become U+FFFD.
func mdBlock(s string) string {
	return strings.TrimRight(replaceRunes(s, func(r rune) bool { return r < 0x20 || r == 0x7f }), "\n")
}

// mdFence returns a code fence longer than any run of backticks in s.
func mdFence(s string) string {
	return strings.Repeat("`", max(3, longestRun(s, '`')+1))
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}
