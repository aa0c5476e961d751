// Package scim_test shows a SCIM vendor's conformance test with scimloop:
// every scimloop scenario runs as a subtest and every check as a nested
// subtest, so go test -run selects checks and gotestsum's JUnit lists them.
//
// Against a running server:
//
//	SCIMLOOP_URL=http://127.0.0.1:8080/scim/v2 SCIMLOOP_TOKEN=... go test -v
//
// Without SCIMLOOP_URL both tests skip.
package scim_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"testing"

	"github.com/scimloop/scimloop/harness"
)

// TestSCIM tests the SCIM server that SCIMLOOP_URL names.
func TestSCIM(t *testing.T) {
	harness.Run(t, harness.FromEnv(t))
}

// TestSCIMInProcess tests a SCIM handler served by an httptest server, the
// way a vendor tests its own handler without deploying it.
func TestSCIMInProcess(t *testing.T) {
	srv := httptest.NewServer(newHandler(t))
	defer srv.Close()
	harness.Run(t, harness.Target{URL: srv.URL + "/scim/v2", Client: srv.Client(), Header: bearer()})
}

// newHandler stands in for the vendor's own SCIM handler (in your repository:
// return yourscim.NewHandler(...)). Here it forwards to the server that
// SCIMLOOP_URL names, keeping the Host header so that meta.location and
// Location name the httptest server, as a real in-process handler would.
func newHandler(t *testing.T) http.Handler {
	target := harness.FromEnv(t)
	u, err := url.Parse(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = ""
	return &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host
	}}
}

// bearer is the Authorization header for SCIMLOOP_TOKEN, if it is set.
func bearer() http.Header {
	if tok := os.Getenv(harness.EnvToken); tok != "" {
		return http.Header{"Authorization": {"Bearer " + tok}}
	}
	return nil
}
