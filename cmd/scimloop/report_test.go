package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunWritesEveryReport checks that run writes every report, that
// "scimloop report" renders each of them again from results.json byte for
// byte (to stdout and with --out), and that $GITHUB_STEP_SUMMARY gets the
// Markdown summary appended.
func TestRunWritesEveryReport(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	require.NoError(t, os.WriteFile(summary, []byte("earlier step\n"), 0o644))
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	dir := t.TempDir()
	code, stdout, stderr := runCmd(t, "run", "--out", dir, "--fault", "no-etag", "--sequences", "5")
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)

	results := filepath.Join(dir, "results.json")
	for _, rf := range reportFiles {
		want := readFile(t, dir, rf.name)
		assert.NotEmpty(t, want, rf.name)
		assert.Contains(t, stdout, filepath.Join(dir, rf.name), "the summary names every report")

		code, got, stderr := runCmd(t, "report", results, "--format", rf.format)
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, string(want), got, "scimloop report --format %s differs from %s", rf.format, rf.name)

		out := filepath.Join(t.TempDir(), rf.name)
		code, got, stderr = runCmd(t, "report", results, "--format", rf.format, "--out", out)
		require.Equal(t, exitOK, code, stderr)
		assert.Empty(t, got)
		assert.Equal(t, want, readFile(t, filepath.Dir(out), rf.name))
	}

	step := string(readFile(t, filepath.Dir(summary), filepath.Base(summary)))
	assert.True(t, strings.HasPrefix(step, "earlier step\n"), "GITHUB_STEP_SUMMARY was overwritten, not appended to")
	assert.Equal(t, "earlier step\n"+string(readFile(t, dir, "summary.md")), step)
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "notjson")
	require.NoError(t, os.WriteFile(notJSON, []byte("<html>"), 0o644))
	otherJSON := filepath.Join(dir, "other.json")
	require.NoError(t, os.WriteFile(otherJSON, []byte(`{"name": "x"}`), 0o644))
	good := filepath.Join(dir, "results.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"tool": "scimloop", "version": "v1", "checks": [], "scenarios": []}`), 0o644))
	noExchanges := filepath.Join(dir, "bundle.json")
	require.NoError(t, os.WriteFile(noExchanges, []byte(`{"tool": "scimloop", "checks": [], "exchangesFile": "exchanges.json.gz"}`), 0o644))
	outside := filepath.Join(dir, "outside.json")
	require.NoError(t, os.WriteFile(outside, []byte(`{"tool": "scimloop", "checks": [], "exchangesFile": "../etc/passwd"}`), 0o644))

	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"missing file":      {[]string{"report", filepath.Join(dir, "nope.json")}, "no such file"},
		"not json":          {[]string{"report", notJSON, "--format", "html"}, "not valid JSON"},
		"not scimloop":      {[]string{"report", otherJSON}, "not a scimloop results.json"},
		"unknown format":    {[]string{"report", good, "--format", "pdf"}, `--format "pdf": valid formats are har, html, json, junit, md`},
		"no argument":       {[]string{"report", "--format", "md"}, "report takes one results.json"},
		"two arguments":     {[]string{"report", good, good}, "report takes one results.json"},
		"no exchanges":      {[]string{"report", noExchanges, "--format", "har"}, "exchanges.json.gz: no such file"},
		"exchanges outside": {[]string{"report", outside}, "not a file name in the same directory"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.want)
		})
	}

	code, stdout, stderr := runCmd(t, "report", good, "--format", "md")
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "scimloop conformance report")
}
