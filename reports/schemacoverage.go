package reports

import (
	"fmt"
	"slices"
	"strings"
)

// SchemaCoverage is how much of one resource type's declared schema the
// schema properties exercised: of the writable attributes (sub-attributes
// counted, core and extensions), how many a generated request set and a
// read-back judged.
type SchemaCoverage struct {
	Declared  int      `json:"declared"`
	Exercised int      `json:"exercised"`
	Missing   []string `json:"missing,omitempty"` // declared, never exercised
}

// Percent is Exercised of Declared, 0 when nothing is declared.
func (c SchemaCoverage) Percent() float64 {
	if c.Declared == 0 {
		return 0
	}
	return 100 * float64(c.Exercised) / float64(c.Declared)
}

// SchemaCoverageLines renders the coverage one line per resource type,
// sorted, for the text reports: "User: 41 of 42 writable attributes (98%)".
func SchemaCoverageLines(cov map[string]SchemaCoverage) []string {
	var out []string
	for _, rt := range slices.Sorted(mapKeys(cov)) {
		c := cov[rt]
		line := fmt.Sprintf("%s: %d of %d writable attributes exercised (%.0f%%)", rt, c.Exercised, c.Declared, c.Percent())
		if len(c.Missing) > 0 {
			line += "; not exercised: " + strings.Join(c.Missing, ", ")
		}
		out = append(out, line)
	}
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// schemaCoverage writes the schema coverage table of the Markdown summary.
func (m *mdWriter) schemaCoverage(run *Run) {
	if len(run.SchemaCoverage) == 0 {
		return
	}
	m.line("")
	m.line("### Schema coverage")
	m.line("")
	m.line("Writable attributes (sub-attributes counted) that a generated request set and a read-back judged.")
	m.line("")
	m.row("Resource type", "Declared", "Exercised", "Not exercised")
	m.row("---", "---", "---", "---")
	for _, rt := range slices.Sorted(mapKeys(run.SchemaCoverage)) {
		c := run.SchemaCoverage[rt]
		m.row(mdCell(rt), fmt.Sprint(c.Declared), fmt.Sprintf("%d (%.0f%%)", c.Exercised, c.Percent()), mdCell(strings.Join(c.Missing, ", ")))
	}
}

// htmlSchemaRow is one resource type of the HTML report's schema coverage.
type htmlSchemaRow struct {
	Type                string
	Declared, Exercised int
	Percent             string
	Missing             string
}

func newHTMLSchemaCoverage(run *Run) []htmlSchemaRow {
	var out []htmlSchemaRow
	for _, rt := range slices.Sorted(mapKeys(run.SchemaCoverage)) {
		c := run.SchemaCoverage[rt]
		out = append(out, htmlSchemaRow{Type: clean(rt), Declared: c.Declared, Exercised: c.Exercised,
			Percent: fmt.Sprintf("%.0f%%", c.Percent()), Missing: clean(strings.Join(c.Missing, ", "))})
	}
	return out
}
