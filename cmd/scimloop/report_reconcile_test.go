package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
)

// reconcileOut reconciles a drifted reference server against a clean
// one's export and returns the --out directory.
func reconcileOut(t *testing.T) string {
	t.Helper()
	p := refserver.Preload{Users: 40, Groups: 3, MembersPerGroup: 8, Seed: 11}
	clean := preloaded(t, "", p)
	p.Drift = 1
	drifted := preloaded(t, "", p)
	dir := t.TempDir()
	src := filepath.Join(dir, "tenant.jsonl")
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, execute([]string{"reconcile", "--url", clean, "--export", src, "--quiet"}, &out, &errb), "%s", &errb)
	rdir := filepath.Join(dir, "drift")
	code := execute([]string{"reconcile", "--url", drifted, "--source", src, "--out", rdir, "--quiet"}, &out, &errb)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", &out, &errb)
	return rdir
}

// TestReportRendersReconcileResults: "scimloop report" renders a reconcile
// results.json (given as the file, or as the --out directory) in every
// format, byte for byte what reconcile wrote, with each format's own
// reconcile content.
func TestReportRendersReconcileResults(t *testing.T) {
	rdir := reconcileOut(t)
	results := filepath.Join(rdir, "results.json")
	for _, tc := range []struct {
		format, file string
		check        func(t *testing.T, got string)
	}{
		{"json", "results.json", func(t *testing.T, got string) {
			assert.Contains(t, got, `"kind": "reconcile"`)
			assert.Contains(t, got, `"verdict": "drift"`)
		}},
		{"md", "summary.md", func(t *testing.T, got string) {
			assert.True(t, strings.HasPrefix(got, "# scimloop reconcile: drift\n"), got)
			assert.Contains(t, got, "| access-lingers | 1 |")
			assert.Contains(t, got, "## membership-not-granted (1)")
		}},
		{"html", "report.html", func(t *testing.T, got string) {
			assert.Contains(t, got, "<title>scimloop reconcile: drift</title>")
			for _, want := range []string{"Drift summary", "<svg", "Group memberships", "<h2>attribute-drift"} {
				assert.Contains(t, got, want)
			}
			assert.Less(t, strings.Index(got, "Drift summary"), strings.Index(got, "Group memberships"), "the summary comes first")
		}},
		{"junit", "junit.xml", func(t *testing.T, got string) {
			var suites struct {
				Failures int `xml:"failures,attr"`
				Cases    []struct {
					Name    string    `xml:"name,attr"`
					Failure *struct{} `xml:"failure"`
				} `xml:"testsuite>testcase"`
			}
			require.NoError(t, xml.Unmarshal([]byte(got), &suites))
			assert.Positive(t, suites.Failures)
			assert.Len(t, suites.Cases, suites.Failures, "one failing testcase per drifted resource")
			for _, c := range suites.Cases {
				assert.NotNil(t, c.Failure, c.Name)
			}
		}},
		{"har", "trace.har", func(t *testing.T, got string) {
			assert.Contains(t, got, `"version": "1.2"`)
			assert.Contains(t, got, "/Users")
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			want := string(readFile(t, rdir, tc.file))
			for _, in := range []string{results, rdir} {
				code, got, stderr := runCmd(t, "report", in, "--format", tc.format)
				require.Equal(t, exitOK, code, stderr)
				assert.Equal(t, want, got, "scimloop report %s --format %s differs from %s", in, tc.format, tc.file)
			}
			out := filepath.Join(t.TempDir(), tc.file)
			code, got, stderr := runCmd(t, "report", results, "--format", tc.format, "--out", out)
			require.Equal(t, exitOK, code, stderr)
			assert.Empty(t, got)
			assert.Equal(t, want, string(readFile(t, filepath.Dir(out), tc.file)))
			tc.check(t, want)
		})
	}
	// From standard input too.
	data, err := os.ReadFile(results)
	require.NoError(t, err)
	var stdout bytes.Buffer
	require.NoError(t, runReport(bytes.NewReader(data), &stdout, "-", "md", ""))
	assert.Equal(t, string(readFile(t, rdir, "summary.md")), stdout.String())
}

func TestReportRejectsOtherKinds(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "results.json")
	require.NoError(t, os.WriteFile(other, []byte(`{"tool": "scimloop", "kind": "watch"}`), 0o644))
	badRec := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(badRec, []byte(`{"tool": "scimloop", "kind": "reconcile", "counts": []}`), 0o644))
	for path, want := range map[string]string{
		other:                          `holds a scimloop "watch" result`,
		dir:                            `holds a scimloop "watch" result`,
		badRec:                         "reading a reconcile result",
		filepath.Join(dir, "nope"):     "no such file",
		filepath.Join(t.TempDir(), ""): "results.json: no such file",
	} {
		code, stdout, stderr := runCmd(t, "report", path, "--format", "html")
		assert.Equal(t, exitUsage, code, path)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, want, path)
	}
}
