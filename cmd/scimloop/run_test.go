package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/elimityserver"
	"github.com/scimloop/scimloop/reports"
)

// runCLI runs the command line in-process and returns the exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := execute(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func readRun(t *testing.T, dir string) *reports.Run {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	defer f.Close()
	run, err := reports.ReadJSON(f)
	require.NoError(t, err)
	return run
}

func TestRunEmbeddedDefaultPasses(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--out", out)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "PASS")

	run := readRun(t, out)
	passed := map[string]bool{}
	for _, c := range run.Checks {
		assert.NotEqual(t, reports.StatusFail, c.Status, "check %s failed against the reference server: %v", c.ID, c.Findings)
		assert.NotEqual(t, reports.StatusError, c.Status, "check %s errored: %s", c.ID, c.Reason)
		if c.Status == reports.StatusPass {
			passed[c.ID] = true
		}
	}
	assert.GreaterOrEqual(t, len(passed), 25, "distinct passing checks")
	junit, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), "<testsuites")
}

func TestRunFailsOnFault(t *testing.T) {
	out := t.TempDir()
	code, stdout, _ := runCLI(t, "run", "--out", out, "--fault", "ignore-if-match", "--only", "conditional-requests")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stdout, "etag-stale-if-match-rejected")
	run := readRun(t, out)
	assert.Equal(t, "fail", run.Verdict.Result)
}

// TestRunAgainstIndependentImplementation runs against a server built on a
// third-party SCIM library: the run completes and reports what it finds.
func TestRunAgainstIndependentImplementation(t *testing.T) {
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer ts.Close()
	var err error
	h, err = elimityserver.New(ts.URL + "/v2")
	require.NoError(t, err)

	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--url", ts.URL+"/v2", "--out", out)
	assert.Contains(t, []int{exitOK, exitFailed, exitIncomplete}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	run := readRun(t, out)
	assert.NotEmpty(t, run.Checks)
	assert.NotEmpty(t, run.Scenarios)
	var judged int
	for _, c := range run.Checks {
		if c.Status == reports.StatusPass || c.Status == reports.StatusFail {
			judged++
		}
		if c.Status == reports.StatusFail {
			t.Logf("finding on the elimity server: %s", strings.SplitN(c.Findings[0].Message, "\n", 2)[0])
		}
	}
	assert.Greater(t, judged, 10, "the run should judge the independent server, not give up")
}

// TestRunAgainstGarbage: whatever a server sends back, the run ends with a
// finding or an infrastructure error, a clear message, exit 1 or 3, within
// the timeout, and never a panic.
func TestRunAgainstGarbage(t *testing.T) {
	spc := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":true},"bulk":{"supported":false,"maxOperations":0,"maxPayloadSize":0},"filter":{"supported":true,"maxResults":10},"changePassword":{"supported":false},"sort":{"supported":false},"etag":{"supported":true},"authenticationSchemes":[]}`
	bigBody := func(w http.ResponseWriter, _ *http.Request) {
		chunk := bytes.Repeat([]byte("A"), 1<<20)
		for range 50 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		message string
	}{
		{"not-json", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello, world") }, "not JSON"},
		{"html-error-page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		}, "502"},
		{"always-500", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }, "500"},
		{"hangs", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, "timeout"},
		{"50MB-body", bigBody, "size limit"},
		{"html-after-discovery", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
				io.WriteString(w, spc)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>maintenance</html>")
		}, "FAIL"},
		{"50MB-after-discovery", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
				io.WriteString(w, spc)
				return
			}
			bigBody(w, r)
		}, "size limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(tc.handler)
			defer ts.Close()
			out := t.TempDir()
			start := time.Now()
			timeout := "500ms"
			if tc.message == "size limit" {
				timeout = "10s" // a big body needs time to reach the size limit under -race
			}
			code, stdout, stderr := runCLI(t, "run", "--url", ts.URL+"/scim/v2", "--out", out, "--timeout", timeout, "--max-body", "4194304")
			assert.Less(t, time.Since(start), 60*time.Second)
			assert.Contains(t, []int{exitFailed, exitIncomplete}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stdout+stderr, tc.message)
			run := readRun(t, out)
			assert.Equal(t, "fail", run.Verdict.Result)
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--no-such-flag"},
		{"run", "--url", "http://scim.example.com/scim/v2"},
		{"run", "--fault", "no-such-fault"},
		{"run", "--url", "http://127.0.0.1:1/scim/v2", "--fault", "no-etag"},
		{"run", "--dialect", "klingon"},
		{"run", "--header", "no colon here"},
		{"no-such-command"},
	} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
		assert.NotEmpty(t, stderr, "%v should explain itself", args)
	}
}

func TestRunUnreachableTarget(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there now
	code, stdout, stderr := runCLI(t, "run", "--url", url+"/scim/v2", "--out", t.TempDir(), "--timeout", "2s")
	assert.Equal(t, exitIncomplete, code)
	assert.Contains(t, stdout+stderr, "ServiceProviderConfig")
}

func TestListJSON(t *testing.T) {
	code, stdout, _ := runCLI(t, "list", "--json")
	require.Equal(t, exitOK, code)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &list))
	require.NotEmpty(t, list)
	for _, c := range list {
		for _, k := range []string{"id", "level", "keyword", "rfc", "spec", "capability"} {
			assert.Contains(t, c, k)
		}
		if c["keyword"] == "DERIVED" {
			assert.NotEmpty(t, c["derived"], "%v: a DERIVED check lists its justification", c["id"])
		}
	}
}

func TestFaultsOutput(t *testing.T) {
	code, stdout, _ := runCLI(t, "faults")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	assert.GreaterOrEqual(t, len(lines), 25)
	kinds := map[string]int{}
	for _, l := range lines {
		parts := strings.Split(l, "\t")
		require.Len(t, parts, 3, "line %q", l)
		assert.Contains(t, []string{"conformance", "should", "idp", "chaos", "profile"}, parts[1])
		kinds[parts[1]]++
		if parts[1] == "idp" {
			assert.Regexp(t, `\(dialect (entra|entra-legacy|okta)\)$`, parts[2], "an idp fault names its dialect")
		}
		if parts[1] == "profile" {
			assert.Regexp(t, `\(judged under certify --profile (interop|ipsie)\)$`, parts[2], "a profile fault names its profile")
		}
	}
	for _, k := range []string{"conformance", "should", "idp", "chaos", "profile"} {
		assert.Positive(t, kinds[k], "no %s fault", k)
	}
	_, help, _ := runCLI(t, "faults", "--help")
	for _, k := range []string{"conformance", "should", "idp", "chaos", "profile", "--strict", "--dialect"} {
		assert.Contains(t, help, k, "faults --help explains %s", k)
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, c := range []string{"", "run", "serve", "list", "faults", "personalities", "version", "certify", "report", "replay", "cleanup"} {
		args := []string{"--help"}
		if c != "" {
			args = []string{c, "--help"}
		}
		code, stdout, _ := runCLI(t, args...)
		assert.Equal(t, exitOK, code, c)
		assert.Contains(t, stdout, "Usage", c)
	}
}
