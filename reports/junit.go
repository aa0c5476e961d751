package reports

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The JUnit writer follows the safe dialect of reports/testdata/junit.xsd: one
// <testsuite> per scenario, one <testcase> per check the scenario ran, at
// most one of <failure>, <error> or <skipped> per testcase, and sorted
// <properties> on each testcase. Generation (a pure model) is separate from
// writing (escaping), so counts are consistent by construction.

// runSuiteName names the synthetic suite that holds what belongs to the run
// rather than to a scenario: checks judged outside any scenario (such as
// reconciliation), infrastructure errors and leftovers.
const runSuiteName = "(run)"

type junitProp struct{ name, value string }

type junitCase struct {
	name, classname string
	time            float64
	props           []junitProp
	outcome         string // "", "failure", "error" or "skipped"
	message, typ    string
	text            string
}

type junitSuite struct {
	name  string
	time  float64
	props []junitProp
	cases []junitCase
}

type junitCounts struct{ tests, failures, errors, skipped int }

func (c *junitCounts) add(tc junitCase) {
	c.tests++
	switch tc.outcome {
	case "failure":
		c.failures++
	case "error":
		c.errors++
	case "skipped":
		c.skipped++
	}
}

// WriteJUnit writes run as JUnit XML that validates against the schema in
// reports/testdata/junit.xsd, the dialect Jenkins, GitLab and Surefire read.
//
// Each scenario is a <testsuite> (named after the scenario, with its dialect
// in parentheses when it has one) and each check it ran is a <testcase> named
// by the check ID with classname "scimloop.<scenario>[.<dialect>]", so
// classname and name are unique as GitLab requires. A failed check is one
// <failure> whose type is the check's level and whose text carries every
// finding (message, excerpt, reproduce command); SHOULD and MAY failures are
// <failure> too, with a message that says they are warnings. A check that
// could not run is an <error>, a skipped one <skipped> with its reason. Checks
// judged outside any scenario, run.Errors (infrastructure) and run.Leftovers
// go into a last suite named "(run)", the latter two as <error> testcases so
// CI shows them.
//
// Checks are not timed on their own (they judge recorded exchanges), so a
// testcase's time is 0.000; the scenario's time is on its <testsuite>. Text
// and attributes have characters that XML 1.0 forbids (control characters,
// U+FFFE, U+FFFF, invalid UTF-8) replaced by U+FFFD.
func WriteJUnit(w io.Writer, run *Run) error {
	if run == nil {
		return errors.New("reports: WriteJUnit: nil Run")
	}
	var buf bytes.Buffer
	writeJUnitXML(&buf, run, junitSuites(run))
	_, err := w.Write(buf.Bytes())
	return err
}

// junitSuites builds the suites of run: scenarios in order, then "(run)".
func junitSuites(run *Run) []junitSuite {
	idx := checkIndex(run)
	inScenario := map[string]bool{}
	var suites []junitSuite
	for _, sc := range sortedScenarios(run) {
		suites = append(suites, scenarioSuite(run, sc, idx))
		for _, c := range sc.Checks {
			inScenario[c.ID] = true
		}
	}
	if s := runSuite(run, inScenario); len(s.cases) > 0 {
		suites = append(suites, s)
	}
	return suites
}

func scenarioSuite(run *Run, sc ScenarioResult, idx map[string]*CheckResult) junitSuite {
	name := sc.Name
	classname := "scimloop." + sc.Name
	switch {
	case sc.Dialect != "" && sc.Seed != 0:
		name += fmt.Sprintf(" (%s, seed %d)", sc.Dialect, sc.Seed)
		classname += fmt.Sprintf(".%s.seed%d", sc.Dialect, sc.Seed)
	case sc.Dialect != "":
		name += " (" + sc.Dialect + ")"
		classname += "." + sc.Dialect
	case sc.Seed != 0:
		name += fmt.Sprintf(" (seed %d)", sc.Seed)
		classname += fmt.Sprintf(".seed%d", sc.Seed)
	}
	dialect := cmp.Or(sc.Dialect, run.Dialect)
	s := junitSuite{
		name: name,
		time: sc.Duration,
		props: sortProps(append([]junitProp{
			{"scimloop.scenario", sc.Name},
			{"scimloop.area", sc.Area},
			{"scimloop.dialect", dialect},
			{"scimloop.status", string(sc.Status)},
			{"scimloop.reason", sc.Reason},
		}, junitFilterProps(run, sc.Name)...)),
	}
	sawError := false
	for _, c := range sc.Checks {
		agg := idx[c.ID]
		tc := junitCase{name: c.ID, classname: classname, props: caseProps(run, c.ID, agg, sc.Name, dialect, cmp.Or(sc.Seed, run.Seed))}
		tc.props = withCauses(tc.props, c.CausedBy)
		level := Level("")
		if agg != nil {
			level = agg.Level
		}
		findings := findingsFor(c, sc.Name, agg)
		switch c.Status {
		case StatusFail:
			tc.outcome, tc.typ = "failure", levelType(level)
			tc.message, tc.text = failureBody(run, c.ID, agg, level, c.Reason, findings)
			tc.message, tc.text = causePrefix(c.CausedBy)+tc.message, causeLine(c.CausedBy)+tc.text
		case StatusError:
			sawError = true
			tc.outcome, tc.typ = "error", "error"
			tc.message = causePrefix(c.CausedBy) + cmp.Or(c.Reason, "the check could not run")
			_, tc.text = failureBody(run, c.ID, agg, level, c.Reason, findings)
			tc.text = causeLine(c.CausedBy) + tc.text
		case StatusSkip:
			tc.outcome = "skipped"
			tc.message = cmp.Or(c.Reason, "skipped")
		case StatusPass:
		default:
			tc.outcome, tc.typ = "error", "status"
			tc.message = fmt.Sprintf("unknown check status %q", c.Status)
		}
		s.cases = append(s.cases, tc)
	}
	// A scenario that broke or was skipped as a whole must show even when
	// none of its checks says so.
	switch {
	case sc.Status == StatusError && !sawError:
		s.cases = append(s.cases, junitCase{
			name: "(scenario)", classname: classname, outcome: "error", typ: "scenario",
			message: cmp.Or(sc.Reason, "the scenario could not complete"),
			text:    cmp.Or(sc.Reason, "the scenario could not complete"),
		})
	case sc.Status == StatusSkip && len(sc.Checks) == 0:
		s.cases = append(s.cases, junitCase{
			name: "(scenario)", classname: classname, outcome: "skipped",
			message: cmp.Or(sc.Reason, "skipped"),
		})
	}
	return s
}

// runSuite builds the "(run)" suite: checks that no scenario ran, then the
// infrastructure and cleanup testcases.
func runSuite(run *Run, inScenario map[string]bool) junitSuite {
	const classname = "scimloop.run"
	s := junitSuite{name: runSuiteName, time: 0}
	for _, c := range sortedChecks(run) {
		if inScenario[c.ID] {
			continue
		}
		tc := junitCase{name: c.ID, classname: classname, props: withCauses(caseProps(run, c.ID, &c, "", run.Dialect, run.Seed), c.CausedBy)}
		switch c.Status {
		case StatusFail:
			tc.outcome, tc.typ = "failure", levelType(c.Level)
			tc.message, tc.text = failureBody(run, c.ID, &c, c.Level, c.Reason, c.Findings)
			tc.message, tc.text = causePrefix(c.CausedBy)+tc.message, causeLine(c.CausedBy)+tc.text
		case StatusError:
			tc.outcome, tc.typ = "error", "error"
			tc.message = causePrefix(c.CausedBy) + cmp.Or(c.Reason, "the check could not run")
			_, tc.text = failureBody(run, c.ID, &c, c.Level, c.Reason, c.Findings)
			tc.text = causeLine(c.CausedBy) + tc.text
		case StatusSkip:
			tc.outcome, tc.message = "skipped", cmp.Or(c.Reason, "skipped")
		case StatusPass:
		default:
			tc.outcome, tc.typ = "error", "status"
			tc.message = fmt.Sprintf("unknown check status %q", c.Status)
		}
		s.cases = append(s.cases, tc)
	}
	if len(run.Errors) > 0 || run.Verdict.Incomplete {
		var text strings.Builder
		if run.Verdict.Incomplete {
			text.WriteString("the run did not complete\n")
		}
		for _, e := range run.Errors {
			text.WriteString(e)
			text.WriteString("\n")
		}
		msg := "the run did not complete"
		if len(run.Errors) > 0 {
			msg = shorten(run.Errors[0], 200)
			if len(run.Errors) > 1 {
				msg += fmt.Sprintf(" (+%d more)", len(run.Errors)-1)
			}
		}
		s.cases = append(s.cases, junitCase{
			name: "infrastructure", classname: classname, outcome: "error", typ: "infrastructure",
			message: msg, text: text.String(),
		})
	}
	if len(run.Leftovers) > 0 {
		var text strings.Builder
		text.WriteString("resources the run created but could not delete (remove them by hand):\n")
		for _, l := range sortedLeftovers(run) {
			fmt.Fprintf(&text, "%s %s", l.Type, l.ID)
			if l.Name != "" {
				fmt.Fprintf(&text, " (%s)", l.Name)
			}
			fmt.Fprintf(&text, ": %s\n", l.Error)
		}
		s.cases = append(s.cases, junitCase{
			name: "cleanup", classname: classname, outcome: "error", typ: "cleanup",
			message: plural(len(run.Leftovers), "resource") + " left on the server after the run",
			text:    text.String(),
		})
	}
	return s
}

// caseProps returns the sorted properties of one testcase.
func caseProps(run *Run, id string, agg *CheckResult, scenario, dialect string, seed int64) []junitProp {
	props := []junitProp{
		{"scimloop.check", id},
		{"scimloop.scenario", scenario},
		{"scimloop.seed", strconv.FormatInt(seed, 10)},
		{"scimloop.dialect", dialect},
		{"scimloop.version", run.Version},
	}
	if agg != nil {
		props = append(props,
			junitProp{"scimloop.title", agg.Title},
			junitProp{"scimloop.level", string(agg.Level)},
			junitProp{"scimloop.rfc", agg.RFC},
			junitProp{"scimloop.spec", strings.Join(agg.Spec, " ")},
			junitProp{"scimloop.area", agg.Area},
			junitProp{"scimloop.capability", agg.Capability},
			junitProp{"scimloop.aliases", strings.Join(agg.Aliases, " ")},
		)
	}
	return sortProps(props)
}

// withCauses adds the scimloop.causedBy property of a consequence.
func withCauses(props []junitProp, causes []string) []junitProp {
	if len(causes) == 0 {
		return props
	}
	return sortProps(append(props, junitProp{"scimloop.causedBy", strings.Join(causes, " ")}))
}

// causeLine opens the text of a consequence: which check to fix first.
func causeLine(causes []string) string {
	if len(causes) == 0 {
		return ""
	}
	return "caused by " + strings.Join(causes, ", ") + ": only a consequence of that failure; fix it first\n"
}

// sortProps drops empty values and sorts by name.
func sortProps(props []junitProp) []junitProp {
	props = slices.DeleteFunc(props, func(p junitProp) bool { return p.value == "" })
	slices.SortStableFunc(props, func(a, b junitProp) int { return strings.Compare(a.name, b.name) })
	return props
}

func levelType(l Level) string {
	if l == "" {
		return "UNKNOWN"
	}
	return string(l)
}

// failureBody returns the message attribute and the text of a failed or
// errored check: the check's identity and rule, then every finding in full.
func failureBody(run *Run, id string, agg *CheckResult, level Level, reason string, findings []Finding) (message, text string) {
	var b strings.Builder
	note := failureNote(level, run.Strict)
	if agg != nil {
		fmt.Fprintf(&b, "%s: %s (%s, %s)\n", id, agg.Title, levelType(agg.Level), agg.RFC)
		if agg.Rule != "" {
			fmt.Fprintf(&b, "rule: %s\n", agg.Rule)
		}
	} else {
		fmt.Fprintf(&b, "%s\n", id)
	}
	if note != "" {
		fmt.Fprintf(&b, "%s\n", note)
	}
	if reason != "" {
		fmt.Fprintf(&b, "reason: %s\n", reason)
	}
	writeFindings(&b, findings)

	switch {
	case len(findings) > 0:
		message = shorten(findings[0].Message, 200)
		if len(findings) > 1 {
			message += fmt.Sprintf(" (+%d more)", len(findings)-1)
		}
	case reason != "":
		message = shorten(reason, 200)
	default:
		message = "check failed with no finding recorded"
	}
	if note != "" {
		message = note + ": " + message
	}
	return message, b.String()
}

// writeFindings writes findings as plain text, each with its message, the
// exchanges that prove it, the excerpt and the reproduce command.
func writeFindings(b *strings.Builder, findings []Finding) {
	if len(findings) == 0 {
		b.WriteString("no finding recorded\n")
		return
	}
	for i, f := range findings {
		fmt.Fprintf(b, "\n[%d/%d] %s\n", i+1, len(findings), f.Message)
		if f.Scenario != "" {
			fmt.Fprintf(b, "scenario: %s\n", f.Scenario)
		}
		if len(f.Exchanges) > 0 {
			fmt.Fprintf(b, "exchanges: %s\n", exchangeRefs(f.Exchanges))
		}
		if f.Excerpt != "" {
			b.WriteString("--- excerpt\n")
			b.WriteString(strings.TrimRight(f.Excerpt, "\n"))
			b.WriteString("\n---\n")
		}
		if f.Repro != "" {
			fmt.Fprintf(b, "reproduce: %s\n", f.Repro)
		}
		for _, c := range f.Curl {
			fmt.Fprintf(b, "curl: %s\n", c)
		}
	}
}

func exchangeRefs(seqs []int) string {
	parts := make([]string, len(seqs))
	for i, s := range seqs {
		parts[i] = "#" + strconv.Itoa(s)
	}
	return strings.Join(parts, ", ")
}

func sortedLeftovers(run *Run) []Leftover {
	out := slices.Clone(run.Leftovers)
	slices.SortStableFunc(out, func(a, b Leftover) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// writeJUnitXML writes the suites with totals.
func writeJUnitXML(b *bytes.Buffer, run *Run, suites []junitSuite) {
	var total junitCounts
	counts := make([]junitCounts, len(suites))
	for i, s := range suites {
		for _, tc := range s.cases {
			counts[i].add(tc)
			total.add(tc)
		}
	}
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites")
	xmlAttr(b, "name", "scimloop")
	xmlCountAttrs(b, total)
	xmlAttr(b, "time", seconds(run.Duration))
	if ts := timestamp(run.Started); ts != "" {
		xmlAttr(b, "timestamp", ts)
	}
	b.WriteString(">\n")
	writeProps(b, "  ", sortProps([]junitProp{
		{"scimloop.tool", run.Tool},
		{"scimloop.version", run.Version},
		{"scimloop.catalogue", run.Catalogue},
		{"scimloop.profile", run.Profile},
		{"scimloop.target", run.Target},
		{"scimloop.seed", seedsText(run)},
		{"scimloop.dialect", run.Dialect},
		{"scimloop.strict", strconv.FormatBool(run.Strict)},
		{"scimloop.prefix", run.Prefix},
		{"scimloop.command", run.Command},
		{"scimloop.verdict", run.Verdict.Result},
		{"scimloop.idpCompat", run.Verdict.IdPCompat},
	}))
	ts := timestamp(run.Started)
	for i, s := range suites {
		b.WriteString("  <testsuite")
		xmlAttr(b, "name", s.name)
		xmlCountAttrs(b, counts[i])
		xmlAttr(b, "time", seconds(s.time))
		if ts != "" {
			xmlAttr(b, "timestamp", ts)
		}
		b.WriteString(">\n")
		writeProps(b, "    ", s.props)
		for _, tc := range s.cases {
			writeCase(b, tc)
		}
		b.WriteString("  </testsuite>\n")
	}
	b.WriteString("</testsuites>\n")
}

func writeCase(b *bytes.Buffer, tc junitCase) {
	b.WriteString("    <testcase")
	xmlAttr(b, "name", tc.name)
	xmlAttr(b, "classname", tc.classname)
	xmlAttr(b, "time", seconds(tc.time))
	if len(tc.props) == 0 && tc.outcome == "" {
		b.WriteString("/>\n")
		return
	}
	b.WriteString(">\n")
	writeProps(b, "      ", tc.props)
	if tc.outcome != "" {
		b.WriteString("      <")
		b.WriteString(tc.outcome)
		xmlAttr(b, "message", tc.message)
		if tc.typ != "" {
			xmlAttr(b, "type", tc.typ)
		}
		if tc.text == "" {
			b.WriteString("/>\n")
		} else {
			b.WriteString(">")
			xmlText(b, tc.text)
			b.WriteString("</")
			b.WriteString(tc.outcome)
			b.WriteString(">\n")
		}
	}
	b.WriteString("    </testcase>\n")
}

func writeProps(b *bytes.Buffer, indent string, props []junitProp) {
	if len(props) == 0 {
		return
	}
	b.WriteString(indent)
	b.WriteString("<properties>\n")
	for _, p := range props {
		b.WriteString(indent)
		b.WriteString("  <property")
		xmlAttr(b, "name", p.name)
		xmlAttr(b, "value", p.value)
		b.WriteString("/>\n")
	}
	b.WriteString(indent)
	b.WriteString("</properties>\n")
}

func xmlCountAttrs(b *bytes.Buffer, c junitCounts) {
	xmlAttr(b, "tests", strconv.Itoa(c.tests))
	xmlAttr(b, "failures", strconv.Itoa(c.failures))
	xmlAttr(b, "errors", strconv.Itoa(c.errors))
	xmlAttr(b, "skipped", strconv.Itoa(c.skipped))
}

func xmlAttr(b *bytes.Buffer, name, value string) {
	b.WriteByte(' ')
	b.WriteString(name)
	b.WriteString(`="`)
	xmlEscape(b, value, true)
	b.WriteByte('"')
}

func xmlText(b *bytes.Buffer, s string) { xmlEscape(b, s, false) }

// xmlEscape writes s escaped for XML 1.0 text or a double-quoted attribute.
// Characters outside the XML Char production and bytes that are not UTF-8
// become U+FFFD. In attributes, tab, newline and carriage return are written
// as character references so attribute-value normalisation keeps them.
func xmlEscape(b *bytes.Buffer, s string, attr bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if (r == utf8.RuneError && size == 1) || !isXMLChar(r) {
			b.WriteRune(utf8.RuneError)
			continue
		}
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			if attr {
				b.WriteString("&quot;")
			} else {
				b.WriteByte('"')
			}
		case '\r':
			b.WriteString("&#xD;")
		case '\n':
			if attr {
				b.WriteString("&#xA;")
			} else {
				b.WriteByte('\n')
			}
		case '\t':
			if attr {
				b.WriteString("&#x9;")
			} else {
				b.WriteByte('\t')
			}
		default:
			b.WriteRune(r)
		}
	}
}

// isXMLChar reports whether r is in the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}
