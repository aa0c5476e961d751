package sequences

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// TestFailureWithoutFindingIsAnError: rapid failed (here, a panic in its
// plumbing) but no sequence recorded a finding. That must not read as a
// pass: the scenario errs, as a broken harness, with rapid's report.
func TestFailureWithoutFindingIsAnError(t *testing.T) {
	env, _ := propEnv(t)
	out := "[rapid] panic after 3 tests: boom in a generator"
	res := &PropertyResult{Failed: true, Output: out, unexplained: out, passed: map[string]bool{"seq-model-consistent": true}}
	r := scenarios.Run(context.Background(), env, &scenarios.Scenario{Name: PropertyName, Checks: propertyChecks, Run: res.judgeInto})
	require.True(t, r.Broken)
	require.Equal(t, reports.StatusError, r.Status)
	require.Contains(t, r.Reason, "boom in a generator")
	for _, o := range r.Outcomes {
		require.NotEqual(t, reports.StatusFail, o.Status, o.ID)
		if o.ID != "seq-model-consistent" {
			require.Equal(t, reports.StatusError, o.Status, o.ID)
		}
	}
}

// TestPanicInStepIsBroken: a panic in a step ends the run's sequences as a
// broken harness, with the panic's text, and no finding.
func TestPanicInStepIsBroken(t *testing.T) {
	env, nc := propEnv(t)
	env.Hook = func(p string) {
		if strings.HasPrefix(p, "step ") {
			panic("injected step panic")
		}
	}
	res := RunSequences(context.Background(), env, PropertyConfig{Sequences: 5, Steps: 20, Seed: 1, NoFailFile: true, NewClient: nc})
	require.Contains(t, res.Broken, "injected step panic", "aborted %q output %s", res.Aborted, res.Output)
	require.Contains(t, res.Broken, "panic in step 1")
	require.Empty(t, res.Failures)
}
