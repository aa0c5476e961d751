package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/sequences"
)

func serveRefForReplay(t *testing.T, token string, faults ...string) string {
	t.Helper()
	h, err := refserver.New(refserver.Config{Token: token, BasePath: basePath, Faults: faults, Seed: 1})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + basePath
}

// TestRunSequencesReplay is the acceptance path of the property sequences:
// a run against a server that drops every member on a single remove exits 1
// and writes a replay file of at most six steps; the replay exits 1 against
// that server and 0 against a clean one.
func TestRunSequencesReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("needs its full budget of 60 sequences to find the fault; rapid runs a fifth of them under -short")
	}
	const token = "replay-test-token-123"
	t.Setenv("SCIMLOOP_TOKEN", token)
	faulty := serveRefForReplay(t, token, "remove-member-removes-all")
	clean := serveRefForReplay(t, token)
	out := t.TempDir()

	var stdout, stderr bytes.Buffer
	code := execute([]string{"run", "--url", faulty, "--seed", "1", "--only", sequences.PropertyName, "--out", out,
		"--sequences", "60", "--steps", "20", "--shrink-time", "1s", "--max-duration", "2m", "--quiet"}, &stdout, &stderr)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "scimloop replay ")

	files, err := filepath.Glob(filepath.Join(out, "replay", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	var doc struct {
		Steps     []json.RawMessage `json:"steps"`
		Exchanges []json.RawMessage `json:"exchanges"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Steps)
	require.LessOrEqual(t, len(doc.Steps), 6)
	require.NotEmpty(t, doc.Exchanges)
	require.NotContains(t, string(raw), token, "the replay file carries the token")

	stdout.Reset()
	stderr.Reset()
	code = execute([]string{"replay", files[0], "--url", faulty}, &stdout, &stderr)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "REPRODUCED")

	stdout.Reset()
	stderr.Reset()
	code = execute([]string{"replay", files[0], "--url", clean}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "NOT REPRODUCED")
}

func TestReplayUsageErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitUsage, execute([]string{"replay"}, &stdout, &stderr))
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format":"other"}`), 0o644))
	require.Equal(t, exitUsage, execute([]string{"replay", bad}, &stdout, &stderr))
	require.Equal(t, exitUsage, execute([]string{"run", "--sequences", "-1"}, &stdout, &stderr))
}

// TestRunSequencesTwoFaults: one run against a server with two faults that
// only sequences catch writes a replay file for each, says how far the
// search went after the first failure, and "scimloop replay" of each file
// reproduces its own check.
func TestRunSequencesTwoFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("needs its full budget of sequences")
	}
	const token = "replay-test-token-456"
	t.Setenv("SCIMLOOP_TOKEN", token)
	faulty := serveRefForReplay(t, token, "remove-member-removes-all", "lastmodified-frozen")
	out := t.TempDir()

	var stdout, stderr bytes.Buffer
	code := execute([]string{"run", "--url", faulty, "--seed", "1", "--only", sequences.PropertyName, "--out", out,
		"--sequences", "100", "--steps", "30", "--shrink-time", "1s", "--max-duration", "2m"}, &stdout, &stderr)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Regexp(t, `sequences: 100 run, 2 distinct failures; after the first, the search ran \d+ more sequences \(\d+ steps\)`, stdout.String())

	files, err := filepath.Glob(filepath.Join(out, "replay", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 2)
	for _, want := range []string{"group-members-match-model", "meta-lastmodified-advances"} {
		i := slices.IndexFunc(files, func(f string) bool { return strings.Contains(filepath.Base(f), want) })
		require.GreaterOrEqual(t, i, 0, "no replay file for %s in %v", want, files)
		stdout.Reset()
		stderr.Reset()
		code = execute([]string{"replay", files[i], "--url", faulty}, &stdout, &stderr)
		require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		require.Contains(t, stdout.String(), "  FAIL "+want+" at step")
		require.Contains(t, stdout.String(), "REPRODUCED")
	}
	raw, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err)
	var doc struct {
		Feedback struct {
			Failures              []struct{ Checks []string }
			SequencesAfterFailure int
		}
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Len(t, doc.Feedback.Failures, 2)
	require.Positive(t, doc.Feedback.SequencesAfterFailure)
}

// TestRunSchemaPropertyReplay: a run against a server that returns the
// writeOnly password writes a replay file of the schema property's minimal
// case (without the password); "scimloop replay" of it fails that check
// against the faulty server and passes against a correct one.
func TestRunSchemaPropertyReplay(t *testing.T) {
	const (
		token = "replay-test-token-789"
		check = "schema-prop-writeonly-not-returned"
	)
	t.Setenv("SCIMLOOP_TOKEN", token)
	faulty := serveRefForReplay(t, token, "writeonly-returned")
	clean := serveRefForReplay(t, token)
	out := t.TempDir()

	var stdout, stderr bytes.Buffer
	code := execute([]string{"run", "--url", faulty, "--seed", "1", "--only", sequences.SchemaPropertyName, "--out", out,
		"--sequences", "80", "--shrink-time", "2s", "--max-duration", "2m"}, &stdout, &stderr)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "minimal failing schema case")

	files, err := filepath.Glob(filepath.Join(out, "replay", "schema-seed*-"+check+".json"))
	require.NoError(t, err)
	require.Len(t, files, 1, "stdout:\n%s", stdout.String())
	require.Contains(t, stdout.String(), "scimloop replay "+files[0])
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.NotContains(t, string(raw), token, "the replay file carries the token")
	require.NotContains(t, string(raw), `"Pw-`, "the replay file carries a password")

	stdout.Reset()
	stderr.Reset()
	code = execute([]string{"replay", files[0], "--url", faulty}, &stdout, &stderr)
	require.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "  FAIL "+check+" at the case")
	require.Contains(t, stdout.String(), "REPRODUCED")
	require.Empty(t, stderr.String(), "the replay left something behind")

	stdout.Reset()
	stderr.Reset()
	code = execute([]string{"replay", files[0], "--url", clean}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "NOT REPRODUCED")
	require.Empty(t, stderr.String(), "the replay left something behind")
}
