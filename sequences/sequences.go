package sequences

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// PropertyName is the name of the property-based scenario (for --only/--skip).
const PropertyName = "sequences"

// propertyChecks are the checks the sequences judge.
var propertyChecks = []string{
	"seq-confirmed-read-back", "seq-model-consistent", "seq-username-reusable", "seq-patch-atomic",
	"seq-version-stable-without-change", "seq-concurrent-if-match",
	"seq-reconcile-missing", "seq-reconcile-extra", "seq-reconcile-attributes", "seq-membership-drift", "seq-flaky",
	"etag-changes-on-update", "meta-created-stable", "meta-lastmodified-monotonic", "meta-lastmodified-advances",
	"group-members-match-model", "group-membership-both-views", "user-delete-leaves-groups",
}

// PropertyScenario returns the property-based scenario with budget cfg;
// after it ran, *out holds what rapid found.
func PropertyScenario(cfg PropertyConfig, out *PropertyResult) *scenarios.Scenario {
	return &scenarios.Scenario{
		Name:   PropertyName,
		Checks: slices.Clone(propertyChecks),
		Run: func(s *scenarios.S) {
			res := RunSequences(s.Ctx, s.Env, cfg)
			if out != nil {
				*out = *res
			}
			res.judgeInto(s)
			if res.Aborted != "" && !res.Failed {
				s.Stop("the sequences could not go on: %s", res.Aborted)
			}
		},
	}
}

// judgeInto turns the property result into the scenario's verdicts: every
// check judged in any sequence passes unless a failure's minimal sequence
// failed it; a failure that did not reproduce is a seq-flaky finding.
// A broken harness, or a failure without a finding (a panic in rapid's
// plumbing or a generator, too few valid sequences), ends the scenario as a
// harness error: never as a pass.
func (res *PropertyResult) judgeInto(s *scenarios.S) {
	for _, id := range slices.Sorted(maps.Keys(res.passed)) {
		judgeFor(s, id)(id, nil)
	}
	if res.Broken != "" {
		s.Broken("the sequences: %s", res.Broken)
	}
	if res.unexplained != "" {
		s.Broken("the sequences failed without a finding; rapid reported:\n%s", clipOutput(res.unexplained))
	}
	for _, fl := range res.Failures {
		seq := fl.SequenceText()
		for _, f := range fl.findings {
			msg := f.msg + "\n" + seq
			if fl.Flaky {
				s.Judge("seq-flaky", fmt.Errorf("%s: a sequence failed once and did not fail again when rerun; the first failure: %s", f.check, msg), f.exs...)
				continue
			}
			judgeFor(s, f.check)(f.check, errors.New(msg), f.exs...)
		}
	}
}

// judgeFor returns how check id is judged in the scenario: the harness-wide
// retry check, which the sequences do not list, is judged always.
func judgeFor(s *scenarios.S, id string) func(string, error, ...*fakeidp.Exchange) {
	if id == safety.CheckRetryDuplicate {
		return s.JudgeAlways
	}
	return s.Judge
}

// SequenceText renders the failure's minimal sequence with its seed, for
// findings and the console.
func (f *Failure) SequenceText() string {
	var b strings.Builder
	kind := "minimal failing sequence"
	if f.Flaky {
		kind = "failing sequence (did not reproduce)"
	}
	fmt.Fprintf(&b, "\t%s, %d steps (seed %d):", kind, len(f.Minimal), f.Seed)
	for i, st := range f.Minimal {
		fmt.Fprintf(&b, "\n\t%2d. %s", i+1, st)
	}
	return b.String()
}

// SequenceText renders the minimal sequence of every failure, one after
// the other.
func (res *PropertyResult) SequenceText() string {
	var parts []string
	for _, f := range res.Failures {
		parts = append(parts, strings.Join(f.Checks, ", ")+":\n"+f.SequenceText())
	}
	return strings.Join(parts, "\n")
}

// clipOutput keeps the head of rapid's report, where the failure is named.
func clipOutput(out string) string {
	const max = 4000
	if len(out) > max {
		return out[:max] + "\n…"
	}
	return out
}
