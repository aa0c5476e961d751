package reports

import "strings"

// Certification names the certification profile a run followed, the
// document (and exact version) it implements, and how its named rules or
// another tester's named tests map to checks.
type Certification struct {
	Profile    string          `json:"profile"`
	Implements string          `json:"implements"`
	Source     string          `json:"source,omitempty"`
	Overrides  []LevelOverride `json:"levelOverrides,omitempty"`
	Omitted    []string        `json:"omitted,omitempty"` // checks the profile leaves out although their area is selected
	Parity     []ParityRow     `json:"parity,omitempty"`
}

// LevelOverride is a check whose level the profile sets, and why.
type LevelOverride struct {
	Check string `json:"check"`
	Level Level  `json:"level"`
	Why   string `json:"why,omitempty"`
}

// ParityRow is one named test or rule of the profile: the checks that judge
// it and their folded result (pass, fail, error, skip, or ParityNotJudged).
type ParityRow struct {
	Test     string   `json:"test"`
	Category string   `json:"category,omitempty"`
	Does     string   `json:"does"`
	Checks   []string `json:"checks"`
	Result   string   `json:"result"`
	Note     string   `json:"note,omitempty"`
}

// ParityNotJudged is the result of a parity row no check maps to.
const ParityNotJudged = "not judged"

// certification writes the profile, the document it implements, its level
// overrides and its parity table ("their test → our checks → result").
func (m *mdWriter) certification(run *Run) {
	c := run.Certification
	if c == nil {
		return
	}
	m.line("")
	m.line("### Certification profile %s", mdCodeSpan(c.Profile, false))
	m.line("")
	m.line("Implements %s.", mdText(c.Implements))
	if c.Source != "" {
		m.line("Source: %s", mdCodeSpan(c.Source, false))
	}
	if len(c.Omitted) > 0 {
		m.line("Leaves out: %s.", mdText(strings.Join(c.Omitted, ", ")))
	}
	if len(c.Overrides) > 0 {
		m.line("")
		m.line("| Check | Level under this profile | Why |")
		m.line("| --- | --- | --- |")
		for _, o := range c.Overrides {
			m.row(mdCode(o.Check), mdCell(string(o.Level)), mdCell(o.Why))
		}
	}
	if len(c.Parity) == 0 {
		return
	}
	m.line("")
	m.line("| Their test or rule | Our checks | Result | Note |")
	m.line("| --- | --- | --- | --- |")
	for _, r := range c.Parity {
		checks := "—"
		if len(r.Checks) > 0 {
			checks = mdCell(strings.Join(r.Checks, ", "))
		}
		m.row(mdCode(r.Test), checks, mdCell(r.Result), mdCell(r.Note))
	}
}
