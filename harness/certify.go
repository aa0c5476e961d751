package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// ProfileCertify is the profile name of certification runs ([Certify]).
const ProfileCertify = "certify"

// certifySeeds are the published seeds of the certification profile. They
// change only together with [CatalogueVersion], so that two certifications
// under one catalogue version exercise a server with the same values.
var certifySeeds = []int64{1, 42, 2026}

// CertifySeeds returns the published seeds that [Certify] runs with, in order.
func CertifySeeds() []int64 { return slices.Clone(certifySeeds) }

// The certification budget of the property-based sequences, for each dialect
// and seed: counts, not time, so that a certification is reproducible from
// its seeds. The durations only bound a server too slow to finish.
const (
	CertifySequences   = 20               // sequences per dialect and seed (240 in all)
	CertifySteps       = 25               // average steps per sequence
	certifyShrinkTime  = 10 * time.Second // bound on shrinking one failure
	certifyMaxDuration = 5 * time.Minute  // bound on the search, per dialect and seed
)

// CertifyDialects returns the request dialects that [Certify] runs, in order:
// every dialect the fake IdP speaks.
func CertifyDialects() []string { return fakeidp.Dialects() }

// certifyBudget is the sequence budget Certify uses: the published one,
// which only the package's own tests lower.
var certifyBudget = struct{ sequences, steps int }{CertifySequences, CertifySteps}

// CertifyBodyCap is the most of each request and response body that a
// certification keeps ([reports.CapBodies]): thousands of exchanges are
// recorded, and the checks have judged the whole bodies already.
const CertifyBodyCap = 16 << 10

// maxCertifyFindings caps the findings kept per check when runs are merged:
// one broken rule otherwise repeats once per dialect and seed.
const maxCertifyFindings = 12

// Certify runs a certification profile against target ([WithCertProfile];
// without it [profiles.Default], described here): the pinned check
// catalogue ([CatalogueVersion]), every scenario including the
// property-based sequences ([CertifySequences] of [CertifySteps] steps),
// strict (SHOULD failures fail), once for every dialect of [CertifyDialects]
// and every seed of [CertifySeeds], one after the other. It returns the runs merged into one
// [reports.Run] with Profile "certify", whose scenarios carry their dialect
// and seed, and whose exchange bodies are cut to [CertifyBodyCap].
// IdP-compatibility failures fail a certification, as they fail a run with a
// dialect given.
//
// opts configure what the profile leaves open: credentials and client
// limits, the clock, the command line, progress, where replay files go
// (WithReplayWriter; a file's Dialect and Seed say which run it came from).
// Another profile names its own dialects, seeds, checks and levels, and the
// merged run's Certification says which profile it followed.
// Options that would change the profile (WithOnly, WithSkip, WithSeed,
// WithDialect, WithProfile, WithStrict, the sequence budget) are overridden. The error, when not nil, wraps [ErrIncomplete]; the merged run
// is returned with it.
//
// Typical usage in a program is:
//
//	run, err := harness.Certify(ctx, harness.Target{URL: url}, harness.WithClientOptions(fakeidp.WithBearer(token)))
//	reports.WriteJSON(f, run)
func Certify(ctx context.Context, target Target, opts ...Option) (*reports.Run, error) {
	base := newConfig(opts)
	prof := base.certProfileOrDefault()
	reproBase := base.reproBase
	if reproBase == "" {
		reproBase = "scimloop run --url <URL>"
	}
	var runs []*reports.Run
	var errs []error
	for _, d := range prof.Dialects {
		for _, seed := range prof.Seeds {
			if ctx.Err() != nil {
				break
			}
			o := append(slices.Clone(opts),
				func(c *config) { c.only, c.skip = nil, nil },
				WithDialect(d), WithSeed(seed), WithStrict(), WithProfile(ProfileCertify),
				WithSequences(certifyBudget.sequences), WithSteps(certifyBudget.steps),
				WithShrinkTime(certifyShrinkTime), WithMaxDuration(certifyMaxDuration),
				WithCommand(base.command, fmt.Sprintf("%s --strict --seed %d", reproBase, seed)),
			)
			run, err := Execute(ctx, target, o...)
			runs = append(runs, run)
			if err != nil {
				errs = append(errs, fmt.Errorf("dialect %s, seed %d: %w", d, seed, err))
			}
			if run.Verdict.Incomplete && len(run.Scenarios) == 0 {
				// Discovery failed: further runs would fail the same way.
				merged := mergeRuns(runs)
				applyProfile(merged, prof)
				return merged, errors.Join(errs...)
			}
		}
	}
	merged := mergeRuns(runs)
	applyProfile(merged, prof)
	if ctx.Err() != nil && !merged.Verdict.Incomplete {
		merged.Verdict.Incomplete = true
		merged.Errors = append(merged.Errors, "the certification was cancelled before every dialect and seed ran")
		errs = append(errs, fmt.Errorf("%w: cancelled", ErrIncomplete))
	}
	return merged, errors.Join(errs...)
}

// mergeRuns folds the runs of one certification into one run: scenarios
// tagged with their dialect and seed, checks aggregated as across scenarios,
// exchanges renumbered so that their Seq values stay unique, and the verdict
// recomputed, strict and with dialects chosen.
func mergeRuns(runs []*reports.Run) *reports.Run {
	first := runs[0]
	m := &reports.Run{
		Tool: first.Tool, Version: first.Version, Catalogue: first.Catalogue, Profile: ProfileCertify,
		Target: first.Target, Started: first.Started, Seed: first.Seed, Strict: true,
		Command: first.Command, Capabilities: first.Capabilities,
		Checks: []reports.CheckResult{}, Scenarios: []reports.ScenarioResult{},
	}
	byID := map[string]*reports.CheckResult{}
	var order []string
	var prefixes []string
	offset := 0
	for _, r := range runs {
		if !slices.Contains(m.Dialects, r.Dialect) {
			m.Dialects = append(m.Dialects, r.Dialect)
		}
		if !slices.Contains(m.Seeds, r.Seed) {
			m.Seeds = append(m.Seeds, r.Seed)
		}
		if r.Prefix != "" {
			prefixes = append(prefixes, r.Prefix)
		}
		tag := fmt.Sprintf("%s, seed %d", r.Dialect, r.Seed)
		renumber := func(fs []reports.Finding) []reports.Finding {
			out := slices.Clone(fs)
			for i := range out {
				out[i].Exchanges = slices.Clone(out[i].Exchanges)
				for j := range out[i].Exchanges {
					out[i].Exchanges[j] += offset
				}
			}
			return out
		}
		for _, ex := range r.Exchanges {
			ex.Seq += offset
			if ex.Scenario != "" {
				ex.Scenario += " (" + tag + ")"
			}
			m.Exchanges = append(m.Exchanges, ex)
		}
		for _, sc := range r.Scenarios {
			sc.Dialect, sc.Seed = r.Dialect, r.Seed
			sc.Checks = slices.Clone(sc.Checks)
			for i := range sc.Checks {
				sc.Checks[i].Findings = renumber(sc.Checks[i].Findings)
			}
			m.Scenarios = append(m.Scenarios, sc)
		}
		for _, c := range r.Checks {
			agg := byID[c.ID]
			if agg == nil {
				cp := c
				cp.Status, cp.Reason, cp.CausedBy, cp.Findings = "", "", nil, []reports.Finding{}
				agg = &cp
				byID[c.ID] = agg
				order = append(order, c.ID)
			}
			merge(agg, reports.ScenarioCheck{ID: c.ID, Status: c.Status, Reason: c.Reason, CausedBy: c.CausedBy, Findings: renumber(c.Findings)})
		}
		for _, e := range r.Errors {
			m.Errors = append(m.Errors, "["+tag+"] "+e)
		}
		m.Leftovers = append(m.Leftovers, r.Leftovers...)
		m.FilterSupport = reports.MergeFilterSupport(m.FilterSupport, r.FilterSupport)
		m.Feedback = mergeFeedback(m.Feedback, r.Feedback)
		if r.Verdict.Incomplete {
			m.Verdict.Incomplete = true
		}
		m.Duration += r.Duration
		offset += max(maxSeq(r.Exchanges), len(r.Exchanges))
	}
	for _, id := range order {
		c := byID[id]
		if len(c.Findings) > maxCertifyFindings {
			c.Findings = c.Findings[:maxCertifyFindings]
		}
		m.Checks = append(m.Checks, *c)
	}
	m.Prefix = strings.Join(prefixes, " ")
	m.Dialect = strings.Join(m.Dialects, ",")
	m.Latency = latency(m.Exchanges)
	reports.CapBodies(m.Exchanges, CertifyBodyCap)
	incomplete := m.Verdict.Incomplete
	m.Verdict = verdict(m.Checks, true, true)
	m.Verdict.Incomplete = incomplete
	if len(m.Checks) == 0 {
		m.Verdict.Result = "fail"
	}
	return m
}

func maxSeq(exs []reports.Exchange) int {
	n := 0
	for _, e := range exs {
		n = max(n, e.Seq)
	}
	return n
}

// mergeFeedback adds the property-run signals of b to a.
func mergeFeedback(a, b *reports.Feedback) *reports.Feedback {
	if b == nil {
		return a
	}
	if a == nil {
		a = &reports.Feedback{}
	}
	a.Sequences += b.Sequences
	a.Steps += b.Steps
	a.Retries += b.Retries
	a.SequencesAfterFailure += b.SequencesAfterFailure
	a.StepsAfterFailure += b.StepsAfterFailure
	for _, p := range []struct {
		dst *map[string]int
		src map[string]int
	}{
		{&a.Confirmed, b.Confirmed}, {&a.Unconfirmed, b.Unconfirmed},
		{&a.ModelCounts, b.ModelCounts}, {&a.ServerCounts, b.ServerCounts},
	} {
		for k, v := range p.src {
			if *p.dst == nil {
				*p.dst = map[string]int{}
			}
			(*p.dst)[k] += v
		}
	}
	a.MemberDrift = append(a.MemberDrift, b.MemberDrift...)
	a.ReplayFiles = append(a.ReplayFiles, b.ReplayFiles...)
	a.Failures = append(a.Failures, b.Failures...)
	if a.MinimalSteps == 0 && b.MinimalSteps > 0 {
		a.MinimalSteps, a.Seed = b.MinimalSteps, b.Seed
	}
	return a
}
