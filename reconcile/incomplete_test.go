package reconcile

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// failing answers 503 to every request whose path contains part, once armed.
func failing(part string, armed *atomic.Bool) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if armed.Load() && strings.Contains(r.URL.Path, part) {
				http.Error(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503"}`, http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// TestUnreadSideCallsNothingMissing: a server in sync with the source that
// fails to serve one resource type leaves the reconcile incomplete, with no
// drift: what could not be read is neither missing, nor a membership the
// server lacks or does not grant, and the plan creates nothing.
func TestUnreadSideCallsNothingMissing(t *testing.T) {
	for _, part := range []string{"/Users", "/Groups"} {
		t.Run(strings.TrimPrefix(part, "/"), func(t *testing.T) {
			var armed atomic.Bool
			_, base := refServer(t, refserver.Preload{Users: 20, Groups: 3, MembersPerGroup: 5, Seed: 8}, failing(part, &armed))
			src, _ := export(t, base)
			armed.Store(true)
			rep := run(t, base, src, func(c *Config) { c.Plan = true })
			if rep.Verdict != reports.ReconcileIncomplete {
				t.Fatalf("verdict %s, want incomplete", rep.Verdict)
			}
			if rep.Total() != 0 {
				t.Errorf("drift from what could not be read:\n%s", driftLines(rep.Drift))
			}
			if len(rep.Plan.Steps) != 0 || len(rep.Plan.Incomplete) == 0 {
				t.Errorf("the plan has %d steps and says incomplete %q", len(rep.Plan.Steps), rep.Plan.Incomplete)
			}
			var sh strings.Builder
			if err := WritePlanScript(&sh, rep.Plan); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sh.String(), "\n# WARNING: the reconcile was incomplete") {
				t.Errorf("plan.sh does not warn:\n%s", sh.String())
			}
		})
	}
}
