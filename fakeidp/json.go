package fakeidp

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Get returns the value in the JSON body reached by keys, matching each object
// key case-insensitively, as RFC 7643 §2.1 makes attribute names. A key that
// is a number indexes an array. Keys are whole names, so URNs that contain
// dots ("urn:…:enterprise:2.0:User") need no escaping.
func Get(body []byte, keys ...string) gjson.Result {
	return Lookup(gjson.ParseBytes(body), keys...)
}

// Lookup is [Get] on an already parsed value.
func Lookup(v gjson.Result, keys ...string) gjson.Result {
	for _, k := range keys {
		switch {
		case v.IsObject():
			v = field(v, k)
		case v.IsArray():
			i, err := strconv.Atoi(k)
			if err != nil {
				return gjson.Result{}
			}
			arr := v.Array()
			if i < 0 || i >= len(arr) {
				return gjson.Result{}
			}
			v = arr[i]
		default:
			return gjson.Result{}
		}
	}
	return v
}

// field finds key in object v, preferring an exact match.
func field(v gjson.Result, key string) gjson.Result {
	var found gjson.Result
	v.ForEach(func(k, val gjson.Result) bool {
		if k.Str == key {
			found = val
			return false
		}
		if !found.Exists() && strings.EqualFold(k.Str, key) {
			found = val
		}
		return true
	})
	return found
}

// Attr reads a SCIM attribute path such as "meta.version" or "name.givenName"
// (dot-separated, case-insensitive). An attribute of an extension schema is
// written with its URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber".
func Attr(body []byte, path string) gjson.Result {
	if strings.HasPrefix(strings.ToLower(path), "urn:") {
		i := strings.LastIndex(path, ":")
		urn, rest := path[:i], path[i+1:]
		return Get(body, append([]string{urn}, strings.Split(rest, ".")...)...)
	}
	return Get(body, strings.Split(path, ".")...)
}

// IsJSON reports whether body is one valid JSON value.
func IsJSON(body []byte) bool { return len(body) > 0 && gjson.ValidBytes(body) }
