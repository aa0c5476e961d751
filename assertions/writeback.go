package assertions

import (
	"net/http"
	"net/url"
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
	if write == nil || read == nil || write.Method != http.MethodPatch || write.Status < 200 || write.Status > 299 ||
		read.Method != http.MethodGet || read.Status != http.StatusOK || !SameResource(write.URL, read.URL) {
		return false
	}
	resource := gjson.ParseBytes(read.RespBody)
	if !resource.IsObject() {
		return false
	}
	for _, t := range replaceTargets(gjson.GetBytes(write.ReqBody, "Operations")) {
		if valueMissing(resource, t.path, t.value) {
			return true
		}
	}
	return false
}

// SameResource reports whether two URLs name the same resource: the same
// path, whatever their queries.
func SameResource(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && ua.Host == ub.Host &&
		strings.TrimSuffix(ua.Path, "/") == strings.TrimSuffix(ub.Path, "/")
}

// replaceTarget is one attribute a replace operation sets.
type replaceTarget struct {
	path  string
	value gjson.Result
}

// replaceTargets returns the attributes the replace operations of ops set
// that no other operation touches: a later operation on the same
// attribute may rightly undo an earlier one.
func replaceTargets(ops gjson.Result) []replaceTarget {
	var targets []replaceTarget
	touched := map[string]int{}
	for _, op := range ops.Array() {
		ts := opTargets(op)
		for _, t := range ts {
			touched[topName(t.path)]++
		}
		if strings.EqualFold(op.Get("op").String(), "replace") {
			targets = append(targets, ts...)
		}
	}
	var out []replaceTarget
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
func opTargets(op gjson.Result) []replaceTarget {
	if p := op.Get("path"); p.Exists() {
		return []replaceTarget{{p.String(), op.Get("value")}}
	}
	var out []replaceTarget
	op.Get("value").ForEach(func(k, v gjson.Result) bool {
		if strings.Contains(k.String(), ":") && v.IsObject() {
			v.ForEach(func(k2, v2 gjson.Result) bool {
				out = append(out, replaceTarget{k.String() + ":" + k2.String(), v2})
				return true
			})
		} else {
			out = append(out, replaceTarget{k.String(), v})
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
