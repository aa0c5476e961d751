package harness

import (
	"slices"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/profiles"
	"github.com/scimloop/scimloop/reports"
)

// WithCertProfile makes [Certify] follow the certification profile p: its
// dialects and seeds, its selection of checks and its level overrides. Without
// it Certify follows [profiles.Default].
func WithCertProfile(p profiles.Profile) Option {
	return func(c *config) { c.certProfile = &p }
}

// certProfile returns the profile a certification follows.
func (c *config) certProfileOrDefault() profiles.Profile {
	if c.certProfile != nil {
		return *c.certProfile
	}
	p, _ := profiles.Lookup(profiles.Default)
	return p
}

// applyProfile keeps only the checks the profile selects, in the run and in
// every scenario, sets the levels it overrides, recomputes the verdict and
// names the profile and its parity table in the run.
func applyProfile(m *reports.Run, p profiles.Profile) {
	keep := func(id string) bool {
		c, ok := assertions.Lookup(id)
		return !ok || p.Selects(id, c.Area) // a harness-level check (safety) is always kept
	}
	m.Checks = slices.DeleteFunc(m.Checks, func(c reports.CheckResult) bool { return !keep(c.ID) })
	for i := range m.Checks {
		m.Checks[i].Level = p.Level(m.Checks[i].ID, m.Checks[i].Level)
	}
	for i := range m.Scenarios {
		m.Scenarios[i].Checks = slices.DeleteFunc(slices.Clone(m.Scenarios[i].Checks), func(c reports.ScenarioCheck) bool { return !keep(c.ID) })
	}
	incomplete := m.Verdict.Incomplete
	m.Verdict = verdict(m.Checks, true, true)
	m.Verdict.Incomplete = incomplete
	if len(m.Checks) == 0 {
		m.Verdict.Result = "fail"
	}
	m.Certification = &reports.Certification{
		Profile: p.Name, Implements: p.Implements, Source: p.Source,
		Overrides: overrides(p), Omitted: p.Omit, Parity: parity(p, m.Checks),
	}
}

func overrides(p profiles.Profile) []reports.LevelOverride {
	var out []reports.LevelOverride
	for _, id := range p.Overridden() {
		out = append(out, reports.LevelOverride{Check: id, Level: p.Levels[id], Why: p.Why[id]})
	}
	return out
}

// parity gives each row of the profile's parity table the result of its
// checks: fail when one failed, error when one could not be judged, pass
// when one passed and the rest passed or skipped, skip when all skipped, and
// "not judged" when no check maps.
func parity(p profiles.Profile, checks []reports.CheckResult) []reports.ParityRow {
	status := map[string]reports.Status{}
	for _, c := range checks {
		status[c.ID] = c.Status
	}
	var out []reports.ParityRow
	for _, t := range p.Parity {
		row := reports.ParityRow{Test: t.Test, Category: t.Category, Does: t.Does, Checks: t.Checks, Note: t.Note, Result: ParityResult(t.Checks, status)}
		out = append(out, row)
	}
	return out
}

// ParityResult folds the statuses of checks into one result (see parity).
func ParityResult(checks []string, status map[string]reports.Status) string {
	if len(checks) == 0 {
		return reports.ParityNotJudged
	}
	seen := map[reports.Status]bool{}
	for _, id := range checks {
		s, ok := status[id]
		if !ok {
			s = reports.StatusSkip
		}
		seen[s] = true
	}
	switch {
	case seen[reports.StatusFail]:
		return string(reports.StatusFail)
	case seen[reports.StatusError]:
		return string(reports.StatusError)
	case seen[reports.StatusPass]:
		return string(reports.StatusPass)
	}
	return string(reports.StatusSkip)
}
