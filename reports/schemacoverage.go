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
