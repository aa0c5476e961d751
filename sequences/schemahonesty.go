package sequences

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// This file judges a returned resource against the server's own /Schemas:
// each value in its declared type and shape, required attributes present,
// canonical values kept to a declared list, nothing undeclared, at most one
// primary value, and nothing writeOnly or never-returned shown.

// honesty is what one response broke, by rule.
type honesty struct {
	shape    []string // types, multi-valued shape, required, canonical, undeclared
	hidden   []string // writeOnly or returned=never attributes returned
	primates []string // attributes with more than one primary value
}

// judgeBody checks a resource body against s; full says the body is a
// whole representation (no attributes/excludedAttributes), where required
// attributes must be present.
func judgeBody(s *rtSchema, body map[string]any, full bool) honesty {
	var h honesty
	exts := map[string]bool{}
	for _, e := range s.exts {
		exts[lower(e)] = true
	}
	for k, v := range body {
		lk := lower(k)
		switch {
		case commonNames[lk]:
		case exts[lk]:
			m, ok := v.(map[string]any)
			if !ok {
				h.shape = append(h.shape, fmt.Sprintf("%s: an extension's attributes must be a JSON object, got %s", k, kindOf(v)))
				continue
			}
			for ek, ev := range m {
				h.judgeAttr(s, urnOf(s, k), ek, ev)
			}
		default:
			h.judgeAttr(s, "", k, v)
		}
	}
	if full {
		for _, d := range s.attrs {
			if d.Required && d.urn == "" && !hidden(d.Attribute) && lower(d.Returned) != retRequest {
				if _, ok := attrIn(body, d); !ok {
					h.shape = append(h.shape, fmt.Sprintf("%s is required (declared required) but absent", d.key()))
				}
			}
		}
	}
	return h
}

// urnOf returns the declared spelling of an extension URN.
func urnOf(s *rtSchema, k string) string {
	for _, e := range s.exts {
		if strings.EqualFold(e, k) {
			return e
		}
	}
	return k
}

func (h *honesty) judgeAttr(s *rtSchema, urn, name string, v any) {
	d, ok := s.attr(urn, name)
	label := name
	if urn != "" {
		label = urn + ":" + name
	}
	if !ok {
		h.shape = append(h.shape, fmt.Sprintf("%s is not declared in /Schemas", label))
		return
	}
	if v == nil {
		return
	}
	if hidden(d.Attribute) {
		h.hidden = append(h.hidden, fmt.Sprintf("%s (mutability %s, returned %s) is returned", d.key(), d.Mutability, d.Returned))
	}
	if !d.MultiValued {
		h.shape = append(h.shape, valueProblems(d, d.key(), v)...)
		return
	}
	arr, ok := v.([]any)
	if !ok {
		h.shape = append(h.shape, fmt.Sprintf("%s is multi-valued but is returned as %s, not a JSON array", d.key(), kindOf(v)))
		return
	}
	primaries := 0
	for _, e := range arr {
		h.shape = append(h.shape, valueProblems(d, d.key(), e)...)
		if m, ok := e.(map[string]any); ok {
			if p, _ := lookupCI(m, "primary"); p == true {
				primaries++
			}
		}
	}
	if primaries > 1 {
		h.primates = append(h.primates, fmt.Sprintf("%s has %d values with primary true", d.key(), primaries))
	}
}

// valueProblems checks one value (of a multi-valued attribute: one
// element) against d.
func valueProblems(d declAttr, path string, v any) []string {
	if !d.isComplex() {
		if p := typeProblem(d.Type, d.CanonicalValues, v); p != "" {
			return []string{path + ": " + p}
		}
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s is complex but is returned as %s, not a JSON object", path, kindOf(v))}
	}
	var out []string
	for k, sv := range m {
		sub, ok := d.sub(k)
		if !ok {
			out = append(out, fmt.Sprintf("%s.%s is not a declared sub-attribute", path, k))
			continue
		}
		if sv == nil {
			continue
		}
		if hidden(sub) {
			out = append(out, fmt.Sprintf("%s.%s is never returned by its declaration, but is", path, sub.Name))
		}
		if p := typeProblem(sub.Type, sub.CanonicalValues, sv); p != "" {
			out = append(out, path+"."+sub.Name+": "+p)
		}
	}
	return out
}

// typeProblem says how v breaks the JSON form of a declared type (RFC 7643
// §2.3), or a non-empty declared canonical list; "" when it does not.
func typeProblem(typ string, canonical []string, v any) string {
	want := ""
	switch lower(typ) {
	case "boolean":
		if _, ok := v.(bool); !ok {
			want = "a JSON boolean"
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			want = "a JSON integer"
		}
	case "decimal":
		if _, ok := v.(float64); !ok {
			want = "a JSON number"
		}
	case "datetime":
		if s, ok := v.(string); !ok || !isDateTime(s) {
			want = "an xsd:dateTime string"
		}
	case "binary":
		if _, err := decode64(v); err != nil {
			want = "base64 data"
		}
	case "complex":
		if _, ok := v.(map[string]any); !ok {
			want = "a JSON object"
		}
	default:
		s, ok := v.(string)
		if !ok {
			want = "a JSON string"
		} else if len(canonical) > 0 && !slices.ContainsFunc(canonical, func(c string) bool { return strings.EqualFold(c, s) }) {
			return fmt.Sprintf("%q is not one of the declared canonicalValues %v", s, canonical)
		}
	}
	if want == "" {
		return ""
	}
	return fmt.Sprintf("declared %s, returned %s (%s)", typ, show(v), "want "+want)
}

func isDateTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
