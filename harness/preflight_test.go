package harness

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
)

// TestRunStopsOnCredentials: a go test whose credentials are missing or
// wrong fails once, with the preflight's message and the fix, instead of
// failing every check as a subtest.
func TestRunStopsOnCredentials(t *testing.T) {
	for auth, want := range map[string]string{
		"none":  "none were given",
		"wrong": "refused the credentials",
	} {
		t.Run(auth, func(t *testing.T) {
			out, ok := child(t, "none", "", nil, "SCIMLOOP_TEST_AUTH="+auth)
			if ok {
				t.Fatalf("go test without good credentials passed; output:\n%s", out)
			}
			for _, w := range []string{want, "nothing was judged", "fix:", EnvToken} {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q; output:\n%s", w, out)
				}
			}
			if strings.Contains(out, "wr0ng-t0ken") {
				t.Errorf("output shows the token:\n%s", out)
			}
			if n := len(results(out)); n != 1 {
				t.Errorf("%d tests reported, want only TestRunChild itself; output:\n%s", n, out)
			}
		})
	}
}

// TestExecuteStopsOnCredentials: Execute returns a PreflightError and a run
// that judged nothing, after one read.
func TestExecuteStopsOnCredentials(t *testing.T) {
	target := newRefServer(t)
	target.Header = nil
	run, err := Execute(t.Context(), target)
	pe, ok := IsPreflight(err)
	if !ok || pe.Kind != PreflightCredentials || pe.Credentials || pe.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v (%+v), want a PreflightError for missing credentials", err, pe)
	}
	if !errors.Is(err, ErrIncomplete) {
		t.Errorf("err does not wrap ErrIncomplete")
	}
	if len(run.Checks) != 0 || !run.Verdict.Incomplete || len(run.Exchanges) != 1 {
		t.Errorf("run = %d checks, incomplete %v, %d exchanges; want none, true, 1", len(run.Checks), run.Verdict.Incomplete, len(run.Exchanges))
	}
}

// TestExecuteSuggestsBase: the server's root is not its SCIM base; the
// error names the base that answers.
func TestExecuteSuggestsBase(t *testing.T) {
	target := newRefServer(t)
	base := target.URL
	target.URL = strings.TrimSuffix(base, "/scim/v2") + "/"
	_, err := Execute(t.Context(), target)
	pe, ok := IsPreflight(err)
	if !ok || pe.Kind != PreflightBaseURL || pe.Suggest != base || pe.Status != http.StatusNotFound {
		t.Fatalf("err = %v (%+v), want a PreflightError suggesting %s", err, pe, base)
	}
	if strings.Contains(err.Error(), "JSON JSON") {
		t.Errorf("message says JSON twice: %v", err)
	}
}

func TestCandidateBases(t *testing.T) {
	for raw, want := range map[string][]string{
		"https://h.example": {"https://h.example/scim/v2", "https://h.example/v2", "https://h.example/scim"},
		"https://h.example/api/": {"https://h.example/scim/v2", "https://h.example/v2", "https://h.example/scim",
			"https://h.example/api/scim/v2", "https://h.example/api/scim", "https://h.example/api/v2"},
		"https://h.example/scim/v2": {"https://h.example/v2", "https://h.example/scim", "https://h.example/scim/v2/scim/v2",
			"https://h.example/scim/v2/scim"},
		"https://h.example/tenant/v2?x=1": {"https://h.example/scim/v2", "https://h.example/v2", "https://h.example/scim",
			"https://h.example/tenant/v2/scim/v2", "https://h.example/tenant/v2/scim", "https://h.example/tenant"},
		"::not a url": nil,
	} {
		if got := candidateBases(raw); !slices.Equal(got, want) {
			t.Errorf("candidateBases(%q) =\n %q\nwant\n %q", raw, got, want)
		}
	}
}

func TestDescribeAnswer(t *testing.T) {
	for _, tc := range []struct{ ct, body, want string }{
		{"", "", "no body"},
		{"application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no such endpoint"}`, `a JSON error (detail "no such endpoint")`},
		{"application/json", `{"hello":1}`, "a JSON object that is not a ServiceProviderConfig"},
		{"application/json", `[1,2]`, "a JSON array"},
		{"application/json", `"x"`, "a bare JSON string"},
		{"text/html; charset=utf-8", "<html>nope</html>", "an HTML page (text/html; charset=utf-8)"},
		{"", "<!doctype html>", "an HTML page (no Content-Type)"},
		{"text/plain", "hello", "a body that is not JSON (text/plain)"},
	} {
		h := http.Header{}
		if tc.ct != "" {
			h.Set("Content-Type", tc.ct)
		}
		ex := &fakeidp.Exchange{RespBody: []byte(tc.body), RespHeader: fakeidp.NewHeaders(h)}
		if got := describeAnswer(ex); got != tc.want {
			t.Errorf("describeAnswer(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// TestPreflightNeverWrites: the preflight and the search for a base URL
// only read.
func TestPreflightNeverWrites(t *testing.T) {
	var (
		mu      sync.Mutex
		methods []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		methods = append(methods, r.Method)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	_, err := Execute(context.Background(), Target{URL: srv.URL + "/x", Client: srv.Client()})
	if _, ok := IsPreflight(err); !ok {
		t.Fatalf("err = %v, want a PreflightError", err)
	}
	srv.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(methods) < 2 {
		t.Errorf("%d requests, want the preflight read, discovery and the search", len(methods))
	}
	for _, m := range methods {
		if m != http.MethodGet {
			t.Errorf("request %s, want only GET", m)
		}
	}
}
