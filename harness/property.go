package harness

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/redact"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
	"github.com/scimloop/scimloop/sequences"
)

// propertyOptions are the budget of the property-based sequences.
type propertyOptions struct {
	sequences   int // 0: no sequences (the library default); the CLI sets it
	steps       int
	shrinkTime  time.Duration
	maxDuration time.Duration
	onReplay    func(*sequences.ReplayFile) (string, error)
}

// WithSequences runs n property-generated provisioning sequences after the
// deterministic scenarios (see [sequences.RunSequences]); 0, the default,
// runs none. The scenario is named "sequences" for WithOnly and WithSkip.
func WithSequences(n int) Option { return func(c *config) { c.prop.sequences = n } }

// WithSteps sets the average number of steps of a sequence (default 30).
func WithSteps(n int) Option { return func(c *config) { c.prop.steps = n } }

// WithShrinkTime bounds how long a failing sequence is shrunk (default 10s).
func WithShrinkTime(d time.Duration) Option { return func(c *config) { c.prop.shrinkTime = d } }

// WithMaxDuration bounds the search for failing sequences (default: none).
// The search goes on after a failure, to find every distinct one; its clock
// stops while a failure is shrunk, within WithShrinkTime, and at most
// [sequences.MaxDistinct] are.
func WithMaxDuration(d time.Duration) Option { return func(c *config) { c.prop.maxDuration = d } }

// WithReplayWriter is called with the replay file of each distinct failure
// the sequences and the schema properties found (a schema property's has
// Schema set); it returns where the file was written, which the run's
// feedback lists for the sequences.
func WithReplayWriter(write func(*sequences.ReplayFile) (string, error)) Option {
	return func(c *config) { c.prop.onReplay = write }
}

// Budget defaults: a loopback server is fast, a remote one is not.
const (
	defaultSteps      = 30
	defaultShrinkTime = 10 * time.Second
)

// wantsProperty reports whether the sequences run: a budget was given and
// the selection keeps the scenario.
func (c *config) wantsProperty() bool {
	if c.prop.sequences <= 0 {
		return false
	}
	if len(c.only) > 0 && !slices.Contains(c.only, sequences.PropertyName) {
		return false
	}
	return !slices.Contains(c.skip, sequences.PropertyName)
}

// propertyRun is the property scenario of a session and what it found.
type propertyRun struct {
	res    sequences.PropertyResult
	target Target
}

// property runs the sequences (when configured) as one more scenario.
func (s *session) property(ctx context.Context, target Target) {
	if !s.cfg.wantsProperty() || ctx.Err() != nil {
		return
	}
	pc := sequences.PropertyConfig{
		Sequences: s.cfg.prop.sequences, Steps: s.cfg.prop.steps, Seed: uint64(s.cfg.seed),
		ShrinkTime: s.cfg.prop.shrinkTime, MaxDuration: s.cfg.prop.maxDuration, NoFailFile: true,
		NewClient: func(rec *fakeidp.Recorder) *fakeidp.Client {
			c, err := newClient(target, withRecorder(s.cfg, rec))
			if err != nil {
				return s.client // cannot happen: the same options built s.client
			}
			return c
		},
	}
	if pc.Steps == 0 {
		pc.Steps = defaultSteps
	}
	if pc.ShrinkTime == 0 {
		pc.ShrinkTime = defaultShrinkTime
	}
	pr := &propertyRun{target: target}
	s.prop = pr
	s.results = append(s.results, scenarios.Run(ctx, s.env, sequences.PropertyScenario(pc, &pr.res)))
}

// withRecorder is cfg with the client recording into rec.
func withRecorder(cfg *config, rec *fakeidp.Recorder) *config {
	cp := *cfg
	cp.clientOpts = append(slices.Clone(cfg.clientOpts), fakeidp.WithRecorder(rec))
	return &cp
}

// numberProperty numbers the exchanges of each failure's minimal sequence
// after the run's own, so that findings point at them; called once the
// run's recorder is complete (after cleanup) and before the run is built.
func (s *session) numberProperty() {
	if s.prop == nil {
		return
	}
	n := s.client.Recorder().Len()
	for _, f := range s.prop.res.Failures {
		for _, ex := range f.Exchanges {
			n++
			ex.Seq = n
		}
	}
}

// finishProperty adds the sequences' exchanges, latency samples and
// feedback to the run, and hands each failure's replay file to the writer.
func (s *session) finishProperty(run *reports.Run) {
	if s.prop == nil {
		return
	}
	res := &s.prop.res
	fb := res.Feedback
	fb.Failures = slices.Clone(fb.Failures)
	for i, f := range res.Failures {
		exs := convertExchanges(f.Exchanges)
		run.Exchanges = append(run.Exchanges, exs...)
		if len(f.Minimal) == 0 || s.cfg.prop.onReplay == nil {
			continue
		}
		rf := sequences.NewReplayFile(f, s.client.Recorder().Scrub(redact.URL(s.prop.target.URL, nil)), s.cfg.dialect, exs)
		path, err := s.cfg.prop.onReplay(rf)
		if err != nil {
			run.Errors = append(run.Errors, fmt.Sprintf("writing the replay file: %v", err))
			continue
		}
		fb.ReplayFiles = append(fb.ReplayFiles, path)
		if i < len(fb.Failures) {
			fb.Failures[i].ReplayFile = path
		}
	}
	if len(res.Samples) > 0 {
		run.Latency = latency(append(slices.Clone(run.Exchanges), res.Samples...))
	}
	fb.Retries += s.client.Recorder().Retries()
	if res.Aborted != "" {
		run.Errors = append(run.Errors, s.client.Recorder().Scrub("sequences: "+res.Aborted))
	}
	run.Feedback = &fb
}

// ReplayResult is what rerunning a replay file found.
type ReplayResult struct {
	*sequences.ReplayResult
	Leftovers []reports.Leftover
	Exchanges []reports.Exchange
}

// Replay reruns the steps of a replay file against target, as one sequence
// with fresh names under a new run prefix, and deletes what it created. The
// result says whether the failure reproduced (Failed). A schema-property
// file's minimal case is rerun the same way ([sequences.ReplaySchema]).
//
// Typical usage in a program is:
//
//	f, _ := sequences.ReadReplay(file)
//	res, err := harness.Replay(ctx, harness.Target{URL: url}, f)
//	if res.Failed() { os.Exit(1) }
func Replay(ctx context.Context, target Target, f *sequences.ReplayFile, opts ...Option) (*ReplayResult, error) {
	cfg := newConfig(opts)
	s, err := begin(ctx, target, cfg)
	if err != nil {
		return nil, err
	}
	var res *sequences.ReplayResult
	if f.Schema != nil {
		res = sequences.ReplaySchema(ctx, s.env, f.Schema, f.Checks...)
	} else {
		res = sequences.Replay(ctx, s.env, f.Steps, f.Checks...)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.cleanupTimeout)
	defer cancel()
	out := &ReplayResult{ReplayResult: res, Leftovers: s.env.Tracker.Cleanup(cctx, s.client)}
	out.Exchanges = convertExchanges(s.client.Recorder().Exchanges())
	if res.Aborted != "" && !res.Failed() {
		return out, fmt.Errorf("%w: %s", ErrIncomplete, s.client.Recorder().Scrub(res.Aborted))
	}
	return out, nil
}
