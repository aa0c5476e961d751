package harness_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
)

// newVendorHandler stands in for a vendor's own SCIM handler.
func newVendorHandler() http.Handler {
	h, err := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	if err != nil {
		panic(err)
	}
	return h
}

// A vendor's conformance test of its own SCIM handler, served by an httptest
// server: every scenario runs as a subtest, every check as a nested subtest.
func ExampleRun() {
	testSCIM := func(t *testing.T) { // func TestSCIM(t *testing.T) in your _test.go file
		srv := httptest.NewServer(newVendorHandler())
		defer srv.Close()
		harness.Run(t, harness.Target{URL: srv.URL + "/scim/v2", Client: srv.Client()})
	}
	_ = testSCIM
}

// Options select scenarios and make SHOULD-level failures fail the test.
func ExampleRun_options() {
	testSCIM := func(t *testing.T) {
		harness.Run(t, harness.FromEnv(t), harness.WithOnly("conditional-requests"), harness.WithStrict())
	}
	_ = testSCIM
}

// A test that runs in CI against a deployed server and skips elsewhere:
//
//	SCIMLOOP_URL=https://scim.example.com/scim/v2 SCIMLOOP_TOKEN=... go test -run TestSCIM
func ExampleFromEnv() {
	testSCIM := func(t *testing.T) {
		harness.Run(t, harness.FromEnv(t))
	}
	_ = testSCIM
}

// Outside go test, Execute returns the canonical run for writing reports.
func ExampleExecute() {
	srv := httptest.NewServer(newVendorHandler())
	defer srv.Close()
	run, err := harness.Execute(context.Background(), harness.Target{URL: srv.URL + "/scim/v2", Client: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.Verdict.Result, run.Verdict.MustFailures)
	// Output: pass 0
}
