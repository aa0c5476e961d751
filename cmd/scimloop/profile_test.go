package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/profiles"
)

// TestListProfile prints every profile: its document and version, its
// dialects, and for entra-gallery the 25 rows of Microsoft's tests.
func TestListProfile(t *testing.T) {
	for _, p := range profiles.All() {
		code, stdout, stderr := runCmd(t, "list", "--profile", p.Name)
		assert.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "implements: "+p.Implements)
		assert.Contains(t, stdout, "dialects:   "+strings.Join(p.Dialects, ", "))
		for _, r := range p.Parity {
			assert.Contains(t, stdout, r.Test)
		}
	}
	_, stdout, _ := runCmd(t, "list", "--profile", "entra-gallery")
	assert.Contains(t, stdout, "Federated_Identity_Test          (none)")
	assert.Contains(t, stdout, "Federated_Identity_Test: not judged:")
	_, stdout, _ = runCmd(t, "list", "--profile", "interop")
	assert.Contains(t, stdout, "override:   delete-username-reusable is MUST under this profile")
	assert.Regexp(t, `delete-username-reusable +MUST`, stdout)

	code, _, stderr := runCmd(t, "list", "--profile", "no-such-profile")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "entra-gallery")
	code, _, stderr = runCmd(t, "certify", "--profile", "no-such-profile", "--out", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no profile")
}

// TestCertifyEntraGallery certifies the embedded reference server under
// entra-gallery: it passes, prints Microsoft's 25 tests with our checks and
// each result, and the bundle names the profile and the validation version
// it mirrors (environment.json, results.json, summary.md).
func TestCertifyEntraGallery(t *testing.T) {
	if testing.Short() {
		t.Skip("a certification; skipped with -short")
	}
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	p, err := profiles.Lookup("entra-gallery")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "bundle")
	code, stdout, stderr := runCmd(t, "certify", "--profile", p.Name, "--out", dir, "--quiet")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "profile entra-gallery: implements "+p.Implements)
	rows := 0
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && slices.ContainsFunc(p.Parity, func(r profiles.Parity) bool { return r.Test == f[0] }) {
			rows++
			assert.Contains(t, []string{"pass", "judged"}, f[len(f)-1], "row %q", line) // "not judged" ends in judged
		}
	}
	assert.Equal(t, 25, rows, "the 25-row table:\n%s", stdout)

	var env certEnvironment
	require.NoError(t, json.Unmarshal(readFile(t, dir, "environment.json"), &env))
	assert.Equal(t, "entra-gallery", env.CertProfile)
	assert.Equal(t, p.Implements, env.Implements)
	assert.Equal(t, p.Dialects, env.Dialects)
	run := loadRun(t, dir)
	require.NotNil(t, run.Certification)
	assert.Len(t, run.Certification.Parity, 25)
	assert.Contains(t, string(readFile(t, dir, "summary.md")), "| `SCIM_User_Pagination_Test` |")
}
