// Package harness runs scimloop's scenarios against a SCIM server and
// produces the canonical [reports.Run].
//
// Programs call [Execute]; tests call [Run], which turns every scenario into
// a subtest and every check into a nested subtest. Both run the same
// scenarios over the same check catalogue.
package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/redact"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// Version is the harness version, stamped at build time.
var Version = "dev"

// Target is the SCIM service under test.
type Target struct {
	URL    string       // the SCIM base URL, e.g. "https://example.com/scim/v2"
	Client *http.Client // optional, e.g. an httptest server's Client()
	Header http.Header  // optional headers for every request, e.g. Authorization
}

// ErrIncomplete reports that the run could not complete: the target could not
// be reached, discovery failed, or the run was cancelled.
var ErrIncomplete = errors.New("the run could not complete")

// ErrHarness reports that the harness itself failed during the run (a
// panic, an internal error, a property failure without a finding): the run's
// verdicts cannot be trusted. It always comes wrapped with [ErrIncomplete].
var ErrHarness = errors.New("the harness itself failed")

// Execute runs the selected scenarios against target and returns the run.
// The run is returned even with an error (which wraps [ErrIncomplete]), so
// that what was learned can still be written. Everything the run created is
// deleted before Execute returns, also when ctx is cancelled; what could not
// be deleted is listed in Run.Leftovers.
//
// Typical usage in a program is:
//
//	run, err := harness.Execute(ctx, harness.Target{URL: url})
//	reports.WriteJSON(f, run)
func Execute(ctx context.Context, target Target, opts ...Option) (*reports.Run, error) {
	cfg := newConfig(opts)
	selected := cfg.selected()
	p := newProgress(cfg, len(selected)) // nil without WithProgress
	p.step(StepDiscovery)
	s, err := begin(ctx, target, cfg)
	if err != nil {
		p.step(StepDone)
		return s.run, err
	}
	p.countRequests(s.client.Recorder().Len)
	for i, sc := range selected {
		if ctx.Err() != nil {
			break
		}
		p.scenarioStart(i, sc.Name)
		s.scenario(ctx, sc)
		p.scenarioDone(s.results[len(s.results)-1])
	}
	s.property(ctx, target)
	s.schemaProperties(ctx, target)
	p.step(StepCleanup)
	run, err := s.end(ctx, ctx.Err() != nil)
	p.step(StepDone)
	return run, err
}

// session is one run in progress: the part of a run that [Execute] and [Run]
// share. begin discovers the server, scenario runs one scenario, end cleans
// up and builds the canonical run.
type session struct {
	cfg     *config
	start   time.Time
	run     *reports.Run
	client  *fakeidp.Client
	env     *scenarios.Env
	results []*scenarios.Result
	prop    *propertyRun // the sequences, when they ran (property.go)
	schema  *schemaRun   // the schema properties, when they ran (schemaprop.go)
}

// begin builds the client and discovers the server. On error, s.run is the
// finished (incomplete) run and err wraps [ErrIncomplete].
func begin(ctx context.Context, target Target, cfg *config) (s *session, err error) {
	s = &session{cfg: cfg, start: cfg.now()}
	s.run = &reports.Run{
		Tool: "scimloop", Version: Version, Catalogue: CatalogueVersion, Profile: cfg.profile,
		Target: redact.URL(target.URL, nil), Started: s.start, Seed: cfg.seed, Dialect: cfg.dialect, Strict: cfg.strict,
		Command: cfg.command,
	}
	client, err := newClient(target, cfg)
	if err != nil {
		_, err = finishIncomplete(s.run, cfg, s.start, fmt.Errorf("%w: %v", ErrIncomplete, err))
		return s, err
	}
	names := cfg.names
	if names == nil {
		names = safety.NewNames()
	}
	s.run.Prefix = names.Prefix

	hasCreds := client.HasCredentials() || len(target.Header) > 0
	if err := checkCredentials(ctx, client, hasCreds); err != nil {
		return s, s.stop(client, err)
	}
	sp, err := fakeidp.Discover(ctx, client)
	if err != nil {
		if perr := diagnoseDiscovery(ctx, target, cfg, sp.Config, hasCreds); perr != nil {
			return s, s.stop(client, perr)
		}
		return s, s.stop(client, fmt.Errorf("%w: discovery: %s", ErrIncomplete, client.Recorder().Scrub(err.Error())))
	}
	s.run.Capabilities = sp.Capabilities()
	s.client = client
	s.env = &scenarios.Env{Client: client, SP: sp, Names: names, Tracker: safety.NewTracker(cfg.maxResources), Dialect: cfg.dialect,
		Hook: cfg.hook}
	if cfg.certProfile != nil {
		s.env.Profile = cfg.certProfile.Name
	}
	// Confirm ownership before every first write and delete; sweep the prefix
	// at cleanup when the server can filter (see safety.Tracker.Scope).
	s.env.Tracker.Scope(names.Prefix, sp.Filter)
	s.env.Tracker.PageByCursor(safety.PagesByCursor(sp))
	s.env.Tracker.Bind(client)
	return s, nil
}

// stop ends the run before anything was judged: the exchanges so far are
// kept and err, which wraps [ErrIncomplete], is returned.
func (s *session) stop(client *fakeidp.Client, err error) error {
	s.run.Exchanges = convertExchanges(client.Recorder().Exchanges())
	_, err = finishIncomplete(s.run, s.cfg, s.start, err)
	return err
}

// scenario runs sc and returns its result as the reports show it.
func (s *session) scenario(ctx context.Context, sc *scenarios.Scenario) reports.ScenarioResult {
	r := scenarios.Run(ctx, s.env, sc)
	s.results = append(s.results, r)
	return scenarioResult(r, s.cfg, s.client.Recorder())
}

// end deletes what the run created, with a context of its own so that a
// cancelled run still cleans up, and builds the run.
func (s *session) end(ctx context.Context, cancelled bool) (*reports.Run, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.cleanupTimeout)
	defer cancel()
	if s.cfg.abort != nil {
		cctx, cancel = withAbort(cctx, s.cfg.abort)
		defer cancel()
	}
	run := s.run
	run.Leftovers = s.env.Tracker.Cleanup(cctx, s.client)

	s.numberProperty()
	s.numberSchema()
	build(run, s.cfg, s.results, s.client.Recorder())
	s.finishProperty(run)
	s.finishSchema(run)
	run.Duration = s.cfg.now().Sub(s.start).Seconds()
	if broken := s.broken(); len(broken) > 0 {
		run.Verdict.Incomplete = true
		run.Errors = append(run.Errors, broken...)
		return run, fmt.Errorf("%w: %w: %s", ErrIncomplete, ErrHarness, strings.Join(broken, "; "))
	}
	if cancelled {
		run.Verdict.Incomplete = true
		run.Errors = append(run.Errors, "the run was cancelled before every scenario ran; what ran is reported")
		return run, fmt.Errorf("%w: cancelled", ErrIncomplete)
	}
	return run, nil
}

// broken lists, scrubbed, how the harness itself failed in each scenario
// where it did.
func (s *session) broken() []string {
	var out []string
	for _, r := range s.results {
		if r.Broken {
			out = append(out, s.client.Recorder().Scrub(fmt.Sprintf("scenario %s: %s", r.Scenario.Name, r.Reason)))
		}
	}
	return out
}

func withAbort(ctx context.Context, abort <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-abort:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func finishIncomplete(run *reports.Run, cfg *config, start time.Time, err error) (*reports.Run, error) {
	run.Errors = append(run.Errors, err.Error())
	run.Verdict = reports.Verdict{Result: "fail", IdPCompat: "n/a", Incomplete: true}
	run.Checks = []reports.CheckResult{}
	run.Scenarios = []reports.ScenarioResult{}
	run.Duration = cfg.now().Sub(start).Seconds()
	return run, err
}

func newClient(target Target, cfg *config) (*fakeidp.Client, error) {
	opts := slices.Clone(cfg.clientOpts)
	if target.Client != nil {
		opts = append(opts, fakeidp.WithHTTPClient(target.Client))
	}
	for k, vs := range target.Header {
		for _, v := range vs {
			opts = append(opts, fakeidp.WithHeader(k, v))
		}
	}
	if target.URL == "" {
		return nil, errors.New("no target URL")
	}
	return fakeidp.NewClient(target.URL, opts...)
}

// build turns scenario results into the run's checks, scenarios, latency and verdict.
func build(run *reports.Run, cfg *config, results []*scenarios.Result, rec *fakeidp.Recorder) {
	byID := map[string]*reports.CheckResult{}
	for _, c := range assertions.All() {
		byID[c.ID] = &reports.CheckResult{ID: c.ID, Title: c.Title, Level: c.Level, RFC: c.RFC, Spec: c.Spec,
			Area: c.Area, Capability: c.Capability, Rule: c.Rule, Aliases: c.Aliases, Findings: []reports.Finding{}}
	}
	var filters [][]reports.FilterSupport
	attributeSymptoms(results, rec.Exchanges)
	for _, r := range results {
		filters = append(filters, r.FilterSupport)
		sr := scenarioResult(r, cfg, rec)
		for _, sc := range sr.Checks {
			merge(byID[sc.ID], sc)
		}
		run.Scenarios = append(run.Scenarios, sr)
	}
	for _, c := range assertions.All() {
		cr := byID[c.ID]
		if cr.Status == "" {
			cr.Status, cr.Reason = reports.StatusSkip, "not run: no selected scenario exercises this check"
		}
		run.Checks = append(run.Checks, *cr)
	}
	run.FilterSupport = reports.MergeFilterSupport(filters...)
	run.Exchanges = convertExchanges(rec.Exchanges())
	run.Latency = latency(run.Exchanges)
	run.Verdict = verdict(run.Checks, cfg.strict, cfg.dialect != "" && cfg.dialect != "rfc")
	if run.Scenarios == nil {
		run.Scenarios = []reports.ScenarioResult{}
	}
}

// scenarioResult converts one scenario's result, findings explained and
// scrubbed of credentials.
func scenarioResult(r *scenarios.Result, cfg *config, rec *fakeidp.Recorder) reports.ScenarioResult {
	sr := reports.ScenarioResult{Name: r.Scenario.Name, Area: r.Scenario.Area(), Dialect: cfg.dialect,
		Status: r.Status, Reason: rec.Scrub(r.Reason), Duration: r.Duration.Seconds()}
	for _, o := range r.Outcomes {
		sc := reports.ScenarioCheck{ID: o.ID, Status: o.Status, Reason: rec.Scrub(o.Reason), CausedBy: o.CausedBy}
		check, _ := assertions.Lookup(o.ID)
		for _, f := range o.Findings {
			sc.Findings = append(sc.Findings, finding(check, r.Scenario.Name, f, cfg, rec))
		}
		sr.Checks = append(sr.Checks, sc)
	}
	return sr
}

// merge folds one scenario's outcome into the aggregate: a check fails if it
// failed anywhere, passes if it passed somewhere and never failed, errs if it
// could never be judged because a scenario stopped, and is skipped only if
// skipped everywhere. Per-scenario detail keeps every status. The aggregate
// is a consequence (CausedBy) only when every outcome of its status is one.
func merge(cr *reports.CheckResult, sc reports.ScenarioCheck) {
	if cr == nil {
		return
	}
	rank := map[reports.Status]int{"": 0, reports.StatusSkip: 1, reports.StatusError: 2, reports.StatusPass: 3, reports.StatusFail: 4}
	switch {
	case rank[sc.Status] > rank[cr.Status]:
		cr.Status, cr.Reason, cr.CausedBy = sc.Status, sc.Reason, slices.Clone(sc.CausedBy)
	case sc.Status == cr.Status && (len(cr.CausedBy) == 0 || len(sc.CausedBy) == 0):
		cr.CausedBy = nil
	case sc.Status == cr.Status:
		for _, c := range sc.CausedBy {
			if !slices.Contains(cr.CausedBy, c) {
				cr.CausedBy = append(cr.CausedBy, c)
			}
		}
	}
	cr.Findings = append(cr.Findings, sc.Findings...)
}

const excerptLimit = 2048

func finding(c assertions.Check, scenario string, f scenarios.Finding, cfg *config, rec *fakeidp.Recorder) reports.Finding {
	out := reports.Finding{Check: c.ID, Scenario: scenario, Message: rec.Scrub(c.Explain(f.Message))}
	var ex []string
	for i, e := range f.Exchanges {
		out.Exchanges = append(out.Exchanges, e.Seq)
		if i < 4 {
			ex = append(ex, fakeidp.Excerpt(e, excerptLimit))
			out.Curl = append(out.Curl, curlOf(e))
		}
	}
	out.Excerpt = rec.Scrub(strings.Join(ex, "\n"))
	out.Repro = cfg.repro(scenario)
	return out
}

// curlOf is the curl command that resends e; a body too large to keep is
// named instead, since a cut body would not reproduce anything.
func curlOf(e *fakeidp.Exchange) string {
	if len(e.ReqBody) > maxStoredBody {
		return fmt.Sprintf("# exchange #%d: %s %s with a body of %d bytes, too large to show; see trace.har", e.Seq, e.Method, e.URL, len(e.ReqBody))
	}
	return reports.Curl(convertExchanges([]*fakeidp.Exchange{e})[0])
}

// verdict applies the level table of the design: MUST failures fail the run,
// SHOULD failures warn unless strict, MAY never fails, IDP failures decide
// the IdP-compatibility verdict (and the run, when a dialect was chosen).
func verdict(checks []reports.CheckResult, strict, dialectChosen bool) reports.Verdict {
	v := reports.Verdict{Result: "pass", IdPCompat: "n/a"}
	idpSeen := false
	for _, c := range checks {
		switch c.Status {
		case reports.StatusPass:
			v.Passed++
		case reports.StatusSkip:
			v.Skipped++
		case reports.StatusError:
			v.Errored++
		case reports.StatusFail:
			v.Failed++
		}
		if c.Level == reports.LevelIDP && (c.Status == reports.StatusPass || c.Status == reports.StatusFail) {
			idpSeen = true
		}
		if c.Status != reports.StatusFail {
			continue
		}
		switch c.Level {
		case reports.LevelMust:
			v.MustFailures++
		case reports.LevelShould:
			v.Warnings++
			if strict {
				v.MustFailures++
			}
		case reports.LevelIDP:
			v.IdPCompat = "fail"
			if dialectChosen {
				v.MustFailures++
			}
		}
	}
	if idpSeen && v.IdPCompat != "fail" {
		v.IdPCompat = "pass"
	}
	if v.MustFailures > 0 {
		v.Result = "fail"
	}
	return v
}
