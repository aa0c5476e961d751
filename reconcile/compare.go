package reconcile

// This file is the schema-aware comparison of one source resource with its
// server copy. It is self-contained (declared attributes in, differences
// out) so that it can later be shared with the schema-property checks.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/scimloop/scimloop/fakeidp"
)

// Difference is one attribute whose server value is not what the source
// says. Attr is the top-level attribute (URN-qualified for an extension)
// that a PATCH would replace; Want and Got are nil when absent.
type Difference struct {
	Path string
	Attr string
	Want any
	Got  any
}

// ignoredAttrs are never compared: server-set (id, meta), the schemas list
// (what the server declares, not what the IdP manages), write-only
// (password), and what reconcile compares on its own (members, User.groups).
var ignoredAttrs = map[string]bool{"id": true, "meta": true, "schemas": true, "password": true, "members": true, "groups": true}

// Compare returns how got (the server's copy) differs from want (the
// source) on the attributes want names, with SCIM semantics (RFC 7643 §2):
// attribute names are case-insensitive; strings compare exactly only when
// the declared attribute is caseExact; multi-valued attributes compare as
// sets keyed by (type, value), an element without a type matching any type;
// readOnly and never-returned attributes are ignored; an empty value ("",
// [], {}, null) is the same as an absent one; an absent "primary" is false
// and an absent "active" is true. attrs are the declared attributes by
// lower-cased name (nil: none known, defaults apply).
func Compare(attrs map[string]fakeidp.Attribute, want, got map[string]any) []Difference {
	var out []Difference
	for k, w := range want {
		lk := strings.ToLower(k)
		if ignoredAttrs[lk] {
			continue
		}
		g, _ := lookupFold(got, k)
		if strings.Contains(k, ":") { // an extension: its attributes one by one
			wm, _ := w.(map[string]any)
			gm, _ := g.(map[string]any)
			for sk, sw := range wm {
				sg, _ := lookupFold(gm, sk)
				out = compareValue(out, k+":"+sk, k+":"+sk, attrDef{}, sw, sg)
			}
			continue
		}
		def, declared := attrs[lk]
		if declared && (def.Mutability == "readOnly" || def.Returned == "never") {
			continue
		}
		if lk == "active" && isEmpty(g) && w == true {
			continue // an absent active is taken as active: the account is not disabled
		}
		out = compareValue(out, k, k, defOf(def, declared), w, g)
	}
	return out
}

// attrDef is what the comparison needs of a declared attribute, passed by
// value: a pointer to a copy of each [fakeidp.Attribute] looked up cost
// an allocation per attribute per resource. The zero value is undeclared.
type attrDef struct {
	declared  bool
	name, typ string
	multi     bool
	caseExact bool
	sub       map[string]fakeidp.Attribute
}

func defOf(a fakeidp.Attribute, declared bool) attrDef {
	if !declared {
		return attrDef{}
	}
	return attrDef{declared: true, name: a.Name, typ: a.Type, multi: a.MultiValued, caseExact: a.CaseExact, sub: a.Sub}
}

func compareValue(out []Difference, attr, path string, def attrDef, w, g any) []Difference {
	switch {
	case isEmpty(w):
		if !isEmpty(g) {
			out = append(out, Difference{Path: path, Attr: attr, Got: g})
		}
		return out
	case def.multi || isArray(w):
		return compareMulti(out, attr, path, def, asArray(w), asArray(g))
	}
	if wm, ok := w.(map[string]any); ok {
		gm, _ := g.(map[string]any)
		if gm == nil && !isEmpty(g) {
			return append(out, Difference{Path: path, Attr: attr, Want: w, Got: g})
		}
		for sk, sw := range wm {
			sg, _ := lookupFold(gm, sk)
			out = compareValue(out, attr, path+"."+sk, subDef(def, sk), sw, sg)
		}
		return out
	}
	if !equalSimple(def, w, g) {
		out = append(out, Difference{Path: path, Attr: attr, Want: w, Got: nilIfEmpty(g)})
	}
	return out
}

// compareMulti compares multi-valued attributes as sets: every wanted
// element must be on the server (and its stated sub-attributes agree), and
// every server element must be wanted.
func compareMulti(out []Difference, attr, path string, def attrDef, want, got []any) []Difference {
	used := make([]bool, len(got))
	for _, w := range want {
		if isEmpty(w) {
			continue
		}
		j := findElement(def, w, got, used)
		if j < 0 {
			out = append(out, Difference{Path: path + "[" + elementKey(w) + "]", Attr: attr, Want: w})
			continue
		}
		used[j] = true
		wm, isMap := w.(map[string]any)
		if !isMap {
			continue
		}
		gm, _ := got[j].(map[string]any)
		for sk, sw := range wm {
			if lk := strings.ToLower(sk); lk == "value" || lk == "type" {
				continue
			}
			sg, _ := lookupFold(gm, sk)
			out = compareValue(out, attr, path+"["+elementKey(w)+"]."+sk, subDef(def, sk), sw, sg)
		}
	}
	for j, g := range got {
		if !used[j] && !isEmpty(g) {
			out = append(out, Difference{Path: path + "[" + elementKey(g) + "]", Attr: attr, Got: g})
		}
	}
	return out
}

// findElement finds the unused server element matching w by (type, value);
// an element without a value matches one whose stated sub-attributes agree.
func findElement(def attrDef, w any, got []any, used []bool) int {
	wm, isMap := w.(map[string]any)
	for j, g := range got {
		if used[j] {
			continue
		}
		if !isMap {
			if equalSimple(def, w, g) {
				return j
			}
			continue
		}
		gm, ok := g.(map[string]any)
		if !ok {
			continue
		}
		wv, hasValue := lookupFold(wm, "value")
		gv, _ := lookupFold(gm, "value")
		wt, _ := lookupFold(wm, "type")
		gt, _ := lookupFold(gm, "type")
		switch {
		case hasValue && !isEmpty(wv):
			if equalSimple(subDef(def, "value"), wv, gv) && (isEmpty(wt) || equalSimple(subDef(def, "type"), wt, gt)) {
				return j
			}
		case len(compareValue(nil, "", "", withoutMulti(def), wm, gm)) == 0:
			return j
		}
	}
	return -1
}

// withoutMulti returns def as a singular complex attribute, so that one
// element can be compared sub-attribute by sub-attribute.
func withoutMulti(def attrDef) attrDef {
	def.multi = false
	return def
}

// elementKey names a multi-valued element in a path: its type and value.
func elementKey(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprintf("%v", v)
	}
	t, _ := lookupFold(m, "type")
	val, hasValue := lookupFold(m, "value")
	switch {
	case hasValue && !isEmpty(t):
		return fmt.Sprintf("type %v, value %v", t, val)
	case hasValue:
		return fmt.Sprintf("value %v", val)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func subDef(def attrDef, name string) attrDef {
	if !def.declared || def.sub == nil {
		if strings.EqualFold(name, "primary") {
			return attrDef{declared: true, name: "primary", typ: "boolean"}
		}
		return attrDef{}
	}
	d, ok := def.sub[strings.ToLower(name)]
	return defOf(d, ok)
}

// equalSimple compares two simple values: strings by the declared caseExact
// (false when undeclared, the RFC 7643 §2.2 default), references and
// binaries exactly, numbers, booleans and null by value, anything else by
// go-cmp; an absent primary is false.
func equalSimple(def attrDef, w, g any) bool {
	if def.declared && strings.EqualFold(def.name, "primary") && isEmpty(g) {
		g = false
	}
	ws, wok := w.(string)
	gs, gok := g.(string)
	if wok && gok {
		if def.declared && (def.caseExact || def.typ == "reference" || def.typ == "binary") {
			return ws == gs
		}
		return strings.EqualFold(ws, gs)
	}
	w, g = normNumber(w), normNumber(g)
	if isScalar(w) && isScalar(g) {
		return w == g // what cmp.Equal says of these, without its allocations
	}
	return cmp.Equal(w, g)
}

// isScalar reports whether v is a JSON scalar as decoded: null, a
// boolean, a number or a string.
func isScalar(v any) bool {
	switch v.(type) {
	case nil, bool, float64, string:
		return true
	}
	return false
}

// normNumber makes JSON numbers of either decoding comparable.
func normNumber(v any) any {
	switch n := v.(type) {
	case json.Number:
		if f, err := n.Float64(); err == nil {
			return f
		}
	case int:
		return float64(n)
	case int64:
		return float64(n)
	}
	return v
}

// isEmpty reports whether v is absent in SCIM's sense: null, "", [] or {}
// (RFC 7643 §2.5: unassigned and null are the same).
func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		for _, e := range t {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range t {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

func nilIfEmpty(v any) any {
	if isEmpty(v) {
		return nil
	}
	return v
}

func isArray(v any) bool {
	_, ok := v.([]any)
	return ok
}

func asArray(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}

// lookupFold finds key in m ignoring case (RFC 7643 §2.1), preferring an
// exact match.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
