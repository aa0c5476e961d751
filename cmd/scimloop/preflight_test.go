package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/reports"
)

// assertNothingJudged checks that the run wrote an incomplete result with no
// check in it: a preflight stop judges nothing.
func assertNothingJudged(t *testing.T, run *reports.Run) {
	t.Helper()
	assert.True(t, run.Verdict.Incomplete)
	assert.Empty(t, run.Checks)
	assert.Empty(t, run.Scenarios)
	assert.Zero(t, run.Verdict.Failed)
}

// assertNamesCredentialFlags checks that a message names every way to pass credentials.
func assertNamesCredentialFlags(t *testing.T, msg string) {
	t.Helper()
	for _, want := range []string{"SCIMLOOP_TOKEN", "--token-file", "--header", "--oauth-token-url", "--oauth-client-id", "--oauth-client-secret-file"} {
		assert.Contains(t, msg, want)
	}
}

// TestRunCredentialsPreflight runs against the reference server started
// with a token: without credentials the run is a usage error (2), with a
// wrong token it is refused (3); either way nothing is judged and the
// message says how to pass credentials.
func TestRunCredentialsPreflight(t *testing.T) {
	const token, wrong = "preflight-right-token-5c1e", "preflight-wrong-token-77ab"
	url := serveRef(t, token)
	t.Setenv("GITHUB_STEP_SUMMARY", "")

	t.Run("none", func(t *testing.T) {
		t.Setenv("SCIMLOOP_TOKEN", "")
		out := t.TempDir()
		code, stdout, stderr := runCLI(t, "run", "--url", url, "--out", out)
		require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		assert.Contains(t, stderr, "none were given")
		assertNamesCredentialFlags(t, stderr)
		assertNothingJudged(t, readRun(t, out))
	})
	t.Run("wrong", func(t *testing.T) {
		t.Setenv("SCIMLOOP_TOKEN", wrong)
		out := t.TempDir()
		code, stdout, stderr := runCLI(t, "run", "--url", url, "--out", out)
		require.Equal(t, exitIncomplete, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		assert.Contains(t, stderr, "refused the credentials")
		assertNamesCredentialFlags(t, stderr)
		assert.NotContains(t, stdout+stderr, wrong)
		assertNothingJudged(t, readRun(t, out))
	})
	t.Run("certify-none", func(t *testing.T) {
		t.Setenv("SCIMLOOP_TOKEN", "")
		out := filepath.Join(t.TempDir(), "bundle")
		code, stdout, stderr := runCmd(t, "certify", "--url", url, "--out", out, "--quiet")
		require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		assertNamesCredentialFlags(t, stderr)
		assertNothingJudged(t, loadRun(t, out))
	})
}

// TestRunWrongBaseURL gives the server's root instead of its SCIM base: the
// run names the base that answers (a usage error, 2). A server where no
// usual base answers gets an exit 3 and a description of what came back.
func TestRunWrongBaseURL(t *testing.T) {
	const token = "preflight-base-token-91c0"
	url := serveRef(t, token)
	root := strings.TrimSuffix(url, basePath)
	t.Setenv("SCIMLOOP_TOKEN", token)
	t.Setenv("GITHUB_STEP_SUMMARY", "")

	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--url", root, "--out", out)
	require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "fix: --url "+url)
	assert.Contains(t, stderr, "answered 404")
	assert.NotContains(t, stderr, "JSON JSON")
	assertNothingJudged(t, readRun(t, out))

	var (
		mu    sync.Mutex
		paths []string
	)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<html><body>Not here</body></html>")
	}))
	defer html.Close()
	code, stdout, stderr = runCLI(t, "run", "--url", html.URL+"/api", "--out", t.TempDir())
	require.Equal(t, exitIncomplete, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "answered 404 with an HTML page (text/html)")
	html.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		assert.True(t, strings.HasPrefix(p, "GET "), "the search for a base URL only reads: %s", p)
	}
	assert.Contains(t, paths, "GET /scim/v2/ServiceProviderConfig")
	assert.Contains(t, paths, "GET /api/v2/ServiceProviderConfig")
}

// TestPreflightExit maps each preflight stop to its exit code and message;
// other errors are left alone.
func TestPreflightExit(t *testing.T) {
	_, ok := preflightExit(os.ErrNotExist, true, nil)
	assert.False(t, ok)

	cred := &harness.PreflightError{Kind: harness.PreflightCredentials, Request: "GET https://h/scim/v2/Users", Status: 403}
	for _, tc := range []struct {
		name  string
		err   error
		given bool
		code  int
		want  string
	}{
		// An X-Api-Key header is credentials the harness cannot tell apart.
		{"api key refused", fmt.Errorf("dialect rfc: %w", cred), true, exitIncomplete, "refused the credentials"},
		{"none given", cred, false, exitUsage, "none were given"},
		{"base found", &harness.PreflightError{Kind: harness.PreflightBaseURL, Request: "GET https://u:s3cr3t@h/ServiceProviderConfig",
			Status: 404, Answer: "no body", Suggest: "https://u:s3cr3t@h/scim/v2", Searched: true}, true, exitUsage, "fix: --url https://u:REDACTED@h/scim/v2"},
		{"server error", &harness.PreflightError{Kind: harness.PreflightBaseURL, Request: "GET https://h/ServiceProviderConfig",
			Status: 502, Answer: "an HTML page (text/html)"}, true, exitIncomplete, "answered 502 with an HTML page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err, ok := preflightExit(tc.err, tc.given, []string{"s3cr3t"})
			require.True(t, ok)
			var ee *exitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, tc.code, ee.code)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "s3cr3t")
			assert.NotContains(t, err.Error(), "usual base", "a 502 says nothing about the path")
		})
	}
}
