package sequences

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// propEnv serves the reference server with faults on loopback and returns
// an environment for sequences against it, with a client factory that gives
// each sequence its own recorder.
func propEnv(t testing.TB, faults ...string) (*scenarios.Env, func(*fakeidp.Recorder) *fakeidp.Client) {
	t.Helper()
	return propEnvConfig(t, refserver.Config{Faults: faults})
}

// propEnvConfig is propEnv for a server configured by cfg (its token, base
// path and seed are set here).
func propEnvConfig(t testing.TB, cfg refserver.Config) (*scenarios.Env, func(*fakeidp.Recorder) *fakeidp.Client) {
	t.Helper()
	cfg.Token, cfg.BasePath, cfg.Seed = "t0ken-for-tests", "/scim/v2", 1
	h, err := refserver.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	newClient := func(rec *fakeidp.Recorder) *fakeidp.Client {
		opts := []fakeidp.Option{fakeidp.WithHTTPClient(srv.Client()), fakeidp.WithBearer("t0ken-for-tests")}
		if rec != nil {
			opts = append(opts, fakeidp.WithRecorder(rec))
		}
		c, err := fakeidp.NewClient(srv.URL+"/scim/v2", opts...)
		require.NoError(t, err)
		return c
	}
	c := newClient(nil)
	sp, err := fakeidp.Discover(context.Background(), c)
	require.NoError(t, err)
	return &scenarios.Env{Client: c, SP: sp, Names: safety.NamesFor("t" + safety.RandomRunID()), Tracker: safety.NewTracker(0), Dialect: "rfc"}, newClient
}

func TestSequencesPassOnCleanServer(t *testing.T) {
	env, nc := propEnv(t)
	cfg := PropertyConfig{Sequences: 20, Steps: 20, Seed: 7, NoFailFile: true, NewClient: nc}
	res := RunSequences(context.Background(), env, cfg)
	require.False(t, res.Failed, "a clean server failed:\n%s\n%s", res.Output, res.SequenceText())
	require.Empty(t, res.Aborted)
	want := cfg.Sequences
	if testing.Short() {
		want /= 5 // rapid runs a fifth of its checks under go test -short
	}
	require.Equal(t, want, res.Sequences)
	judged := []string{"seq-confirmed-read-back", "seq-model-consistent", "seq-reconcile-missing", "seq-reconcile-extra"}
	if !testing.Short() {
		judged = append(judged, "seq-membership-drift", "meta-created-stable", "etag-changes-on-update", "group-members-match-model")
	}
	for _, id := range judged {
		require.True(t, res.passed[id], "check %s was never judged", id)
	}
	require.Empty(t, env.Tracker.Live(), "sequences left resources behind")
	require.Equal(t, res.Feedback.ModelCounts, res.Feedback.ServerCounts)
	require.NotEmpty(t, res.Feedback.Confirmed)
	require.NotEmpty(t, res.Samples)
}

// A server that declines sw (RFC 7644 Table 9 allows it) is reconciled by
// eq on each name the sequence used: a clean run passes, and a deleted user
// that is still listed is still found.
func TestReconcileWithoutSw(t *testing.T) {
	eqOnly := []string{"filters-eq-and-only"}
	env, nc := propEnvConfig(t, refserver.Config{Personalities: eqOnly})
	res := RunSequences(context.Background(), env, PropertyConfig{Sequences: 10, Steps: 20, Seed: 7, NoFailFile: true, NewClient: nc})
	require.False(t, res.Failed, "an eq-only server failed:\n%s\n%s", res.Output, res.SequenceText())
	require.True(t, res.passed["seq-reconcile-missing"])
	require.True(t, res.passed["seq-reconcile-extra"])

	env, nc = propEnvConfig(t, refserver.Config{Personalities: eqOnly, Faults: []string{"soft-deleted-still-listed"}})
	res = RunSequences(context.Background(), env, PropertyConfig{Sequences: 100, Steps: 30, Seed: 1, ShrinkTime: time.Second, NoFailFile: true, NewClient: nc})
	require.True(t, res.Failed, "a deleted user still listed was not found")
	require.Contains(t, res.Checks, "seq-reconcile-extra", res.SequenceText())
}

// faultCases are the reference-server faults only a sequence reveals, with
// a check the minimal sequence must fail.
var faultCases = []struct {
	fault string
	check []string
}{
	{"remove-member-removes-all", []string{"group-members-match-model"}},
	{"groups-not-updated-on-user-delete", []string{"user-delete-leaves-groups"}},
	{"lastmodified-frozen", []string{"meta-lastmodified-advances"}},
	{"patch-not-atomic", []string{"seq-patch-atomic"}},
	{"etag-unchanged-on-update", []string{"etag-changes-on-update"}},
	{"created-changes", []string{"meta-created-stable"}},
	{"soft-deleted-still-listed", []string{"seq-reconcile-extra"}},
	{"ignore-if-match", []string{"seq-concurrent-if-match"}},
	{"noop-update-bumps-version", []string{"seq-version-stable-without-change"}},
	{"deleted-username-reserved", []string{"seq-username-reusable"}},
	{"start-index-zero-based", []string{"seq-reconcile-missing"}},
	{"user-list-index-stale", []string{"seq-reconcile-attributes"}},
	{"group-list-members-stale", []string{"seq-membership-drift"}},
	{"deleted-and-unknown-readable", []string{"seq-confirmed-read-back"}},
	{"put-ignored", []string{"seq-model-consistent"}},
}

// maxShrunkSteps is the longest minimal sequence accepted for a fault. A
// sequence with a race-group step shrinks less surely (which racing worker
// wins is the server's choice, so a shorter candidate may not fail on its
// one try): 8 leaves room for two such survivors over the usual 6.
const maxShrunkSteps = 8

func TestSequencesFindAndShrinkFaults(t *testing.T) {
	for i, tc := range faultCases {
		if testing.Short() && i >= 2 {
			break
		}
		t.Run(tc.fault, func(t *testing.T) {
			env, nc := propEnv(t, tc.fault)
			// Each fault shows within the first few sequences; the search
			// then goes on through the budget (distinct_test.go).
			res := RunSequences(context.Background(), env, PropertyConfig{Sequences: 20, Steps: 30, Seed: 1, ShrinkTime: time.Second, NoFailFile: true, NewClient: nc})
			require.True(t, res.Failed, "fault %s was not found in %d sequences", tc.fault, res.Sequences)
			require.NotEmpty(t, res.Failures)
			f := res.Failures[0]
			require.False(t, f.Flaky, "fault %s: flaky:\n%s", tc.fault, res.Output)
			require.LessOrEqual(t, len(f.Minimal), maxShrunkSteps, "fault %s shrunk to:\n%s", tc.fault, res.SequenceText())
			require.True(t, slices.ContainsFunc(tc.check, func(c string) bool { return slices.Contains(res.Checks, c) }),
				"fault %s failed %v, want one of %v:\n%s", tc.fault, res.Checks, tc.check, res.SequenceText())
			require.NotEmpty(t, f.Exchanges)
			require.Empty(t, env.Tracker.Live(), "sequences left resources behind")
			require.Contains(t, res.Output, fmt.Sprintf("-rapid.seed=%d", f.Seed), "the seed recorded is not the one rapid printed")
			t.Logf("%s: %d sequences (%d after the first failure), checks %v\n%s", tc.fault, res.Sequences, res.Feedback.SequencesAfterFailure, res.Checks, res.SequenceText())

			// The replay file reproduces it, and passes against a clean server.
			var buf bytes.Buffer
			require.NoError(t, NewReplayFile(f, "", "rfc", nil).Write(&buf))
			rf, err := ReadReplay(&buf)
			require.NoError(t, err)
			rr := Replay(context.Background(), env, rf.Steps)
			require.True(t, rr.Failed(), "replay against the faulty server passed (aborted: %q)", rr.Aborted)
			clean, _ := propEnv(t)
			rc := Replay(context.Background(), clean, rf.Steps)
			require.False(t, rc.Failed(), "replay against a clean server failed: %+v", rc.Findings)
			require.Empty(t, rc.Aborted)
		})
	}
}

// BenchmarkSequences measures the acceptance budget: 200 sequences of 50
// steps against the in-process reference server with no fault.
//
//	go test -run '^$' -bench Sequences -benchtime 1x ./sequences/
func BenchmarkSequences(b *testing.B) {
	for b.Loop() {
		env, nc := propEnv(b)
		start := time.Now()
		res := RunSequences(context.Background(), env, PropertyConfig{Sequences: 200, Steps: 50, Seed: 1, NoFailFile: true, NewClient: nc})
		if res.Failed || res.Aborted != "" {
			b.Fatalf("clean server failed: %s %s\n%s", res.Aborted, res.Output, res.SequenceText())
		}
		b.ReportMetric(time.Since(start).Seconds(), "wall-s")
		b.ReportMetric(float64(res.Feedback.Steps), "steps")
		b.ReportMetric(float64(len(res.Samples)), "requests")
	}
}

func TestDropStepRenumbers(t *testing.T) {
	u := &fakeidp.User{UserName: "a"}
	steps := []Step{
		{Op: OpCreateUser, User: 1, Spec: u},
		{Op: OpCreateUser, User: 2, Spec: u},
		{Op: OpCreateGroup, Group: 1, Members: []int{1, 2}, Name: "g"},
		{Op: OpRaceGroup, Group: 1, Members: []int{1, 2}},
		{Op: OpRemoveMembers, Group: 1, Members: []int{2}},
		{Op: OpDeleteUser, User: 1},
	}
	got := dropStep(steps, 0)
	want := []Step{
		{Op: OpCreateUser, User: 1, Spec: u},
		{Op: OpCreateGroup, Group: 1, Members: []int{1}, Name: "g"},
		{Op: OpRemoveMembers, Group: 1, Members: []int{1}},
	}
	require.Equal(t, want, got)
	require.Equal(t, []Step{steps[0], steps[1]}, dropStep(steps[:3], 2))
	require.Len(t, dropRange(steps, 4, 6), 4)
}

// TestSequencesDialectsAndChaos: every IdP dialect shapes the requests its
// own way and must still pass against a correct server; a server that
// answers 503 now and then (retried) is no finding either.
func TestSequencesDialectsAndChaos(t *testing.T) {
	for _, tc := range []struct{ dialect, fault string }{
		{"entra", ""}, {"entra-legacy", ""}, {"okta", ""}, {"rfc", "flaky-5xx"},
	} {
		t.Run(tc.dialect+"/"+tc.fault, func(t *testing.T) {
			var faults []string
			if tc.fault != "" {
				faults = []string{tc.fault}
			}
			env, nc := propEnv(t, faults...)
			env.Dialect = tc.dialect
			res := RunSequences(context.Background(), env, PropertyConfig{Sequences: 10, Steps: 15, Seed: 5, NoFailFile: true, NewClient: nc})
			require.False(t, res.Failed, "%s\n%s", res.Output, res.SequenceText())
			require.Empty(t, res.Aborted)
			require.Empty(t, env.Tracker.Live())
		})
	}
}

func TestResolution(t *testing.T) {
	var r resolution
	require.Equal(t, time.Second, r.get(), "nothing seen: a second")
	r.observe("2026-11-27T01:00:00Z")
	require.Equal(t, time.Second, r.get())
	r.observe("2026-11-27T01:00:00.120Z")
	require.Equal(t, 10*time.Millisecond, r.get())
	r.observe("2026-11-27T01:00:00.123456789Z")
	require.Equal(t, time.Nanosecond, r.get())
}

// TestSequencesStopOnRefusedCredentials: a server that refuses the token is
// no finding of the sequences; they stop, and say why.
func TestSequencesStopOnRefusedCredentials(t *testing.T) {
	env, _ := propEnv(t)
	h, err := refserver.New(refserver.Config{Token: "another-token-entirely", BasePath: "/scim/v2", Seed: 1})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := fakeidp.NewClient(srv.URL+"/scim/v2", fakeidp.WithHTTPClient(srv.Client()), fakeidp.WithBearer("t0ken-for-tests"))
	require.NoError(t, err)
	env.Client = c
	res := RunSequences(context.Background(), env, PropertyConfig{Sequences: 5, Steps: 5, Seed: 1, NoFailFile: true})
	require.False(t, res.Failed)
	require.Contains(t, res.Aborted, "refused the credentials")
}
