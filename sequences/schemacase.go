package sequences

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// This file holds one case of the schema properties: a generated resource
// created, read back and judged, then updated and judged again.

// Check IDs of the schema properties (assertions/schemaprop.go).
const (
	ckRoundTrip  = "schema-prop-round-trip"
	ckHonesty    = "schema-prop-honesty"
	ckHidden     = "schema-prop-writeonly-not-returned"
	ckPrimary    = "schema-prop-one-primary"
	ckImmutable  = "schema-prop-immutable-unchanged"
	ckCanonEmpty = "schema-prop-canonical-empty"
	ckPatch      = "schema-prop-patch-model"
	ckPut        = "schema-prop-put-model"
	ckProjection = "schema-prop-projection"
	ckFilter     = "schema-prop-filter"
)

// SchemaChecks are the checks the schema properties judge.
var SchemaChecks = []string{ckRoundTrip, ckHonesty, ckHidden, ckPrimary, ckImmutable, ckCanonEmpty, ckPatch, ckPut, ckProjection, ckFilter}

// propFinding is one failed judgement in a case; where names the step in
// words that are the same on every run of the same case.
type propFinding struct {
	check, where, msg string
	exs               []*fakeidp.Exchange
}

// schemaCase is one generated resource and what happened to it.
type schemaCase struct {
	ctx   context.Context
	s     *rtSchema
	sess  *safety.Session
	g     *genCtx
	rec   *fakeidp.Recorder
	id    string
	refID string // the user a reference points at, when one was made

	body     map[string]any   // the generated resource, references unfilled
	ops      []schemaOp       // the updates sent after the create, references unfilled
	model    map[string]any   // what the resource holds, by the model
	earlier  []map[string]any // the model before each update, in order
	last     map[string]any   // the last read-back
	steps    []string
	findings []propFinding
	judged   map[string]bool
	touched  map[string]bool // leaves set by a request and judged on read-back

	// choice is what the projection or filter property drew, kept for a
	// replay file; pick, when set, is a replay's: the case draws nothing.
	choice schemaChoice
	pick   *schemaChoice
	// origin are the names of the case that generated body and ops (an
	// earlier one, when this case reruns them to shrink).
	origin SchemaNames
}

// resources counts what the case created.
func (c *schemaCase) resources() int {
	n := 0
	for _, id := range []string{c.id, c.refID} {
		if id != "" {
			n++
		}
	}
	return n
}

func (c *schemaCase) find(check, where, msg string, exs ...*fakeidp.Exchange) {
	c.findings = append(c.findings, propFinding{check: check, where: where, msg: msg, exs: safety.NonNil(exs)})
	c.judged[check] = true
}

func (c *schemaCase) pass(checks ...string) {
	for _, id := range checks {
		c.judged[id] = true
	}
}

// errSkip ends a case without a verdict: the server declined or gave no
// usable answer, which other checks judge.
type errSkip struct{ why string }

func (e errSkip) Error() string { return e.why }

// bodyOf decodes a JSON object response; nil when there is none.
func bodyOf(ex *fakeidp.Exchange) map[string]any {
	if ex == nil || len(ex.RespBody) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(ex.RespBody, &m) != nil {
		return nil
	}
	return m
}

// nameOf is the name the run's guard and sweep know the resource by.
func (c *schemaCase) nameOf(body map[string]any) string {
	v, _ := lookupCI(body, safety.NameAttr(c.s.name))
	s, _ := v.(string)
	return s
}

// create makes the referenced user when body needs one, then the resource,
// and judges the answer and its read-back.
func (c *schemaCase) create(body map[string]any) error {
	if _, refs := fillRefs(body, "", ""); refs {
		if err := c.makeRef(); err != nil {
			return err
		}
		v, _ := fillRefs(body, c.refID, refURL(c))
		body = v.(map[string]any)
	}
	c.steps = append(c.steps, "POST a generated "+c.s.name)
	ex, err := c.sess.Create(c.s.name, fakeidp.MustJSON(body), c.nameOf(body))
	if err != nil {
		return err
	}
	if !safety.OK(ex) {
		return c.refused(body, "create", ex)
	}
	resp := bodyOf(ex)
	id, _ := resp["id"].(string)
	if id == "" || !c.sess.Tracker.Owns(c.s.name, id) {
		return errSkip{fmt.Sprintf("the create answered %d without an id of the run's", ex.Status)}
	}
	c.id = id
	c.judgeResponse("create", resp, ex)
	c.model = body
	return c.readBack("create", ckRoundTrip, nil, ex)
}

// refURL is the URL of the referenced user.
func refURL(c *schemaCase) string {
	return strings.TrimSuffix(c.sess.C.BaseURL(), "/") + "/Users/" + c.refID
}

// makeRef creates the plain user a generated reference points at.
func (c *schemaCase) makeRef() error {
	name := fmt.Sprintf("%sref-%d", c.g.prefix, c.g.next())
	body := map[string]any{"schemas": []any{fakeidp.SchemaUser}, "userName": name}
	ex, err := c.sess.Create("User", fakeidp.MustJSON(body), name)
	if err != nil {
		return err
	}
	id, _ := bodyOf(ex)["id"].(string)
	if !safety.OK(ex) || id == "" || !c.sess.Tracker.Owns("User", id) {
		return errSkip{fmt.Sprintf("the user a reference points at could not be created (%d)", ex.Status)}
	}
	c.refID = id
	return nil
}

// refused judges a refused write: when what was sent sets an attribute
// whose declared canonicalValues list is empty, refusing it is that
// declaration's finding; any other refusal is the server's choice.
func (c *schemaCase) refused(sent map[string]any, where string, ex *fakeidp.Exchange) error {
	if ex.Status >= 400 && ex.Status < 500 {
		if path := c.emptyCanonical(sent); path != "" {
			c.find(ckCanonEmpty, where, fmt.Sprintf("%s = %d: the server declares an empty canonicalValues list for %s and refuses the value sent (%s)",
				safety.OpOf(ex), ex.Status, path, show(valueAt(sent, path))), ex)
		}
	}
	return errSkip{fmt.Sprintf("%s = %d", safety.OpOf(ex), ex.Status)}
}

// emptyCanonical names a sub-attribute set in sent whose declared
// canonicalValues list is empty, or "".
func (c *schemaCase) emptyCanonical(sent map[string]any) string {
	for _, d := range c.s.attrs {
		v, ok := attrIn(sent, d)
		if !ok {
			continue
		}
		if d.HasCanonical && len(d.CanonicalValues) == 0 {
			return d.key()
		}
		for _, sub := range d.subs {
			if sub.HasCanonical && len(sub.CanonicalValues) == 0 && setsSub(v, sub.Name) {
				return d.key() + "." + sub.Name
			}
		}
	}
	return ""
}

func setsSub(v any, name string) bool {
	switch x := v.(type) {
	case map[string]any:
		_, ok := lookupCI(x, name)
		return ok
	case []any:
		for _, e := range x {
			if setsSub(e, name) {
				return true
			}
		}
	}
	return false
}

// valueAt returns the value of path ("roles.type") in body, for messages.
func valueAt(body map[string]any, path string) any {
	name, sub, _ := strings.Cut(path, ".")
	v, _ := lookupCI(body, name)
	if sub == "" {
		return v
	}
	if arr, ok := v.([]any); ok && len(arr) > 0 {
		v = arr[0]
	}
	m, _ := v.(map[string]any)
	out, _ := lookupCI(m, sub)
	return out
}

// judgeResponse judges a returned representation against the schema.
func (c *schemaCase) judgeResponse(where string, body map[string]any, ex *fakeidp.Exchange) {
	if body == nil {
		return
	}
	c.judgeShape(where, body, true, ex)
}

func (c *schemaCase) judgeShape(where string, body map[string]any, full bool, ex *fakeidp.Exchange) {
	h := judgeBody(c.s, body, full)
	op := safety.OpOf(ex)
	report := func(check string, problems []string) {
		if len(problems) == 0 {
			c.pass(check)
			return
		}
		c.find(check, where, fmt.Sprintf("%s: %s", op, strings.Join(firstN(problems, 5), "; ")), ex)
	}
	report(ckHonesty, h.shape)
	report(ckHidden, h.hidden)
	report(ckPrimary, h.primates)
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

// readBack GETs the resource and judges it against the model: a value
// dropped after a PUT or PATCH fails check (presence is what those
// operations promise), and so does a value that still reads back as the
// case wrote it before (an update not applied: check's finding, not
// drift); any other difference is drift. removed are attributes the
// server must no longer show.
func (c *schemaCase) readBack(where, check string, removed []declAttr, write *fakeidp.Exchange) error {
	ex, err := c.sess.Get(c.s.name, c.id, nil)
	if err != nil {
		return err
	}
	if ex.Status != http.StatusOK {
		return errSkip{fmt.Sprintf("%s = %d after the %s", safety.OpOf(ex), ex.Status, where)}
	}
	got := bodyOf(ex)
	c.judgeResponse(where+" read-back", got, ex)
	dropped, drift := c.classify(check, got)
	for _, d := range removed {
		if v, ok := attrIn(got, d); ok {
			dropped = append(dropped, fmt.Sprintf("%s: removed, still read back as %s", d.key(), show(v)))
		}
	}
	if check != ckRoundTrip {
		if len(dropped) > 0 {
			c.find(check, where, fmt.Sprintf("after %s: %s", safety.OpOf(write), strings.Join(firstN(dropped, 5), "; ")), write, ex)
		} else {
			c.pass(check)
		}
	}
	if len(drift) > 0 {
		c.find(ckRoundTrip, where, fmt.Sprintf("%s then %s: %s", safety.OpOf(write), safety.OpOf(ex), strings.Join(firstN(drift, 5), "; ")), write, ex)
	} else {
		c.pass(ckRoundTrip)
	}
	c.judgeImmutable(where, got, write, ex)
	c.last = got
	c.cover(c.model)
	return nil
}

// classify sorts how the read-back got differs from the model: what the
// write's check owns (values gone, or not changed by the write) and drift
// (values read back other than written, schema-prop-round-trip's).
func (c *schemaCase) classify(check string, got map[string]any) (dropped, drift []string) {
	diffs := compareModel(c.s, c.model, got)
	gone := map[string]bool{} // attributes that lost values: their changes are that one finding
	for _, d := range diffs {
		if d.missing && check != ckRoundTrip {
			gone[d.path] = true
		}
	}
	stale := c.unapplied(got)
	for _, d := range diffs {
		if !d.missing && gone[d.path] {
			continue
		}
		if check != ckRoundTrip && immutablePath(c.s, d.path) {
			continue // judged by ckImmutable against the previous read-back
		}
		switch {
		case d.missing && check != ckRoundTrip:
			dropped = append(dropped, d.String())
		case under(d.path, stale):
			dropped = append(dropped, d.String()+", its value from before the update")
		default:
			drift = append(drift, d.String())
		}
	}
	return dropped, drift
}

// unapplied names the attributes that read back after a write exactly as
// before it (as the previous read-back), with a value the case wrote
// earlier and no longer holds by the model: an update of it was not
// applied, which the write's own check judges. A value the server stored
// altered (a rewritten instant, a truncated decimal) matches nothing
// written and stays drift.
func (c *schemaCase) unapplied(got map[string]any) map[string]bool {
	out := map[string]bool{}
	if len(c.earlier) == 0 || c.last == nil {
		return out
	}
	for _, d := range c.s.attrs {
		_, ok1 := attrIn(c.model, d)
		prev, ok2 := attrIn(c.last, d)
		g, ok3 := attrIn(got, d)
		if !ok1 || !ok2 || !ok3 || !sameAttr(d, prev, g) {
			continue
		}
		for _, m := range c.earlier {
			if w, ok := attrIn(m, d); ok && sameAttr(d, w, g) {
				out[d.key()] = true
				break
			}
		}
	}
	return out
}

// sameAttr reports whether a and b hold the same values of d, each way (a
// multi-valued attribute compares as a set: one way is only a subset).
func sameAttr(d declAttr, a, b any) bool {
	return len(compareAttr(d, a, b)) == 0 && len(compareAttr(d, b, a)) == 0
}

// under reports whether path is one of keys or sits inside one.
func under(path string, keys map[string]bool) bool {
	for k := range keys {
		if path == k || strings.HasPrefix(path, k+".") {
			return true
		}
	}
	return false
}

// judgeImmutable compares immutable values with the previous read-back.
func (c *schemaCase) judgeImmutable(where string, got map[string]any, exs ...*fakeidp.Exchange) {
	if c.last == nil {
		return
	}
	var changed []string
	for _, d := range c.s.attrs {
		if !immutableIn(d) {
			continue
		}
		before, ok := attrIn(c.last, d)
		if !ok {
			continue
		}
		after, _ := attrIn(got, d)
		for _, df := range compareAttr(d, before, after) {
			changed = append(changed, strings.Replace(df.String(), "sent", "was", 1))
		}
	}
	if len(changed) > 0 {
		c.find(ckImmutable, where, fmt.Sprintf("%s: %s", safety.OpOf(exs[len(exs)-1]), strings.Join(firstN(changed, 5), "; ")), exs...)
		return
	}
	c.pass(ckImmutable)
}

// immutablePath reports whether a diff's path is an immutable attribute
// (or sits in one with an immutable sub-attribute).
func immutablePath(s *rtSchema, path string) bool {
	for _, d := range s.attrs {
		if (path == d.key() || strings.HasPrefix(path, d.key()+".")) && immutableIn(d) {
			return true
		}
	}
	return false
}

// immutableIn reports whether d, or a sub-attribute of it, is immutable.
func immutableIn(d declAttr) bool {
	if lower(d.Mutability) == mutImmutable {
		return true
	}
	for _, s := range d.subs {
		if lower(s.Mutability) == mutImmutable {
			return true
		}
	}
	return false
}

// cover marks the leaves body sets as exercised.
func (c *schemaCase) cover(body map[string]any) {
	for _, d := range c.s.attrs {
		v, ok := attrIn(body, d)
		if !ok || !writable(d.Attribute) {
			continue
		}
		if !d.isComplex() {
			c.touched[d.key()] = true
			continue
		}
		for _, sub := range d.subs {
			if setsSub(v, sub.Name) {
				c.touched[d.key()+"."+sub.Name] = true
			}
		}
	}
}
