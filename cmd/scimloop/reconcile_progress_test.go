package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reconcile"
	"github.com/scimloop/scimloop/reports"
)

// TestReconcileProgressText: pages read, resources read and compared, and,
// once there is a rate, the rate and the time left.
func TestReconcileProgressText(t *testing.T) {
	assert.Equal(t, "reconcile users · 2 pages · 400 read · 390 compared",
		reconcileProgressText(reconcile.Progress{Phase: "users", Pages: 2, Read: 400, Compared: 390, Total: 1000, Elapsed: 100 * time.Millisecond}),
		"no rate in the first half second")
	assert.Equal(t, "reconcile users · 10 pages · 2000 read · 2000 compared · 1000/s · ETA 8s",
		reconcileProgressText(reconcile.Progress{Phase: "users", Pages: 10, Read: 2000, Compared: 2000, Total: 10000, Elapsed: 2 * time.Second}))
	assert.Equal(t, "reconcile groups · 60 pages · 12000 read · 11000 compared · 6000/s",
		reconcileProgressText(reconcile.Progress{Phase: "groups", Pages: 60, Read: 12000, Compared: 11000, Total: 12000, Elapsed: 2 * time.Second}),
		"no ETA when everything counted is read")
}

// TestReconcileIncompleteExitsThree: a server that fails to list its
// groups leaves the reconcile incomplete: exit 3, the verdict and the
// reason in results.json and as a JUnit error, and the groups it could not
// read are not called missing.
func TestReconcileIncompleteExitsThree(t *testing.T) {
	p := refserver.Preload{Users: 20, Groups: 2, MembersPerGroup: 5, Seed: 4}
	srv, err := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	require.NoError(t, err)
	require.NoError(t, srv.Preload(p))
	var broken atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() && strings.Contains(r.URL.Path, "/Groups") {
			http.Error(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503"}`, http.StatusServiceUnavailable)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	base := ts.URL + "/scim/v2"
	dir := t.TempDir()
	src := filepath.Join(dir, "tenant.jsonl")
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, execute([]string{"reconcile", "--url", base, "--export", src, "--quiet"}, &out, &errb), "%s", &errb)
	broken.Store(true)
	rdir := filepath.Join(dir, "out")
	code := execute([]string{"reconcile", "--url", base, "--source", src, "--out", rdir, "--quiet", "--timeout", "5s"}, &out, &errb)
	require.Equal(t, exitIncomplete, code, "stdout:\n%s\nstderr:\n%s", &out, &errb)
	assert.Contains(t, errb.String(), "incomplete: ")
	fh, err := os.Open(filepath.Join(rdir, "results.json"))
	require.NoError(t, err)
	defer fh.Close()
	rep, err := reports.ReadReconcile(fh)
	require.NoError(t, err)
	assert.Equal(t, reports.ReconcileIncomplete, rep.Verdict)
	assert.Contains(t, strings.Join(rep.Incomplete, "\n"), "2 source Groups were not found, but reading the Groups failed")
	assert.Zero(t, rep.Counts[reports.DriftMissing], "groups that could not be read are not missing: %v", rep.Drift)
	junit, err := os.ReadFile(filepath.Join(rdir, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<testcase classname="reconcile" name="incomplete 1">`)
}
