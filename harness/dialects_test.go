package harness

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// refTarget serves a fresh reference server on loopback, with credentials.
func refTarget(t *testing.T, faults ...string) Target {
	t.Helper()
	h, err := refserver.New(refserver.Config{Token: "dialect-t0ken", BasePath: "/scim/v2", Faults: faults, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Target{URL: srv.URL + "/scim/v2", Client: srv.Client(), Header: map[string][]string{"Authorization": {"Bearer dialect-t0ken"}}}
}

// TestReferencePassesEveryDialect is the "everything passes" gate: against
// the reference server, in every dialect and with --dialect all, no check
// fails or errs, and no check is left unreached without a reason.
func TestReferencePassesEveryDialect(t *testing.T) {
	for _, d := range append(fakeidp.Dialects(), fakeidp.DialectAll) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			run, err := Execute(context.Background(), refTarget(t), WithDialect(d))
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			for _, c := range run.Checks {
				switch {
				case c.Status == reports.StatusFail:
					for _, f := range c.Findings {
						t.Errorf("%s failed:\n%s\n%.700s", c.ID, f.Message, f.Excerpt)
					}
				case c.Status == reports.StatusError:
					t.Errorf("%s errored: %s", c.ID, c.Reason)
				case c.Status == reports.StatusSkip && strings.HasPrefix(c.Reason, "not reached"):
					t.Errorf("%s was not reached: %s", c.ID, c.Reason)
				}
			}
			for _, sc := range run.Scenarios {
				for _, c := range sc.Checks {
					if c.Status == reports.StatusError || c.Status == reports.StatusFail {
						t.Errorf("scenario %s: %s = %s: %s", sc.Name, c.ID, c.Status, c.Reason)
					}
				}
			}
			if run.Verdict.Result != "pass" {
				t.Errorf("verdict = %+v, want pass", run.Verdict)
			}
			if len(run.Leftovers) > 0 {
				t.Errorf("leftovers = %+v, want none", run.Leftovers)
			}
		})
	}
}
