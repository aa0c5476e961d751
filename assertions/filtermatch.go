package assertions

import (
	"strings"
	"time"

	scimfilter "github.com/scim2/filter-parser/v2"
	"github.com/tidwall/gjson"
	"golang.org/x/text/unicode/norm"
)

// match is a filter's verdict on one resource as far as the harness can
// tell from the resource alone. Whether an attribute is caseExact, whether
// it was returned at all, how the server normalises Unicode: those are the
// server's to say, so whatever could go either way is unknown, and only a
// certain miss counts against a server.
type match int8

const (
	unknown match = iota
	matches
	misses
)

func (m match) not() match {
	switch m {
	case matches:
		return misses
	case misses:
		return matches
	}
	return unknown
}

func and(a, b match) match {
	switch {
	case a == misses || b == misses:
		return misses
	case a == matches && b == matches:
		return matches
	}
	return unknown
}

// anyOf is the verdict on a multi-valued attribute: it matches when one
// value does, and misses only when every value certainly misses.
func anyOf(ms []match) match {
	if len(ms) == 0 {
		return unknown
	}
	out := misses
	for _, m := range ms {
		switch m {
		case matches:
			return matches
		case unknown:
			out = unknown
		}
	}
	return out
}

// filterMisses reports whether resource certainly does not match filter
// (RFC 7644 §3.4.2.2): a filter the harness cannot parse, or an operator it
// does not judge (gt, ge, lt, le), is never a miss.
func filterMisses(expr scimfilter.Expression, resource gjson.Result) bool {
	return resource.IsObject() && evalFilter(expr, resource) == misses
}

func evalFilter(e scimfilter.Expression, in gjson.Result) match {
	switch e := e.(type) {
	case *scimfilter.AttributeExpression:
		vals, ok := attrValues(in, e.AttributePath)
		if !ok {
			return unknown // not returned is not absent
		}
		op := strings.ToLower(string(e.Operator))
		if op == "ne" {
			if len(vals) != 1 {
				return unknown // ne over several values: the RFC leaves it open
			}
			return compare(vals[0], "eq", e.CompareValue).not()
		}
		ms := make([]match, len(vals))
		for i, v := range vals {
			ms[i] = compare(v, op, e.CompareValue)
		}
		return anyOf(ms)
	case *scimfilter.LogicalExpression:
		l, r := evalFilter(e.Left, in), evalFilter(e.Right, in)
		if strings.EqualFold(string(e.Operator), "or") {
			return and(l.not(), r.not()).not()
		}
		return and(l, r)
	case *scimfilter.NotExpression:
		return evalFilter(e.Expression, in).not()
	case *scimfilter.ValuePath:
		vals, ok := attrValues(in, e.AttributePath)
		if !ok {
			return unknown
		}
		ms := make([]match, len(vals))
		for i, v := range vals {
			if v.IsObject() {
				ms[i] = evalFilter(e.ValueFilter, v)
			}
		}
		return anyOf(ms)
	}
	return unknown
}

// attrValues returns the values path names in the object in: the
// attribute (in an extension's object when path has its URN; the core
// schema's URN names the resource itself), each value of a multi-valued
// one, a sub-attribute of each. Names are case-insensitive (RFC 7643
// §2.1). It reports false when the attribute is not there.
func attrValues(in gjson.Result, path scimfilter.AttributePath) ([]gjson.Result, bool) {
	if uri := path.URI(); uri != "" {
		if ext, ok := member(in, uri); ok {
			in = ext
		} else if !strings.HasPrefix(strings.ToLower(uri), "urn:ietf:params:scim:schemas:core:2.0:") {
			return nil, false
		}
	}
	v, ok := member(in, path.AttributeName)
	if !ok {
		return nil, false
	}
	elems := []gjson.Result{v}
	if v.IsArray() {
		elems = v.Array()
	}
	if path.SubAttribute == nil {
		return elems, len(elems) > 0
	}
	var out []gjson.Result
	for _, el := range elems {
		if sub, ok := member(el, path.SubAttributeName()); ok {
			out = append(out, sub)
		}
	}
	return out, len(out) > 0
}

// member returns the member of object o named name, case-insensitively.
func member(o gjson.Result, name string) (gjson.Result, bool) {
	var found gjson.Result
	ok := false
	if o.IsObject() {
		o.ForEach(func(k, v gjson.Result) bool {
			if strings.EqualFold(k.String(), name) {
				found, ok = v, v.Type != gjson.Null
				return false
			}
			return true
		})
	}
	return found, ok
}

// compare judges one value against a comparison. Text that differs only in
// case, Unicode form or surrounding space (see loose) is unknown, not a
// miss; so is text that names one instant.
func compare(v gjson.Result, op string, want any) match {
	if op == "pr" {
		if v.Type == gjson.String && v.Str == "" || v.IsArray() && len(v.Array()) == 0 {
			return unknown
		}
		return matches
	}
	switch w := want.(type) {
	case string:
		if v.Type != gjson.String {
			return unknown
		}
		return compareText(v.Str, op, w)
	case bool:
		if op != "eq" || v.Type != gjson.True && v.Type != gjson.False {
			return unknown
		}
		return verdict(v.Bool() == w)
	case float64:
		if op != "eq" || v.Type != gjson.Number {
			return unknown
		}
		return verdict(v.Num == w)
	case int:
		return compare(v, op, float64(w))
	}
	return unknown
}

func compareText(got, op, want string) match {
	var test func(s, sub string) bool
	switch op {
	case "eq":
		test = func(s, sub string) bool { return s == sub }
	case "co":
		test = strings.Contains
	case "sw":
		test = strings.HasPrefix
	case "ew":
		test = strings.HasSuffix
	default:
		return unknown // gt, ge, lt, le: ordering is the server's
	}
	switch {
	case test(got, want):
		return matches
	case test(loose(got), loose(want)):
		return unknown
	case op == "eq" && sameInstant(got, want):
		return unknown
	}
	return misses
}

func verdict(ok bool) match {
	if ok {
		return matches
	}
	return misses
}

// loose is s as the most lenient server could compare it: case folded,
// compatibility forms and composition normalised (RFC 7613's PRECIS is
// stricter), surrounding space trimmed.
func loose(s string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s)))
}

func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}
