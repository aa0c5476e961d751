package refserver

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"time"
)

// Values inside a resource are plain JSON-shaped Go values: string, bool,
// float64, map[string]any and []any, with canonical attribute names. Once a
// resource is committed to the store its values are never mutated again:
// every update builds new maps (copy-on-write), so readers may hold on to
// them after the lock is released.

// inputOpts tunes how client input is read.
type inputOpts struct {
	strictBool     bool // active-string-rejected: refuse "True"/"False" strings
	keepDuplicates bool // duplicate-values-kept: store a repeated (type, value) pair
	emptyCanonical bool // empty-canonical-values: refuse roles.type and x509Certificates.type
	truncDecimal   bool // decimal-truncated
	rewriteZone    bool // datetime-rewritten
}

// normalizeValue validates v against def and returns the canonical value.
// present is false when v means "unassigned" (null, [] or an empty object;
// RFC 7643 §2.5). readOnly sub-attributes are dropped.
func normalizeValue(def *attrDef, v any, o inputOpts) (out any, present bool, err *scimError) {
	if v == nil {
		return nil, false, nil
	}
	if def.MultiValued {
		arr, ok := v.([]any)
		if !ok {
			arr = []any{v} // lenient: a single value for a multi-valued attribute
		}
		res := make([]any, 0, len(arr))
		for _, e := range arr {
			nv, ok, err := normalizeSingle(def, e, o)
			if err != nil {
				return nil, false, err
			}
			if ok {
				res = append(res, nv)
			}
		}
		if len(res) == 0 {
			return nil, false, nil
		}
		if !o.keepDuplicates {
			res = dropDuplicatePairs(res)
		}
		fixPrimaries(res)
		return res, true, nil
	}
	if arr, ok := v.([]any); ok && def.Type == tComplex && len(arr) == 1 {
		// Entra's legacy manager shape: a one-element array for a singular
		// complex attribute.
		v = arr[0]
	}
	return normalizeSingle(def, v, o)
}

func normalizeSingle(def *attrDef, v any, o inputOpts) (any, bool, *scimError) {
	if v == nil {
		return nil, false, nil
	}
	if def.Type == tComplex {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false, badRequest(stInvalidValue, "attribute %q must be a complex value (JSON object)", def.Name)
		}
		out := make(map[string]any, len(m))
		for k, sv := range m {
			sd := def.sub(k)
			if sd == nil || sd.Mutability == mReadOnly {
				continue // unknown or readOnly sub-attributes are ignored
			}
			if o.emptyCanonical && emptyCanonicalOn(def, sd) && sv != nil {
				return nil, false, badRequest(stInvalidValue, "%s.%s: %v is not one of the canonical values", def.Name, sd.Name, sv)
			}
			nv, ok, err := normalizeSingle(sd, sv, o)
			if err != nil {
				return nil, false, badRequest(err.scimType, "%s.%s", def.Name, err.detail)
			}
			if ok {
				out[sd.Name] = nv
			}
		}
		if len(out) == 0 {
			return nil, false, nil
		}
		return out, true, nil
	}
	return normalizeSimple(def, v, o)
}

func normalizeSimple(def *attrDef, v any, o inputOpts) (any, bool, *scimError) {
	bad := func(want string) (any, bool, *scimError) {
		return nil, false, badRequest(stInvalidValue, "%s: expected %s, got %s", def.Name, want, jsonKind(v))
	}
	switch def.Type {
	case tBoolean:
		switch b := v.(type) {
		case bool:
			return b, true, nil
		case string:
			// Entra sends "True"/"False" strings (requirements §7.1).
			if !o.strictBool {
				if strings.EqualFold(b, "true") {
					return true, true, nil
				}
				if strings.EqualFold(b, "false") {
					return false, true, nil
				}
			}
		}
		return bad("a boolean")
	case tInteger, tDecimal:
		f, ok := v.(float64)
		if !ok {
			return bad("a number")
		}
		if def.Type == tInteger && f != math.Trunc(f) {
			return bad("an integer")
		}
		if def.Type == tDecimal && o.truncDecimal {
			f = truncate(f)
		}
		return f, true, nil
	case tDateTime:
		s, ok := v.(string)
		if !ok {
			return bad("a dateTime string")
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return bad("an xsd:dateTime")
		}
		if o.rewriteZone {
			s = rewriteZone(s)
		}
		return s, true, nil
	case tBinary:
		s, ok := v.(string)
		if !ok {
			return bad("a base64 string")
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			if _, err2 := base64.RawStdEncoding.DecodeString(s); err2 != nil {
				return bad("base64 data")
			}
		}
		return s, true, nil
	default: // string, reference
		s, ok := v.(string)
		if !ok {
			return bad("a string")
		}
		return s, true, nil
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

// dropDuplicatePairs keeps the first of values with the same type and value
// (RFC 7643 §2.4: the same pair SHOULD NOT be returned twice); a dropped
// duplicate's primary flag passes to the value kept.
func dropDuplicatePairs(vals []any) []any {
	out := vals[:0:0]
	first := map[[2]any]int{}
	for _, e := range vals {
		m, ok := e.(map[string]any)
		if !ok || m["value"] == nil {
			out = append(out, e)
			continue
		}
		key := [2]any{m["type"], m["value"]}
		i, dup := first[key]
		if !dup {
			first[key] = len(out)
			out = append(out, e)
			continue
		}
		if m["primary"] == true {
			kept := copyMap(out[i].(map[string]any))
			kept["primary"] = true
			out[i] = kept
		}
	}
	return out
}

// fixPrimaries keeps at most one primary:true value (the first one), as
// RFC 7643 §2.4 requires.
func fixPrimaries(vals []any) {
	seen := false
	for i, e := range vals {
		m, ok := e.(map[string]any)
		if !ok || m["primary"] != true {
			continue
		}
		if seen {
			c := copyMap(m)
			c["primary"] = false
			vals[i] = c
		}
		seen = true
	}
}

// deepCopy copies maps and slices recursively.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

func equalValues(a, b any) bool { return reflect.DeepEqual(a, b) }

// lookupKey finds a key in m case-insensitively and returns the actual key.
func lookupKey(m map[string]any, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}
