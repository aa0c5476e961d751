package sequences

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// This file holds the schema properties' run: for each resource type the
// server declares, and each property (round-trip, put, patch, projection,
// filter), a rapid search over generated resources ([Search], as the
// sequences'). A failure is shrunk to the smallest resource and operations
// that still fail; the search then goes on with that check known, so that
// each distinct failing check gets its own minimal case.

// SchemaPropertyName is the scenario's name (for --only/--skip).
const SchemaPropertyName = "schema-properties"

// Properties, each a rapid search of its own.
var schemaProps = []string{"round-trip", "put", "patch", "projection", "filter"}

// SchemaConfig is the budget of the schema properties.
type SchemaConfig struct {
	Cases       int           // generated resources per property and resource type
	Seed        uint64        // 0: random
	ShrinkTime  time.Duration // bound on shrinking one failure
	MaxDuration time.Duration // bound on the whole run; 0 none
	NoFailFile  bool
	// Types and Properties narrow the run (nil: every resource type the
	// server declares, every property); benchmarks use them.
	Types, Properties []string
	// NewClient, as in [PropertyConfig], gives each case its own recorder.
	NewClient func(rec *fakeidp.Recorder) *fakeidp.Client
}

// SchemaResult is what the schema properties found.
type SchemaResult struct {
	Coverage map[string]reports.SchemaCoverage
	Failures []SchemaFailure
	Cases    int // cases run, shrinking's included
	Requests int // requests the cases sent (with a recorder per case)
	Skipped  []string
	Broken   string // how the harness itself failed (a panic), when it did
	passed   map[string]bool
}

// SchemaFailure is one distinct failing check with its minimal case.
type SchemaFailure struct {
	Check     string
	Type      string   // the resource type
	Property  string   // the property whose search found it
	Steps     []string // the minimal case's requests, in words
	Resources int      // resources the minimal case created (a referenced user counts)
	Message   string
	Seed      uint64
	Exchanges []*fakeidp.Exchange
	Case      *SchemaReplay // the minimal case, for a replay file
}

// schemaRunner is the state of one run of the schema properties.
type schemaRunner struct {
	ctx      context.Context
	env      *scenarios.Env
	cfg      SchemaConfig
	deadline time.Time

	mu      sync.Mutex
	n       int
	reqs    int
	broken  string                     // a panic in a case: the harness itself failed
	touched map[string]map[string]bool // resource type → leaves exercised
	passed  map[string]bool
	// lastFail is the last case of the search that failed a check not yet
	// kept: after rapid's shrinking, the minimal one (rapid reruns it last;
	// a later case cut short by the deadline does not replace it).
	lastFail *schemaCase
	aborted  error
}

// RunSchemaProperties runs the schema properties against env.
func RunSchemaProperties(ctx context.Context, env *scenarios.Env, cfg SchemaConfig) *SchemaResult {
	r := &schemaRunner{ctx: ctx, env: env, cfg: cfg, touched: map[string]map[string]bool{}, passed: map[string]bool{}}
	if cfg.MaxDuration > 0 {
		r.deadline = time.Now().Add(cfg.MaxDuration)
	}
	res := &SchemaResult{Coverage: map[string]reports.SchemaCoverage{}}
	types := schemaTypes(env.SP)
	found := map[string]bool{} // checks already found failing: one minimal case each
	for _, s := range types {
		r.touched[s.name] = map[string]bool{}
		if cfg.Types != nil && !slices.Contains(cfg.Types, s.name) {
			continue
		}
		for _, prop := range schemaProps {
			if prop == "filter" && (env.SP == nil || !env.SP.Filter) || cfg.Properties != nil && !slices.Contains(cfg.Properties, prop) {
				continue
			}
			res.Failures = append(res.Failures, r.search(s, prop, found)...)
		}
	}
	for _, s := range types {
		cov := reports.SchemaCoverage{}
		for _, leaf := range s.leaves() {
			cov.Declared++
			if r.touched[s.name][leaf] {
				cov.Exercised++
			} else {
				cov.Missing = append(cov.Missing, leaf)
			}
		}
		res.Coverage[s.name] = cov
	}
	res.Cases, res.Requests, res.passed, res.Broken = r.n, r.reqs, r.passed, r.broken
	if r.aborted != nil {
		res.Skipped = append(res.Skipped, r.aborted.Error())
	}
	return res
}

// search runs one property's search for every distinct failing check
// ([Search]): each failure found is shrunk and kept, and from then on
// known, in this search and in the run's later ones (found is shared by
// every search of the run).
func (r *schemaRunner) search(s *rtSchema, prop string, found map[string]bool) []SchemaFailure {
	if r.idle() {
		return nil
	}
	cfg := PropertyConfig{Sequences: r.cfg.Cases, Seed: r.cfg.Seed, ShrinkTime: r.cfg.ShrinkTime, NoFailFile: r.cfg.NoFailFile,
		name: SchemaPropertyName + "/" + s.name + "/" + prop}
	search := NewSearch(cfg)
	search.learn(slices.Sorted(maps.Keys(found)))
	r.setLastFail(nil)
	var out []SchemaFailure
	search.Run(cfg, func(t *rapid.T) { r.property(t, search, s, prop) }, func(round Round) []string {
		last := r.setLastFail(nil)
		f := last.firstNew(search)
		if f == nil {
			return nil
		}
		if prop == "round-trip" || prop == "put" || prop == "patch" {
			last = r.minimizeOps(last, f.check)
			f = last.firstOf(f.check)
		}
		out = append(out, SchemaFailure{Check: f.check, Type: s.name, Property: prop, Steps: last.steps, Resources: last.resources(), Message: f.msg, Seed: round.Seed, Exchanges: f.exs,
			Case: newSchemaReplay(last, prop)})
		found[f.check] = true
		if r.idle() {
			return nil
		}
		return []string{f.check}
	})
	return out
}

// setLastFail sets the last failing case and returns the one it replaces.
func (r *schemaRunner) setLastFail(c *schemaCase) *schemaCase {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.lastFail
	r.lastFail = c
	return old
}

func (r *schemaRunner) idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.aborted != nil || r.broken != "" || r.ctx.Err() != nil || (!r.deadline.IsZero() && time.Now().After(r.deadline))
}

// firstNew is the case's first finding of a check the search does not
// know yet; nil for no case.
func (c *schemaCase) firstNew(search *Search) *propFinding {
	if c == nil {
		return nil
	}
	for i := range c.findings {
		if !search.Known(c.findings[i].check) {
			return &c.findings[i]
		}
	}
	return nil
}

// property is one rapid case: a generated resource through one property.
// It fails for rapid on a check the search does not know yet (while rapid
// shrinks, on the round's own): see [Search].
func (r *schemaRunner) property(t *rapid.T, search *Search, s *rtSchema, prop string) {
	done, ok := search.Case(t)
	if !ok || r.idle() {
		return
	}
	c := r.newCase(s)
	defer func() { done(len(c.steps)) }()
	defer r.finish(c)
	defer c.cleanup()
	var out *schemaCase
	defer r.recoverCase(&out)
	body := resourceGen(s, c.g).Draw(t, "resource")
	c.body = body
	err := c.create(body)
	if err == nil && c.id != "" {
		err = c.exercise(t, prop)
	}
	r.settleCase(c, err)
	if fatal := search.Fatal(c.checks()); len(fatal) > 0 {
		r.setLastFail(c)
		t.Fatalf("%s: %s", fatal[0], c.firstOf(fatal[0]).where)
	}
}

// checks are the checks the case's findings name, in order, once each.
func (c *schemaCase) checks() []string {
	var out []string
	for _, f := range c.findings {
		if !slices.Contains(out, f.check) {
			out = append(out, f.check)
		}
	}
	return out
}

// settleCase notes an error that is not the server's choice: the run
// cannot go on.
func (r *schemaRunner) settleCase(c *schemaCase, err error) {
	var skip errSkip
	if err != nil && !errors.As(err, &skip) {
		r.mu.Lock()
		if r.aborted == nil {
			r.aborted = err
		}
		r.mu.Unlock()
	}
}

// exercise runs what prop does after the create.
func (c *schemaCase) exercise(t *rapid.T, prop string) error {
	switch prop {
	case "put", "patch":
		n := rapid.IntRange(1, 3).Draw(t, "updates")
		for i := range n {
			op := opGen(c.s, c.g, c.model, prop == "patch").Draw(t, fmt.Sprintf("update %d", i+1))
			kept := op // references unfilled, so that a replay can fill its own
			if op.Kind == "put" {
				kept.Value, _ = unfillRefs(op.Value, c.refID)
			}
			c.ops = append(c.ops, kept)
			if err := c.update(op, i+1); err != nil {
				return err
			}
		}
	case "projection":
		return c.projection(t)
	case "filter":
		return c.filter(t)
	}
	return nil
}

// newCase sets up one case with its own names and, when the config makes
// clients per case, its own recorder.
func (r *schemaRunner) newCase(s *rtSchema) *schemaCase {
	r.mu.Lock()
	r.n++
	n := r.n
	r.mu.Unlock()
	cl := r.env.Client.ForScenario(SchemaPropertyName)
	var rec *fakeidp.Recorder
	if r.cfg.NewClient != nil {
		rec = fakeidp.NewRecorder()
		cl = r.cfg.NewClient(rec).ForScenario(SchemaPropertyName)
	}
	g := &genCtx{prefix: fmt.Sprintf("%sp%d-", r.env.Names.Prefix, n), tag: fmt.Sprintf("p%d", n), domain: r.env.Names.Domain}
	return &schemaCase{ctx: r.ctx, s: s, sess: r.env.Session(r.ctx, cl), g: g, rec: rec, judged: map[string]bool{}, touched: map[string]bool{},
		origin: SchemaNames{Prefix: g.prefix, Tag: g.tag, Domain: g.domain}}
}

// finish folds a case into the run's totals.
func (r *schemaRunner) finish(c *schemaCase) {
	if c.rec != nil {
		r.mu.Lock()
		r.reqs += c.rec.Len()
		r.mu.Unlock()
		for i := range c.findings {
			if len(c.findings[i].exs) == 0 {
				c.findings[i].exs = c.rec.Exchanges()
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range c.judged {
		r.passed[id] = true
	}
	for leaf := range c.touched {
		r.touched[c.s.name][leaf] = true
	}
}

// cleanup deletes what the case created.
func (c *schemaCase) cleanup() {
	sess := c.sess.WithContext(context.WithoutCancel(c.ctx))
	for _, d := range []struct{ typ, id string }{{c.s.name, c.id}, {"User", c.refID}} {
		if d.id == "" || !sess.Tracker.Owns(d.typ, d.id) {
			continue
		}
		if ex, err := sess.Write("DELETE", d.typ, d.id, nil, nil); err == nil && (ex.Status < 300 || ex.Status == 404) {
			sess.Tracker.Gone(d.typ, d.id)
		}
	}
}

// SchemaScenario returns the schema properties as a scenario; after it
// ran, *out holds what they found.
func SchemaScenario(cfg SchemaConfig, out *SchemaResult) *scenarios.Scenario {
	return &scenarios.Scenario{
		Name:  SchemaPropertyName,
		Areas: []string{"schema-prop"},
		Run: func(s *scenarios.S) {
			if len(schemaTypes(s.Env.SP)) == 0 {
				for _, id := range SchemaChecks {
					s.Skip(id, "the server publishes no /Schemas for Users or Groups to generate resources from")
				}
				return
			}
			res := RunSchemaProperties(s.Ctx, s.Env, cfg)
			if out != nil {
				*out = *res
			}
			res.judgeInto(s)
		},
	}
}

// judgeInto turns the result into verdicts: a check judged in any case
// passes unless a minimal case failed it.
func (res *SchemaResult) judgeInto(s *scenarios.S) {
	for _, id := range slices.Sorted(maps.Keys(res.passed)) {
		s.Judge(id, nil)
	}
	for _, f := range res.Failures {
		s.Judge(f.Check, errors.New(f.Text()), f.Exchanges...)
	}
	if res.Broken != "" {
		s.Broken("the schema properties: %s", res.Broken)
	}
	if len(res.Skipped) > 0 && len(res.passed) == 0 {
		s.Stop("the schema properties could not go on: %s", res.Skipped[0])
	}
}

// Text is the finding with its minimal case and seed.
func (f SchemaFailure) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\tminimal failing case (%s, %s property), %d requests (seed %d):", f.Message, f.Type, f.Property, len(f.Steps), f.Seed)
	for i, st := range f.Steps {
		fmt.Fprintf(&b, "\n\t%2d. %s", i+1, st)
	}
	return b.String()
}
