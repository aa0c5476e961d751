package harness_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
)

// refTarget serves a fresh reference server with faults on loopback for the
// test and returns the target and the client options that authenticate.
func refTarget(t *testing.T, faults ...string) (harness.Target, harness.Option) {
	t.Helper()
	const token = "progress-token-0123456789"
	srv, err := refserver.New(refserver.Config{Token: token, BasePath: "/scim/v2", Faults: faults, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return harness.Target{URL: ts.URL + "/scim/v2"}, harness.WithClientOptions(fakeidp.WithBearer(token))
}

// TestWithProgress checks the sequence of progress events of a run: discovery
// first, a start and a done for every scenario in order, cleanup, done last,
// with counts that never go down and end where the verdict ends.
func TestWithProgress(t *testing.T) {
	target, auth := refTarget(t, "no-etag")
	var events []harness.ProgressEvent
	run, err := harness.Execute(context.Background(), target, auth, harness.WithSeed(7),
		harness.WithProgress(func(ev harness.ProgressEvent) { events = append(events, ev) }))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if len(events) < 4 {
		t.Fatalf("got %d events, want at least discovery, one scenario, cleanup and done", len(events))
	}
	if events[0].Step != harness.StepDiscovery {
		t.Errorf("first event = %q, want %q", events[0].Step, harness.StepDiscovery)
	}
	if n := len(events); events[n-2].Step != harness.StepCleanup || events[n-1].Step != harness.StepDone {
		t.Errorf("last events = %q, %q, want %q, %q", events[n-2].Step, events[n-1].Step, harness.StepCleanup, harness.StepDone)
	}
	var scenarioEvents []harness.ProgressEvent
	current := ""
	for _, ev := range events[1 : len(events)-2] {
		switch ev.Step {
		case harness.StepScenarioStart:
			current = ev.Scenario
		case harness.StepScenarioTick:
			if ev.Scenario != current {
				t.Errorf("tick for %q while %q runs", ev.Scenario, current)
			}
			continue
		}
		scenarioEvents = append(scenarioEvents, ev)
	}
	if len(scenarioEvents) != 2*len(run.Scenarios) {
		t.Fatalf("got %d scenario events for %d scenarios, want a start and a done for each", len(scenarioEvents), len(run.Scenarios))
	}
	prev := harness.ProgressEvent{}
	for i, ev := range scenarioEvents {
		want := harness.StepScenarioStart
		if i%2 == 1 {
			want = harness.StepScenarioDone
		}
		sc := run.Scenarios[i/2]
		if ev.Step != want || ev.Scenario != sc.Name || ev.Index != i/2+1 || ev.Total != len(run.Scenarios) {
			t.Errorf("event %d = %+v, want %s of scenario %d/%d %s", i+1, ev, want, i/2+1, len(run.Scenarios), sc.Name)
		}
		if ev.Dialect != "rfc" || ev.Seed != 7 {
			t.Errorf("event %d: dialect %q seed %d, want rfc 7", i+1, ev.Dialect, ev.Seed)
		}
		if ev.Failed < prev.Failed || ev.Requests < prev.Requests {
			t.Errorf("event %d: counts went down: %+v after %+v", i+1, ev, prev)
		}
		prev = ev
	}
	last := events[len(events)-1]
	if last.Failed != run.Verdict.Failed || last.Passed != run.Verdict.Passed {
		t.Errorf("done event: %d passed, %d failed; verdict: %d passed, %d failed", last.Passed, last.Failed, run.Verdict.Passed, run.Verdict.Failed)
	}
	if last.Failed == 0 {
		t.Errorf("done event: no failed checks with the no-etag fault")
	}
	if last.Requests == 0 {
		t.Errorf("done event: no requests counted")
	}
}

// TestWithProgressDiscoveryFails checks that a run that cannot discover the
// server still ends with a done event.
func TestWithProgressDiscoveryFails(t *testing.T) {
	ts := httptest.NewServer(nil) // 404 for everything
	defer ts.Close()
	var steps []harness.ProgressStep
	_, err := harness.Execute(context.Background(), harness.Target{URL: ts.URL + "/scim/v2"},
		harness.WithProgress(func(ev harness.ProgressEvent) { steps = append(steps, ev.Step) }))
	if err == nil {
		t.Fatal("Execute against a server without SCIM: err = nil, want an error")
	}
	if len(steps) != 2 || steps[0] != harness.StepDiscovery || steps[1] != harness.StepDone {
		t.Errorf("steps = %q, want [discovery done]", steps)
	}
}

// TestWithProgressTicks checks that a slow scenario reports its growing
// request count while it runs.
func TestWithProgressTicks(t *testing.T) {
	target, auth := refTarget(t, "slow") // 50ms a request
	var ticks []harness.ProgressEvent
	_, err := harness.Execute(context.Background(), target, auth, harness.WithOnly("user-lifecycle"),
		harness.WithProgress(func(ev harness.ProgressEvent) {
			if ev.Step == harness.StepScenarioTick {
				ticks = append(ticks, ev)
			}
		}))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if len(ticks) == 0 {
		t.Fatal("no tick while a slow scenario ran")
	}
	for i, ev := range ticks {
		if ev.Scenario != "user-lifecycle" || (i > 0 && ev.Requests <= ticks[i-1].Requests) {
			t.Errorf("tick %d = %+v, want user-lifecycle with more requests than the tick before", i+1, ev)
		}
	}
}
