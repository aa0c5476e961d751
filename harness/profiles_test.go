package harness_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/profiles"
	"github.com/scimloop/scimloop/reports"
)

// TestProfiles certifies the reference server under every certification
// profile, in the serve configuration the profile documents (the embedded
// server as it starts for rfc and entra-gallery): each passes, judges its own
// area's checks (none skipped for want of the profile), names itself and its
// document in the run, runs only its dialects, and keeps out the checks it
// does not select. One seed per profile: the seeds are not under test.
func TestProfiles(t *testing.T) {
	if testing.Short() {
		t.Skip("certifies the reference server once per profile; skipped with -short")
	}
	harness.SetCertifyBudget(t, 2, 8)
	for _, p := range profiles.All() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			cfg := refserver.Config{Token: testToken, BasePath: "/scim/v2", Seed: 1, Personalities: p.Personalities,
				InteropProfile: p.InteropProfile, RateLimit: p.RateLimit}
			srv, err := refserver.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			p.Seeds = p.Seeds[:1]
			run, err := harness.Certify(context.Background(), harness.Target{URL: ts.URL + "/scim/v2"},
				harness.WithClientOptions(fakeidp.WithBearer(testToken)), harness.WithCertProfile(p))
			if err != nil {
				t.Fatalf("Certify: %v", err)
			}
			if run.Verdict.Result != "pass" || run.Verdict.Errored > 0 {
				t.Errorf("%s on %q: verdict %+v, failing %v; the documented configuration must pass", p.Name, p.ServeCommand(), run.Verdict, failing(run))
			}
			if c := run.Certification; c == nil || c.Profile != p.Name || c.Implements != p.Implements || len(c.Parity) != len(p.Parity) {
				t.Errorf("the run does not name profile %s and its document: %+v", p.Name, c)
			}
			if !slices.Equal(run.Dialects, p.Dialects) {
				t.Errorf("dialects %v, want %v", run.Dialects, p.Dialects)
			}
			judgedOwn := 0
			for _, c := range run.Checks {
				chk, _ := assertions.Lookup(c.ID)
				if chk.ID != "" && !p.Selects(c.ID, chk.Area) {
					t.Errorf("%s is in the run, but the profile does not select it", c.ID)
				}
				if chk.Area == p.Name {
					judgedOwn++
					if c.Status != reports.StatusPass {
						t.Errorf("own check %s: %s (%s)", c.ID, c.Status, checkMessage(c))
					}
				}
				if want := p.Level(c.ID, chk.Level); chk.ID != "" && c.Level != want {
					t.Errorf("%s at %s, want %s under %s", c.ID, c.Level, want, p.Name)
				}
			}
			if own := assertions.InArea(p.Name); judgedOwn != len(own) {
				t.Errorf("judged %d of the %d checks of area %s", judgedOwn, len(own), p.Name)
			}
			for _, r := range run.Certification.Parity {
				if len(r.Checks) > 0 && r.Result != string(reports.StatusPass) && r.Result != string(reports.StatusSkip) {
					t.Errorf("%s: %s → %s", r.Test, r.Checks, r.Result)
				}
			}
		})
	}
}
