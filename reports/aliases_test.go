package reports

import (
	"bytes"
	"strings"
	"testing"
)

// TestAliasesCarried: a check's former IDs reach results.json and JUnit, so
// a CI job that keyed on an old ID can still find the check.
func TestAliasesCarried(t *testing.T) {
	run := fixtureRun()
	if len(run.Checks) == 0 || len(run.Scenarios) == 0 {
		t.Fatal("fixture run has no checks or scenarios")
	}
	id := run.Scenarios[0].Checks[0].ID
	for i := range run.Checks {
		if run.Checks[i].ID == id {
			run.Checks[i].Aliases = []string{"old-name-a", "old-name-b"}
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"aliases": [`) || !strings.Contains(js.String(), `"old-name-a"`) {
		t.Error("results.json lacks the check's aliases")
	}
	if got := string(renderJUnit(t, run)); !strings.Contains(got, `name="scimloop.aliases" value="old-name-a old-name-b"`) {
		t.Error("junit.xml lacks the scimloop.aliases property")
	}
}
