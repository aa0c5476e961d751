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
	Sequences  int           // search cases over the whole run, every round (rapid.checks)
	Steps      int           // average steps per sequence (rapid.steps)
	Seed       uint64        // the first round's rapid.seed; 0 leaves it (rapid picks one at random)
	ShrinkTime time.Duration // bound on shrinking each failure (rapid.shrinktime)
	// MaxDuration bounds the search for failures, over every round; each
	// failure found is then shrunk within ShrinkTime and the step-level
	// pass. 0 means no bound.
	MaxDuration time.Duration
	// NoFailFile stops rapid writing fail files (set in the binary).
	NoFailFile bool
	// NewClient returns a client that records into rec, so that each sequence
	// keeps its own exchanges and only the minimal failing one is reported.
	// Nil means every exchange goes to the run's client and recorder.
	NewClient func(rec *fakeidp.Recorder) *fakeidp.Client
	// Log receives rapid's progress and failure output; nil discards it.
	Log io.Writer

	round int    // the round of a [Search] this configures, from 0
	name  string // the property's name for rapid; "" is the sequences' ([PropertyName])
}

// PropertyResult is what a property run found: every distinct failure
// (see [Search]), each with its own minimal sequence.
type PropertyResult struct {
	Sequences int  // search sequences over every round (shrinking's reruns not counted)
	Failed    bool // a sequence failed
	Aborted   string
	// Broken says how the harness itself failed (a panic in a step or in
	// reconciliation), when it did: the result cannot be trusted.
	Broken string
	// Failures are the distinct failures, in the order found.
	Failures []*Failure
	Checks   []string // the check IDs of every failure, in order
	// Wake are checks that failed only in the wake of a known failure (their
	// minimal sequence needs it first): not reported, as one bug is one
	// failing check.
	Wake     []string
	Output   string // rapid's reports, round by round
	Seed     uint64 // the first failure's seed; without a failure, the first round's base seed
	Feedback reports.Feedback
	// Samples are (method, URL, status, latency) of every sequence exchange
	// kept out of the run's recorder, for latency percentiles.
	Samples []reports.Exchange

	passed map[string]bool
	// unexplained is rapid's report of a round that failed without any
	// sequence recording a finding (a panic in rapid's plumbing).
	unexplained string
}

// Failure is one distinct failure of a property run: the shortest failing
// sequence found for it, with the exchanges of its final run.
type Failure struct {
	Checks    []string // the checks it failed that no earlier failure had
	Minimal   []Step
	Exchanges []*fakeidp.Exchange
	Findings  []scenarios.Finding
	Seed      uint64 // the failing case's seed: -rapid.seed reruns it first
	Flaky     bool   // the failure did not reproduce; Minimal is the sequence that failed
	Repeats   int    // later search sequences that ran into it again (counted, not fatal)
	findings  []caseFinding
}

// caseRecord is one sequence as it ended.
type caseRecord struct {
	steps    []Step
	findings []caseFinding
	fatal    []string // the checks that failed it for rapid
	exs      []*fakeidp.Exchange
	drift    []string
	m        *machine // its counts, for the feedback of a failing sequence
}

// runner is the state shared by all sequences of one property run.
type runner struct {
	ctx    context.Context
	env    *scenarios.Env
	cfg    PropertyConfig
	search *Search

	mu        sync.Mutex
	n         int // sequences run, shrinking's reruns included (names them)
	aborted   error
	last      *caseRecord // the round's last sequence: rapid's rerun of the minimal case
	firstFail *caseRecord // the round's first failing sequence
	passed    map[string]bool
	broken    string // how the harness itself failed, if it did
	wake      []string
	fb        reports.Feedback
	samples   []reports.Exchange
}

func (r *runner) abort(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.aborted == nil {
		r.aborted = err
	}
}

// idle reports whether sequences should do nothing: the run was aborted or
// cancelled, or the search ran out of time with no failure to shrink.
func (r *runner) idle() bool {
	r.mu.Lock()
	stop := r.aborted != nil || r.ctx.Err() != nil
	r.mu.Unlock()
	return stop || r.search.Idle()
}

// RunSequences runs property-generated provisioning sequences against env
// with rapid: each sequence creates fresh resources under its own prefix,
// checks every step against the model, reconciles the final state and
// deletes what it created. A failing sequence is shrunk to the shortest
// sequence that still fails, and the search goes on ([Search]) until the
// budget is spent, so that each distinct failing check is found with a
// minimal sequence of its own. It never calls the testing package's
// failure functions: the result says what was found.
func RunSequences(ctx context.Context, env *scenarios.Env, cfg PropertyConfig) *PropertyResult {
	r := &runner{ctx: ctx, env: env, cfg: cfg, search: NewSearch(cfg), passed: map[string]bool{}}
	r.fb = reports.Feedback{Confirmed: map[string]int{}, Unconfirmed: map[string]int{}, ModelCounts: map[string]int{}, ServerCounts: map[string]int{}}
	res := &PropertyResult{}
	var out strings.Builder
	base := r.search.Run(cfg, r.sequence, func(round Round) []string {
		out.WriteString(round.Output)
		f, learn := r.settle(round)
		if len(learn) == 0 {
			res.unexplained = round.Output
		}
		if f != nil {
			res.Failures = append(res.Failures, f)
		} else if len(learn) > 0 {
			fmt.Fprintf(&out, "[scimloop] %s failed only in the wake of an earlier failure: not reported\n", strings.Join(learn, ", "))
		}
		return learn
	})
	res.Output = out.String()
	res.Wake = r.wake
	res.Sequences = r.search.Searched()
	res.Seed = base
	res.Failed = len(res.Failures) > 0 || res.unexplained != ""
	for i, f := range res.Failures {
		if i == 0 {
			res.Seed = f.Seed
		}
		res.Checks = append(res.Checks, f.Checks...)
		for _, c := range f.Checks {
			f.Repeats = max(f.Repeats, r.search.Repeats(c))
		}
		r.fb.Failures = append(r.fb.Failures, reports.SequenceFailure{Checks: f.Checks, Seed: int64(f.Seed), MinimalSteps: len(f.Minimal), Flaky: f.Flaky, Repeats: f.Repeats})
	}
	r.fb.Sequences = res.Sequences
	r.fb.Seed = int64(res.Seed)
	r.fb.SequencesAfterFailure, r.fb.StepsAfterFailure = r.search.AfterFirst()
	res.Samples = r.samples
	if r.aborted != nil {
		res.Aborted = r.aborted.Error()
	}
	res.Broken = r.broken
	res.Feedback = r.fb
	res.passed = r.passed
	return res
}

// settle records the failure of a round that failed: its minimal failing
// sequence (or, when the failure did not reproduce, the first failing
// one), the checks no earlier failure had, their findings, and its counts
// in the feedback. It returns the failure, nil when there is none to
// report, and the checks the search is to know from now on; none when no
// sequence of the round recorded a finding.
//
// A new check whose minimal sequence still needs, at or before its first
// failing step, a known failure that may leave the model behind the server
// (see [diverges]) is that failure's wake, not a bug of its own: it is not
// reported ("one bug, one failing check"), only learnt, so that the search
// does not hunt it again.
func (r *runner) settle(round Round) (*Failure, []string) {
	r.mu.Lock()
	final, first := r.last, r.firstFail
	r.last, r.firstFail = nil, nil
	r.mu.Unlock()
	f := &Failure{Seed: round.Seed, Flaky: round.Flaky}
	if final == nil || len(final.fatal) == 0 || f.Flaky {
		f.Flaky = true
		final = first
	}
	if final == nil {
		return nil, nil
	}
	target := final.fatal
	report := target
	if !f.Flaky {
		final = r.minimize(final, target[0])
		report = r.news(final, target[0])
		if len(report) == 0 {
			r.wake = append(r.wake, target...)
			return nil, target
		}
	}
	for _, fd := range final.findings {
		if !slices.Contains(report, fd.check) {
			continue // an earlier failure's, met again
		}
		f.findings = append(f.findings, fd)
		f.Findings = append(f.Findings, scenarios.Finding{Message: fd.msg, Exchanges: fd.exs})
		if !slices.Contains(f.Checks, fd.check) {
			f.Checks = append(f.Checks, fd.check)
		}
	}
	f.Minimal, f.Exchanges = final.steps, final.exs
	if r.fb.MinimalSteps == 0 {
		r.fb.MinimalSteps = len(final.steps)
	}
	r.fb.MemberDrift = append(r.fb.MemberDrift, final.drift...)
	// The minimal failing sequence counts too: what it confirmed and what it
	// could not, and the counts its reconciliation saw.
	if final.m != nil {
		addCounts(&r.fb, final.m)
	}
	return f, append(slices.Clone(f.Checks), target...)
}

// news returns the checks, not known before, that failed at the first step
// of the case rc that failed check; none when a known failure that may
// have left the model behind the server (see [diverges]) came at or before
// that step: check is then that failure's wake.
func (r *runner) news(rc *caseRecord, check string) []string {
	at := func(f caseFinding) int {
		if f.step == 0 {
			return len(rc.steps) + 1 // the final reconciliation
		}
		return f.step
	}
	first := -1
	for _, f := range rc.findings {
		if f.check == check && (first < 0 || at(f) < first) {
			first = at(f)
		}
	}
	var out []string
	for _, f := range rc.findings {
		known := r.search.Known(f.check)
		switch {
		case at(f) > first:
		case known && diverges(f.check):
			return nil
		case !known && at(f) == first && !slices.Contains(out, f.check):
			out = append(out, f.check)
		}
	}
	return out
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
	done, ok := r.search.Case(t)
	if !ok || r.idle() {
		return
	}
	steps := 0
	defer func() { done(steps) }()
	m, rec := r.newCase("s")
	defer func() { steps = len(m.steps); r.finish(m, rec) }()
	defer m.cleanup(context.WithoutCancel(r.ctx))

	t.Repeat(actionsFor(m, r))
	// After a known failure the model may no longer be the server's state:
	// reconciling would only find that failure again, under other checks.
	if m.tainted || r.idle() {
		return
	}
	if err := m.protect(m.reconcile); err != nil {
		r.fail(err)
		return
	}
	r.endStep(t, m)
}

// endStep judges what the last step (or the final reconciliation) found:
// a check no earlier failure had fails the sequence for rapid; findings of
// known checks are counted by the [Search] and the sequence goes on, so
// that one bug does not hide the others. Once a known failure may have
// left the model behind the server's state (any but a metadata check), the
// rest of the sequence is its wake: nothing new fails it while searching.
// Whether a new check is a bug of its own or a known failure's wake is
// settled again on its minimal sequence (see [runner.settle]).
func (r *runner) endStep(t *rapid.T, m *machine) {
	if len(m.findings) == m.judged {
		return
	}
	from := m.judged
	var checks []string
	for _, f := range m.findings[from:] {
		checks = append(checks, f.check)
	}
	m.judged = len(m.findings)
	if m.tainted && r.search.Searching() {
		return
	}
	m.fatal = r.search.Fatal(checks)
	if len(m.fatal) > 0 {
		t.Fatalf("%s", m.failure(from, m.fatal[0]))
	}
	if slices.ContainsFunc(checks, diverges) {
		m.tainted = true
	}
}

// failure names the sequence's failure of check, among its findings from
// index from on, in words that are the same on every run of the same
// sequence (no server ids, no timestamps): rapid compares failure messages
// to tell a reproduced failure from a different one.
func (m *machine) failure(from int, check string) string {
	i := slices.IndexFunc(m.findings[from:], func(f caseFinding) bool { return f.check == check })
	f := m.findings[from+max(i, 0)]
	if f.step == 0 || f.step > len(m.steps) {
		return f.check + ": the final reconciliation failed"
	}
	return fmt.Sprintf("%s: step %d (%s) failed", f.check, f.step, m.steps[f.step-1].Op)
}

// finish folds a sequence into the run's totals and remembers it. Only the
// search's sequences count in the totals, and only those that did not fail
// for rapid (the minimal sequence of a failure counts instead), so that
// shrinking's reruns do not inflate them.
func (r *runner) finish(m *machine, rec *fakeidp.Recorder) {
	rc := &caseRecord{steps: slices.Clone(m.steps), findings: m.findings, fatal: m.fatal, drift: m.memberDrift, m: m}
	if rec != nil {
		rc.exs = rec.Exchanges()
	}
	searching := r.search.Searching()
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec != nil {
		r.fb.Retries += rec.Retries()
	}
	r.last = rc
	for id := range m.passed {
		r.passed[id] = true
	}
	if len(rc.fatal) > 0 && r.firstFail == nil {
		r.firstFail = rc
	}
	if !searching {
		return
	}
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
