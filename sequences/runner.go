package sequences

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// This file holds the property run: one rapid check over whole sequences,
// and what the run keeps of them.

// PropertyConfig is the budget and plumbing of a property run. Zero fields
// leave rapid's own setting (its flags -rapid.checks, -rapid.steps,
// -rapid.seed, -rapid.shrinktime) as it is.
type PropertyConfig struct {
	Sequences  int           // test cases (rapid.checks)
	Steps      int           // average steps per sequence (rapid.steps)
	Seed       uint64        // rapid.seed; 0 leaves it (rapid picks one at random)
	ShrinkTime time.Duration // bound on shrinking (rapid.shrinktime)
	// MaxDuration bounds the search for a failure; once one is found, its
	// shrinking is bounded by ShrinkTime instead. 0 means no bound.
	MaxDuration time.Duration
	// NoFailFile stops rapid writing fail files (set in the binary).
	NoFailFile bool
	// NewClient returns a client that records into rec, so that each sequence
	// keeps its own exchanges and only the minimal failing one is reported.
	// Nil means every exchange goes to the run's client and recorder.
	NewClient func(rec *fakeidp.Recorder) *fakeidp.Client
	// Log receives rapid's progress and failure output; nil discards it.
	Log io.Writer
}

// PropertyResult is what a property run found.
type PropertyResult struct {
	Sequences int  // sequences run in the search (shrinking's reruns not counted)
	Failed    bool // a sequence failed
	Flaky     bool // ... but the failure did not reproduce
	Aborted   string
	// Broken says how the harness itself failed (a panic in a step or in
	// reconciliation), when it did: the result cannot be trusted.
	Broken string
	// Minimal is the shortest failing sequence rapid found, with the
	// exchanges of its final run and its findings.
	Minimal   []Step
	Exchanges []*fakeidp.Exchange
	Findings  []scenarios.Finding
	Checks    []string // the check IDs that failed in the minimal sequence
	Output    string   // rapid's failure report (seed, minimal draws)
	Seed      uint64
	Feedback  reports.Feedback
	// Samples are (method, URL, status, latency) of every sequence exchange
	// kept out of the run's recorder, for latency percentiles.
	Samples []reports.Exchange

	passed map[string]bool
	final  *caseRecord
}

// caseRecord is one sequence as it ended.
type caseRecord struct {
	steps    []Step
	findings []caseFinding
	exs      []*fakeidp.Exchange
	drift    []string
	m        *machine // its counts, for the feedback of a failing sequence
}

// runner is the state shared by all sequences of one property run.
type runner struct {
	ctx      context.Context
	env      *scenarios.Env
	cfg      PropertyConfig
	deadline time.Time

	mu        sync.Mutex
	n         int // sequences run, shrinking's reruns included (names them)
	searched  int // sequences of the search
	aborted   error
	sawFail   bool
	last      *caseRecord
	firstFail *caseRecord
	final     *caseRecord
	passed    map[string]bool
	broken    string // how the harness itself failed, if it did
	// calls counts the property's calls in rapid's search for a failure;
	// failCall is the index of the first that failed, -1 while none did.
	calls, failCall int
	fb              reports.Feedback
	samples         []reports.Exchange
}

func (r *runner) abort(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.aborted == nil {
		r.aborted = err
	}
}

// idle reports whether sequences should do nothing: the run was aborted or
// cancelled, or the search ran out of time before any failure was found.
func (r *runner) idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.aborted != nil || r.ctx.Err() != nil {
		return true
	}
	return !r.sawFail && !r.deadline.IsZero() && time.Now().After(r.deadline)
}

// RunSequences runs property-generated provisioning sequences against env
// with rapid: each sequence creates fresh resources under its own prefix,
// checks every step against the model, reconciles the final state and
// deletes what it created. A failing sequence is shrunk to the shortest
// sequence that still fails. It never calls the testing package's failure
// functions: the result says what was found.
func RunSequences(ctx context.Context, env *scenarios.Env, cfg PropertyConfig) *PropertyResult {
	r := &runner{ctx: ctx, env: env, cfg: cfg, passed: map[string]bool{}, failCall: -1}
	if cfg.MaxDuration > 0 {
		r.deadline = time.Now().Add(cfg.MaxDuration)
	}
	r.fb = reports.Feedback{Confirmed: map[string]int{}, Unconfirmed: map[string]int{}, ModelCounts: map[string]int{}, ServerCounts: map[string]int{}}
	tb := &recorderTB{name: "scimloop/" + PropertyName, log: cfg.Log}
	base := withRapid(cfg, func() { rapid.Check(tb, r.sequence) })

	res := &PropertyResult{Sequences: r.searched, Seed: base, Output: tb.output()}
	if r.failCall >= 0 {
		res.Seed = failingSeed(base, r.failCall)
	}
	r.fb.Sequences = r.searched
	r.fb.Seed = int64(res.Seed)
	res.Samples = r.samples
	if r.aborted != nil {
		res.Aborted = r.aborted.Error()
	}
	res.Broken = r.broken
	if tb.Failed() {
		r.settle(res)
	}
	res.Feedback = r.fb
	res.passed = r.passed
	res.final = r.final
	return res
}

// settle fills in a failed run's result: the minimal failing sequence (or,
// when the failure did not reproduce, the first failing one), its findings,
// and its counts in the feedback.
func (r *runner) settle(res *PropertyResult) {
	res.Failed = true
	final := r.last
	if final == nil || len(final.findings) == 0 || strings.Contains(res.Output, "flaky test") {
		res.Flaky = true
		final = r.firstFail
	}
	if final != nil && !res.Flaky {
		final = r.minimize(final)
	}
	if final == nil {
		return
	}
	res.Minimal = final.steps
	res.Exchanges = final.exs
	seen := map[string]bool{}
	for _, f := range final.findings {
		res.Findings = append(res.Findings, scenarios.Finding{Message: f.msg, Exchanges: f.exs})
		if !seen[f.check] {
			seen[f.check] = true
			res.Checks = append(res.Checks, f.check)
		}
	}
	r.fb.MinimalSteps = len(final.steps)
	r.final = final
	r.fb.MemberDrift = final.drift
	// The minimal failing sequence counts too: what it confirmed and what it
	// could not, and the counts its reconciliation saw.
	if final.m != nil {
		addCounts(&r.fb, final.m)
	}
}

// addCounts adds what the sequence m confirmed and could not, and the
// counts its reconciliation saw, to fb.
func addCounts(fb *reports.Feedback, m *machine) {
	fb.Steps += len(m.steps)
	for k, v := range m.confirmed {
		fb.Confirmed[k] += v
	}
	for k, v := range m.unconfirmed {
		fb.Unconfirmed[k] += v
	}
	for k, v := range m.modelCounts {
		fb.ModelCounts[k] += v
	}
	for k, v := range m.serverCounts {
		fb.ServerCounts[k] += v
	}
}

// newCase sets up one sequence: a numbered prefix of its own under the run's
// ("<run prefix><kind><n>-"), and its own recorder when the runner makes
// clients per sequence.
func (r *runner) newCase(kind string) (*machine, *fakeidp.Recorder) {
	r.mu.Lock()
	r.n++
	n := r.n
	r.mu.Unlock()
	c := r.env.Client.ForScenario(PropertyName)
	var rec *fakeidp.Recorder
	if r.cfg.NewClient != nil {
		rec = fakeidp.NewRecorder()
		c = r.cfg.NewClient(rec).ForScenario(PropertyName)
	}
	names := caseNames{prefix: fmt.Sprintf("%s%s%d-", r.env.Names.Prefix, kind, n), tag: fmt.Sprintf("%s%d", kind, n), domain: r.env.Names.Domain}
	return newMachine(r.ctx, r.env, c, names, &resolution{}), rec
}

// sequence is the rapid property: one whole sequence.
func (r *runner) sequence(t *rapid.T) {
	defer r.noteCall(t)()
	if r.idle() {
		return
	}
	m, rec := r.newCase("s")
	defer r.finish(m, rec)
	defer m.cleanup(context.WithoutCancel(r.ctx))

	t.Repeat(actionsFor(m, r))
	if m.failed() || r.idle() {
		return
	}
	if err := m.protect(m.reconcile); err != nil {
		r.fail(err)
		return
	}
	if m.failed() {
		t.Fatalf("%s", m.failure())
	}
}

// failure names the first failure in words that are the same on every run of
// the same sequence (no server ids, no timestamps): rapid compares failure
// messages to tell a reproduced failure from a different one.
func (m *machine) failure() string {
	f := m.findings[0]
	if f.step == 0 || f.step > len(m.steps) {
		return f.check + ": the final reconciliation failed"
	}
	return fmt.Sprintf("%s: step %d (%s) failed", f.check, f.step, m.steps[f.step-1].Op)
}

// finish folds a sequence into the run's totals and remembers it.
func (r *runner) finish(m *machine, rec *fakeidp.Recorder) {
	rc := &caseRecord{steps: slices.Clone(m.steps), findings: m.findings, drift: m.memberDrift, m: m}
	if rec != nil {
		rc.exs = rec.Exchanges()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec != nil {
		r.fb.Retries += rec.Retries()
	}
	r.last = rc
	if !r.sawFail {
		r.searched++ // sequences of the search, up to the first failure; not shrinking's reruns
	}
	for id := range m.passed {
		r.passed[id] = true
	}
	if len(m.findings) > 0 {
		r.sawFail = true
		if r.firstFail == nil {
			r.firstFail = rc
		}
		return
	}
	// Totals count sequences that passed, so that shrinking's re-runs of a
	// failure do not inflate them.
	addCounts(&r.fb, m)
	for _, ex := range rc.exs {
		r.samples = append(r.samples, reports.Exchange{Method: ex.Method, URL: ex.URL, Status: ex.Status, LatencyMs: float64(ex.Latency.Microseconds()) / 1000})
	}
}

// protect runs f, turning an abort into an error.
func (m *machine) protect(f func()) (err error) {
	defer recoverInto(&err, "the final reconciliation")
	f()
	return nil
}

// brokenError is a failure of the harness itself within a sequence (a
// panic), as opposed to a server that gave no usable answer.
type brokenError struct{ msg string }

func (e *brokenError) Error() string { return e.msg }

// recoverInto turns a panic in where into *err: an abort into its reason,
// anything else into a [brokenError] with the panic's text and stack.
func recoverInto(err *error, where string) {
	rv := recover()
	if rv == nil {
		return
	}
	if a, ok := rv.(abortSignal); ok {
		*err = a.err
		return
	}
	*err = &brokenError{fmt.Sprintf("panic in %s: %v\n%s", where, rv, debug.Stack())}
}

// fail stops the sequences for err: a broken harness is remembered as such.
func (r *runner) fail(err error) {
	var b *brokenError
	if errors.As(err, &b) {
		r.mu.Lock()
		if r.broken == "" {
			r.broken = b.msg
		}
		r.mu.Unlock()
	}
	r.abort(err)
}

// noteCall counts a call of the property during rapid's search and returns
// what notes, when the call ends, whether it was the first to fail.
func (r *runner) noteCall(t *rapid.T) func() {
	r.mu.Lock()
	k := -1
	if r.failCall < 0 {
		k = r.calls
		r.calls++
	}
	r.mu.Unlock()
	return func() {
		if k >= 0 && t.Failed() {
			r.mu.Lock()
			if r.failCall < 0 {
				r.failCall = k
			}
			r.mu.Unlock()
		}
	}
}
