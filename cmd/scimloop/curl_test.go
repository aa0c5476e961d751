package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/reports"
)

// TestFindingCurlReproduces runs against a reference server that answers a
// create with 200 instead of 201, takes the curl command printed for the
// create-201 finding, runs it with the token in $SCIMLOOP_TOKEN against the
// same server, and gets the same status the run saw. The command never holds
// the token itself.
func TestFindingCurlReproduces(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("the curl binary is not installed:", err)
	}
	const token = "curl-repro-token-3f9d0e"
	url := serveRef(t, token, "create-returns-200")
	t.Setenv("SCIMLOOP_TOKEN", token)
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--url", url, "--out", out, "--only", "user-lifecycle", "--skip", "sequences")
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)

	run := readRun(t, out)
	var f *reports.Finding
	for _, c := range run.Checks {
		if c.ID == "create-201" && len(c.Findings) > 0 {
			f = &c.Findings[0]
		}
	}
	require.NotNil(t, f, "no create-201 finding")
	require.NotEmpty(t, f.Curl)
	require.Len(t, f.Exchanges, len(f.Curl))
	cmdline, seq := f.Curl[0], f.Exchanges[0]
	assert.Contains(t, stdout, "curl: "+cmdline, "the console shows the command")
	for _, name := range []string{"summary.md", "report.html"} {
		b, err := os.ReadFile(out + "/" + name)
		require.NoError(t, err)
		assert.Contains(t, string(b), "$SCIMLOOP_TOKEN", "%s shows the curl command", name)
	}
	assert.NotContains(t, cmdline, token)
	assert.Contains(t, cmdline, "-X POST")

	var want int
	for _, e := range run.Exchanges {
		if e.Seq == seq {
			want = e.Status
		}
	}
	require.Equal(t, 200, want, "the run saw the fault's 200")
	sh := exec.Command("sh", "-c", cmdline+" -o /dev/null -w '%{http_code}'")
	sh.Env = append(os.Environ(), "SCIMLOOP_TOKEN="+token)
	got, err := sh.CombinedOutput()
	require.NoError(t, err, "%s", got)
	assert.Equal(t, "200", strings.TrimSpace(string(got)), "the command gets the status the run saw")
}
