package scenarios

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

func TestSharedIDs(t *testing.T) {
	if err := sharedIDs([]safety.Tracked{{Type: "User", ID: "1"}, {Type: "Group", ID: "2"}, {Type: "User", ID: "3"}}); err != nil {
		t.Errorf("distinct ids: %v", err)
	}
	if err := sharedIDs([]safety.Tracked{{Type: "User", ID: "1"}, {Type: "Group", ID: "1"}}); err == nil {
		t.Error("a User and a Group with id 1 passed")
	}
}

func TestRefreshedUserHasItsOwnIdentifiers(t *testing.T) {
	s := &S{Env: &Env{Names: safety.NamesFor("abc123"), SP: &fakeidp.ServiceProvider{}}}
	u := s.NewUser()
	r := s.refreshed(u)
	if r.UserName != u.UserName || r.ExternalID == u.ExternalID || r.Emails[0].Value == u.Emails[0].Value {
		t.Errorf("refreshed %+v from %+v: want the same userName, new e-mail and externalId", r, u)
	}
	if &r.Emails[0] == &u.Emails[0] {
		t.Error("refreshed shares the e-mail slice of the original")
	}
}

// runOn runs sc against a reference server built from cfg.
func runOn(t *testing.T, cfg refserver.Config, sc *Scenario) *Result {
	t.Helper()
	cfg.BasePath = "/scim/v2"
	ref, err := refserver.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(ref)
	t.Cleanup(srv.Close)
	c, err := fakeidp.NewClient(srv.URL+"/scim/v2", fakeidp.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	sp, err := fakeidp.Discover(context.Background(), c)
	require.NoError(t, err)
	env := &Env{Client: c, SP: sp, Names: safety.NamesFor(safety.RandomRunID()), Tracker: safety.NewTracker(0), Dialect: "rfc"}
	return Run(context.Background(), env, sc)
}

// A strict server with a schema subset and uniqueness policies is correct:
// the scenarios that build bodies and re-create users pass on it, and the
// checks about undeclared attributes skip with that reason.
func TestLimitedServerPasses(t *testing.T) {
	cfg := refserver.Config{Personalities: []string{"strict-schemas", "schema-subset", "unique-emails", "unique-externalid"}}
	for _, sc := range []*Scenario{&replaceAndDelete, &resourceSchema, &negativeInputs, &groupMembership} {
		res := runOn(t, cfg, sc)
		for _, o := range res.Outcomes {
			if o.Status == reports.StatusFail || o.Status == reports.StatusError {
				t.Errorf("%s: %s %s: %s %v", sc.Name, o.ID, o.Status, o.Reason, o.Findings)
			}
		}
		for _, id := range []string{"group-membership-both-views", "neg-user-groups-readonly"} {
			if slices.Contains(sc.CheckIDs(), id) {
				require.Contains(t, outcomeOf(t, res, id).Reason, "does not declare groups", "%s on %s", id, sc.Name)
			}
		}
	}
}
