package sequences

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"
)

// This file finishes rapid's shrinking of a failing PUT or PATCH case at
// the level of its updates. rapid shrinks the draws behind a case; a
// resource created without an attribute and then given it by an update
// cannot become, by shrinking draws, a resource created with it. This pass
// reruns the case with its first update folded into the create, or with
// one update left out, and keeps any shorter case that still fails the
// same check.

// minimizeOpsBudget bounds the pass (or the shrink time, when shorter).
const minimizeOpsBudget = 10 * time.Second

func (r *schemaRunner) minimizeOps(best *schemaCase, check string) *schemaCase {
	budget := minimizeOpsBudget
	if r.cfg.ShrinkTime > 0 {
		budget = min(budget, r.cfg.ShrinkTime)
	}
	deadline := time.Now().Add(budget)
	for len(best.ops) > 1 && time.Now().Before(deadline) && !r.idle() {
		improved := false
		for _, cand := range shorter(best) {
			rc := r.replayCase(best, cand.body, cand.ops)
			if rc != nil && rc.firstOf(check) != nil {
				best, improved = rc, true
				break
			}
		}
		if !improved {
			break
		}
	}
	return r.minimizeBody(best, check, deadline)
}

// minimizeBody leaves out, one at a time, each attribute the created
// resource sets (but required ones), keeping every omission after which
// the same check still fails: what rapid's shrinking of draws left behind
// (a referenced user, say) goes.
func (r *schemaRunner) minimizeBody(best *schemaCase, check string, deadline time.Time) *schemaCase {
	for _, d := range best.s.attrs {
		if time.Now().After(deadline) || r.idle() {
			break
		}
		if _, ok := attrIn(best.body, d); !ok || d.Required {
			continue
		}
		body := deepClone(best.body).(map[string]any)
		deleteAttr(body, d)
		body["schemas"] = schemasOf(best.s, body)
		if rc := r.replayCase(best, body, best.ops); rc != nil && rc.firstOf(check) != nil {
			best = rc
		}
	}
	return r.minimizePuts(best, check, deadline)
}

// minimizePuts does the same for the bodies of the case's PUTs: each
// attribute a PUT sets and may leave out goes while the check still fails.
func (r *schemaRunner) minimizePuts(best *schemaCase, check string, deadline time.Time) *schemaCase {
	for i := range best.ops {
		for _, d := range best.s.attrs {
			if time.Now().After(deadline) || r.idle() || i >= len(best.ops) || best.ops[i].Kind != "put" {
				return best
			}
			body, _ := best.ops[i].Value.(map[string]any)
			if _, ok := attrIn(body, d); !ok || d.Required || !patchable(d) {
				continue
			}
			body = deepClone(body).(map[string]any)
			deleteAttr(body, d)
			body["schemas"] = schemasOf(best.s, body)
			ops := append([]schemaOp(nil), best.ops...)
			ops[i].Value = body
			if rc := r.replayCase(best, best.body, ops); rc != nil && rc.firstOf(check) != nil {
				best = rc
			}
		}
	}
	return best
}

type caseSpec struct {
	body map[string]any
	ops  []schemaOp
}

// shorter lists the cases one update shorter than c: the first update
// folded into the create, then each update left out.
func shorter(c *schemaCase) []caseSpec {
	first := c.ops[0]
	folded, _ := first.apply(c.s, c.body)
	folded["schemas"] = schemasOf(c.s, folded)
	out := []caseSpec{{body: folded, ops: c.ops[1:]}}
	for i := range c.ops {
		ops := append(append([]schemaOp(nil), c.ops[:i]...), c.ops[i+1:]...)
		out = append(out, caseSpec{body: c.body, ops: ops})
	}
	return out
}

// replayCase runs a create and updates of from's resource type as one
// case of its own, outside rapid; nil when it could not run to a verdict.
// Its values keep the names of from's origin.
func (r *schemaRunner) replayCase(from *schemaCase, body map[string]any, ops []schemaOp) (out *schemaCase) {
	c := r.newCase(from.s)
	c.origin = from.origin
	defer r.finish(c)
	defer c.cleanup()
	defer r.recoverCase(&out)
	c.body = body
	if err := c.create(deepClone(body).(map[string]any)); err != nil || c.id == "" {
		return nil
	}
	for i, op := range ops {
		c.ops = append(c.ops, op) // as given: references unfilled
		if op.Kind == "put" {
			v, _ := fillRefs(op.Value, c.refID, refURL(c))
			op.Value = v
		}
		if err := c.update(op, i+1); err != nil {
			break
		}
	}
	return c
}

// recoverCase turns a runtime panic in a case (a bug of the harness: a
// nil map, a failed type assertion) into the run's end, reported as
// broken; *out becomes nil. Any other panic is rapid's own control flow
// (a failed or invalid case) and goes on.
func (r *schemaRunner) recoverCase(out **schemaCase) {
	rv := recover()
	if rv == nil {
		return
	}
	if _, ok := rv.(runtime.Error); !ok {
		panic(rv)
	}
	*out = nil
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken == "" {
		r.broken = fmt.Sprintf("panic in a schema property case: %v\n%s", rv, debug.Stack())
	}
}

// firstOf is the case's first finding of check, or nil.
func (c *schemaCase) firstOf(check string) *propFinding {
	for i := range c.findings {
		if c.findings[i].check == check {
			return &c.findings[i]
		}
	}
	return nil
}

// unfillRefs puts the placeholders back where a value names the
// referenced user id, or a URL ending in it.
func unfillRefs(v any, id string) (any, bool) {
	switch x := v.(type) {
	case string:
		if id != "" && x == id {
			return refIDMark, true
		}
		if id != "" && len(x) > len(id) && x[len(x)-len(id)-1:] == "/"+id {
			return refURLMark, true
		}
		return x, false
	case map[string]any:
		out, found := make(map[string]any, len(x)), false
		for k, e := range x {
			var hit bool
			out[k], hit = unfillRefs(e, id)
			found = found || hit
		}
		return out, found
	case []any:
		out, found := make([]any, len(x)), false
		for i, e := range x {
			var hit bool
			out[i], hit = unfillRefs(e, id)
			found = found || hit
		}
		return out, found
	}
	return v, false
}
