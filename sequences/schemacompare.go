package sequences

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"time"
)

// This file compares what was written with what reads back, under SCIM's
// rules (RFC 7643 §2, §7): caseExact decides case, numbers and instants
// compare as such, multi-valued attributes compare as sets, and what is
// readOnly or never returned is not expected back. A read-back value that is
// not in its declared type's JSON form (a binary that is not base64, a
// multi-valued attribute that is not an array) is schema-prop-honesty's
// finding on the same response: it compares as matching, so that one bug
// fails one check, not honesty and the comparison's check too.

// diff is one difference between the model and a read-back.
type diff struct {
	path    string
	missing bool // the value is absent, not just different
	want    any
	got     any
}

func (d diff) String() string {
	if d.missing {
		return fmt.Sprintf("%s: sent %s, absent on read-back", d.path, show(d.want))
	}
	return fmt.Sprintf("%s: sent %s, read back %s", d.path, show(d.want), show(d.got))
}

func show(v any) string {
	s := fmt.Sprintf("%v", v)
	if str, ok := v.(string); ok {
		s = fmt.Sprintf("%q", str)
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// lookupCI finds key in m, ignoring case (attribute names are
// case-insensitive, RFC 7643 §2.1).
func lookupCI(m map[string]any, key string) (any, bool) {
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

// attrIn returns d's value in a resource body, from its extension when it
// has one; null counts as absent (RFC 7643 §2.5).
func attrIn(body map[string]any, d declAttr) (any, bool) {
	c := body
	if d.urn != "" {
		ext, _ := lookupCI(body, d.urn)
		c, _ = ext.(map[string]any)
	}
	v, ok := lookupCI(c, d.Name)
	if !ok || v == nil {
		return nil, false
	}
	if arr, isArr := v.([]any); isArr && len(arr) == 0 {
		return nil, false
	}
	return v, true
}

// compareModel returns how got differs from the model want for the
// attributes want sets (those never returned and returned=request are
// not expected back; readOnly ones are the server's). Attributes the model
// leaves unset are not judged: a server may default them.
func compareModel(s *rtSchema, want, got map[string]any) []diff {
	var out []diff
	for _, d := range s.attrs {
		w, ok := attrIn(want, d)
		if !ok || !writable(d.Attribute) || hidden(d.Attribute) || lower(d.Returned) == retRequest {
			continue
		}
		g, ok := attrIn(got, d)
		if !ok {
			out = append(out, diff{path: d.key(), missing: true, want: w})
			continue
		}
		out = append(out, compareAttr(d, w, g)...)
	}
	return out
}

func compareAttr(d declAttr, w, g any) []diff {
	if !d.MultiValued {
		if d.isComplex() {
			wm, _ := w.(map[string]any)
			gm, ok := g.(map[string]any)
			if !ok {
				return nil // not an object: honesty's finding
			}
			return compareComplex(d, d.key(), wm, gm)
		}
		if !matches(d.Type, d.CaseExact, w, g) {
			return []diff{{path: d.key(), want: w, got: g}}
		}
		return nil
	}
	wl, _ := w.([]any)
	gl, ok := g.([]any)
	if !ok {
		return nil // not an array: honesty's finding
	}
	var out []diff
	for _, we := range wl {
		if !containsElem(d, gl, we) {
			out = append(out, diff{path: d.key(), want: we, got: g})
		}
	}
	if len(gl) < len(wl) {
		// fewer values than were written: some are gone, not just changed
		out = append(out, diff{path: d.key(), missing: true, want: fmt.Sprintf("%d values", len(wl)), got: len(gl)})
	}
	return out
}

// compareComplex compares the sub-attributes want sets.
func compareComplex(d declAttr, path string, w, g map[string]any) []diff {
	var out []diff
	for _, sub := range d.subs {
		wv, ok := lookupCI(w, sub.Name)
		if !ok || wv == nil || !writable(sub) || hidden(sub) || lower(sub.Returned) == retRequest {
			continue
		}
		gv, ok := lookupCI(g, sub.Name)
		switch {
		case !ok || gv == nil:
			if lower(sub.Name) == "primary" && wv == false {
				continue // a missing primary means false (RFC 7643 §2.4)
			}
			out = append(out, diff{path: path + "." + sub.Name, missing: true, want: wv})
		case !matches(sub.Type, sub.CaseExact, wv, gv):
			out = append(out, diff{path: path + "." + sub.Name, want: wv, got: gv})
		}
	}
	return out
}

// containsElem reports whether one value of gl matches we in every
// sub-attribute we sets.
func containsElem(d declAttr, gl []any, we any) bool {
	for _, ge := range gl {
		if !d.isComplex() {
			if matches(d.Type, d.CaseExact, we, ge) {
				return true
			}
			continue
		}
		wm, _ := we.(map[string]any)
		gm, ok := ge.(map[string]any)
		if !ok || len(compareComplex(d, "", wm, gm)) == 0 {
			return true // a value that is not an object is honesty's finding
		}
	}
	return false
}

// matches compares a written simple value w with the value g read back: a
// g not in its type's JSON form matches (honesty judges it).
func matches(typ string, caseExact bool, w, g any) bool {
	return typeProblem(typ, nil, g) != "" || simpleEqual(typ, caseExact, w, g)
}

// simpleEqual compares two simple values of a declared type.
func simpleEqual(typ string, caseExact bool, w, g any) bool {
	switch lower(typ) {
	case "integer", "decimal":
		wf, ok1 := number(w)
		gf, ok2 := number(g)
		return ok1 && ok2 && math.Abs(wf-gf) <= 1e-9*math.Max(1, math.Abs(wf))
	case "datetime":
		ws, _ := w.(string)
		gs, _ := g.(string)
		wt, err1 := time.Parse(time.RFC3339Nano, ws)
		gt, err2 := time.Parse(time.RFC3339Nano, gs)
		if err1 != nil || err2 != nil {
			return ws == gs
		}
		return wt.Equal(gt)
	case "binary":
		wb, err1 := decode64(w)
		gb, err2 := decode64(g)
		return err1 == nil && err2 == nil && bytes.Equal(wb, gb)
	case "reference":
		ws, _ := w.(string)
		gs, _ := g.(string)
		return ws == gs || sameResourceRef(ws, gs)
	case "boolean":
		return w == g
	}
	ws, ok1 := w.(string)
	gs, ok2 := g.(string)
	if !ok1 || !ok2 {
		return w == g
	}
	if caseExact {
		return ws == gs
	}
	return strings.EqualFold(ws, gs)
}

// sameResourceRef accepts a reference to a SCIM resource written another
// way (relative, another host form): it ends in the same /Users/{id}.
func sameResourceRef(w, g string) bool {
	for _, ep := range []string{"/Users/", "/Groups/"} {
		if i := strings.LastIndex(w, ep); i >= 0 {
			return strings.HasSuffix(g, w[i:])
		}
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

func decode64(v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("not a string")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return b, nil
}
