package harness

import (
	"sync"
	"time"

	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// ProgressStep names the phase of a run a [ProgressEvent] reports.
type ProgressStep string

// The phases of a run, in the order they happen. StepScenarioStart,
// StepScenarioTick and StepScenarioDone repeat for every selected scenario.
const (
	StepDiscovery     ProgressStep = "discovery"      // reading /ServiceProviderConfig, /ResourceTypes, /Schemas
	StepScenarioStart ProgressStep = "scenario-start" // a scenario is about to run
	StepScenarioTick  ProgressStep = "scenario-tick"  // a scenario is still running (Requests has grown)
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
// and after every scenario, while a scenario runs (at most every half second,
// when it has sent requests since), before cleanup and at the end. fn is
// never called concurrently with itself, but ticks come from a goroutine of
// their own; it should return quickly.
//
// Typical usage, a one-line display on a terminal:
//
//	harness.Execute(ctx, target, harness.WithProgress(func(ev harness.ProgressEvent) {
//		fmt.Fprintf(os.Stderr, "\r%d/%d %s: %d passed, %d failed", ev.Index, ev.Total, ev.Scenario, ev.Passed, ev.Failed)
//	}))
func WithProgress(fn func(ProgressEvent)) Option {
	return func(c *config) { c.progress = fn }
}

// progressTick is how often a running scenario reports its request count.
const progressTick = 500 * time.Millisecond

// progress tracks the cumulative counts of a run and sends events to the
// configured callback. Its methods do nothing on a nil *progress.
type progress struct {
	stop    chan struct{}  // closes to end the running scenario's ticks
	ticking sync.WaitGroup // the tick goroutine

	mu       sync.Mutex // serialises events; guards everything below
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
		p.mu.Lock()
		p.requests = n
		p.mu.Unlock()
	}
}

// scenarioStart reports that the i-th (0-based) scenario, name, is starting.
func (p *progress) scenarioStart(i int, name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.index, p.scenario = i+1, name
	p.emit(StepScenarioStart)
	p.mu.Unlock()
	p.stop = make(chan struct{})
	p.ticking.Add(1)
	go p.tick(p.stop)
}

// tick reports a running scenario's growing request count until stop closes.
func (p *progress) tick(stop <-chan struct{}) {
	defer p.ticking.Done()
	t := time.NewTicker(progressTick)
	defer t.Stop()
	last := -1
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			if n := p.requestCount(); n != last {
				last = n
				p.emit(StepScenarioTick)
			}
			p.mu.Unlock()
		}
	}
}

func (p *progress) requestCount() int {
	if p.requests == nil {
		return 0
	}
	return p.requests()
}

// scenarioDone folds a scenario's outcomes into the counts and reports it.
func (p *progress) scenarioDone(r *scenarios.Result) {
	if p == nil {
		return
	}
	if p.stop != nil {
		close(p.stop)
		p.ticking.Wait()
		p.stop = nil
	}
	if r == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
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
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scenario = ""
	p.emit(s)
}

// emit sends an event; the caller holds p.mu.
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
	ev.Requests = p.requestCount()
	p.fn(ev)
}
