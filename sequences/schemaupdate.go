package sequences

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// This file holds the schema properties after the create: updates judged
// against the model and projection against each attribute's returned
// (filters: schemafilter.go).

// update sends op and judges its answer and the read-back.
func (c *schemaCase) update(op schemaOp, n int) error {
	where := fmt.Sprintf("update %d (%s)", n, op.Kind)
	c.steps = append(c.steps, op.String())
	var ex *fakeidp.Exchange
	var err error
	check := ckPatch
	sent := map[string]any{}
	if op.Kind == "put" {
		check = ckPut
		sent = op.Value.(map[string]any)
		ex, err = c.sess.Write(http.MethodPut, c.s.name, c.id, sent, nil)
	} else {
		if d, ok := c.s.attrByKey(op.Attr); ok && op.Value != nil && op.Filter == "" {
			putAttr(sent, d, op.Value)
		}
		ex, err = c.sess.Write(http.MethodPatch, c.s.name, c.id, op.patchBody(c.s), nil)
	}
	if err != nil {
		return err
	}
	if !safety.OK(ex) {
		return c.refused(sent, where, ex)
	}
	if ex.Status == http.StatusOK {
		c.judgeResponse(where, bodyOf(ex), ex)
	}
	c.earlier = append(c.earlier, c.model)
	next, removed := op.apply(c.s, c.model)
	c.model = next
	return c.readBack(where, check, removed, ex)
}

// projection asks for one attribute the model sets, then leaves it out,
// and judges both answers against its returned characteristic (RFC 7644
// §3.9, RFC 7643 §7).
func (c *schemaCase) projection(t *rapid.T) error {
	var set []declAttr
	for _, d := range c.s.attrs {
		if _, ok := attrIn(c.model, d); ok && !hidden(d.Attribute) && writable(d.Attribute) {
			set = append(set, d)
		}
	}
	if len(set) < 2 {
		return nil
	}
	var d declAttr
	if c.pick == nil {
		d = rapid.SampledFrom(set).Draw(t, "projected attribute")
	} else if i := slices.IndexFunc(set, func(o declAttr) bool { return o.key() == c.pick.Projected }); i >= 0 {
		d = set[i]
	} else {
		return errSkip{fmt.Sprintf("the resource does not set %s, the attribute the replay projects", c.pick.Projected)}
	}
	c.choice.Projected = d.key()
	c.steps = append(c.steps, "GET with attributes and excludedAttributes "+d.key())
	in, err := c.sess.Do(fakeidp.Request{Method: http.MethodGet, Path: safety.Endpoint(c.s.name) + "/" + c.id, Query: url.Values{"attributes": {d.key()}}, Retry: true})
	if err != nil {
		return err
	}
	out, err := c.sess.Do(fakeidp.Request{Method: http.MethodGet, Path: safety.Endpoint(c.s.name) + "/" + c.id, Query: url.Values{"excludedAttributes": {d.key()}}, Retry: true})
	if err != nil {
		return err
	}
	if in.Status != http.StatusOK || out.Status != http.StatusOK {
		return errSkip{fmt.Sprintf("projection answered %d and %d", in.Status, out.Status)}
	}
	inBody, outBody := bodyOf(in), bodyOf(out)
	c.judgeShape("projection", inBody, false, in)
	c.judgeShape("projection", outBody, false, out)
	var problems []string
	if _, ok := attrIn(inBody, d); !ok {
		problems = append(problems, fmt.Sprintf("%s: the attribute asked for is absent", safety.OpOf(in)))
	}
	for _, o := range set {
		if _, ok := attrIn(inBody, o); ok && o.key() != d.key() && !slices.Contains([]string{retAlways}, lower(o.Returned)) && !sameParent(o, d) {
			problems = append(problems, fmt.Sprintf("%s: %s (returned %q) was not asked for but is returned", safety.OpOf(in), o.key(), o.Returned))
		}
	}
	if _, ok := attrIn(outBody, d); ok && lower(d.Returned) != retAlways {
		problems = append(problems, fmt.Sprintf("%s: the excluded attribute is still returned", safety.OpOf(out)))
	}
	if id, _ := inBody["id"].(string); id != c.id {
		problems = append(problems, fmt.Sprintf("%s: id (returned always) is missing", safety.OpOf(in)))
	}
	if len(problems) > 0 {
		c.find(ckProjection, "projection", strings.Join(problems, "; "), in, out)
		return nil
	}
	c.pass(ckProjection)
	return nil
}

// sameParent reports whether o and d are the same attribute (a server
// may answer an extension attribute together with its container).
func sameParent(o, d declAttr) bool { return strings.EqualFold(o.key(), d.key()) }

// otherCase swaps the case of the ASCII letters (a server's case folding
// of other scripts is not what this judges).
func otherCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return unicode.ToUpper(r)
		case r >= 'A' && r <= 'Z':
			return unicode.ToLower(r)
		}
		return r
	}, s)
}

// quote writes s as a filter's JSON string.
func quote(s string) string { return string(fakeidp.MustJSON(s)) }
