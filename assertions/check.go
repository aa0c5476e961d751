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
	Rule       string        // the rule, paraphrased in our own words
	Area       string        // catalogue area, e.g. "etag"

	// Keyword is the normative keyword of the RFC sentence the check
	// enforces, as that sentence writes it: MUST, MUST NOT, SHALL, SHALL NOT,
	// REQUIRED, SHOULD, SHOULD NOT, RECOMMENDED, MAY or OPTIONAL. It is
	// KeywordDerived when no single sentence carries the level, and
	// KeywordIDP for IdP-compatibility checks, which cite an IdP's documented
	// behaviour (in RFC) instead of an RFC sentence.
	Keyword string
	// Derived justifies a KeywordDerived level in one line: which sentence
	// the rule follows from, and how. A DERIVED failure weighs like Level.
	Derived string
	// Aliases are former IDs of this check (renamed or merged): IDs are a
	// public interface, so [Lookup] still finds the check by them.
	Aliases []string
}

// Keywords that are not RFC 2119 words (see [Check.Keyword]).
const (
	KeywordDerived = "DERIVED"
	KeywordIDP     = "IDP"
)

// KeywordLevel is the level an RFC 2119 keyword carries (MUST, MUST NOT,
// SHALL, SHALL NOT, REQUIRED → MUST; SHOULD, SHOULD NOT, RECOMMENDED →
// SHOULD; MAY, OPTIONAL → MAY; IDP → IDP). It reports false for
// KeywordDerived, whose level is the check's own, and for unknown words.
func KeywordLevel(keyword string) (reports.Level, bool) {
	switch keyword {
	case "MUST", "MUST NOT", "SHALL", "SHALL NOT", "REQUIRED":
		return reports.LevelMust, true
	case "SHOULD", "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED":
		return reports.LevelShould, true
	case "MAY", "OPTIONAL":
		return reports.LevelMay, true
	case KeywordIDP:
		return reports.LevelIDP, true
	}
	return "", false
}

// Explain renders a finding: the concrete problem, then the rule it breaks.
func (c Check) Explain(problem string) string {
	return fmt.Sprintf("%s: %s\n\trule (%s, %s): %s", c.ID, problem, c.Level, c.RFC, c.Rule)
}

// Basis names the level and where it comes from, for listings and
// findings: "MUST", "SHOULD (RECOMMENDED)", "MUST (derived)", "IDP".
func (c Check) Basis() string {
	switch {
	case c.Keyword == KeywordDerived:
		return string(c.Level) + " (derived)"
	case c.Keyword == "" || c.Keyword == string(c.Level):
		return string(c.Level)
	}
	return string(c.Level) + " (" + c.Keyword + ")"
}

var index = indexOf(All())

// indexOf maps every ID and every alias to its check.
func indexOf(checks []Check) map[string]Check {
	m := map[string]Check{}
	for _, c := range checks {
		m[c.ID] = c
		for _, a := range c.Aliases {
			m[a] = c
		}
	}
	return m
}

// Lookup returns the check with id, or whose former ID (alias) id is.
func Lookup(id string) (Check, bool) {
	c, ok := index[id]
	return c, ok
}

// IDs returns every check ID, sorted.
func IDs() []string {
	ids := make([]string, 0, len(index))
	for id, c := range index {
		if id == c.ID {
			ids = append(ids, id)
		}
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
