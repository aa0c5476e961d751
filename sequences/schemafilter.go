package sequences

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/safety"
)

// This file holds the filter property: filters on values the resource
// holds, one per kind of value, each with an operator drawn from those the
// value's type allows and built so that it must find the resource (RFC
// 7644 §3.4.2.2, Table 3).

// filterCand is a value the resource holds, as the server last read it
// back, that a filter can name.
type filterCand struct {
	path      string
	typ       string // the declared type, lower case; "name" for the resource's name
	value     any    // as read back
	caseExact bool
}

// filterKinds are the kinds of value a case filters on, one filter each:
// the resource's name, which IdPs filter on most, then the other types.
var filterKinds = []string{"name", "string", "integer", "datetime", "decimal"}

// filterOps are the operators a filter on a value of typ uses, each with
// an operand that must match the value: eq; co, sw and ew on a part of a
// string, and ge and le on the string itself (an equal string is on both
// sides of any ordering); gt, ge, lt and le around an integer or an
// instant; pr.
func filterOps(typ string) []string {
	switch typ {
	case "name", "string":
		return []string{"eq", "co", "sw", "ew", "ge", "le", "pr"}
	case "decimal": // Table 3 orders strings, instants and integers only
		return []string{"eq", "pr"}
	}
	return []string{"eq", "gt", "ge", "lt", "le", "pr"}
}

// filterCands are the values a filter can name: the resource's name first
// (what IdPs filter on most), then the strings, numbers and instants the
// case wrote, as read back (how the server stored them is what the
// round-trip judges; the filter judges finding what it holds).
func (c *schemaCase) filterCands() []filterCand {
	var out []filterCand
	if d, ok := c.s.attr("", safety.NameAttr(c.s.name)); ok && c.nameOf(c.model) != "" {
		out = append(out, filterCand{d.Name, "name", c.nameOf(c.model), d.CaseExact})
	}
	for _, d := range c.s.attrs {
		if _, ok := attrIn(c.model, d); !ok || hidden(d.Attribute) || lower(d.Returned) == retRequest || !writable(d.Attribute) {
			continue
		}
		v, ok := attrIn(c.last, d)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			for _, sub := range d.subs {
				if sv, ok := lookupCI(x, sub.Name); ok && filterable(sub.Type, sv) && !hidden(sub) && writable(sub) {
					out = append(out, filterCand{d.key() + "." + sub.Name, lower(sub.Type), sv, sub.CaseExact})
				}
			}
		default:
			if !d.MultiValued && !d.isComplex() && filterable(d.Type, v) && !strings.EqualFold(d.key(), safety.NameAttr(c.s.name)) {
				out = append(out, filterCand{d.key(), lower(d.Type), v, d.CaseExact})
			}
		}
	}
	return out
}

// filterable reports whether v, of the declared type typ, is a value the
// filter property names: a non-empty string, a number, an instant.
func filterable(typ string, v any) bool {
	switch lower(typ) {
	case "string":
		s, ok := v.(string)
		return ok && s != ""
	case "integer", "decimal":
		_, ok := v.(float64)
		return ok
	case "datetime":
		s, ok := v.(string)
		return ok && isDateTime(s)
	}
	return false
}

// filter searches, for each kind of value the resource holds, with one
// drawn operator on one value of that kind (scoped to the resource by its
// name, with and), and expects the resource found; the first filter that
// does not find it is the case's finding. A replay runs its one filter.
func (c *schemaCase) filter(t *rapid.T) error {
	if c.sess.SP == nil || !c.sess.SP.Filter {
		return nil
	}
	cands := c.filterCands()
	if c.pick != nil {
		k := slices.IndexFunc(cands, func(cd filterCand) bool { return cd.path == c.pick.Filtered })
		if k < 0 {
			return errSkip{fmt.Sprintf("the resource holds no value of %s, the attribute the replay filters on", c.pick.Filtered)}
		}
		ch := *c.pick
		ch.OtherCase = ch.OtherCase && !cands[k].caseExact
		if ch.Op == "" {
			ch.Op = "eq" // a replay file from before the operators
		}
		_, err := c.runFilter(cands[k], ch)
		return err
	}
	for _, kind := range filterKinds {
		of := slices.DeleteFunc(slices.Clone(cands), func(cd filterCand) bool { return cd.typ != kind })
		if len(of) == 0 {
			continue
		}
		cd := of[rapid.IntRange(0, len(of)-1).Draw(t, kind+" filtered")]
		if failed, err := c.runFilter(cd, drawFilter(t, cd)); failed || err != nil {
			return err
		}
	}
	return nil
}

// runFilter sends the filter ch builds on cd and judges the answer. A
// declined filter (400) is the server's choice: RFC 7644 Table 9 lets it
// refuse an operator or attribute it does not support. Only the failing
// filter is a step of the case: the others are reads, which change
// nothing a replay needs.
func (c *schemaCase) runFilter(cd filterCand, ch schemaChoice) (failed bool, err error) {
	expr := cd.path + " " + ch.Op
	if ch.Op != "pr" {
		expr += " " + operand(cd, ch)
	}
	f := fmt.Sprintf("%s and %s eq %s", expr, safety.NameAttr(c.s.name), quote(c.nameOf(c.model)))
	ex, err := c.sess.Query(c.s.name, url.Values{"filter": {f}})
	if err != nil || ex.Status == http.StatusBadRequest {
		return false, err
	}
	found := false
	res, _ := bodyOf(ex)["Resources"].([]any)
	for _, r := range res {
		if m, _ := r.(map[string]any); m != nil && m["id"] == c.id {
			found = true
		}
	}
	if ex.Status == http.StatusOK && found {
		c.pass(ckFilter)
		return false, nil
	}
	c.choice = ch
	c.steps = append(c.steps, "GET filter="+cd.path+" "+ch.Op+" …")
	c.find(ckFilter, "filter "+cd.path+" "+ch.Op, fmt.Sprintf("%s = %d: the filter %s does not find the resource, whose %s reads back %s", safety.OpOf(ex), ex.Status, f, cd.path, show(cd.value)), ex)
	return true, nil
}

// drawFilter draws the operator and the operand's shape for cd: on a
// string, eq half the time (what IdPs send), else another operator its
// type allows.
func drawFilter(t *rapid.T, cd filterCand) schemaChoice {
	ops := filterOps(cd.typ)
	ch := schemaChoice{Filtered: cd.path, Op: "eq"}
	switch {
	case cd.typ != "string" && cd.typ != "name":
		ch.Op = rapid.SampledFrom(ops).Draw(t, "operator")
	case rapid.Bool().Draw(t, "another operator"):
		ch.Op = rapid.SampledFrom(ops[1:]).Draw(t, "operator")
	}
	if s, ok := cd.value.(string); ok && (cd.typ == "string" || cd.typ == "name") {
		n := len([]rune(s))
		ch.From, ch.To = 0, n
		switch ch.Op {
		case "co":
			ch.From = rapid.IntRange(0, n-1).Draw(t, "from")
			ch.To = rapid.IntRange(ch.From+1, n).Draw(t, "to")
		case "sw":
			ch.To = rapid.IntRange(1, n).Draw(t, "to")
		case "ew":
			ch.From = rapid.IntRange(0, n-1).Draw(t, "from")
		}
		ch.OtherCase = ch.Op != "pr" && !cd.caseExact && rapid.Bool().Draw(t, "other case")
	}
	if cd.typ != "integer" && cd.typ != "datetime" || ch.Op == "eq" || ch.Op == "pr" {
		return ch
	}
	least := 0
	if ch.Op == "gt" || ch.Op == "lt" {
		least = 1
	}
	if n, ok := cd.value.(float64); ok && rapid.Bool().Draw(t, "across a power of ten") {
		ch.Delta = max(least, acrossPower(int64(n), ch.Op))
	} else {
		ch.Delta = magnitude(t, least)
	}
	return ch
}

// acrossPower is the distance from n to the nearest operand with another
// number of digits on the side op looks: up to the next power of ten (lt,
// le), down to the largest number one digit shorter (gt, ge). An integer
// compared as text gets these wrong ("1000" sorts before "537").
func acrossPower(n int64, op string) int {
	p := int64(1)
	for q := max(n, 0); q > 0; q /= 10 {
		p *= 10
	}
	if op == "lt" || op == "le" {
		return int(max(p, 10) - n)
	}
	return int(n - (p/10 - 1))
}

// magnitude draws a distance of at least least, of any order of magnitude
// up to a million alike (a value and an operand of different lengths are
// what a comparison of integers as text gets wrong).
func magnitude(t *rapid.T, least int) int {
	e := rapid.IntRange(0, 5).Draw(t, "magnitude")
	lo := 1
	for range e {
		lo *= 10
	}
	return max(least, rapid.IntRange(lo-1, lo*10-1).Draw(t, "delta"))
}

// operand is the filter's operand for cd under ch: the string or the part
// of it ch names (in the other case when ch says so), or the number or
// instant ch.Delta below (gt, ge) or above (lt, le) the value, in seconds
// for an instant.
func operand(cd filterCand, ch schemaChoice) string {
	delta := float64(ch.Delta)
	if ch.Op == "gt" || ch.Op == "ge" {
		delta = -delta
	}
	switch v := cd.value.(type) {
	case float64:
		return strconv.FormatFloat(v+delta, 'f', -1, 64)
	case string:
		if cd.typ == "datetime" {
			at, _ := time.Parse(time.RFC3339Nano, v)
			return quote(at.Add(time.Duration(delta) * time.Second).Format(time.RFC3339Nano))
		}
		r := []rune(v)
		from, to := min(max(ch.From, 0), len(r)), min(max(ch.To, 0), len(r))
		if to <= from { // a replay's value may be shorter: the whole value
			from, to = 0, len(r)
		}
		part := string(r[from:to])
		if ch.OtherCase {
			part = otherCase(part) // caseExact false: filters ignore case (RFC 7644 §3.4.2.2)
		}
		return quote(part)
	}
	return quote(fmt.Sprint(cd.value))
}
