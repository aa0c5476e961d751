package reconcile

import (
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// add files one resource, given as JSON, as a user or a group, or
// reports why not. It works on the bytes (gjson), so that a 100k-user
// source costs its size once, not a parsed tree per resource.
func (s *Source) add(line int, raw []byte) {
	r := gjson.ParseBytes(raw)
	if !r.IsObject() || !gjson.ValidBytes(raw) {
		s.bad(line, "not a JSON object")
		return
	}
	switch kindOf(r) {
	case "User":
		s.addUser(line, r)
	case "Group":
		s.addGroup(line, r)
	default:
		s.bad(line, "cannot tell a User from a Group: no core schema in \"schemas\", no userName, no displayName")
	}
}

func kindOf(r gjson.Result) string {
	for _, v := range fakeidp.Lookup(r, "schemas").Array() {
		switch {
		case strings.EqualFold(v.String(), fakeidp.SchemaUser):
			return "User"
		case strings.EqualFold(v.String(), fakeidp.SchemaGroup):
			return "Group"
		}
	}
	if fakeidp.Lookup(r, "userName").Exists() {
		return "User"
	}
	if fakeidp.Lookup(r, "displayName").Exists() {
		return "Group"
	}
	return ""
}

// keyVals are a row's name and match-key attributes by name: a map per
// row of a million-row source is garbage the collector pays for.
type keyVals struct {
	names, vals [3]string
}

func (kv *keyVals) get(name string) string {
	for i, n := range kv.names {
		if n == name {
			return kv.vals[i]
		}
	}
	return ""
}

// stringAttrs reads the named string attributes of r, copied out of the
// line in one string; the second result names one that is present but not
// a string.
func stringAttrs(r gjson.Result, names [3]string) (keyVals, string) {
	kv := keyVals{names: names}
	var b strings.Builder
	for i, n := range names {
		v := fakeidp.Lookup(r, n)
		switch v.Type {
		case gjson.Null:
		case gjson.String:
			kv.vals[i] = v.Str
			b.WriteString(v.Str)
		default:
			return keyVals{}, n
		}
	}
	all := b.String() // not the whole line's string
	for i := range kv.vals {
		kv.vals[i], all = all[:len(kv.vals[i])], all[len(kv.vals[i]):]
	}
	return kv, ""
}

// pick chooses the match key: the forced attribute, or the first of
// preferred that has a value.
func pick(forced string, values keyVals, preferred ...string) (string, string) {
	if forced != "" {
		return forced, values.get(forced)
	}
	for _, a := range preferred {
		if v := values.get(a); v != "" {
			return a, v
		}
	}
	return preferred[len(preferred)-1], ""
}

func (s *Source) addUser(line int, r gjson.Result) {
	vals, bad := stringAttrs(r, [3]string{"userName", "externalId", "id"})
	if bad != "" {
		s.bad(line, "User %s is not a string", bad)
		return
	}
	if vals.get("userName") == "" {
		s.bad(line, "User without userName (required, RFC 7643 §4.1.1)")
		return
	}
	var active *bool
	switch v := fakeidp.Lookup(r, "active"); v.Type {
	case gjson.Null:
	case gjson.True, gjson.False:
		b := v.Bool()
		active = &b
	default:
		s.bad(line, "User %q: active is %s, want true or false", vals.get("userName"), v.Raw)
		return
	}
	attr, key := pick(s.match, vals, "externalId", "userName")
	if key == "" {
		s.bad(line, "User %q has no %s to match it by", vals.get("userName"), attr)
		return
	}
	k := keyIndex(attr, key)
	if first, dup := s.userKeys[k]; dup {
		s.bad(line, "User %s %q is also on line %d", attr, key, s.Users[first].Line)
		return
	}
	s.userKeys[k] = len(s.Users)
	if len(s.Users) == cap(s.Users) { // double: append grows a long slice by a quarter, copying it again and again
		s.Users = slices.Grow(s.Users, max(len(s.Users), 1024))
	}
	s.Users = append(s.Users, SourceUser{Line: line, KeyAttr: attr, Key: key, UserName: vals.get("userName"),
		ExternalID: vals.get("externalId"), ID: vals.get("id"), Active: active, Raw: rawWithout(r, s.userAttrs, "id", "meta", "groups")})
}

func (s *Source) addGroup(line int, r gjson.Result) {
	vals, bad := stringAttrs(r, [3]string{"displayName", "externalId", "id"})
	if bad != "" {
		s.bad(line, "Group %s is not a string", bad)
		return
	}
	if vals.get("displayName") == "" {
		s.bad(line, "Group without displayName (required, RFC 7643 §4.2)")
		return
	}
	forced := map[string]string{MatchExternalID: "externalId", MatchUserName: "displayName", MatchID: "id"}[s.match]
	attr, key := pick(forced, vals, "externalId", "displayName")
	if key == "" {
		s.bad(line, "Group %q has no %s to match it by", vals.get("displayName"), attr)
		return
	}
	g := SourceGroup{Line: line, KeyAttr: attr, Key: key, DisplayName: vals.get("displayName"), ExternalID: vals.get("externalId"), ID: vals.get("id")}
	members := fakeidp.Lookup(r, "members")
	if members.Exists() && members.Type != gjson.Null && !members.IsArray() {
		s.bad(line, "Group %q: members is not an array", key)
		return
	}
	for i, m := range members.Array() {
		v := fakeidp.Lookup(m, "value")
		if !m.IsObject() || v.Type != gjson.String || v.Str == "" {
			s.bad(line, "Group %q: members[%d] has no string value (the member's match key)", key, i)
			return
		}
		if strings.EqualFold(fakeidp.Lookup(m, "type").String(), "Group") {
			g.GroupMembers = append(g.GroupMembers, strings.Clone(v.Str))
		} else {
			g.Members = append(g.Members, strings.Clone(v.Str))
		}
	}
	k := keyIndex(attr, key)
	if first, dup := s.grpKeys[k]; dup {
		s.bad(line, "Group %s %q is also on line %d", attr, key, s.Groups[first].Line)
		return
	}
	g.Raw = rawWithout(r, s.groupAttrs, "id", "meta", "members")
	s.grpKeys[k] = len(s.Groups)
	s.Groups = append(s.Groups, g)
}

// rawWithout returns the object r as JSON without the named attributes
// (any case), and notes every attribute it keeps in named.
func rawWithout(r gjson.Result, named map[string]bool, drop ...string) []byte {
	out := make([]byte, 0, len(r.Raw))
	out = append(out, '{')
	r.ForEach(func(k, v gjson.Result) bool {
		if slices.ContainsFunc(drop, func(n string) bool { return strings.EqualFold(n, k.Str) }) {
			return true
		}
		named[strings.ToLower(k.Str)] = true
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(append(out, k.Raw...), ':'), v.Raw...)
		return true
	})
	return append(out, '}')
}
