package reports

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds what several writers share: sorted views of a Run (writers
// never reorder or modify the Run they are given), what a failure means at
// each level, and number and text formatting.

// sortedScenarios returns run's scenarios ordered by name, dialect and seed, each
// with its checks ordered by ID. The Run itself is not modified.
func sortedScenarios(run *Run) []ScenarioResult {
	out := make([]ScenarioResult, len(run.Scenarios))
	for i, s := range run.Scenarios {
		s.Checks = slices.Clone(s.Checks)
		slices.SortStableFunc(s.Checks, func(a, b ScenarioCheck) int { return cmp.Compare(a.ID, b.ID) })
		out[i] = s
	}
	slices.SortStableFunc(out, func(a, b ScenarioResult) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Dialect, b.Dialect), cmp.Compare(a.Seed, b.Seed))
	})
	return out
}

// sortedChecks returns run's aggregated checks ordered by ID.
func sortedChecks(run *Run) []CheckResult {
	out := slices.Clone(run.Checks)
	slices.SortStableFunc(out, func(a, b CheckResult) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// checkIndex maps a check ID to its aggregated result. With duplicate IDs the
// first one wins.
func checkIndex(run *Run) map[string]*CheckResult {
	idx := make(map[string]*CheckResult, len(run.Checks))
	for i := range run.Checks {
		if _, dup := idx[run.Checks[i].ID]; !dup {
			idx[run.Checks[i].ID] = &run.Checks[i]
		}
	}
	return idx
}

// blocking reports whether a failure at level counts against a verdict: MUST
// fails the run, IDP fails the IdP-compatibility verdict, SHOULD fails only a
// strict run. A level the writers do not know is treated as blocking, so an
// unknown failure is never hidden among the warnings.
func blocking(level Level, strict bool) bool {
	switch level {
	case LevelShould:
		return strict
	case LevelMay:
		return false
	}
	return true
}

// failureNote explains, in a few words, what a failure at level means for the
// run; it is empty for plain MUST failures, which need no explanation.
func failureNote(level Level, strict bool) string {
	switch level {
	case LevelMust:
		return ""
	case LevelShould:
		if strict {
			return "SHOULD-level failure, failing the run because it is strict"
		}
		return "warning: SHOULD-level failure, does not fail the run unless --strict"
	case LevelMay:
		return "note: MAY-level failure, recorded only, never fails the run"
	case LevelIDP:
		return "IdP compatibility failure: fails the IdP-compatibility verdict"
	}
	return "failure of unknown level " + strconv.Quote(string(level))
}

// levelRank orders requirement and check levels: MUST-like first, then
// SHOULD-like, IDP, MAY-like, anything else.
func levelRank(level string) int {
	switch strings.ToUpper(strings.TrimSpace(level)) {
	case "MUST", "MUST NOT", "SHALL", "SHALL NOT", "REQUIRED", "DECL", "DERIVED":
		return 0
	case "SHOULD", "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED":
		return 1
	case "IDP":
		return 2
	case "MAY", "OPTIONAL", "AMBIG", "INFO":
		return 3
	}
	return 4
}

// seconds formats a duration in seconds as a plain decimal with three
// fractional digits, never in exponent form. Values that are negative, NaN or
// infinite become 0.000, so the output always satisfies xs:decimal >= 0.
func seconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		s = 0
	}
	return strconv.FormatFloat(s, 'f', 3, 64)
}

// millis formats a latency in milliseconds for people: plain decimal, one
// fractional digit.
func millis(ms float64) string {
	if math.IsNaN(ms) || math.IsInf(ms, 0) || ms < 0 {
		ms = 0
	}
	return strconv.FormatFloat(ms, 'f', 1, 64)
}

// timestamp formats t in UTC as RFC 3339, or "" for the zero time.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// verdictWord returns a verdict value in upper case, or UNKNOWN when unset.
func verdictWord(v string) string {
	if v == "" {
		return "UNKNOWN"
	}
	return strings.ToUpper(v)
}

// shorten returns the first line of s, cut to at most n runes with an
// ellipsis.
func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// findingsFor returns the findings of one check in one scenario: the
// scenario's own if it has any, else those of the aggregated check that name
// the scenario.
func findingsFor(sc ScenarioCheck, scenario string, agg *CheckResult) []Finding {
	if len(sc.Findings) > 0 || agg == nil {
		return sc.Findings
	}
	var out []Finding
	for _, f := range agg.Findings {
		if f.Scenario == scenario {
			out = append(out, f)
		}
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// plural returns "1 check" or "2 checks".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// seedsText lists the run's seeds, "1" or "1, 42, 2026" for a run that merges
// several.
func seedsText(run *Run) string {
	if len(run.Seeds) == 0 {
		return strconv.FormatInt(run.Seed, 10)
	}
	parts := make([]string, len(run.Seeds))
	for i, s := range run.Seeds {
		parts[i] = strconv.FormatInt(s, 10)
	}
	return strings.Join(parts, ", ")
}

// causePrefix is how a consequence's message starts: "caused by a, b: ".
func causePrefix(causes []string) string {
	if len(causes) == 0 {
		return ""
	}
	return "caused by " + strings.Join(causes, ", ") + ": "
}

// rootCause follows a check's CausedBy links to the failing check it is
// finally a consequence of, or returns "" when the check stands on its own
// (no link, or a link to a check that did not fail in this run).
func rootCause(idx map[string]*CheckResult, c CheckResult) string {
	root := ""
	seen := map[string]bool{c.ID: true}
	for len(c.CausedBy) > 0 {
		next, ok := idx[c.CausedBy[0]]
		if !ok || next.Status != StatusFail || seen[next.ID] {
			break
		}
		seen[next.ID] = true
		root, c = next.ID, *next
	}
	return root
}

// GroupByCause splits run's failed and errored checks, ordered by ID, into
// those that stand on their own (roots) and, per root ID, the consequences
// reports list under it instead of as failures of their own.
func GroupByCause(run *Run) (roots []CheckResult, under map[string][]CheckResult) {
	idx := checkIndex(run)
	under = map[string][]CheckResult{}
	for _, c := range sortedChecks(run) {
		if c.Status != StatusFail && c.Status != StatusError {
			continue
		}
		if root := rootCause(idx, c); root != "" {
			under[root] = append(under[root], c)
			continue
		}
		roots = append(roots, c)
	}
	return roots, under
}
