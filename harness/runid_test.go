package harness_test

import (
	"testing"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// TestRunIDNeverChangesVerdict runs the correct reference server under run
// ids that spell the words the scenarios' fixtures use (local names, tags,
// domains, attribute values). A run id is random in real use, so a check
// whose expectation a run id can match is a false alarm waiting for the
// unlucky id: every one of these runs must pass.
func TestRunIDNeverChangesVerdict(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every scenario once per run id; skipped with -short")
	}
	for _, id := range []string{
		"bo0000", "bob000", "al0000", "ca0000", "da0000", "er0000", // filter and paging fixtures' local names
		"flt000", "pg0000", "user00", "group0", "home00", "ext000", // tags, kinds and email domains
		"sort00", "t10000", "e00000", "family", "mixed0", "test00",
	} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			run, err := runAgainst(t, nil, harness.WithRunID(id))
			if err != nil {
				t.Fatalf("run %s: %v", id, err)
			}
			for _, c := range run.Checks {
				if c.Status == reports.StatusFail || c.Status == reports.StatusError {
					t.Errorf("run id %s: %s %s: %s", id, c.ID, c.Status, checkMessage(c))
				}
			}
		})
	}
}

// TestIntegerIDsEveryRunID: against a server whose ids are 1, 2, 3…
// (unique across resource types), every scenario is judged, whatever digits
// the run id holds: the write guard compares ids exactly, never as
// substrings of a path, a name or a body.
func TestIntegerIDsEveryRunID(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every scenario once per run id; skipped with -short")
	}
	for _, id := range []string{"000001", "111111", "123456", "3a3b3c", "bo0000", "flt000"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			run, err := runAgainstServer(t, refserver.Config{Personalities: []string{"integer-ids"}}, harness.WithRunID(id))
			if err != nil {
				t.Fatalf("run %s: %v", id, err)
			}
			for _, c := range run.Checks {
				if c.Status == reports.StatusFail || c.Status == reports.StatusError {
					t.Errorf("run id %s: %s %s: %s", id, c.ID, c.Status, checkMessage(c))
				}
			}
			if len(run.Leftovers) > 0 {
				t.Errorf("run id %s left %v", id, run.Leftovers)
			}
		})
	}
}
