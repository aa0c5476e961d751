package sequences

import (
	"context"
	"slices"
	"time"
)

// minimizeBudget bounds the step-level pass that follows rapid's shrinking
// of each failure; it ends sooner when nothing more can be dropped.
const minimizeBudget = 15 * time.Second

// minimize finishes rapid's shrinking at the level of steps. rapid shrinks
// the random choices behind a sequence; a pair of steps that only matter
// together (a group created and deleted early on) can survive that. This
// pass replays the sequence without runs of steps, halving the run length
// down to single steps (dropping a create drops every step that uses what it
// created), and keeps any shorter sequence that still fails check.
// It returns the shortest case found that fails check, rerun, with its
// exchanges.
func (r *runner) minimize(final *caseRecord, check string) *caseRecord {
	if len(final.findings) == 0 {
		return final
	}
	best := final
	deadline := time.Now().Add(minimizeBudget)
	fails := func(steps []Step) *caseRecord {
		if len(steps) == 0 || len(steps) >= len(best.steps) {
			return nil
		}
		if rc := r.rerun(steps, check); rc != nil && rc.fails(check) {
			return rc
		}
		return nil
	}
	// Drop runs of chunk steps, halving chunk down to single steps, from
	// the end backwards; repeat while anything was dropped.
	for improved := true; improved && time.Now().Before(deadline); {
		improved = false
		for chunk := max(len(best.steps)/2, 1); chunk >= 1 && time.Now().Before(deadline); chunk /= 2 {
			for i := len(best.steps) - chunk; i >= 0 && time.Now().Before(deadline); i-- {
				if rc := fails(dropRange(best.steps, i, i+chunk)); rc != nil {
					best, improved = rc, true
					i = min(i, len(best.steps)-chunk+1)
				}
			}
		}
	}
	if best == final {
		// Rerun it once so that the exchanges are those of a run of exactly
		// these steps (rapid's final run is one, when it kept the exchanges).
		if rc := r.rerun(final.steps, check); rc != nil && rc.fails(check) && len(final.exs) == 0 {
			best = rc
		}
	}
	return best
}

// fails reports whether the case failed check.
func (rc *caseRecord) fails(check string) bool {
	return slices.ContainsFunc(rc.findings, func(f caseFinding) bool { return f.check == check })
}

// rerun runs steps as one sequence of its own (fresh names, own recorder)
// and returns how it ended; nil when it could not run to a verdict. As in
// the search, it goes on past other checks' failures and stops at check's.
func (r *runner) rerun(steps []Step, check string) *caseRecord {
	m, rec := r.newCase("m")
	defer m.cleanup(context.WithoutCancel(r.ctx))
	if _, err := m.play(steps, func(c string) bool { return c == check }); err != nil {
		return nil
	}
	rc := &caseRecord{steps: slices.Clone(m.steps), findings: m.findings, drift: m.memberDrift, m: m}
	if rec != nil {
		rc.exs = rec.Exchanges()
	}
	return rc
}

// play runs steps in order and stops after the first step that fails a
// check stop accepts; when it ran them all, it reconciles, unless a failure
// met on the way may have left the model behind the server ([diverges]).
// It returns the steps it ran, and an abort (no usable response, a step
// that does not fit) as an error.
func (m *machine) play(steps []Step, stop func(check string) bool) (int, error) {
	stopped := func(f caseFinding) bool { return stop(f.check) }
	for i, st := range steps {
		if err := m.apply(st); err != nil {
			return i, err
		}
		if slices.ContainsFunc(m.findings, stopped) {
			return i + 1, nil
		}
	}
	if slices.ContainsFunc(m.findings, func(f caseFinding) bool { return diverges(f.check) }) {
		return len(steps), nil
	}
	return len(steps), m.protect(m.reconcile)
}

// dropRange drops steps[i:j], highest first, each as dropStep does.
func dropRange(steps []Step, i, j int) []Step {
	out := steps
	for k := min(j, len(steps)) - 1; k >= i; k-- {
		if k >= len(out) {
			continue
		}
		out = dropStep(out, k)
	}
	return out
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
