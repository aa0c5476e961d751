package harness_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// chaosRuns is how many runs TestChaosVerdictsStable makes per chaos fault:
// $SCIMLOOP_CHAOS_RUNS (make test-chaos sets 20), else 2, so that make test
// keeps the path exercised without the cost.
func chaosRuns(t *testing.T) int {
	if s := os.Getenv("SCIMLOOP_CHAOS_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SCIMLOOP_CHAOS_RUNS=%q: want a positive number", s)
		}
		return n
	}
	return 2
}

// TestChaosVerdictsStable: a server that answers some requests with 503 or
// 429 (flaky-5xx, flaky-429) is a correct server under load, so run after
// run must give the clean verdict: no failure, no error, and the same
// passing checks as a run without chaos. Each run has its own seed and run
// id, so each meets the chaos on different requests.
func TestChaosVerdictsStable(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: full runs against chaos faults")
	}
	clean := slices.DeleteFunc(passing(t, chaosRun(t, nil, 0)), func(id string) bool { return slices.Contains(retryOnly, id) })
	for _, fault := range []string{"flaky-5xx", "flaky-429"} {
		for i := range chaosRuns(t) {
			t.Run(fmt.Sprintf("%s/%02d", fault, i), func(t *testing.T) {
				run := chaosRun(t, []string{fault}, int64(i+1))
				for _, c := range run.Checks {
					if c.Status == reports.StatusFail || c.Status == reports.StatusError {
						t.Errorf("%s %s under %s: %s", c.ID, c.Status, fault, checkMessage(c))
					}
				}
				if len(run.Errors) > 0 {
					t.Errorf("run errors under %s: %v", fault, run.Errors)
				}
				got := slices.DeleteFunc(passing(t, run), func(id string) bool { return slices.Contains(retryOnly, id) })
				if diff := cmp.Diff(clean, got); diff != "" {
					t.Errorf("passing checks differ from the clean run's (-clean +chaos):\n%s", diff)
				}
			})
		}
	}
}

// retryOnly are the checks that only a retried request lets the run judge:
// they pass under chaos and are not reached without it.
var retryOnly = []string{"create-retry-no-duplicate"}

// chaosRun runs every scenario against a reference server with faults,
// seeded with seed, under a run id of its own.
func chaosRun(t *testing.T, faults []string, seed int64) *reports.Run {
	t.Helper()
	srv, err := refserver.New(refserver.Config{Faults: faults, Seed: seed, Token: testToken, BasePath: "/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	run, err := harness.Execute(context.Background(), harness.Target{URL: ts.URL + "/scim/v2"},
		harness.WithClientOptions(fakeidp.WithBearer(testToken)), harness.WithRunID(fmt.Sprintf("chaos%d", seed)))
	if err != nil {
		t.Fatalf("run with %v (seed %d): %v", faults, seed, err)
	}
	return run
}

// passing returns the IDs of the checks that passed, sorted.
func passing(t *testing.T, run *reports.Run) []string {
	t.Helper()
	var ids []string
	for _, c := range run.Checks {
		if c.Status == reports.StatusPass {
			ids = append(ids, c.ID)
		}
	}
	slices.Sort(ids)
	return ids
}
