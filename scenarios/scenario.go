// Package scenarios says WHAT scimloop exercises: literal tables of
// [Scenario] values, one file per scenario, that drive a server and judge
// each exchange with the checks of package assertions. The property-based
// sequences are in package sequences.
//
// A scenario runs through an [S], which records a verdict per check, stops
// the scenario when a precondition breaks, and sends every request through a
// [safety.Session], which tracks every resource the run creates so that it
// can be cleaned up.
package scenarios

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

// Scenario is one deterministic piece of the run.
type Scenario struct {
	Name string
	// Areas are the catalogue areas the scenario owns, its own area first:
	// it may judge every check of their tables, so a check added to an
	// area's table is listed here with no other edit. An area has one owner.
	Areas []string
	// Checks are the checks of other areas it judges too: those judged on
	// every resource or error answer ([withCommon]) and shared ones such as
	// create-201, whose owner judges them as well.
	Checks []string
	// Needs, when set, is a capability without which the scenario is skipped.
	Needs string
	Run   func(s *S)
}

// CheckIDs returns every check ID the scenario may judge: its Checks, then
// the checks of its Areas. Judging any other ID is a harness error, so a
// typo fails loudly.
func (sc *Scenario) CheckIDs() []string {
	ids := slices.Clone(sc.Checks)
	for _, id := range assertions.InArea(sc.Areas...) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// Area is the catalogue area the scenario exercises: the first area it
// owns. A scenario that owns none (the property sequences) takes the area
// most of its checks belong to, the checks judged on every resource or
// error answer left aside; ties go to the area listed first.
func (sc *Scenario) Area() string {
	if len(sc.Areas) > 0 {
		return sc.Areas[0]
	}
	count := map[string]int{}
	best := ""
	for _, id := range sc.Checks {
		c, ok := assertions.Lookup(id)
		if !ok || slices.Contains(resourceChecks, id) || slices.Contains(errorChecks, id) {
			continue
		}
		count[c.Area]++
		if best == "" || count[c.Area] > count[best] {
			best = c.Area
		}
	}
	return best
}

// Env is what every scenario of one run shares.
type Env struct {
	Client  *fakeidp.Client
	SP      *fakeidp.ServiceProvider
	Names   *safety.Names
	Tracker *safety.Tracker
	Dialect string
	// Profile is the certification profile the run follows ("" outside
	// certify --profile); the checks of a profile's own area are judged only
	// under it (profile_rules.go).
	Profile string
	// Now is the clock used for meta timing; nil means time.Now.
	Now func() time.Time
	// Hook, when set, is called at named points of the run: "scenario
	// <name>" before a scenario runs, "judge <check>" before a verdict is
	// recorded, "step <op>" before a sequence step is sent. Tests use it to
	// inject failures where the harness itself could break.
	Hook func(point string)
}

// Point calls the run's test hook, if any (see [Env.Hook]), at point.
func (e *Env) Point(point string) {
	if e.Hook != nil {
		e.Hook(point)
	}
}

// Session returns a session that sends with c on behalf of the run.
func (e *Env) Session(ctx context.Context, c *fakeidp.Client) *safety.Session {
	return safety.NewSession(ctx, c, e.Tracker, e.SP)
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Outcome is one check's verdict within one scenario.
type Outcome struct {
	ID       string
	Status   reports.Status
	Reason   string
	Findings []Finding
	// CausedBy names the failing checks this outcome is only a consequence
	// of: a failure judged with [S.JudgeCausedBy], or a check left unjudged
	// because [S.Require] stopped the scenario. Reports group it under them.
	CausedBy []string
	rooted   bool // failed on its own at least once, not only as a consequence
}

// Finding is one failed judgement with the exchanges that prove it.
type Finding struct {
	Message   string
	Exchanges []*fakeidp.Exchange
}

// Result is what running one scenario produced.
type Result struct {
	Scenario *Scenario
	Status   reports.Status
	Reason   string
	Duration time.Duration
	Outcomes []*Outcome // in catalogue-listing order of the scenario
	// Broken reports that the harness itself failed (a panic, an internal
	// error) rather than the server: Reason says how. Such a run cannot be
	// trusted, whatever its verdicts.
	Broken bool
	// FilterSupport is what the scenario's filter probes learned (see
	// reports.FilterSupport); most scenarios have none.
	FilterSupport []reports.FilterSupport
}

// maxFindingsPerCheck keeps a repeated failure from flooding the report.
const maxFindingsPerCheck = 5

// S is the running state of one scenario. Its methods are not safe for
// concurrent use, except where noted.
type S struct {
	Ctx      context.Context
	Env      *Env
	C        *fakeidp.Client
	Dir      *fakeidp.Directory
	sess     *safety.Session
	scenario *Scenario
	checks   []string // the IDs the scenario may judge, see [Scenario.CheckIDs]
	outcomes map[string]*Outcome
	stopped  string
	broken   bool                    // the harness itself failed
	filters  []reports.FilterSupport // filter support cells, see [S.NoteFilter]
	cause    string                  // the failing check that stopped the scenario, if one did
}

// stop is the sentinel that ends a scenario early; cause is the failing
// check that made it stop, or "" (a transport error, a cancelled run);
// broken says the harness itself failed.
type stop struct {
	reason, cause string
	broken        bool
}

// Run runs sc against env and returns its result. A panic in the scenario is
// turned into an error result rather than crashing the run.
func Run(ctx context.Context, env *Env, sc *Scenario) (res *Result) {
	start := time.Now()
	s := &S{
		Ctx:      ctx,
		Env:      env,
		C:        env.Client.ForScenario(sc.Name),
		Dir:      fakeidp.NewDirectory(),
		scenario: sc,
		checks:   sc.CheckIDs(),
		outcomes: map[string]*Outcome{},
	}
	s.sess = env.Session(ctx, s.C)
	s.sess.OnRetryLookup = func(err error, list *fakeidp.Exchange) { s.JudgeAlways(safety.CheckRetryDuplicate, err, list) }
	res = &Result{Scenario: sc}
	defer func() {
		res.Duration = time.Since(start)
		res.Outcomes = s.finish()
		res.FilterSupport = reports.MergeFilterSupport(s.filters)
		res.Status, res.Reason = s.overall()
		res.Broken = s.broken
	}()
	if sc.Needs != "" && !env.SP.Has(sc.Needs) {
		s.stopped = "skip"
		for _, id := range s.checks {
			s.outcome(id).Status, s.outcome(id).Reason = reports.StatusSkip, "the server does not advertise "+fakeidp.Advertised(sc.Needs)
		}
		return res
	}
	for _, id := range s.checks {
		c, ok := assertions.Lookup(id)
		if ok && !env.SP.Has(c.Capability) {
			o := s.outcome(id)
			o.Status, o.Reason = reports.StatusSkip, "the server does not advertise "+fakeidp.Advertised(c.Capability)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			if st, ok := r.(stop); ok {
				s.stopped, s.broken = st.reason, s.broken || st.broken
				if s.failed(st.cause) {
					s.cause = st.cause // only a failing check causes anything
				}
				return
			}
			s.stopped, s.broken = fmt.Sprintf("harness error: panic: %v\n%s", r, debug.Stack()), true
		}
	}()
	env.Point("scenario " + sc.Name)
	sc.Run(s)
	return res
}

func (s *S) outcome(id string) *Outcome {
	o, ok := s.outcomes[id]
	if !ok {
		o = &Outcome{ID: id}
		s.outcomes[id] = o
	}
	return o
}

// Judge records the verdict err for check id, with the exchanges that prove
// it. A nil err is a pass. Judging a skipped check does nothing.
func (s *S) Judge(id string, err error, evidence ...*fakeidp.Exchange) {
	s.judge(id, "", err, evidence)
}

// judge records a verdict; a failure is a consequence of cause when cause
// is set and has failed in this scenario.
func (s *S) judge(id, cause string, err error, evidence []*fakeidp.Exchange) {
	s.Env.Point("judge " + id)
	if s.judgesLostCreate(id, evidence) {
		return
	}
	o := s.outcome(id)
	if o.Status == reports.StatusSkip {
		return
	}
	if _, ok := assertions.Lookup(id); !ok || !slices.Contains(s.checks, id) {
		o.Status = reports.StatusError
		o.Reason = fmt.Sprintf("harness error: scenario %s judged check %q, which it does not list or the catalogue lacks", s.scenario.Name, id)
		s.broken = true
		return
	}
	if err == nil {
		if o.Status == "" {
			o.Status = reports.StatusPass
		}
		return
	}
	if ex, ok := assertions.ScimTypeOfNotSCIMError(err); ok && cause == "" && slices.Contains(s.checks, "error-schema") {
		if !s.failedOn("error-schema", ex) {
			s.judge("error-schema", "", assertions.ErrorBody(ex), []*fakeidp.Exchange{ex})
		}
		cause = "error-schema" // the scimType only follows from the answer not being a SCIM error
	}
	caused := cause != id && s.failed(cause)
	o.Status = reports.StatusFail
	if len(o.Findings) < maxFindingsPerCheck {
		o.Findings = append(o.Findings, Finding{Message: err.Error(), Exchanges: safety.NonNil(evidence)})
	}
	switch {
	case !caused:
		o.rooted = true
	case !slices.Contains(o.CausedBy, cause):
		o.CausedBy = append(o.CausedBy, cause)
	}
}

// NoteFilter records what the server did with a filter probe, for the
// filter support matrix.
func (s *S) NoteFilter(cell reports.FilterSupport) {
	s.filters = append(s.filters, cell)
}

// Passed reports whether check id has not failed in this scenario so far.
func (s *S) Passed(id string) bool {
	return !s.failed(id)
}

// failedOn reports whether check id has failed in this scenario on a
// finding that cites ex.
func (s *S) failedOn(id string, ex *fakeidp.Exchange) bool {
	o, ok := s.outcomes[id]
	return ok && slices.ContainsFunc(o.Findings, func(f Finding) bool { return slices.Contains(f.Exchanges, ex) })
}

// failed reports whether check id has failed in this scenario so far.
func (s *S) failed(id string) bool {
	o, ok := s.outcomes[id]
	return ok && o.Status == reports.StatusFail
}

// Require judges check id like [S.Judge] and, when err is not nil, stops the
// scenario with id as the cause: every check left unjudged is reported as
// caused by id. Use it for the main path's preconditions (the plain create
// everything else reads), never for a probe, whose odd answer its own check
// judges.
func (s *S) Require(id string, err error, evidence ...*fakeidp.Exchange) {
	s.Judge(id, err, evidence...)
	if err != nil {
		s.StopBecause(id, "%s failed: %s", id, firstLine(err.Error()))
	}
}

// JudgeCausedBy judges check id like [S.Judge]; a failure is recorded as a
// consequence of cause when cause has failed in this scenario (the same
// refusal seen again), and as a failure of its own otherwise.
func (s *S) JudgeCausedBy(id, cause string, err error, evidence ...*fakeidp.Exchange) {
	s.judge(id, cause, err, evidence)
}

// Unjudged reports check id as not judged (an error) because cause failed
// and left nothing to judge it on, while the scenario goes on. Without a
// failing cause it is a plain error with the reason.
func (s *S) Unjudged(id, cause, reason string) {
	o := s.outcome(id)
	if o.Status != "" {
		return
	}
	o.Status, o.Reason = reports.StatusError, "not judged: "+reason
	if s.failed(cause) {
		o.Reason = "not judged: caused by " + cause + ": " + reason
		o.CausedBy = []string{cause}
	}
}

// StopBecause ends the scenario like [S.Stop], naming the failing check
// cause as the reason the remaining checks cannot be judged.
func (s *S) StopBecause(cause, format string, args ...any) {
	panic(stop{reason: fmt.Sprintf(format, args...), cause: cause})
}

// firstLine is the first line of s.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Skip marks check id as not applicable, with the reason.
func (s *S) Skip(id, reason string) {
	o := s.outcome(id)
	if o.Status == "" {
		o.Status, o.Reason = reports.StatusSkip, reason
	}
}

// Stop ends the scenario: a precondition broke, so its remaining checks
// cannot be judged. They are reported as errors with the reason.
func (s *S) Stop(format string, args ...any) {
	panic(stop{reason: fmt.Sprintf(format, args...)})
}

// Broken ends the scenario because the harness itself failed (an internal
// error, a failure without a finding): its remaining checks are errors, and
// the run reports that it cannot be trusted.
func (s *S) Broken(format string, args ...any) {
	panic(stop{reason: "harness error: " + fmt.Sprintf(format, args...), broken: true})
}

// finish gives every listed check that was never judged a status.
func (s *S) finish() []*Outcome {
	var out []*Outcome
	seen := map[string]bool{}
	for _, id := range s.checks {
		seen[id] = true
		o := s.outcome(id)
		if o.Status == "" {
			switch {
			case s.stopped != "" && s.stopped != "skip" && s.cause != "":
				o.Status, o.Reason = reports.StatusError, "not judged: caused by "+s.cause+": the scenario stopped early: "+s.stopped
				o.CausedBy = []string{s.cause}
			case s.stopped != "" && s.stopped != "skip":
				o.Status, o.Reason = reports.StatusError, "not judged: the scenario stopped early: "+s.stopped
			default:
				o.Status, o.Reason = reports.StatusSkip, "not reached: the scenario's path did not exercise this check against this server"
			}
		}
		out = append(out, o)
	}
	for id, o := range s.outcomes {
		if !seen[id] {
			out = append(out, o)
		}
	}
	for _, o := range out {
		if o.Status == reports.StatusFail && o.rooted {
			o.CausedBy = nil // a failure of its own is not only a consequence
		}
	}
	slices.SortStableFunc(out[len(s.checks):], func(a, b *Outcome) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (s *S) overall() (reports.Status, string) {
	switch {
	case s.stopped == "skip":
		return reports.StatusSkip, "the server does not advertise " + fakeidp.Advertised(s.scenario.Needs)
	case s.stopped != "":
		return reports.StatusError, s.stopped
	}
	if s.broken {
		for _, o := range s.outcomes {
			if o.Status == reports.StatusError && strings.HasPrefix(o.Reason, "harness error") {
				return reports.StatusError, o.Reason
			}
		}
	}
	for _, o := range s.outcomes {
		if o.Status == reports.StatusFail {
			return reports.StatusFail, ""
		}
	}
	return reports.StatusPass, ""
}

// Do sends req. When no usable response came (transport failure, timeout,
// oversize body, cancelled run), the scenario stops: nothing after it could
// be judged honestly.
func (s *S) Do(req fakeidp.Request) *fakeidp.Exchange {
	ex, err := s.send(req)
	if err != nil {
		s.Stop("%v", err)
	}
	return ex
}

// Try sends req like [S.Do] but hands back a request that got no answer as
// its exchange, with Status 0 and Err set: for a request the server may
// refuse by closing the connection (an oversize body). A cancelled run, or
// an answer that cannot be read, still stops the scenario.
func (s *S) Try(req fakeidp.Request) *fakeidp.Exchange {
	ex, err := s.send(req)
	if err != nil && ex.Status != 0 {
		s.Stop("%v", err)
	}
	return ex
}

// send sends req through the scenario's session: a request the write gate
// refuses, a cancelled run, a server that stayed unavailable or refused the
// run's credentials stops the scenario.
func (s *S) send(req fakeidp.Request) (*fakeidp.Exchange, error) {
	ex, err := s.sess.Do(req)
	if err != nil && (ex == nil || errors.Is(err, safety.ErrCancelled) || errors.Is(err, safety.ErrUnavailable) || errors.Is(err, safety.ErrCredentials)) {
		s.Stop("%v", err)
	}
	return ex, err
}
