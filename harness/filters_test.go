package harness_test

import (
	"strings"
	"testing"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// filterChecks returns the filter-* checks of run by ID.
func filterChecks(run *reports.Run) map[string]reports.CheckResult {
	out := map[string]reports.CheckResult{}
	for _, c := range run.Checks {
		if strings.HasPrefix(c.ID, "filter-") {
			out[c.ID] = c
		}
	}
	return out
}

// Against the correct server every filter check passes (or has nothing to
// judge) and the matrix shows every operator supported.
func TestFiltersDefaultServerSupportsAll(t *testing.T) {
	run, err := runAgainstServer(t, refserver.Config{}, harness.WithOnly("filters"))
	if err != nil {
		t.Fatal(err)
	}
	noJudgement := map[string]bool{"filter-declined-invalidfilter": true, "filter-defaulted": true}
	for id, c := range filterChecks(run) {
		if c.Status != reports.StatusPass && !(noJudgement[id] && c.Status == reports.StatusSkip) {
			t.Errorf("%s = %s (%s), want pass", id, c.Status, c.Reason)
		}
	}
	ops := map[string]bool{}
	for _, c := range run.FilterSupport {
		if c.Status != reports.FilterSupported {
			t.Errorf("cell %+v, want supported", c)
		}
		ops[c.Operator] = true
	}
	for _, op := range []string{"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le", "and", "or", "not", "precedence", "grouping", "valuePath"} {
		if !ops[op] {
			t.Errorf("the matrix has no %s cell", op)
		}
	}
}

// A server that supports only eq and and declines the rest with 400
// invalidFilter: a capability, so no filter check fails or errs, the eq
// probes are still judged, and the matrix records the declines.
func TestFiltersEqAndOnlyDeclinesAreNotFailures(t *testing.T) {
	run, err := runAgainstServer(t, refserver.Config{Personalities: []string{"filters-eq-and-only"}}, harness.WithOnly("filters"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range run.Scenarios {
		for _, c := range sc.Checks {
			if c.Status == reports.StatusFail || c.Status == reports.StatusError {
				t.Errorf("%s/%s = %s (%s %v)", sc.Name, c.ID, c.Status, c.Reason, c.Findings)
			}
		}
	}
	checks := filterChecks(run)
	for _, id := range []string{"filter-eq-exact", "filter-sub-attribute", "filter-value-path", "filter-multi-valued", "filter-idp-minimum", "filter-membership", "filter-declined-invalidfilter"} {
		if checks[id].Status != reports.StatusPass {
			t.Errorf("%s = %s (%s), want pass on an eq-and-and server", id, checks[id].Status, checks[id].Reason)
		}
	}
	if c := checks["filter-sw"]; c.Status != reports.StatusSkip || !strings.Contains(c.Reason, "declines sw on userName (400 invalidFilter)") {
		t.Errorf("filter-sw = %s (%s), want a skip naming the decline", c.Status, c.Reason)
	}
	if line := run.FilterLine(); !strings.Contains(line, "declined, 0 wrong") || strings.Contains(line, " 0 declined") {
		t.Errorf("FilterLine = %q", line)
	}
}
