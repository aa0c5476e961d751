package harness

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/sequences"
)

// withHook sets the scenarios' test hook (scenarios.Env.Hook).
func withHook(h func(point string)) Option { return func(c *config) { c.hook = h } }

// panicAt returns a hook that panics with text the first time a point
// that starts with point is reached.
func panicAt(point, text string) func(string) {
	done := false
	return func(p string) {
		if strings.HasPrefix(p, point) && !done {
			done = true
			panic(text)
		}
	}
}

// TestHarnessPanicIsAnError injects a panic at each layer where the harness
// itself could break (a scenario, a judgement, a sequence step, the
// sequences' judgement) and checks that the run says the harness failed,
// with the panic's text, and never passes it off as a verdict.
func TestHarnessPanicIsAnError(t *testing.T) {
	cases := []struct {
		name, point string
		only        string
	}{
		{"scenario", "scenario discovery", "discovery"},
		{"judge", "judge disc-spc-schema", "discovery"},
		{"sequence step", "step ", sequences.PropertyName},
		{"sequences judge", "judge seq-", sequences.PropertyName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := "injected panic at " + tc.point
			run, err := Execute(context.Background(), refTarget(t), WithOnly(tc.only), WithSequences(5), WithSteps(20), WithSeed(1),
				withHook(panicAt(tc.point, text)))
			if !errors.Is(err, ErrHarness) || !errors.Is(err, ErrIncomplete) {
				t.Fatalf("Execute error = %v, want ErrHarness wrapped in ErrIncomplete", err)
			}
			if !strings.Contains(err.Error(), text) || !strings.Contains(strings.Join(run.Errors, "\n"), text) {
				t.Errorf("the panic text %q is missing: error %v, run errors %q", text, err, run.Errors)
			}
			var sc *reports.ScenarioResult
			for i := range run.Scenarios {
				if run.Scenarios[i].Name == tc.only {
					sc = &run.Scenarios[i]
				}
			}
			if sc == nil || sc.Status != reports.StatusError || !strings.Contains(sc.Reason, text) {
				t.Fatalf("scenario %s = %+v, want status error with the panic text", tc.only, sc)
			}
			if !run.Verdict.Incomplete {
				t.Error("the verdict does not say the run is incomplete")
			}
		})
	}
}
