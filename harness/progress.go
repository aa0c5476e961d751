package harness

import (
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// ProgressStep names the phase of a run a [ProgressEvent] reports.
type ProgressStep string

// The phases of a run, in the order they happen. StepScenarioStart and
// StepScenarioDone repeat once per selected scenario.
const (
	StepDiscovery     ProgressStep = "discovery"      // reading /ServiceProviderConfig, /ResourceTypes, /Schemas
	StepScenarioStart ProgressStep = "scenario-start" // a scenario is about to run
	StepScenarioDone  ProgressStep = "scenario-done"  // a scenario finished; the counts include it
	StepCleanup       ProgressStep = "cleanup"        // deleting what the run created
	StepDone          ProgressStep = "done"           // the run is over (also after an error)
)

// ProgressEvent is one report of a run's progress, for a terminal display.
// Counts are cumulative over the run so far. A check counts as failed once it
// failed in any scenario and as passed while it passed somewhere and failed
// nowhere, as in the final verdict.
type ProgressEvent struct {
	Step     ProgressStep
	Dialect  string // the run's request dialect
	Seed     int64  // the run's seed
	Scenario string // the scenario starting or done; empty otherwise
	Index    int    // 1-based position of Scenario among the selected scenarios
	Total    int    // number of selected scenarios
	Passed   int    // checks passed so far
	Failed   int    // checks failed so far
	Requests int    // HTTP exchanges recorded so far
}

// WithProgress makes the run call fn at each step: before discovery, before
// and after every scenario, before cleanup and at the end. fn runs on the
// run's goroutine, so it should return quickly.
//
// Typical usage, a one-line display on a terminal:
//
//	harness.Execute(ctx, target, harness.WithProgress(func(ev harness.ProgressEvent) {
//		fmt.Fprintf(os.Stderr, "\r%d/%d %s: %d passed, %d failed", ev.Index, ev.Total, ev.Scenario, ev.Passed, ev.Failed)
//	}))
func WithProgress(fn func(ProgressEvent)) Option {
	return func(c *config) { c.progress = fn }
}

// progress tracks the cumulative counts of a run and sends events to the
// configured callback. Its methods do nothing on a nil *progress.
type progress struct {
	fn       func(ProgressEvent)
	dialect  string
	seed     int64
	total    int
	index    int
	scenario string
	requests func() int
	checks   map[string]*reports.CheckResult // check ID -> status so far, merged as in the run
}

// newProgress returns the run's progress tracker, or nil when no callback
// is configured.
func newProgress(cfg *config, total int) *progress {
	if cfg.progress == nil {
		return nil
	}
	return &progress{fn: cfg.progress, dialect: cfg.dialect, seed: cfg.seed, total: total, checks: map[string]*reports.CheckResult{}}
}

// countRequests makes events carry the count that n returns.
func (p *progress) countRequests(n func() int) {
	if p != nil {
		p.requests = n
	}
}

// scenarioStart reports that the i-th (0-based) scenario, name, is starting.
func (p *progress) scenarioStart(i int, name string) {
	if p == nil {
		return
	}
	p.index, p.scenario = i+1, name
	p.emit(StepScenarioStart)
}

// scenarioDone folds a scenario's outcomes into the counts and reports it.
func (p *progress) scenarioDone(r *scenarios.Result) {
	if p == nil || r == nil {
		return
	}
	for _, o := range r.Outcomes {
		c := p.checks[o.ID]
		if c == nil {
			c = &reports.CheckResult{ID: o.ID}
			p.checks[o.ID] = c
		}
		merge(c, reports.ScenarioCheck{ID: o.ID, Status: o.Status})
	}
	p.emit(StepScenarioDone)
}

// step reports a phase outside the scenarios.
func (p *progress) step(s ProgressStep) {
	if p == nil {
		return
	}
	if s != StepScenarioStart && s != StepScenarioDone {
		p.scenario = ""
	}
	p.emit(s)
}

func (p *progress) emit(s ProgressStep) {
	ev := ProgressEvent{Step: s, Dialect: p.dialect, Seed: p.seed, Scenario: p.scenario, Index: p.index, Total: p.total}
	for _, c := range p.checks {
		switch c.Status {
		case reports.StatusPass:
			ev.Passed++
		case reports.StatusFail:
			ev.Failed++
		}
	}
	if p.requests != nil {
		ev.Requests = p.requests()
	}
	p.fn(ev)
}
