package harness

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// chaosTarget serves the reference server behind wrap, with credentials.
func chaosTarget(t *testing.T, wrap func(h http.Handler) http.Handler) Target {
	t.Helper()
	h, err := refserver.New(refserver.Config{Token: "chaos-t0ken", BasePath: "/scim/v2", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(h))
	t.Cleanup(srv.Close)
	return Target{URL: srv.URL + "/scim/v2", Client: srv.Client(), Header: map[string][]string{"Authorization": {"Bearer chaos-t0ken"}}}
}

// reset closes the connection without an answer, with an RST.
func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// unavailable answers 503 with Retry-After: 0.
func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "0")
	http.Error(w, "busy", http.StatusServiceUnavailable)
}

// firstN misbehaves with do on the first n requests that match, then serves.
func firstN(n int, match func(*http.Request) bool, do func(http.ResponseWriter)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		var mu sync.Mutex
		seen := 0
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hit := match(r) && seen < n
			if hit {
				seen++
			}
			mu.Unlock()
			if hit {
				do(w)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func wrongVersion(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/scim/v1/") }
func usersGET(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.URL.Path == "/scim/v1/Users" || r.URL.Path == "/scim/v2/Users")
}

func checkStatus(t *testing.T, run *reports.Run, id string) reports.CheckResult {
	t.Helper()
	for _, c := range run.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return reports.CheckResult{}
}

// TestChaosChangesNothing: 503s, 429s and connection resets are retried,
// probes included; while they pass, the verdict is the same as without
// them; when they persist, the check is an error naming the unavailability,
// never a finding about its rule.
func TestChaosChangesNothing(t *testing.T) {
	cases := []struct {
		name   string
		wrap   func(http.Handler) http.Handler
		status reports.Status
	}{
		{"a passing 503 on the probe", firstN(1, wrongVersion, unavailable), reports.StatusPass},
		{"passing resets of list reads", firstN(2, usersGET, reset), reports.StatusPass},
		{"a 503 that persists on the probe", firstN(1000, wrongVersion, unavailable), reports.StatusError},
		{"resets that persist on the probe", firstN(1000, wrongVersion, reset), reports.StatusError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Execute(context.Background(), chaosTarget(t, tc.wrap), WithOnly("http-basics"))
			if err != nil {
				t.Fatal(err)
			}
			c := checkStatus(t, run, "http-wrong-version-refused")
			if c.Status != tc.status {
				t.Fatalf("http-wrong-version-refused = %s (%s) %v, want %s", c.Status, c.Reason, c.Findings, tc.status)
			}
			if tc.status == reports.StatusError && !strings.Contains(c.Reason, "unavailable") {
				t.Errorf("the error does not name the unavailability: %s", c.Reason)
			}
			if run.Verdict.Failed != 0 {
				for _, c := range run.Checks {
					if c.Status == reports.StatusFail {
						t.Errorf("check %s failed under chaos: %v", c.ID, c.Findings)
					}
				}
			}
		})
	}
}

// TestExpiredTokenIsAnError: a 401 that appears mid-run, to the run's own
// credentials, is an error, never a finding.
func TestExpiredTokenIsAnError(t *testing.T) {
	expire := func(h http.Handler) http.Handler {
		var mu sync.Mutex
		n := 0
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			expired := n > 40 && r.Header.Get("Authorization") == "Bearer chaos-t0ken"
			mu.Unlock()
			if expired {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				http.Error(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401"}`, http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	run, _ := Execute(context.Background(), chaosTarget(t, expire), WithOnly("user-lifecycle", "conditional-requests", "patch-operations"))
	if run.Verdict.Errored == 0 {
		t.Error("no check errs after the token expired")
	}
	for _, c := range run.Checks {
		if c.Status == reports.StatusFail {
			t.Errorf("check %s failed on an expired token: %v", c.ID, c.Findings)
		}
	}
}
