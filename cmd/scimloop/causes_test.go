package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/reports"
)

// The console lists a consequence under the failure it follows from, never
// as a failure of its own.
func TestPrintFailuresGroupsConsequences(t *testing.T) {
	run := &reports.Run{Checks: []reports.CheckResult{
		{ID: "create-201", Level: reports.LevelMust, Status: reports.StatusFail,
			Findings: []reports.Finding{{Message: "create-201: POST /Users = 400, want 201"}}},
		{ID: "get-id-exact", Level: reports.LevelMust, Status: reports.StatusError, CausedBy: []string{"create-201"}},
		{ID: "put-replaces-values", Level: reports.LevelMust, Status: reports.StatusFail, CausedBy: []string{"create-201"},
			Findings: []reports.Finding{{Message: "put-replaces-values: PUT = 404"}}},
	}}
	var b bytes.Buffer
	printFailures(&b, run)
	require.Equal(t, "  FAIL MUST   create-201: POST /Users = 400, want 201\n"+
		"       caused by create-201: ERROR MUST get-id-exact\n"+
		"       caused by create-201: FAIL MUST put-replaces-values\n", b.String())
}
