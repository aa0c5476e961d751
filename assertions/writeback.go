package assertions

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	scimfilter "github.com/scim2/filter-parser/v2"
	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// replaceNotApplied reports a PATCH answered 2xx one of whose replace
// operations the read of the same resource after it certainly does not
// show: a server that answers replace and changes nothing leaves every
// check that replaces an attribute reading the old value.
// patch-replace-single's rule (RFC 7644 §3.5.2.3). Only what can be
// judged for sure counts: a plain path (no value filter) or a value's
// plain keys, an attribute touched by that one operation, a value of the
// same JSON type that differs even loosely (see loose). An attribute the
// read does not show may not be returned, so it never counts.
func replaceNotApplied(write, read *fakeidp.Exchange) bool {
	return patchNotApplied(write, read, "replace", valueMissing)
}

// removeNotApplied reports a PATCH answered 2xx one of whose remove
// operations the read of the same resource after it certainly does not
// show: the attribute still read back (a plain path), a value the
// operation lists still among its values, or a value its filter selects
// (attr[sub eq "x"]) still there. patch-remove-single's rule (RFC 7644
// §3.5.2.2). A boolean read back may be the server's default for an
// unassigned one, and an attribute the server must refuse to remove (id,
// meta, schemas, userName) is the neg-patch checks' to judge: neither
// counts.
func removeNotApplied(write, read *fakeidp.Exchange) bool {
	return patchNotApplied(write, read, "remove", stillShown)
}

// patchNotApplied reports a PATCH answered 2xx and read back by a GET of
// the same resource, one of whose operations of kind (on an attribute no
// other operation touches) the read shows unapplied.
func patchNotApplied(write, read *fakeidp.Exchange, kind string, unapplied func(resource gjson.Result, path string, value gjson.Result) bool) bool {
	resource, ok := readBack(write, read, http.MethodPatch)
	if !ok {
		return false
	}
	for _, t := range soleTargets(gjson.GetBytes(write.ReqBody, "Operations"), kind) {
		if unapplied(resource, t.path, t.value) {
			return true
		}
	}
	return false
}

// putNotApplied reports a PUT answered 2xx whose values the read of the
// same resource after it certainly does not show: a server that answers
// PUT and replaces nothing leaves every check that replaces a resource
// reading the old one. put-replaces-values's rule (RFC 7644 §3.5.1). What
// a server ignores or never returns in a PUT (id, meta, schemas, groups,
// password) is never compared, nor is an attribute the read does not
// show; a single value counts when it differs even loosely (see
// valueMissing), a multi-valued one when a "value" the PUT listed is not
// among the values read back, in any case or form.
func putNotApplied(write, read *fakeidp.Exchange) bool {
	resource, ok := readBack(write, read, http.MethodPut)
	sent := gjson.ParseBytes(write.ReqBody)
	if !ok || !sent.IsObject() {
		return false
	}
	for _, t := range valueTargets(sent) {
		switch topName(t.path) {
		case "id", "meta", "schemas", "groups", "password":
			continue
		}
		if t.value.IsArray() && listedMissing(resource, t.path, t.value) || valueMissing(resource, t.path, t.value) {
			return true
		}
	}
	return false
}

// listedMissing reports whether a "value" that values lists is certainly
// not among the values of path that resource shows.
func listedMissing(resource gjson.Result, path string, values gjson.Result) bool {
	p, err := scimfilter.ParseAttrPath([]byte(path))
	if err != nil {
		return false
	}
	shown, ok := attrValues(resource, p)
	if !ok {
		return false
	}
	for _, want := range values.Array() {
		w := want.Get("value")
		if w.Type != gjson.String {
			continue
		}
		if !slices.ContainsFunc(shown, func(el gjson.Result) bool {
			got, ok := member(el, "value")
			return ok && got.Type == gjson.String && compareText(got.Str, "eq", w.Str) != misses
		}) {
			return true
		}
	}
	return false
}

// readBack returns the resource read, when write is a request of method
// answered 2xx and read a later GET of the same resource that shows it.
func readBack(write, read *fakeidp.Exchange, method string) (gjson.Result, bool) {
	if write == nil || read == nil || write.Method != method || write.Status < 200 || write.Status > 299 ||
		read.Method != http.MethodGet || read.Status != http.StatusOK || !SameResource(write.URL, read.URL) {
		return gjson.Result{}, false
	}
	resource := gjson.ParseBytes(read.RespBody)
	return resource, resource.IsObject()
}

// SameResource reports whether two URLs name the same resource: the same
// path, whatever their queries.
func SameResource(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && ua.Host == ub.Host &&
		strings.TrimSuffix(ua.Path, "/") == strings.TrimSuffix(ub.Path, "/")
}

// opTarget is one attribute an operation sets or removes.
type opTarget struct {
	path  string
	value gjson.Result
}

// soleTargets returns the attributes the operations of kind ("replace",
// "remove") in ops set or remove that no other operation touches: a later
// operation on the same attribute may rightly undo an earlier one. A
// remove without a path names nothing.
func soleTargets(ops gjson.Result, kind string) []opTarget {
	var targets []opTarget
	touched := map[string]int{}
	for _, op := range ops.Array() {
		ts := opTargets(op)
		for _, t := range ts {
			touched[topName(t.path)]++
		}
		if strings.EqualFold(op.Get("op").String(), kind) && (kind != "remove" || op.Get("path").Exists()) {
			targets = append(targets, ts...)
		}
	}
	var out []opTarget
	for _, t := range targets {
		if touched[topName(t.path)] == 1 {
			out = append(out, t)
		}
	}
	return out
}

// opTargets returns what one operation sets: its path and value, or, with
// no path, each member of its value (an extension's object member by
// member). A path with a value filter is returned as it is, to be left
// unjudged.
func opTargets(op gjson.Result) []opTarget {
	if p := op.Get("path"); p.Exists() {
		return []opTarget{{p.String(), op.Get("value")}}
	}
	return valueTargets(op.Get("value"))
}

// valueTargets returns each member of a resource-shaped value as a path
// and its value, an extension's object member by member.
func valueTargets(value gjson.Result) []opTarget {
	var out []opTarget
	value.ForEach(func(k, v gjson.Result) bool {
		if strings.Contains(k.String(), ":") && v.IsObject() {
			v.ForEach(func(k2, v2 gjson.Result) bool {
				out = append(out, opTarget{k.String() + ":" + k2.String(), v2})
				return true
			})
		} else {
			out = append(out, opTarget{k.String(), v})
		}
		return true
	})
	return out
}

// topName is the attribute a path starts in, lower case: "name" for
// "name.givenName", the extension's attribute for a URN path.
func topName(path string) string {
	base, _, _ := strings.Cut(path, "[")
	prefix, attr := "", base
	if i := strings.LastIndex(base, ":"); i >= 0 {
		prefix, attr = base[:i+1], base[i+1:]
	}
	attr, _, _ = strings.Cut(attr, ".")
	return strings.ToLower(prefix + attr)
}

// valueMissing reports whether resource certainly does not hold value at
// path: a complex value member by member.
func valueMissing(resource gjson.Result, path string, value gjson.Result) bool {
	if strings.ContainsAny(path, "[]") {
		return false
	}
	if value.IsObject() {
		missing := false
		value.ForEach(func(k, v gjson.Result) bool {
			if !v.IsObject() && valueMissing(resource, path+"."+k.String(), v) {
				missing = true
			}
			return !missing
		})
		return missing
	}
	p, err := scimfilter.ParseAttrPath([]byte(path))
	if err != nil {
		return false
	}
	vals, ok := attrValues(resource, p)
	if !ok || len(vals) != 1 || vals[0].IsArray() || vals[0].IsObject() {
		return false
	}
	got := vals[0]
	switch value.Type {
	case gjson.String:
		return got.Type == gjson.String && compareText(got.Str, "eq", value.Str) == misses
	case gjson.True, gjson.False:
		return (got.Type == gjson.True || got.Type == gjson.False) && got.Bool() != value.Bool()
	case gjson.Number:
		return got.Type == gjson.Number && got.Num != value.Num
	}
	return false
}

// stillShown reports whether resource certainly still holds what a remove
// of path (with value, when the operation lists values) removes.
func stillShown(resource gjson.Result, path string, value gjson.Result) bool {
	p, err := scimfilter.ParsePath([]byte(path))
	if err != nil || mustRefuseRemove(p.AttributePath) {
		return false
	}
	vals, ok := attrValues(resource, p.AttributePath)
	if !ok {
		return false
	}
	switch {
	case p.ValueExpression != nil:
		e, ok := p.ValueExpression.(*scimfilter.AttributeExpression)
		if !ok || p.SubAttribute != nil || e.Operator != scimfilter.EQ || e.AttributePath.URI() != "" || e.AttributePath.SubAttribute != nil {
			return false // only attr[sub eq "x"] is judged, whole values removed
		}
		for _, el := range vals {
			if sub, ok := member(el, e.AttributePath.AttributeName); ok && e.CompareValue != nil && equalJSON(sub, e.CompareValue) {
				return true
			}
		}
	case value.Exists():
		for _, want := range value.Array() { // an object is an array of one
			w := want.Get("value")
			for _, el := range vals {
				if got, ok := member(el, "value"); ok && w.Type == gjson.String && got.Type == gjson.String && got.Str == w.Str {
					return true
				}
			}
		}
	default:
		for _, v := range vals {
			if v.Type == gjson.Number || v.Type == gjson.String && v.Str != "" || v.IsObject() {
				return true
			}
		}
	}
	return false
}

// mustRefuseRemove reports a core attribute RFC 7644 §3.5.2.2 has the
// server refuse to remove (required or read-only).
func mustRefuseRemove(p scimfilter.AttributePath) bool {
	if uri := p.URI(); uri != "" && !strings.HasPrefix(strings.ToLower(uri), "urn:ietf:params:scim:schemas:core:2.0:") {
		return false
	}
	switch strings.ToLower(p.AttributeName) {
	case "id", "meta", "schemas", "username":
		return true
	}
	return false
}
