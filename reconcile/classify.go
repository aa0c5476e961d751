package reconcile

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// pendingGroup is a group whose membership could not be settled during the
// walk: it lists ids the walk had not seen, or nested groups.
type pendingGroup struct {
	src          int32
	id, etag     string
	unresolved   []string // wanted member keys with no server user yet
	unknownIDs   []string // server member ids not seen in the user walk
	serverGroups []string // server member ids of type Group
}

func jsonText(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// scan reads what the walk keeps of a listed resource in one pass over
// its top-level attributes (names case-insensitive); nameAttr is userName
// or displayName. A user without "active", or with it true, is active.
// The kept strings share one copy, not the page's body: one object per
// resource for the collector to trace, not four.
func scan(r gjson.Result, nameAttr string) *srvRes {
	sr := &srvRes{active: true}
	r.ForEach(func(k, v gjson.Result) bool {
		switch {
		case strings.EqualFold(k.Str, "id"):
			sr.id = v.String()
		case strings.EqualFold(k.Str, "externalId"):
			sr.ext = v.String()
		case strings.EqualFold(k.Str, nameAttr):
			sr.name = v.String()
		case strings.EqualFold(k.Str, "active"):
			sr.active = v.Type != gjson.False
		case strings.EqualFold(k.Str, "meta"):
			sr.etag = fakeidp.Lookup(v, "version").String()
		}
		return true
	})
	var b strings.Builder
	b.Grow(len(sr.id) + len(sr.ext) + len(sr.name) + len(sr.etag))
	for _, f := range []*string{&sr.id, &sr.ext, &sr.name, &sr.etag} {
		b.WriteString(*f)
	}
	all := b.String()
	for _, f := range []*string{&sr.id, &sr.ext, &sr.name, &sr.etag} {
		*f, all = all[:len(*f)], all[len(*f):]
	}
	return sr
}

// onUser compares one server user with its source user.
func (e *engine) onUser(r gjson.Result, inScope bool) {
	sr := scan(r, "userName")
	if sr.id == "" {
		e.fail("a listed User has no id")
		return
	}
	i := e.claim(e.users, sr, e.src.userKeys, "userName", inScope)
	if i < 0 {
		return
	}
	su := &e.src.Users[i]
	e.compareAttrs("User", su.Key, sr, su.Raw, r, e.sp.UserAttrs)
	e.compared.Add(1)
}

// compareAttrs records each attribute of server resource r that drifted
// from its source resource raw, and plans the PATCH that sets it back. A
// user the source has inactive but the server active is access that
// lingers, the riskiest drift, not a mere attribute.
func (e *engine) compareAttrs(typ, key string, sr *srvRes, raw []byte, r gjson.Result, attrs map[string]fakeidp.Attribute) {
	want, got := unequal(raw, r)
	diffs := Compare(attrs, want, got)
	for _, d := range diffs {
		class := reports.DriftAttribute
		if typ == "User" && strings.EqualFold(d.Path, "active") && d.Want == false {
			class = reports.DriftAccessLingers
		}
		e.add(reports.Drift{Class: class, Type: typ, Key: key, ID: sr.id, Path: d.Path, Want: jsonText(d.Want), Got: jsonText(d.Got)})
	}
	if e.plan != nil && len(diffs) > 0 {
		e.plan.patch(typ, sr.id, sr.etag, attrOps(want, diffs))
	}
}

// unequal decodes, of the top-level attributes the source resource raw
// (a JSON object, checked when the source was read) names, those whose
// server value in r is not the very same JSON text: want holds the
// source's values, got the server's under the source's name. The same
// text is the same value, which Compare finds equal, so a resource in sync
// is compared without decoding either side, and a group's thousand members
// stay undecoded bytes. Numbers decode as float64 on both sides.
func unequal(raw []byte, r gjson.Result) (want, got map[string]any) {
	gjson.ParseBytes(raw).ForEach(func(k, v gjson.Result) bool {
		sv := fakeidp.Lookup(r, k.Str)
		if sv.Exists() && sv.Raw == v.Raw {
			delete(want, k.Str) // a repeated name: the last one counts, as in decoding
			delete(got, k.Str)
			return true
		}
		if want == nil { // made only for a resource that differs
			want, got = map[string]any{}, map[string]any{}
		}
		want[k.Str] = v.Value()
		if sv.Exists() {
			got[k.Str] = sv.Value()
		} else {
			delete(got, k.Str)
		}
		return true
	})
	return want, got
}

// attrOps are the PATCH operations that set each drifted top-level
// attribute to the source's value (remove when the source has none).
func attrOps(want map[string]any, diffs []Difference) []map[string]any {
	var ops []map[string]any
	done := map[string]bool{}
	for _, d := range diffs {
		if done[strings.ToLower(d.Attr)] {
			continue
		}
		done[strings.ToLower(d.Attr)] = true
		v, _ := lookupFold(want, d.Attr)
		if urn, sub, ok := cutExtension(d.Attr); ok {
			m, _ := lookupFold(want, urn)
			mm, _ := m.(map[string]any)
			v, _ = lookupFold(mm, sub)
		}
		if isEmpty(v) {
			ops = append(ops, map[string]any{"op": "remove", "path": d.Attr})
		} else {
			ops = append(ops, map[string]any{"op": "replace", "path": d.Attr, "value": v})
		}
	}
	return ops
}

// cutExtension splits "urn:…:User:department" into its URN and attribute.
func cutExtension(attr string) (string, string, bool) {
	i := strings.LastIndex(attr, ":")
	if i < 0 {
		return "", "", false
	}
	return attr[:i], attr[i+1:], true
}

// onGroup compares one server group with its source group: attributes,
// then membership member by member.
func (e *engine) onGroup(r gjson.Result, inScope bool) {
	sr := scan(r, "displayName")
	if sr.id == "" {
		e.fail("a listed Group has no id")
		return
	}
	i := e.claim(e.groups, sr, e.src.grpKeys, "displayName", inScope)
	if i < 0 {
		return
	}
	sg := &e.src.Groups[i]
	e.compareAttrs("Group", sg.Key, sr, sg.Raw, r, e.sp.GroupAttrs)
	var userIDs, groupIDs []string
	fakeidp.Lookup(r, "members").ForEach(func(_, m gjson.Result) bool {
		v := fakeidp.Lookup(m, "value").String()
		if strings.EqualFold(fakeidp.Lookup(m, "type").String(), "Group") {
			groupIDs = append(groupIDs, v)
		} else {
			userIDs = append(userIDs, v)
		}
		return true
	})
	e.members(i, sr, userIDs, groupIDs)
	e.compared.Add(1)
}

// members compares a group's user members with what the source grants.
// What cannot be settled yet (ids the walk has not seen, nested groups)
// waits for finishPending.
func (e *engine) members(i int32, sr *srvRes, userIDs, groupIDs []string) {
	sg := &e.src.Groups[i]
	e.mu.Lock()
	desired := make(map[string]string, len(sg.Members))
	var unresolved []string
	for _, k := range sg.Members {
		if u := e.resolve(e.users, e.src.userKeys, "userName", k); u != nil {
			desired[u.id] = k
		} else {
			unresolved = append(unresolved, k)
		}
	}
	var notGranted []*srvRes
	var unknown []string
	for _, id := range userIDs {
		if _, ok := desired[id]; ok {
			delete(desired, id)
		} else if u := e.users.byID[id]; u != nil {
			notGranted = append(notGranted, u)
		} else {
			unknown = append(unknown, id)
		}
	}
	e.mu.Unlock()
	for _, u := range notGranted {
		e.memberDrift(reports.DriftMembershipNotGranted, sg, sr, e.keyOf(e.users, u), u.id)
	}
	for id, k := range desired {
		e.memberDrift(reports.DriftMissingMembership, sg, sr, k, id)
	}
	if len(unknown) > 0 || len(groupIDs) > 0 || len(sg.GroupMembers) > 0 {
		e.mu.Lock()
		e.pending = append(e.pending, pendingGroup{src: i, id: sr.id, etag: sr.etag, unresolved: unresolved, unknownIDs: unknown, serverGroups: groupIDs})
		e.mu.Unlock()
		return
	}
	for _, k := range unresolved {
		e.memberDrift(reports.DriftMissingMembership, sg, sr, k, "")
	}
}

// memberDrift records one membership drift and its plan operation.
func (e *engine) memberDrift(class reports.DriftClass, sg *SourceGroup, sr *srvRes, member, memberID string) {
	e.add(reports.Drift{Class: class, Type: "Group", Key: sg.Key, ID: sr.id, Member: member, MemberID: memberID})
	if e.plan == nil {
		return
	}
	switch class {
	case reports.DriftMembershipNotGranted:
		e.plan.patch("Group", sr.id, sr.etag, []map[string]any{{"op": "remove", "path": "members[value eq " + quoteJSON(memberID) + "]"}})
	case reports.DriftMissingMembership:
		e.plan.patch("Group", sr.id, sr.etag, []map[string]any{{"op": "add", "path": "members",
			"value": []any{map[string]any{"value": e.memberRef(member, memberID)}}}})
	}
}

// memberRef is the id to send for a member: its server id, or a reference
// to the step of the plan that creates it.
func (e *engine) memberRef(key, id string) string {
	if id != "" {
		return id
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if i, ok := lookupKey(e.src.userKeys, "userName", key); ok {
		return userRef(i)
	}
	return key
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// lookupKey finds a source resource by a member value: its externalId,
// its userName (or displayName), or its id.
func lookupKey(keys map[matchKey]int, nameAttr, k string) (int, bool) {
	for _, a := range []string{"externalId", nameAttr, "id"} {
		if i, ok := keys[keyIndex(a, k)]; ok {
			return i, true
		}
	}
	return 0, false
}

// resolve finds the server resource a member key names: through the
// source resource with that key, else directly on the server by
// externalId or name (engine lock held).
func (e *engine) resolve(sd *side, keys map[matchKey]int, nameAttr, k string) *srvRes {
	if i, ok := lookupKey(keys, nameAttr, k); ok {
		return sd.first[i]
	}
	if r := sd.byExt[k]; r != nil {
		return r
	}
	if r := sd.byName[strings.ToLower(k)]; r != nil {
		return r
	}
	return sd.byID[k]
}

// keyOf names a server resource by its match key: the key of the source
// resource it matched, else its externalId, else its name.
func (e *engine) keyOf(sd *side, r *srvRes) string {
	if r.src >= 0 {
		if sd.typ == "Group" {
			return e.src.Groups[r.src].Key
		}
		return e.src.Users[r.src].Key
	}
	if r.ext != "" {
		return r.ext
	}
	return r.name
}
