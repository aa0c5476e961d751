package sequences

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"pgregory.net/rapid"
)

// This file holds the updates the schema properties make to a resource:
// a PUT of a fresh representation, and PATCH add, replace and remove on one
// attribute (with a path, without one, or with a value filter on a
// multi-valued attribute), each applied to the model the way RFC 7644
// §3.5.1 and §3.5.2 say the server applies it.

// schemaOp is one update.
type schemaOp struct {
	Kind   string `json:"kind"`             // "put", "add", "replace" or "remove"
	Attr   string `json:"attr,omitempty"`   // the attribute's key
	Path   string `json:"path,omitempty"`   // the PATCH path; "" for none (and for PUT)
	Value  any    `json:"value,omitempty"`  // the PATCH value, or the PUT body
	Filter string `json:"filter,omitempty"` // the value filter's type, for a valuePath
	Sub    string `json:"sub,omitempty"`    // the sub-attribute a valuePath sets
}

func (op schemaOp) String() string {
	switch {
	case op.Kind == "put":
		return "PUT the whole resource"
	case op.Path == "":
		return fmt.Sprintf("PATCH %s without a path (%s)", op.Kind, op.Attr)
	}
	return fmt.Sprintf("PATCH %s path %s", op.Kind, op.Path)
}

// opGen draws one update of the resource model (current state).
func opGen(s *rtSchema, g *genCtx, model map[string]any, patch bool) *rapid.Generator[schemaOp] {
	return rapid.Custom(func(t *rapid.T) schemaOp {
		var cands []declAttr
		for _, d := range s.attrs {
			if patchable(d) {
				cands = append(cands, d)
			}
		}
		if !patch || len(cands) == 0 {
			return putOp(t, s, g, model)
		}
		d := pickAttr(t, cands, model)
		_, set := attrIn(model, d)
		kinds := []string{"add", "replace"}
		if set && !d.Required {
			kinds = append(kinds, "remove")
		}
		op := schemaOp{Kind: rapid.SampledFrom(kinds).Draw(t, "op"), Attr: d.key(), Path: d.key()}
		if op.Kind != "remove" {
			op.Value = attrValue(t, d, g)
		}
		if set && d.MultiValued && d.isComplex() && op.Kind != "add" {
			if typ, sub, ok := valuePathTarget(t, d, model); ok {
				op.Filter, op.Sub = typ, sub
				op.Path = fmt.Sprintf("%s[type eq %q]", d.key(), typ)
				if op.Kind == "replace" {
					sd, _ := d.sub(sub)
					op.Path += "." + sd.Name
					op.Value = simpleValue(t, d.Name+"."+sd.Name, sd, g)
				}
			}
		}
		if op.Kind != "remove" && op.Filter == "" && rapid.Bool().Draw(t, "without path") {
			op.Path = ""
		}
		return op
	})
}

// pickAttr draws the attribute to patch: first its kind (simple, complex,
// multi-valued), so that the few complex attributes are not drowned by
// the many simple ones, then mostly one the resource already holds.
func pickAttr(t *rapid.T, cands []declAttr, model map[string]any) declAttr {
	kind := func(d declAttr) string {
		switch {
		case d.MultiValued:
			return "multi-valued"
		case d.isComplex():
			return "complex"
		}
		return "simple"
	}
	var kinds []string
	for _, d := range cands {
		if !slices.Contains(kinds, kind(d)) {
			kinds = append(kinds, kind(d))
		}
	}
	k := rapid.SampledFrom(kinds).Draw(t, "attribute kind")
	var of, set []declAttr
	for _, d := range cands {
		if kind(d) == k {
			of = append(of, d)
			if _, ok := attrIn(model, d); ok {
				set = append(set, d)
			}
		}
	}
	if len(set) > 0 && rapid.IntRange(0, 3).Draw(t, "one it holds") > 0 {
		of = set
	}
	return rapid.SampledFrom(of).Draw(t, "attribute")
}

// valuePathTarget picks, sometimes, a type the model's values of d carry
// and the sub-attribute a filtered replace sets (its value).
func valuePathTarget(t *rapid.T, d declAttr, model map[string]any) (typ, sub string, ok bool) {
	if _, has := d.sub("type"); !has {
		return "", "", false
	}
	if _, has := d.sub("value"); !has {
		return "", "", false
	}
	v, _ := attrIn(model, d)
	var types []string
	for _, e := range elements(v) {
		if m, _ := e.(map[string]any); m != nil {
			if ty, _ := m["type"].(string); ty != "" {
				types = append(types, ty)
			}
		}
	}
	if len(types) == 0 || !rapid.Bool().Draw(t, "value filter") {
		return "", "", false
	}
	return rapid.SampledFrom(types).Draw(t, "filter type"), "value", true
}

// putOp draws a fresh representation that keeps what PUT may not change:
// the immutable attributes, the references to other resources, and the
// resource's name.
func putOp(t *rapid.T, s *rtSchema, g *genCtx, model map[string]any) schemaOp {
	body := resourceGen(s, g).Draw(t, "put body")
	for _, d := range s.attrs {
		keep := !patchable(d) && writable(d.Attribute)
		if lower(d.Name) == "username" || (s.name == "Group" && lower(d.Name) == "displayname") {
			keep = true
		}
		if !keep {
			continue
		}
		deleteAttr(body, d)
		if v, ok := attrIn(model, d); ok {
			putAttr(body, d, v)
		}
	}
	body["schemas"] = schemasOf(s, body)
	return schemaOp{Kind: "put", Value: body}
}

func deleteAttr(body map[string]any, d declAttr) {
	if d.urn == "" {
		delete(body, d.Name)
		return
	}
	if ext, ok := body[d.urn].(map[string]any); ok {
		delete(ext, d.Name)
		if len(ext) == 0 {
			delete(body, d.urn)
		}
	}
}

// patchBody is the PATCH request body of op.
func (op schemaOp) patchBody(s *rtSchema) map[string]any {
	o := map[string]any{"op": op.Kind}
	if op.Path != "" {
		o["path"] = op.Path
	}
	if op.Kind != "remove" {
		v := op.Value
		if op.Path == "" {
			d, _ := s.attrByKey(op.Attr)
			v = map[string]any{}
			putAttr(v.(map[string]any), d, op.Value)
		}
		o["value"] = v
	}
	return map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{o}}
}

// attrByKey finds a declared attribute by its key.
func (s *rtSchema) attrByKey(key string) (declAttr, bool) {
	for _, d := range s.attrs {
		if d.key() == key {
			return d, true
		}
	}
	return declAttr{}, false
}

// apply returns the model after op, and the attributes whose absence the
// server must show (removed ones).
func (op schemaOp) apply(s *rtSchema, model map[string]any) (next map[string]any, removed []declAttr) {
	if op.Kind == "put" {
		return deepClone(op.Value).(map[string]any), nil
	}
	next = deepClone(model).(map[string]any)
	d, _ := s.attrByKey(op.Attr)
	cur, set := attrIn(next, d)
	switch {
	case op.Filter != "":
		next = applyFiltered(next, d, cur, op)
		if v, ok := attrIn(next, d); op.Kind == "remove" && (!ok || len(elements(v)) == 0) {
			deleteAttr(next, d)
		}
	case op.Kind == "remove":
		deleteAttr(next, d)
		removed = append(removed, d)
	case d.MultiValued && op.Kind == "add" && set:
		old, _ := cur.([]any)
		add, _ := op.Value.([]any)
		putAttr(next, d, addValues(old, add))
	case !d.MultiValued && d.isComplex() && set && (op.Kind == "add" || op.Path != ""):
		old, _ := cur.(map[string]any)
		merged := maps.Clone(old)
		if merged == nil {
			merged = map[string]any{}
		}
		if add, ok := op.Value.(map[string]any); ok {
			maps.Copy(merged, add)
		}
		putAttr(next, d, merged)
	default:
		putAttr(next, d, op.Value)
	}
	return next, removed
}

// addValues appends new values; a new primary takes primary from the old
// values (RFC 7643 §2.4), which the model then leaves unjudged.
func addValues(old, add []any) []any {
	newPrimary := false
	for _, e := range add {
		if m, _ := e.(map[string]any); m != nil && m["primary"] == true {
			newPrimary = true
		}
	}
	out := make([]any, 0, len(old)+len(add))
	for _, e := range old {
		if slices.ContainsFunc(add, func(a any) bool { return sameValue(a, e) }) {
			continue // adding a value already there changes nothing (RFC 7644 §3.5.2.1)
		}
		if m, _ := e.(map[string]any); m != nil && newPrimary {
			m = maps.Clone(m)
			delete(m, "primary")
			e = m
		}
		out = append(out, e)
	}
	return append(out, add...)
}

// elements is a multi-valued attribute's values; none for anything else.
func elements(v any) []any {
	list, _ := v.([]any)
	return list
}

// sameValue reports whether two values are equal but for primary.
func sameValue(a, b any) bool {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 {
		return reflect.DeepEqual(a, b)
	}
	am, bm = maps.Clone(am), maps.Clone(bm)
	delete(am, "primary")
	delete(bm, "primary")
	return reflect.DeepEqual(am, bm)
}

// applyFiltered applies a valuePath replace or remove to the values of d
// whose type is op.Filter.
func applyFiltered(next map[string]any, d declAttr, cur any, op schemaOp) map[string]any {
	var out []any
	list, _ := cur.([]any) // a replayed case may filter what it no longer sets
	for _, e := range list {
		m, _ := e.(map[string]any)
		ty, _ := m["type"].(string)
		match := m != nil && strings.EqualFold(ty, op.Filter)
		switch {
		case match && op.Kind == "remove":
			continue
		case match:
			m = maps.Clone(m)
			sd, _ := d.sub(op.Sub)
			m[sd.Name] = op.Value
			e = m
		}
		out = append(out, e)
	}
	putAttr(next, d, out)
	return next
}

func deepClone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepClone(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepClone(e)
		}
		return s
	}
	return v
}
