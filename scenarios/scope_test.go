package scenarios

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

// filtersOnly wraps a server so that it filters only on the attributes
// named (with eq); any other filter answers 400 invalidFilter, as RFC 7644
// Table 9 allows.
type filtersOnly struct {
	h     http.Handler
	attrs []string
}

func (f filtersOnly) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if flt := r.URL.Query().Get("filter"); r.URL.Query().Has("filter") {
		ok := strings.Contains(flt, " eq ") && !strings.Contains(flt, " sw ")
		if ok {
			ok = false
			for _, a := range f.attrs {
				ok = ok || strings.HasPrefix(flt, a+" eq ")
			}
		}
		if !ok {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"not supported"}`))
			return
		}
	}
	f.h.ServeHTTP(w, r)
}

// testEnv returns an environment for a run of scenarios against h.
func testEnv(t *testing.T, h http.Handler) *Env {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := fakeidp.NewClient(srv.URL+"/scim/v2", fakeidp.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	sp, err := fakeidp.Discover(context.Background(), c)
	require.NoError(t, err)
	return &Env{Client: c, SP: sp, Names: safety.NamesFor(safety.RandomRunID()), Tracker: safety.NewTracker(0), Dialect: "rfc"}
}

func refServer(t *testing.T, faults ...string) http.Handler {
	t.Helper()
	ref, err := refserver.New(refserver.Config{BasePath: "/scim/v2", Faults: faults})
	require.NoError(t, err)
	return ref
}

// statuses maps each of the scenario's own checks to its status.
func statuses(res *Result) map[string]reports.Status {
	out := map[string]reports.Status{}
	for _, o := range res.Outcomes {
		out[o.ID] = o.Status
	}
	return out
}

// A server that declines the fixture's eq filter (it filters userName
// only) is paged and sorted by an unfiltered walk: every check is judged,
// none fails.
func TestPagingScopeFallsBackToUnfilteredWalk(t *testing.T) {
	res := Run(context.Background(), testEnv(t, filtersOnly{h: refServer(t), attrs: []string{"userName"}}), &paging)
	require.Equal(t, reports.StatusPass, res.Status, res.Reason)
	for _, id := range []string{"page-count-zero", "page-walk-complete", "page-beyond-end", "page-count-capped", "sort-by", "sort-missing-last", "sort-sub-attribute"} {
		require.Equal(t, reports.StatusPass, statuses(res)[id], id)
	}
}

// The unfiltered walk still catches a server that ignores sortBy.
func TestPagingScopeWalkCatchesSortIgnored(t *testing.T) {
	res := Run(context.Background(), testEnv(t, filtersOnly{h: refServer(t, "sort-ignored"), attrs: []string{"userName"}}), &paging)
	require.Equal(t, reports.StatusFail, statuses(res)["sort-by"])
	require.Equal(t, reports.StatusPass, statuses(res)["page-walk-complete"])
}

// findScope takes the eq filter the server honours, falls back to an
// unfiltered walk when it is declined or ignored, and gives up with the
// reason when the walk cannot see the fixture.
func TestFindScope(t *testing.T) {
	for _, tc := range []struct {
		name     string
		h        func(t *testing.T) http.Handler
		filtered bool
		why      string
	}{
		{"honoured", func(t *testing.T) http.Handler { return refServer(t) }, true, ""},
		{"declined", func(t *testing.T) http.Handler { return filtersOnly{h: refServer(t), attrs: []string{"userName"}} }, false, ""},
		{"ignored", func(t *testing.T) http.Handler { return refServer(t, "filter-ignored") }, false, ""},
		{"ids dropped", func(t *testing.T) http.Handler {
			return filtersOnly{h: refServer(t, "lists-malformed"), attrs: []string{"userName"}}
		}, false, "an unfiltered walk cannot: the walk found 0 of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, tc.h(t))
			var sc *listScope
			var why string
			probe := &Scenario{Name: "probe", Checks: withCommon(), Run: func(s *S) {
				var fixture []string
				tag := s.Env.Names.Next("scope")
				s.CreateUser(s.NewUser()) // not of the fixture
				for range 3 {
					u := s.NewUser()
					u.Name.GivenName = tag
					u, _ = s.CreateUser(u)
					fixture = append(fixture, u.ID)
				}
				sc, why = s.findScope("User", fixture, `name.givenName eq "`+tag+`"`)
			}}
			res := Run(context.Background(), env, probe)
			require.NotEqual(t, reports.StatusError, res.Status, res.Reason)
			if tc.why != "" {
				require.Nil(t, sc)
				require.Contains(t, why, tc.why)
				require.Contains(t, why, `"name.givenName eq`)
				return
			}
			require.NotNil(t, sc, why)
			require.Equal(t, tc.filtered, sc.filtered())
			require.Len(t, sc.ids, 3)
		})
	}
}

// declinesValueFilters wraps a server so that every PATCH whose path
// carries a value filter answers 400 invalidFilter (RFC 7644 Table 9).
type declinesValueFilters struct{ h http.Handler }

func (d declinesValueFilters) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPatch {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "[") && strings.Contains(string(body), `"path":"`) && strings.Contains(string(body), " eq ") {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"value filters are not supported"}`))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	d.h.ServeHTTP(w, r)
}

// A declined PATCH value filter skips its own check and fails none that
// follow on from it.
func TestPatchValueFilterDeclined(t *testing.T) {
	res := Run(context.Background(), testEnv(t, declinesValueFilters{h: refServer(t)}), &patchOps)
	require.Equal(t, reports.StatusPass, res.Status, "%s %+v", res.Reason, res.Outcomes)
	st := statuses(res)
	for _, id := range []string{"patch-remove-complex-filter", "patch-replace-filtered", "patch-replace-filtered-sub", "patch-remove-filtered", "patch-remove-absent-value"} {
		require.Equal(t, reports.StatusSkip, st[id], id)
	}
	for _, id := range []string{"patch-accepts-patchop", "patch-group-rename", "patch-primary-unique"} {
		require.Equal(t, reports.StatusPass, st[id], id)
	}
}

// declinesFilters wraps a server so that every filter, in a GET query or a
// .search body, answers 400 invalidFilter.
type declinesFilters struct{ h http.Handler }

func (d declinesFilters) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if r.URL.Query().Has("filter") || (strings.HasSuffix(r.URL.Path, "/.search") && strings.Contains(string(body), `"filter"`) &&
		strings.Contains(string(body), "SearchRequest")) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"no filters here"}`))
		return
	}
	d.h.ServeHTTP(w, r)
}

// A query GET declines as .search does is no finding about .search.
func TestSearchSameDeclineIsNoFinding(t *testing.T) {
	res := Run(context.Background(), testEnv(t, declinesFilters{h: refServer(t)}), &search)
	require.Equal(t, reports.StatusPass, res.Status, "%s %+v", res.Reason, res.Outcomes)
	st := statuses(res)
	for _, id := range searchChecks[:4] {
		require.Equal(t, reports.StatusSkip, st[id], id)
	}
}

// .search answering 201 with a Location is a create, not a query.
func TestSearchMisbehavesStillFails(t *testing.T) {
	res := Run(context.Background(), testEnv(t, refServer(t, "search-misbehaves")), &search)
	st := statuses(res)
	require.Equal(t, reports.StatusFail, st["search-is-query"])
	require.Equal(t, reports.StatusPass, st["search-same-as-get"])
}

// A server without filtering is paged and sorted by an unfiltered walk too.
func TestPagingWithoutFilterCapability(t *testing.T) {
	ref, err := refserver.New(refserver.Config{BasePath: "/scim/v2", Without: []string{"filter"}})
	require.NoError(t, err)
	env := testEnv(t, ref)
	require.False(t, env.SP.Filter)
	res := Run(context.Background(), env, &paging)
	require.Equal(t, reports.StatusPass, res.Status, "%s %+v", res.Reason, res.Outcomes)
	for _, id := range []string{"page-count-zero", "page-walk-complete", "sort-by", "sort-case-insensitive"} {
		require.Equal(t, reports.StatusPass, statuses(res)[id], id)
	}
}
