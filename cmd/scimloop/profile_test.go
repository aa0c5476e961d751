package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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
	assert.Contains(t, stdout, "delete-username-reusable            MUST")

	code, _, stderr := runCmd(t, "list", "--profile", "no-such-profile")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "entra-gallery")
	code, _, stderr = runCmd(t, "certify", "--profile", "no-such-profile", "--out", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no profile")
}
