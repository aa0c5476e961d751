package sequences

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/scenarios"
)

// TestSearchFindsEveryDistinctFailure drives the generic loop with a pure
// property (no server): a number divisible by 7 fails "seven", one divisible
// by 11 fails "eleven". One search finds both, each shrunk to its own
// smallest case with a seed of its own, and later cases that meet a known
// failure are counted, not fatal.
func TestSearchFindsEveryDistinctFailure(t *testing.T) {
	cfg := PropertyConfig{Sequences: 200, Seed: 3, NoFailFile: true}
	search := NewSearch(cfg)
	var last int // the value of the last case: rapid's rerun of the minimal one
	prop := func(t *rapid.T) {
		done, _ := search.Case(t)
		n := rapid.IntRange(1, 1000).Draw(t, "n")
		defer func() { done(1) }()
		last = n
		var checks []string
		if n%7 == 0 {
			checks = append(checks, "seven")
		}
		if n%11 == 0 {
			checks = append(checks, "eleven")
		}
		if len(checks) == 0 {
			return
		}
		if fatal := search.Fatal(checks); len(fatal) > 0 {
			t.Fatalf("%s", fatal[0])
		}
	}
	type found struct {
		checks []string
		n      int
		seed   uint64
	}
	var got []found
	search.Run(cfg, prop, func(r Round) []string {
		require.False(t, r.Flaky, r.Output)
		require.Contains(t, r.Output, fmt.Sprintf("-rapid.seed=%d", r.Seed))
		var checks []string
		for _, c := range []string{"seven", "eleven"} {
			if !search.Known(c) && last%map[string]int{"seven": 7, "eleven": 11}[c] == 0 {
				checks = append(checks, c)
			}
		}
		got = append(got, found{checks, last, r.Seed})
		return checks
	})
	require.Len(t, got, 2, "%+v", got)
	all := append(slices.Clone(got[0].checks), got[1].checks...)
	require.ElementsMatch(t, []string{"seven", "eleven"}, all)
	for _, f := range got {
		require.Equal(t, map[string]int{"seven": 7, "eleven": 11}[f.checks[0]], f.n, "shrunk to the smallest case of its own check")
	}
	require.NotEqual(t, got[0].seed, got[1].seed)
	require.Equal(t, searchBudget(cfg.Sequences), search.Searched(), "the search spends its whole budget")
	seqs, _ := search.AfterFirst()
	require.Positive(t, seqs, "the search went on after the first failure")
	require.Positive(t, search.Repeats(got[0].checks[0]), "later cases met the first failure again")
}

// TestSearchStopsAtMaxDistinct: a property where every case fails a check
// of its own records at most MaxDistinct failures, then stops.
func TestSearchStopsAtMaxDistinct(t *testing.T) {
	cfg := PropertyConfig{Sequences: 1000, Seed: 5, NoFailFile: true}
	search := NewSearch(cfg)
	var last int
	prop := func(t *rapid.T) {
		done, _ := search.Case(t)
		defer func() { done(1) }()
		last = rapid.IntRange(0, 1_000_000).Draw(t, "n")
		if fatal := search.Fatal([]string{fmt.Sprint("c", last)}); len(fatal) > 0 {
			t.Fatalf("%s", fatal[0])
		}
	}
	rounds := 0
	search.Run(cfg, prop, func(Round) []string { rounds++; return []string{fmt.Sprint("c", last)} })
	require.Equal(t, MaxDistinct, rounds)
}

// distinctFaults are sets of faults only sequences catch, with the check
// each must fail: one run must report every one of them.
var distinctFaults = [][]struct{ fault, check string }{
	{{"remove-member-removes-all", "group-members-match-model"}, {"lastmodified-frozen", "meta-lastmodified-advances"}},
	{{"soft-deleted-still-listed", "seq-reconcile-extra"}, {"ignore-if-match", "seq-concurrent-if-match"}},
}

// TestSequencesFindEveryDistinctFault: against a server with two faults at
// once, one run reports both, each with its own minimal sequence, seed and
// replay file that reproduces that check; the same budget against a clean
// server finds nothing.
func TestSequencesFindEveryDistinctFault(t *testing.T) {
	if testing.Short() {
		t.Skip("needs its full budget of sequences; rapid runs a fifth of them under -short")
	}
	cfg := PropertyConfig{Sequences: 100, Steps: 30, Seed: 1, ShrinkTime: time.Second, NoFailFile: true}
	for _, set := range distinctFaults {
		var faults []string
		for _, f := range set {
			faults = append(faults, f.fault)
		}
		t.Run(strings.Join(faults, "+"), func(t *testing.T) {
			env, nc := propEnv(t, faults...)
			cfg := cfg
			cfg.NewClient = nc
			start := time.Now()
			res := RunSequences(context.Background(), env, cfg)
			t.Logf("%d sequences (%d after the first failure, %d steps), %d distinct failures %v in %v\n%s", res.Sequences,
				res.Feedback.SequencesAfterFailure, res.Feedback.StepsAfterFailure, len(res.Failures), res.Checks, time.Since(start).Round(time.Millisecond), res.SequenceText())
			require.True(t, res.Failed)
			require.Empty(t, res.Aborted)
			require.Equal(t, cfg.Sequences, res.Sequences, "the search spends its whole budget")
			require.Positive(t, res.Feedback.SequencesAfterFailure)
			require.Positive(t, res.Feedback.StepsAfterFailure)
			require.Len(t, res.Feedback.Failures, len(res.Failures))
			seeds := map[uint64]bool{}
			for _, want := range set {
				f := failureOf(t, res, want.check)
				require.False(t, seeds[f.Seed], "two failures share seed %d", f.Seed)
				seeds[f.Seed] = true
				replaysOwnCheck(t, env, f, want.check)
			}
			require.Empty(t, env.Tracker.Live(), "sequences left resources behind")
		})
	}

	clean, nc := propEnv(t)
	cfg.NewClient = nc
	rc := RunSequences(context.Background(), clean, cfg)
	require.False(t, rc.Failed, "a clean server failed with the same budget:\n%s", rc.SequenceText())
	require.Equal(t, cfg.Sequences, rc.Sequences)
	require.Zero(t, rc.Feedback.SequencesAfterFailure)
}

// failureOf returns the failure of res that names check, shrunk, with the
// exchanges of its run and the seed rapid reported.
func failureOf(t *testing.T, res *PropertyResult, check string) *Failure {
	t.Helper()
	i := slices.IndexFunc(res.Failures, func(f *Failure) bool { return slices.Contains(f.Checks, check) })
	require.GreaterOrEqual(t, i, 0, "%s was not found:\n%s", check, res.SequenceText())
	f := res.Failures[i]
	require.False(t, f.Flaky, "%s flaky", check)
	require.LessOrEqual(t, len(f.Minimal), maxShrunkSteps, "%s shrunk to:\n%s", check, f.SequenceText())
	require.NotEmpty(t, f.Exchanges)
	require.Contains(t, res.Output, fmt.Sprintf("-rapid.seed=%d", f.Seed))
	return f
}

// replaysOwnCheck: the failure's replay file, rerun against env, fails
// the failure's own check.
func replaysOwnCheck(t *testing.T, env *scenarios.Env, f *Failure, check string) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, NewReplayFile(f, "", "rfc", nil).Write(&buf))
	rf, err := ReadReplay(&buf)
	require.NoError(t, err)
	require.Contains(t, rf.Checks, check)
	rr := Replay(context.Background(), env, rf.Steps, rf.Checks...)
	require.True(t, slices.ContainsFunc(rr.Findings, func(fd ReplayFinding) bool { return fd.Check == check }),
		"the replay of %s found %+v (aborted %q)", check, rr.Findings, rr.Aborted)
}

// TestSequencesSearchRespectsMaxDuration: a budget of sequences far beyond
// the time budget ends when the time is spent, shrinking included.
func TestSequencesSearchRespectsMaxDuration(t *testing.T) {
	env, nc := propEnv(t, "remove-member-removes-all", "lastmodified-frozen")
	cfg := PropertyConfig{Sequences: 100_000, Steps: 30, Seed: 1, ShrinkTime: time.Second, MaxDuration: 2 * time.Second, NoFailFile: true, NewClient: nc}
	start := time.Now()
	res := RunSequences(context.Background(), env, cfg)
	took := time.Since(start)
	t.Logf("%d sequences, %d failures in %v", res.Sequences, len(res.Failures), took.Round(time.Millisecond))
	require.Less(t, res.Sequences, cfg.Sequences)
	// The search, then each failure's shrinking: rapid's and the step-level pass.
	bound := cfg.MaxDuration + time.Duration(len(res.Failures))*(cfg.ShrinkTime+minimizeBudget) + 5*time.Second
	require.Less(t, took, bound)
}

// TestWakeOfKnownFailure: a new check is reported only when no known
// failure that may leave the model behind the server came at or before its
// first failing step; a known metadata failure does not count.
func TestWakeOfKnownFailure(t *testing.T) {
	r := &runner{search: NewSearch(PropertyConfig{Sequences: 1})}
	r.search.learn([]string{"group-members-match-model", "meta-lastmodified-advances"})
	rec := func(fs ...caseFinding) *caseRecord {
		return &caseRecord{steps: make([]Step, 4), findings: fs}
	}
	f := func(step int, check string) caseFinding { return caseFinding{check: check, step: step} }
	x, y := "seq-model-consistent", "seq-version-stable-without-change"
	for _, tc := range []struct {
		name string
		rc   *caseRecord
		want []string
	}{
		{"alone", rec(f(3, x)), []string{x}},
		{"after a known metadata failure", rec(f(2, "meta-lastmodified-advances"), f(3, x)), []string{x}},
		{"with another new check", rec(f(3, x), f(3, y)), []string{x, y}},
		{"after a known state failure", rec(f(2, "group-members-match-model"), f(3, x)), nil},
		{"in the step of a known state failure", rec(f(3, "group-members-match-model"), f(3, x)), nil},
		{"reconciliation after a known state failure", rec(f(2, "group-members-match-model"), f(0, x)), nil},
		{"a known state failure after it", rec(f(3, x), f(4, "group-members-match-model")), []string{x}},
	} {
		require.Equal(t, tc.want, r.news(tc.rc, x), tc.name)
	}
}
