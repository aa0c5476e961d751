package harness_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// TestServerWithoutCapabilities runs every scenario, property sequences
// included, against a correct reference server that lacks optional
// capabilities (one at a time, then all of them). Such a server is
// conformant, so the run must pass: every check gated on a missing
// capability is skipped with a reason that names it, and the sequences
// reconcile without filter by reading back the ids they recorded.
func TestServerWithoutCapabilities(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every scenario once per capability; skipped with -short")
	}
	cases := [][]string{}
	for _, c := range refserver.Capabilities() {
		cases = append(cases, []string{c})
	}
	cases = append(cases, refserver.Capabilities())
	for _, without := range cases {
		name := strings.Join(without, "+")
		if len(without) > 1 {
			name = "all"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run, err := runAgainstServer(t, refserver.Config{Without: without},
				harness.WithSequences(10), harness.WithSteps(15), harness.WithShrinkTime(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			lacks := map[string]bool{}
			for _, c := range without {
				lacks[c] = true
			}
			for _, c := range run.Checks {
				switch {
				case c.Status == reports.StatusFail && c.Level == reports.LevelIDP && lacks[fakeidp.CapFilter]:
					// Entra ID and Okta match users by filter: a server
					// without one cannot be provisioned by them, and the
					// IdP verdict rightly says so.
				case c.Status == reports.StatusFail || c.Status == reports.StatusError:
					t.Errorf("%s %s against a server without %s: %s", c.ID, c.Status, name, checkMessage(c))
				case lacks[c.Capability] && c.Status != reports.StatusSkip:
					t.Errorf("%s needs %s, which the server lacks, but was %s", c.ID, c.Capability, c.Status)
				case lacks[c.Capability] && !namesAny(c.Reason, without):
					t.Errorf("%s was skipped with reason %q, which names no missing capability", c.ID, c.Reason)
				}
			}
			if lacks[fakeidp.CapFilter] {
				if got := statusOf(run, "seq-reconcile-missing"); got != reports.StatusPass {
					t.Errorf("seq-reconcile-missing = %s without filter, want pass: reconciliation reads back recorded ids", got)
				}
			}
		})
	}
}

func statusOf(run *reports.Run, id string) reports.Status {
	for _, c := range run.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

// namesAny reports whether reason names one of the capabilities.
func namesAny(reason string, capabilities []string) bool {
	for _, c := range capabilities {
		if strings.Contains(reason, c) {
			return true
		}
	}
	return false
}
