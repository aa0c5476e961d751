package scenarios

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
)

// minimizeBudget bounds the step-level pass that follows rapid's shrinking.
const minimizeBudget = 15 * time.Second

// minimize finishes rapid's shrinking at the level of steps. rapid shrinks
// the random choices behind a sequence; a pair of steps that only matter
// together (a group created and deleted early on) can survive that. This
// pass replays the sequence without one step at a time (and without every
// step that uses a resource the dropped step created), and keeps any shorter
// sequence that still fails the same check. It returns the shortest failing
// case found, rerun, with its exchanges.
func (r *runner) minimize(final *caseRecord) *caseRecord {
	if len(final.findings) == 0 {
		return final
	}
	check := final.findings[0].check
	best := final
	deadline := time.Now().Add(minimizeBudget)
	for improved := true; improved && time.Now().Before(deadline); {
		improved = false
		for i := len(best.steps) - 1; i >= 0 && time.Now().Before(deadline); i-- {
			cand := dropStep(best.steps, i)
			if len(cand) == 0 || len(cand) >= len(best.steps) {
				continue
			}
			rc := r.rerun(cand)
			if rc != nil && slices.ContainsFunc(rc.findings, func(f caseFinding) bool { return f.check == check }) {
				best, improved = rc, true
				break
			}
		}
	}
	if best == final {
		// Rerun it once so that the exchanges are those of a run of exactly
		// these steps (rapid's final run is one, when it kept the exchanges).
		if rc := r.rerun(final.steps); rc != nil && len(rc.findings) > 0 && (len(final.exs) == 0) {
			best = rc
		}
	}
	return best
}

// rerun runs steps as one sequence of its own (fresh names, own recorder)
// and returns how it ended; nil when it could not run to a verdict.
func (r *runner) rerun(steps []Step) *caseRecord {
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
	names := caseNames{prefix: fmt.Sprintf("%sm%d-", r.env.Names.Prefix, n), domain: r.env.Names.Domain}
	m := newMachine(r.ctx, r.env, c, names, &r.res)
	defer m.cleanup(context.WithoutCancel(r.ctx))
	for _, st := range steps {
		if err := m.apply(st); err != nil {
			return nil
		}
		if m.failed() {
			break
		}
	}
	if !m.failed() {
		if err := m.protect(m.reconcile); err != nil {
			return nil
		}
	}
	rc := &caseRecord{steps: slices.Clone(m.steps), findings: m.findings, drift: m.memberDrift}
	if rec != nil {
		rc.exs = rec.Exchanges()
	}
	return rc
}

// dropStep returns steps without step i. When step i creates a user or a
// group, every step that uses that resource goes too, and later slots are
// renumbered so that the rest still means the same.
func dropStep(steps []Step, i int) []Step {
	st := steps[i]
	var out []Step
	switch st.Op {
	case OpCreateUser, OpRecreateUser:
		n := st.User
		for j, s := range steps {
			if j == i || s.User == n {
				continue
			}
			s.Members = slices.Clone(s.Members)
			if slices.Contains(s.Members, n) {
				s.Members = slices.DeleteFunc(s.Members, func(m int) bool { return m == n })
				if s.Op == OpRaceGroup || (len(s.Members) == 0 && (s.Op == OpAddMembers || s.Op == OpRemoveMembers)) {
					continue
				}
			}
			if s.User > n {
				s.User--
			}
			for k, m := range s.Members {
				if m > n {
					s.Members[k] = m - 1
				}
			}
			out = append(out, s)
		}
	case OpCreateGroup:
		n := st.Group
		for j, s := range steps {
			if j == i || s.Group == n {
				continue
			}
			if s.Group > n {
				s.Group--
			}
			out = append(out, s)
		}
	default:
		out = slices.Delete(slices.Clone(steps), i, i+1)
	}
	return out
}
