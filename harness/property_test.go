package harness_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/sequences"
)

func propServer(t *testing.T, faults ...string) harness.Target {
	t.Helper()
	srv, err := refserver.New(refserver.Config{Token: testToken, BasePath: "/scim/v2", Faults: faults, Seed: 1})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return harness.Target{URL: ts.URL + "/scim/v2"}
}

func TestExecuteSequencesClean(t *testing.T) {
	target := propServer(t)
	run, err := harness.Execute(context.Background(), target, harness.WithClientOptions(fakeidp.WithBearer(testToken)),
		harness.WithOnly(sequences.PropertyName), harness.WithSequences(10), harness.WithSteps(10), harness.WithSeed(3))
	require.NoError(t, err)
	require.Equal(t, "pass", run.Verdict.Result, "failing: %v", failing(run))
	require.NotNil(t, run.Feedback)
	want := 10
	if testing.Short() {
		want /= 5 // rapid runs a fifth of its checks under go test -short
	}
	require.Equal(t, want, run.Feedback.Sequences)
	require.NotEmpty(t, run.Feedback.Confirmed)
	require.Equal(t, run.Feedback.ModelCounts, run.Feedback.ServerCounts)
	if !testing.Short() {
		require.True(t, slices.ContainsFunc(run.Latency, func(l reports.OpLatency) bool { return strings.HasPrefix(l.Op, "PATCH /Groups") }), "latency: %+v", run.Latency)
	}
	require.Empty(t, run.Leftovers)
	for _, c := range run.Checks {
		if c.ID == "seq-model-consistent" {
			require.Equal(t, reports.StatusPass, c.Status)
		}
	}
}

func TestExecuteSequencesFaultWritesReplay(t *testing.T) {
	target := propServer(t, "remove-member-removes-all")
	var file *sequences.ReplayFile
	run, err := harness.Execute(context.Background(), target, harness.WithClientOptions(fakeidp.WithBearer(testToken)),
		harness.WithOnly(sequences.PropertyName), harness.WithSequences(100), harness.WithSteps(30), harness.WithSeed(1),
		harness.WithShrinkTime(time.Second),
		harness.WithReplayWriter(func(f *sequences.ReplayFile) (string, error) { file = f; return "replay/x.json", nil }))
	require.NoError(t, err)
	require.Equal(t, "fail", run.Verdict.Result)
	require.NotNil(t, file, "no replay file")
	require.LessOrEqual(t, len(file.Steps), 6)
	require.NotEmpty(t, file.Exchanges)
	require.Equal(t, []string{"replay/x.json"}, run.Feedback.ReplayFiles)
	require.Equal(t, len(file.Steps), run.Feedback.MinimalSteps)

	// Every finding points at recorded exchanges.
	seqs := map[int]bool{}
	for _, e := range run.Exchanges {
		require.False(t, seqs[e.Seq], "duplicate exchange number %d", e.Seq)
		seqs[e.Seq] = true
	}
	found := false
	for _, c := range run.Checks {
		for _, f := range c.Findings {
			if f.Scenario != sequences.PropertyName {
				continue
			}
			found = true
			require.Contains(t, f.Message, "minimal failing sequence")
			for _, n := range f.Exchanges {
				require.True(t, seqs[n], "finding %s cites exchange %d, which the run does not hold", c.ID, n)
			}
		}
	}
	require.True(t, found)

	// The replay reproduces against the faulty server and passes against a clean one.
	res, err := harness.Replay(context.Background(), target, file, harness.WithClientOptions(fakeidp.WithBearer(testToken)))
	require.NoError(t, err)
	require.True(t, res.Failed())
	clean := propServer(t)
	res, err = harness.Replay(context.Background(), clean, file, harness.WithClientOptions(fakeidp.WithBearer(testToken)))
	require.NoError(t, err)
	require.False(t, res.Failed(), "%+v", res.Findings)
	require.Empty(t, res.Leftovers)
}

// TestExecuteSequencesTwoFaults: one run against a server with two faults
// that only sequences catch reports both, each with a replay file of its
// own listed in the feedback, and each file reproduces its own check.
func TestExecuteSequencesTwoFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("needs its full budget of sequences")
	}
	target := propServer(t, "remove-member-removes-all", "lastmodified-frozen")
	var files []*sequences.ReplayFile
	run, err := harness.Execute(context.Background(), target, harness.WithClientOptions(fakeidp.WithBearer(testToken)),
		harness.WithOnly(sequences.PropertyName), harness.WithSequences(100), harness.WithSteps(30), harness.WithSeed(1),
		harness.WithShrinkTime(time.Second),
		harness.WithReplayWriter(func(f *sequences.ReplayFile) (string, error) {
			files = append(files, f)
			return fmt.Sprintf("replay/%d.json", len(files)), nil
		}))
	require.NoError(t, err)
	require.Equal(t, "fail", run.Verdict.Result)
	fb := run.Feedback
	require.Len(t, fb.Failures, len(files))
	require.Positive(t, fb.SequencesAfterFailure)
	seqs := map[int]bool{}
	for _, e := range run.Exchanges {
		require.False(t, seqs[e.Seq], "duplicate exchange number %d", e.Seq)
		seqs[e.Seq] = true
	}
	for _, want := range []string{"group-members-match-model", "meta-lastmodified-advances"} {
		i := slices.IndexFunc(files, func(f *sequences.ReplayFile) bool { return slices.Contains(f.Checks, want) })
		require.GreaterOrEqual(t, i, 0, "no replay file for %s: %+v", want, fb.Failures)
		require.Equal(t, fmt.Sprintf("replay/%d.json", i+1), fb.Failures[i].ReplayFile)
		require.LessOrEqual(t, len(files[i].Steps), 6)
		require.NotEmpty(t, files[i].Exchanges)
		res, err := harness.Replay(context.Background(), target, files[i], harness.WithClientOptions(fakeidp.WithBearer(testToken)))
		require.NoError(t, err)
		require.True(t, slices.ContainsFunc(res.Findings, func(f sequences.ReplayFinding) bool { return f.Check == want }), "%+v", res.Findings)
		for _, c := range run.Checks {
			if c.ID == want {
				require.Equal(t, reports.StatusFail, c.Status)
				for _, f := range c.Findings {
					for _, n := range f.Exchanges {
						require.True(t, seqs[n], "finding %s cites exchange %d, which the run does not hold", c.ID, n)
					}
				}
			}
		}
	}
}
