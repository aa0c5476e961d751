// Package assertions is how scimloop judges a SCIM server: the check
// catalogue ([All]) and the pure functions that judge recorded exchanges.
//
// A [Check] is data: a stable ID, a title, a level, the RFC section and rule
// it enforces, the requirement rows its failure proves broken, and the
// server capability it needs. Check functions take recorded
// [fakeidp.Exchange] values and JSON and return an error that says what came
// back and what was wanted; scenarios attach the rule and the evidence.
package assertions

import (
	"fmt"
	"sort"

	"github.com/scimloop/scimloop/reports"
)

// Check is one entry of the catalogue.
type Check struct {
	ID         string        // stable, kebab-case, area first: "etag-changes-on-update"
	Title      string        // short, for listings
	Level      reports.Level // MUST, SHOULD, MAY or IDP
	RFC        string        // "RFC 7644 §3.14"
	Spec       []string      // requirement rows a failure proves broken (at most three)
	Capability string        // "" or a fakeidp.Cap* name the check needs
	Rule       string        // the rule, in RFC language
	Area       string        // catalogue area, e.g. "etag"
}

// Explain renders a finding: the concrete problem, then the rule it breaks.
func (c Check) Explain(problem string) string {
	return fmt.Sprintf("%s: %s\n\trule (%s, %s): %s", c.ID, problem, c.Level, c.RFC, c.Rule)
}

var index = func() map[string]Check {
	m := map[string]Check{}
	for _, c := range All() {
		m[c.ID] = c
	}
	return m
}()

// Lookup returns the check with id.
func Lookup(id string) (Check, bool) {
	c, ok := index[id]
	return c, ok
}

// IDs returns every check ID, sorted.
func IDs() []string {
	ids := make([]string, 0, len(index))
	for id := range index {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// area stamps the area name on a literal table of checks.
func area(name string, checks []Check) []Check {
	for i := range checks {
		checks[i].Area = name
	}
	return checks
}
