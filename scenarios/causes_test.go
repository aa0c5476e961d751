package scenarios

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

// runSynthetic runs sc against a fresh reference server.
func runSynthetic(t *testing.T, sc *Scenario) map[string]*Outcome {
	t.Helper()
	ref, err := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	require.NoError(t, err)
	srv := httptest.NewServer(ref)
	t.Cleanup(srv.Close)
	c, err := fakeidp.NewClient(srv.URL+"/scim/v2", fakeidp.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	sp, err := fakeidp.Discover(context.Background(), c)
	require.NoError(t, err)
	env := &Env{Client: c, SP: sp, Names: safety.NamesFor(safety.RandomRunID()), Tracker: safety.NewTracker(0), Dialect: "rfc"}
	out := map[string]*Outcome{}
	for _, o := range Run(context.Background(), env, sc).Outcomes {
		out[o.ID] = o
	}
	return out
}

// A precursor that fails stops the scenario: the checks left unjudged, and
// the failures judged as its consequences, carry causedBy; a failure of its
// own does not.
func TestRequireGivesCausedBy(t *testing.T) {
	refused := errors.New("POST /Users = 400, want 201")
	sc := &Scenario{
		Name:   "synthetic",
		Checks: []string{"create-201", "put-replaces-values", "put-null-clears", "get-id-exact", "delete-204", "attrs-attributes", "attrs-excluded"},
		Run: func(s *S) {
			s.Judge("attrs-attributes", nil)
			s.JudgeCausedBy("attrs-excluded", "attrs-attributes", errors.New("own failure")) // its cause passed
			s.Judge("create-201", refused)
			s.JudgeCausedBy("put-replaces-values", "create-201", errors.New("the same refusal seen again"))
			s.JudgeCausedBy("put-null-clears", "create-201", errors.New("seen again"))
			s.Judge("put-null-clears", errors.New("and a failure of its own"))
			s.Require("create-201", refused)
			s.Judge("get-id-exact", nil) // never reached
		},
	}
	out := runSynthetic(t, sc)
	require.Equal(t, reports.StatusFail, out["create-201"].Status)
	require.Empty(t, out["create-201"].CausedBy)
	require.Equal(t, reports.StatusFail, out["put-replaces-values"].Status)
	require.Equal(t, []string{"create-201"}, out["put-replaces-values"].CausedBy)
	require.Empty(t, out["put-null-clears"].CausedBy, "a check that also failed on its own is not only a consequence")
	require.Empty(t, out["attrs-excluded"].CausedBy, "a cause that did not fail causes nothing")
	for _, id := range []string{"get-id-exact", "delete-204"} {
		require.Equal(t, reports.StatusError, out[id].Status, id)
		require.Equal(t, []string{"create-201"}, out[id].CausedBy, id)
		require.Contains(t, out[id].Reason, "caused by create-201", id)
	}
}

// A stop no failing check caused (a transport error, a broken
// precondition nothing judged) leaves the unjudged checks without causedBy.
func TestStopWithoutFailingCause(t *testing.T) {
	for name, stop := range map[string]func(s *S){
		"plain":          func(s *S) { s.Stop("the connection was reset") },
		"passing cause":  func(s *S) { s.Judge("create-201", nil); s.StopBecause("create-201", "odd") },
		"unjudged cause": func(s *S) { s.StopBecause("create-201", "odd") },
		"no cause": func(s *S) {
			s.Unjudged("get-id-exact", "", "nothing to read")
			s.Unjudged("create-201", "delete-204", "nothing to create")
		},
	} {
		out := runSynthetic(t, &Scenario{Name: "synthetic", Checks: []string{"create-201", "get-id-exact"}, Run: stop})
		require.Equal(t, reports.StatusError, out["get-id-exact"].Status, name)
		require.Empty(t, out["get-id-exact"].CausedBy, name)
		require.NotContains(t, out["get-id-exact"].Reason, "caused by", name)
		require.Len(t, out, 2, "%s: outcomes of checks the scenario never named: %v", name, out)
	}
}

// noIDOnUpperCase answers a create whose userName is in upper case with
// 201 and a body without an id: a duplicate the server did not refuse.
type noIDOnUpperCase struct{ h http.Handler }

func (n noIDOnUpperCase) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"userName":"SCIMLOOP-`) {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x"}`))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	n.h.ServeHTTP(w, r)
}

// A probe's odd answer (a 201 without an id to a case-insensitive
// duplicate) is judged by its check; it never stops the scenario.
func TestProbeOddAnswerIsJudged(t *testing.T) {
	ref, err := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	require.NoError(t, err)
	srv := httptest.NewServer(noIDOnUpperCase{h: ref})
	t.Cleanup(srv.Close)
	c, err := fakeidp.NewClient(srv.URL+"/scim/v2", fakeidp.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	sp, err := fakeidp.Discover(context.Background(), c)
	require.NoError(t, err)
	env := &Env{Client: c, SP: sp, Names: safety.NamesFor(safety.RandomRunID()), Tracker: safety.NewTracker(0), Dialect: "rfc"}
	env.Tracker.Scope(env.Names.Prefix, false) // the write guard on, as in a run
	res := Run(context.Background(), env, &userLifecycle)
	require.NotEqual(t, reports.StatusError, res.Status, "the scenario stopped: %s", res.Reason)
	o := outcomeOf(t, res, "username-unique-case-insensitive")
	require.Equal(t, reports.StatusFail, o.Status)
	require.Equal(t, reports.StatusPass, outcomeOf(t, res, "delete-then-404").Status)
}

// A wrong scimType on an error answer that is not a SCIM error message
// follows from error-schema, judged on that answer; a wrong status, or a
// wrong scimType in a SCIM error message, is a failure of its own.
func TestScimTypeOfNotSCIMErrorFollowsErrorSchema(t *testing.T) {
	plain := &fakeidp.Exchange{Seq: 1, Method: "GET", URL: "/Users?filter=x", Status: 400, RespBody: []byte("bad filter")}
	scim := &fakeidp.Exchange{Seq: 2, Method: "GET", URL: "/Users?filter=y", Status: 400,
		RespBody: []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue"}`)}
	wrongStatus := &fakeidp.Exchange{Seq: 3, Method: "GET", URL: "/Users?filter=z", Status: 404, RespBody: []byte("not here")}
	sc := &Scenario{
		Name:   "synthetic",
		Checks: []string{"error-schema", "neg-filter-syntax", "neg-filter-empty", "neg-filter-unknown-operator"},
		Run: func(s *S) {
			s.Judge("neg-filter-syntax", assertions.BadRequest(plain, "invalidFilter"), plain)
			s.Judge("neg-filter-empty", assertions.BadRequest(scim, "invalidFilter"), scim)
			s.Judge("neg-filter-unknown-operator", assertions.BadRequest(wrongStatus, "invalidFilter"), wrongStatus)
		},
	}
	out := runSynthetic(t, sc)
	require.Equal(t, reports.StatusFail, out["error-schema"].Status, "judged on the plain answer")
	require.Len(t, out["error-schema"].Findings, 1)
	require.Equal(t, reports.StatusFail, out["neg-filter-syntax"].Status)
	require.Equal(t, []string{"error-schema"}, out["neg-filter-syntax"].CausedBy)
	require.Contains(t, out["neg-filter-syntax"].Findings[0].Message, "not a SCIM error message")
	require.Empty(t, out["neg-filter-empty"].CausedBy, "a SCIM error with the wrong scimType is its own failure")
	require.Empty(t, out["neg-filter-unknown-operator"].CausedBy, "a wrong status is its own failure")
}
