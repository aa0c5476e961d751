package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reconcile"
	"github.com/scimloop/scimloop/reports"
)

func preloaded(t *testing.T, token string, p refserver.Preload) string {
	t.Helper()
	srv, err := refserver.New(refserver.Config{Token: token, BasePath: "/scim/v2"})
	require.NoError(t, err)
	require.NoError(t, srv.Preload(p))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL + "/scim/v2"
}

// TestReconcileCommand: export, reconcile in sync (exit 0), reconcile a
// drifted server (exit 1) with every report and a plan that holds no token;
// each reconcile appends its summary to $GITHUB_STEP_SUMMARY.
func TestReconcileCommand(t *testing.T) {
	const token = "reconcile-t0ken-zz9"
	t.Setenv("SCIMLOOP_TOKEN", token)
	dir := t.TempDir()
	summary := filepath.Join(dir, "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	p := refserver.Preload{Users: 50, Groups: 4, MembersPerGroup: 10, Seed: 5}
	clean := preloaded(t, token, p)
	p.Drift = 2
	drifted := preloaded(t, token, p)
	src := filepath.Join(dir, "tenant.jsonl")

	var out, errb bytes.Buffer
	code := execute([]string{"reconcile", "--url", clean, "--export", src}, &out, &errb)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", &out, &errb)
	assert.Contains(t, out.String(), "exported 50 users and 4 groups (40 memberships)")

	out.Reset()
	code = execute([]string{"reconcile", "--url", clean, "--source", src, "--out", filepath.Join(dir, "sync"), "--quiet"}, &out, &errb)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", &out, &errb)
	assert.Contains(t, out.String(), "in-sync · no drift")

	out.Reset()
	rdir := filepath.Join(dir, "drift")
	plan := filepath.Join(dir, "plan.json")
	code = execute([]string{"reconcile", "--url", drifted, "--source", src, "--out", rdir, "--plan", plan, "--quiet"}, &out, &errb)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", &out, &errb)
	assert.Contains(t, out.String(), "access-lingers")
	for _, f := range []string{"results.json", "summary.md", "junit.xml", "report.html", "trace.har"} {
		b, err := os.ReadFile(filepath.Join(rdir, f))
		require.NoError(t, err)
		assert.NotContains(t, string(b), token, f)
	}
	fh, err := os.Open(filepath.Join(rdir, "results.json"))
	require.NoError(t, err)
	defer fh.Close()
	rep, err := reports.ReadReconcile(fh)
	require.NoError(t, err)
	assert.Equal(t, reports.ReconcileDrift, rep.Verdict)
	assert.Equal(t, 2, rep.Counts[reports.DriftDuplicate])
	html, _ := os.ReadFile(filepath.Join(rdir, "report.html"))
	assert.Contains(t, string(html), "<svg")
	assert.Less(t, strings.Index(string(html), "Drift summary"), strings.Index(string(html), "Group memberships"))
	junit, _ := os.ReadFile(filepath.Join(rdir, "junit.xml"))
	assert.Contains(t, string(junit), `<testcase classname="reconcile.User" name="User ext-0000000">`)
	for _, f := range []string{plan, filepath.Join(dir, "plan.sh")} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(b), token, f)
	}
	sh, _ := os.ReadFile(filepath.Join(dir, "plan.sh"))
	assert.Contains(t, string(sh), "$SCIMLOOP_TOKEN")
	step, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Contains(t, string(step), "# scimloop reconcile: in-sync")
	assert.Contains(t, string(step), "# scimloop reconcile: drift")
	assert.Contains(t, string(step), "| duplicate | 2 |")
	assert.NotContains(t, string(step), token)
}

func TestReconcileUsageAndStrictSource(t *testing.T) {
	base := preloaded(t, "", refserver.Preload{Users: 3})
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(`{"userName":"user0000000@example.test","externalId":"ext-0000000","active":true}
not json
`), 0o600))
	var out, errb bytes.Buffer
	code := execute([]string{"reconcile", "--url", base, "--source", bad, "--strict-source", "--out", dir}, &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "bad.jsonl line 2: not a JSON object")
	assert.Contains(t, errb.String(), "--strict-source")

	errb.Reset()
	code = execute([]string{"reconcile", "--url", base, "--source", bad, "--out", dir, "--quiet"}, &out, &errb)
	assert.Equal(t, exitFailed, code, errb.String()) // two users extra, and one bad row reported
	assert.Contains(t, errb.String(), "line 2")

	for _, args := range [][]string{
		{"reconcile", "--url", base},
		{"reconcile", "--source", bad},
		{"reconcile", "--url", base, "--source", bad, "--export", bad},
		{"reconcile", "--url", base, "--source", bad, "--match", "email"},
		{"reconcile", "--url", base, "--source", filepath.Join(dir, "none.jsonl")},
	} {
		assert.Equal(t, exitUsage, execute(args, &out, &errb), "%v", args)
	}
	// A server that cannot be reached: incomplete.
	assert.Equal(t, exitIncomplete, execute([]string{"reconcile", "--url", "http://127.0.0.1:1/scim/v2", "--source", bad, "--out", dir, "--quiet"}, &out, &errb))
}

// TestWatchSourceReconciler: the reconcile engine as the watcher's
// Reconciler counts a drifted tenant's drift by class, and a tenant in
// sync as no drift at all.
func TestWatchSourceReconciler(t *testing.T) {
	const token = "watch-src-t0ken-k4"
	t.Setenv("SCIMLOOP_TOKEN", token)
	p := refserver.Preload{Users: 30, Groups: 3, MembersPerGroup: 5, Seed: 9}
	clean := preloaded(t, token, p)
	p.Drift = 2
	drifted := preloaded(t, token, p)
	src := filepath.Join(t.TempDir(), "tenant.jsonl")
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, execute([]string{"reconcile", "--url", clean, "--export", src, "--quiet"}, &out, &errb), "%s", &errb)

	counts := func(url string) map[string]int {
		c, err := fakeidp.NewClient(url, fakeidp.WithBearer(token))
		require.NoError(t, err)
		source, err := readReconcileSource(&errb, reconcileFlags{source: src})
		require.NoError(t, err)
		got, err := sourceReconciler{reconcile.Config{Client: c, Source: source, SourceName: src}}.Reconcile(t.Context())
		require.NoError(t, err)
		return got
	}
	total := func(m map[string]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	assert.Zero(t, total(counts(clean)), "a tenant reconciled with its own export has no drift")
	assert.Positive(t, total(counts(drifted)), "a drifted tenant shows drift to the watcher")
}

// TestReconcileHelpDocumentsSources: --help names every CSV column and
// how a CSV group carries its externalId.
func TestReconcileHelpDocumentsSources(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, execute([]string{"reconcile", "--help"}, &out, &errb), errb.String())
	for _, want := range append(reconcile.CSVColumns(), `"displayName <externalId>"`, "Engineering <grp-001>", "only sh and curl", "--quiet") {
		assert.Contains(t, out.String(), want)
	}
}
