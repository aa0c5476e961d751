package harness

import (
	"slices"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// attributeRefusals records, across scenarios and engines, the failures
// that a wholesale refusal explains (see assertions.Refusal) as consequences
// of the check that owns it: a failure each of whose findings cites a
// refused exchange, when that check failed on a refused exchange itself.
// One bug (406 to application/scim+json) is then one failing check, and
// the dozens of checks that read a resource are listed under it. A failure
// with a finding the refusal does not explain keeps its own standing.
func attributeRefusals(results []*scenarios.Result) {
	for _, ref := range assertions.Refusals() {
		if !refusalFailed(results, ref) {
			continue
		}
		for _, r := range results {
			for _, o := range r.Outcomes {
				if o.ID != ref.Root && o.Status == reports.StatusFail && len(o.CausedBy) == 0 && explains(ref, o.Findings) {
					o.CausedBy = []string{ref.Root}
				}
			}
		}
	}
}

// refusalFailed reports whether ref's own check failed on a refusal.
func refusalFailed(results []*scenarios.Result, ref assertions.Refusal) bool {
	for _, r := range results {
		for _, o := range r.Outcomes {
			if o.ID == ref.Root && o.Status == reports.StatusFail &&
				slices.ContainsFunc(o.Findings, func(f scenarios.Finding) bool { return slices.ContainsFunc(f.Exchanges, ref.Refused) }) {
				return true
			}
		}
	}
	return false
}

// explains reports whether every finding cites an exchange ref refused.
func explains(ref assertions.Refusal, findings []scenarios.Finding) bool {
	return len(findings) > 0 && !slices.ContainsFunc(findings, func(f scenarios.Finding) bool {
		return !slices.ContainsFunc(f.Exchanges, ref.Refused)
	})
}
