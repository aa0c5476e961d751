package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/internal/tenant"
)

// lyingLists wraps a server so that every /Users list also names a foreign
// user's id under a name that carries prefix: a server confused about ids.
func lyingLists(h http.Handler, foreignID, prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/Users") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var page map[string]any
		if json.Unmarshal(rec.Body.Bytes(), &page) == nil {
			res, _ := page["Resources"].([]any)
			page["Resources"] = append([]any{map[string]any{"id": foreignID, "userName": prefix + "user-99"}}, res...)
			if n, ok := page["totalResults"].(float64); ok {
				page["totalResults"] = n + 1
			}
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(page)
	})
}

func TestCleanupDeletesOnlyThePrefix(t *testing.T) {
	const token = "cleanup-t0ken-x1"
	const prefix = "scimloop-kill01-"
	h, err := refserver.New(refserver.Config{Token: token, BasePath: "/scim/v2", Faults: []string{"filter-ignored"}, Seed: 1})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	base := srv.URL + "/scim/v2"

	foreign := tenant.New(base, token)
	require.NoError(t, foreign.Populate("acme-", 6, 2))
	otherRun := tenant.New(base, token)
	require.NoError(t, otherRun.Populate("scimloop-other1-", 2, 1))
	ours := tenant.New(base, token)
	require.NoError(t, ours.Populate(prefix, 3, 1))
	// The cleanup sees the server through a wrapper that lists a foreign
	// user under our prefix: that user must be left alone.
	liar := httptest.NewServer(lyingLists(h, foreign.Seed[0].ID, prefix))
	defer liar.Close()
	t.Setenv("SCIMLOOP_TOKEN", token)

	code, stdout, stderr := runCLI(t, "cleanup", "--url", liar.URL+"/scim/v2", "--prefix", prefix, "--dry-run")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, 4, strings.Count(stdout, "would delete "), stdout)
	left, err := ours.Named("User", prefix)
	require.NoError(t, err)
	assert.Len(t, left, 3, "a dry run deletes nothing")

	code, stdout, stderr = runCLI(t, "cleanup", "--url", liar.URL+"/scim/v2", "--prefix", prefix)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, 4, strings.Count(stdout, "deleted "), stdout)
	assert.Contains(t, stdout, "left alone User "+foreign.Seed[0].ID)
	assert.NotContains(t, stdout+stderr, token)
	for _, typ := range []string{"User", "Group"} {
		left, err := ours.Named(typ, prefix)
		require.NoError(t, err)
		assert.Empty(t, left, "every %s of the prefix is gone", typ)
	}
	for _, tn := range []*tenant.Tenant{foreign, otherRun} {
		changed, err := tn.Changed()
		require.NoError(t, err)
		assert.Empty(t, changed, "resources without the prefix are untouched")
	}

	// Running again finds nothing and succeeds.
	code, stdout, _ = runCLI(t, "cleanup", "--url", liar.URL+"/scim/v2", "--prefix", prefix)
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, ": 0 deleted")
}

func TestCleanupRefusesDangerousPrefixes(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	for _, p := range []string{"", "scimloop-", "acme-", "scimloop-ab-", "scimloop-*-", "SCIMLOOP-ABCDEF-", "scimloop-abcdef", "scimloop-abc def-"} {
		code, _, stderr := runCLI(t, "cleanup", "--url", srv.URL, "--prefix", p)
		assert.Equal(t, 2, code, "prefix %q must be refused", p)
		assert.Contains(t, stderr, "prefix")
	}
	code, _, _ := runCLI(t, "cleanup", "--prefix", "scimloop-abcdef-")
	assert.Equal(t, 2, code, "--url is required")
	assert.Zero(t, hits, "nothing is sent for a refused command")
}

func TestCleanupReportsWhatItCouldNotDelete(t *testing.T) {
	const prefix = "scimloop-stuck1-"
	list := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"u1","userName":"` + prefix + `user-1"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusForbidden)
		case strings.HasSuffix(r.URL.Path, "/Users/u1"):
			_, _ = io.WriteString(w, `{"id":"u1","userName":"`+prefix+`user-1"}`)
		case strings.HasSuffix(r.URL.Path, "/Users"):
			_, _ = io.WriteString(w, list)
		default:
			_, _ = io.Copy(io.Discard, bytes.NewReader(nil))
			_, _ = io.WriteString(w, `{"Resources":[]}`)
		}
	}))
	defer srv.Close()
	code, stdout, stderr := runCLI(t, "cleanup", "--url", srv.URL, "--prefix", prefix)
	assert.Equal(t, 3, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "could not delete User u1")
	assert.Contains(t, stderr, "403")
}
