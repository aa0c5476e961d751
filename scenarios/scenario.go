// Package scenarios says WHAT scimloop exercises: literal tables of
// [Scenario] values that drive a [fakeidp.Client] against a server and judge
// each exchange with the checks of package assertions, plus the property-based
// state machine and its generators.
//
// A scenario runs through an [S], which records a verdict per check, stops
// the scenario when a precondition breaks, and tracks every resource the run
// creates so that it can be cleaned up.
package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// Scenario is one deterministic piece of the run.
type Scenario struct {
	Name   string
	Area   string
	Checks []string // the check IDs it may judge
	// Needs, when set, is a capability without which the scenario is skipped.
	Needs string
	Run   func(s *S)
}

// Env is what every scenario of one run shares.
type Env struct {
	Client  *fakeidp.Client
	SP      *fakeidp.ServiceProvider
	Names   *Names
	Tracker *Tracker
	Dialect string
	// Now is the clock used for meta timing; nil means time.Now.
	Now func() time.Time
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
	scenario *Scenario
	outcomes map[string]*Outcome
	stopped  string
}

// stop is the sentinel that ends a scenario early.
type stop struct{ reason string }

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
		outcomes: map[string]*Outcome{},
	}
	res = &Result{Scenario: sc}
	defer func() {
		res.Duration = time.Since(start)
		res.Outcomes = s.finish()
		res.Status, res.Reason = s.overall()
	}()
	if sc.Needs != "" && !env.SP.Has(sc.Needs) {
		s.stopped = "skip"
		for _, id := range sc.Checks {
			s.outcome(id).Status, s.outcome(id).Reason = reports.StatusSkip, "the server does not advertise "+sc.Needs+".supported"
		}
		return res
	}
	for _, id := range sc.Checks {
		c, ok := assertions.Lookup(id)
		if ok && !env.SP.Has(c.Capability) {
			o := s.outcome(id)
			o.Status, o.Reason = reports.StatusSkip, "the server does not advertise "+c.Capability+".supported"
		}
	}
	defer func() {
		if r := recover(); r != nil {
			if st, ok := r.(stop); ok {
				s.stopped = st.reason
				return
			}
			s.stopped = fmt.Sprintf("harness error: %v\n%s", r, debug.Stack())
		}
	}()
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
	if s.judgesLostCreate(id, evidence) {
		return
	}
	o := s.outcome(id)
	if o.Status == reports.StatusSkip {
		return
	}
	if _, ok := assertions.Lookup(id); !ok || !slices.Contains(s.scenario.Checks, id) {
		o.Status = reports.StatusError
		o.Reason = fmt.Sprintf("harness error: scenario %s judged check %q, which it does not list or the catalogue lacks", s.scenario.Name, id)
		return
	}
	if err == nil {
		if o.Status == "" {
			o.Status = reports.StatusPass
		}
		return
	}
	o.Status = reports.StatusFail
	if len(o.Findings) < maxFindingsPerCheck {
		o.Findings = append(o.Findings, Finding{Message: err.Error(), Exchanges: nonNil(evidence)})
	}
}

// Passed reports whether check id has not failed in this scenario so far.
func (s *S) Passed(id string) bool {
	return s.outcome(id).Status != reports.StatusFail
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

func nonNil(exs []*fakeidp.Exchange) []*fakeidp.Exchange {
	out := make([]*fakeidp.Exchange, 0, len(exs))
	for _, e := range exs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// finish gives every listed check that was never judged a status.
func (s *S) finish() []*Outcome {
	var out []*Outcome
	seen := map[string]bool{}
	for _, id := range s.scenario.Checks {
		seen[id] = true
		o := s.outcome(id)
		if o.Status == "" {
			switch {
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
	slices.SortStableFunc(out[len(s.scenario.Checks):], func(a, b *Outcome) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (s *S) overall() (reports.Status, string) {
	switch {
	case s.stopped == "skip":
		return reports.StatusSkip, "the server does not advertise " + s.scenario.Needs + ".supported"
	case s.stopped != "":
		return reports.StatusError, s.stopped
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
		s.Stop("%s %s: %v", req.Method, req.Path, err)
	}
	return ex
}

// Try sends req like [S.Do] but hands back a request that got no answer as
// its exchange, with Status 0 and Err set: for a request the server may
// refuse by closing the connection (an oversize body). A cancelled run, or
// an answer that cannot be read, still stops the scenario.
func (s *S) Try(req fakeidp.Request) *fakeidp.Exchange {
	ex, err := s.send(req)
	if err != nil && (ex == nil || ex.Status != 0) {
		s.Stop("%s %s: %v", req.Method, req.Path, err)
	}
	return ex
}

// send passes the write gate, sets the retry policy and sends req; a
// cancelled run stops the scenario.
func (s *S) send(req fakeidp.Request) (*fakeidp.Exchange, error) {
	if err := s.Env.Tracker.CheckWrite(s.Ctx, s.C, req); err != nil {
		s.Stop("harness safety: refusing %s %s: %v", req.Method, req.Path, err)
	}
	s.allowRetry(&req)
	ex, err := s.C.Do(s.Ctx, req)
	if err != nil && errors.Is(s.Ctx.Err(), context.Canceled) {
		s.Stop("the run was cancelled")
	}
	return ex, err
}

// allowRetry decides whether req may be repeated after a 429 or 503, which
// say the server did not act. Reads, PUT, DELETE and PATCH repeat safely on
// SCIM's terms (a repeated add or remove is a no-op). A POST is never
// repeated blindly: before each retry every userName and displayName its
// body would create (Bulk operations included) is looked up, and the retry
// is abandoned if any of them exists. A caller's own policy is kept.
func (s *S) allowRetry(req *fakeidp.Request) {
	if req.Retry {
		return
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch:
		req.Retry = true
	case http.MethodPost:
		req.Retry = true
		if strings.HasSuffix(req.Path, "/.search") {
			return // a query
		}
		names := namesToCreate(req.Body)
		req.BeforeRetry = func(ctx context.Context) (*fakeidp.Exchange, error) {
			for _, n := range names {
				if found, err := s.findByName(n.typ, n.name); err != nil || found != nil {
					return nil, fmt.Errorf("not retrying POST %s after a 429 or 503: %s %q exists (or could not be looked up: %v), so the first attempt may have created it", req.Path, n.typ, n.name, err)
				}
			}
			return nil, nil
		}
	}
}

type createdName struct{ typ, name string }

// namesToCreate returns the userName and displayName values a POST body
// would create: of a User or Group, or of each POST in a BulkRequest.
func namesToCreate(body []byte) []createdName {
	if !fakeidp.IsJSON(body) {
		return nil
	}
	var out []createdName
	add := func(v gjson.Result) {
		if n := fakeidp.Lookup(v, "userName").String(); n != "" {
			out = append(out, createdName{"User", n})
		} else if n := fakeidp.Lookup(v, "displayName").String(); n != "" {
			out = append(out, createdName{"Group", n})
		}
	}
	doc := gjson.ParseBytes(body)
	if ops := fakeidp.Lookup(doc, "Operations"); ops.IsArray() {
		for _, op := range ops.Array() {
			if strings.EqualFold(fakeidp.Lookup(op, "method").String(), http.MethodPost) {
				add(fakeidp.Lookup(op, "data"))
			}
		}
		return out
	}
	add(doc)
	return out
}
