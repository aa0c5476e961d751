package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
)

func TestPersonalitiesOutput(t *testing.T) {
	code, stdout, _ := runCLI(t, "personalities")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	assert.Len(t, lines, len(refserver.Personalities()))
	for _, l := range lines {
		name, desc, ok := strings.Cut(l, "\t")
		require.True(t, ok, "line %q", l)
		assert.NotEmpty(t, name)
		assert.NotEmpty(t, desc)
	}
	assert.Contains(t, stdout, "filters-eq-and-only\t")
	_, help, _ := runCLI(t, "personalities", "--help")
	assert.Contains(t, help, "allow")
}

func TestPersonalityUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--personality", "no-such-personality"},
		{"run", "--url", "http://127.0.0.1:1/scim/v2", "--personality", "patch-204"},
		{"certify", "--personality", "no-such-personality", "--out", t.TempDir()},
		{"replay", "no-such-file.json", "--url", "http://127.0.0.1:1/scim/v2", "--personality", "patch-204"},
		{"serve", "--personality", "no-such-personality", "--addr", "127.0.0.1:0"},
	} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
		assert.NotEmpty(t, stderr, "%v should explain itself", args)
	}
}

// TestRunWithPersonality runs a short catalogue against the embedded server
// with personalities that pass, and checks from the trace that they were on.
func TestRunWithPersonality(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the embedded server")
	}
	out := filepath.Join(t.TempDir(), "r")
	code, stdout, stderr := runCLI(t, "run", "--personality", "integer-ids,weak-etags", "--only", "conditional-requests", "--out", out)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	run := readRun(t, out)
	assert.Equal(t, "pass", run.Verdict.Result)
	har, err := os.ReadFile(filepath.Join(out, "trace.har"))
	require.NoError(t, err)
	assert.Contains(t, string(har), `W/\"`, "weak-etags: the trace shows weak ETags")
	assert.Contains(t, string(har), basePath+"/Users/1", "integer-ids: the trace shows integer ids")
}
