package harness

import (
	"slices"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// attributeSymptoms records, across scenarios and engines, the failures
// that a symptom explains (see assertions.Symptom) as consequences of the
// check that owns it: a failure each of whose findings cites an exchange
// showing the symptom, when that check failed on such an exchange itself.
// One bug (406 to application/scim+json, attributes= ignored) is then one
// failing check, and the checks that only met it are listed under it. A
// failure with a finding the symptom does not explain keeps its own
// standing.
func attributeSymptoms(results []*scenarios.Result) {
	for _, sym := range assertions.Symptoms() {
		if !rootShows(results, sym) {
			continue
		}
		for _, r := range results {
			for _, o := range r.Outcomes {
				if o.ID != sym.Root && o.Status == reports.StatusFail && len(o.CausedBy) == 0 && explains(sym, o.Findings) {
					o.CausedBy = []string{sym.Root}
				}
			}
		}
	}
}

// rootShows reports whether sym's own check failed on an exchange showing it.
func rootShows(results []*scenarios.Result, sym assertions.Symptom) bool {
	for _, r := range results {
		for _, o := range r.Outcomes {
			if o.ID == sym.Root && o.Status == reports.StatusFail &&
				slices.ContainsFunc(o.Findings, func(f scenarios.Finding) bool { return slices.ContainsFunc(f.Exchanges, sym.Shows) }) {
				return true
			}
		}
	}
	return false
}

// explains reports whether every finding cites an exchange showing sym.
func explains(sym assertions.Symptom, findings []scenarios.Finding) bool {
	return len(findings) > 0 && !slices.ContainsFunc(findings, func(f scenarios.Finding) bool {
		return !slices.ContainsFunc(f.Exchanges, sym.Shows)
	})
}
