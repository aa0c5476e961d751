package fakeidp

import (
	"fmt"
	"net/url"
	"strings"
)

// Dialect names, as --dialect takes them.
const (
	DialectRFC         = "rfc"          // the RFC 7644 examples
	DialectEntra       = "entra"        // Microsoft Entra ID with the aadOptscim062020 flag
	DialectEntraLegacy = "entra-legacy" // Entra ID without the flag
	DialectOkta        = "okta"         // Okta (OIN and AIW apps)
	DialectAll         = "all"          // every dialect in turn, plus a convergence check
)

// Dialects returns the request dialects, in the order --dialect all runs them.
func Dialects() []string {
	return []string{DialectRFC, DialectEntra, DialectEntraLegacy, DialectOkta}
}

// Dialect shapes requests the way one identity provider sends them. Checks
// judge the outcome the same way whatever the dialect: a dialect changes
// what is sent, never what is wanted.
//
// What each dialect sends (see docs/requirements.md §7):
//
//   - rfc: lowercase ops, JSON booleans, members removed by a value filter,
//     updates through PATCH, no paging parameters.
//   - entra: the aadOptscim062020 behaviour: lowercase ops, JSON booleans,
//     pathless replace with dotted keys, members added with "$ref": null and
//     removed by a value filter, matching on userName.
//   - entra-legacy: capitalised ops ("Replace"), booleans as the strings
//     "True"/"False", member removal by a value array on path members,
//     matching on externalId.
//   - okta: updates as GET then a full PUT (with id, meta and groups:[]),
//     deactivation as a pathless replace {"active":false}, member removal
//     and addition in one PATCH, and count=100 on every query.
type Dialect struct{ Name string }

// ParseDialect returns the dialect called name ("" means rfc).
func ParseDialect(name string) (Dialect, error) {
	if name == "" {
		name = DialectRFC
	}
	for _, d := range Dialects() {
		if d == name {
			return Dialect{Name: d}, nil
		}
	}
	return Dialect{}, fmt.Errorf("unknown dialect %q: valid dialects are %s and %s", name, strings.Join(Dialects(), ", "), DialectAll)
}

// Op renders a PATCH op name: "replace", or "Replace" for entra-legacy.
func (d Dialect) Op(op string) string {
	op = strings.ToLower(op)
	if d.Name == DialectEntraLegacy {
		return strings.ToUpper(op[:1]) + op[1:]
	}
	return op
}

// Bool renders a boolean value: a JSON boolean, or "True"/"False" for entra-legacy.
func (d Dialect) Bool(b bool) any {
	if d.Name == DialectEntraLegacy {
		if b {
			return "True"
		}
		return "False"
	}
	return b
}

// UpdatesWithPUT reports whether the IdP updates users by GET then a full PUT (okta).
func (d Dialect) UpdatesWithPUT() bool { return d.Name == DialectOkta }

// PageCount is the count the IdP sends on every query (0 = none).
func (d Dialect) PageCount() int {
	if d.Name == DialectOkta {
		return 100
	}
	return 0
}

// Query adds the dialect's paging parameters to a query.
func (d Dialect) Query(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if n := d.PageCount(); n > 0 {
		q.Set("startIndex", "1")
		q.Set("count", fmt.Sprint(n))
	}
	return q
}

// MatchFilter is the filter the IdP sends to find u before creating it.
func (d Dialect) MatchFilter(u User) string {
	if d.Name == DialectEntraLegacy && u.ExternalID != "" {
		return `externalId eq "` + u.ExternalID + `"`
	}
	return `userName eq "` + u.UserName + `"`
}

// SetActive returns the operations that set a user's active flag.
func (d Dialect) SetActive(active bool) []PatchOp {
	switch d.Name {
	case DialectOkta:
		return []PatchOp{{Op: "replace", Value: map[string]any{"active": active}}}
	default:
		return []PatchOp{{Op: d.Op("replace"), Path: "active", Value: d.Bool(active)}}
	}
}

// SetAttributes returns the operations that replace simple or dotted
// attributes (e.g. "displayName", "name.familyName").
func (d Dialect) SetAttributes(attrs map[string]any) []PatchOp {
	if d.Name == DialectEntra {
		// aadOptscim062020: one pathless replace with dotted keys.
		return []PatchOp{{Op: "replace", Value: attrs}}
	}
	var ops []PatchOp
	for _, k := range sortedKeys(attrs) {
		ops = append(ops, PatchOp{Op: d.Op("replace"), Path: k, Value: attrs[k]})
	}
	return ops
}

// AddMembers returns the operation that adds users to a group.
func (d Dialect) AddMembers(ids ...string) PatchOp {
	var vals []map[string]any
	for _, id := range ids {
		v := map[string]any{"value": id}
		if d.Name == DialectEntra || d.Name == DialectEntraLegacy {
			v["$ref"] = nil
		}
		vals = append(vals, v)
	}
	return PatchOp{Op: d.Op("add"), Path: "members", Value: vals}
}

// RemoveMember returns the operation that removes one user from a group.
func (d Dialect) RemoveMember(id string) PatchOp {
	if d.Name == DialectEntraLegacy {
		return PatchOp{Op: "Remove", Path: "members", Value: []map[string]any{{"$ref": nil, "value": id}}}
	}
	return PatchOp{Op: "remove", Path: `members[value eq "` + id + `"]`}
}

// ChangeMembers returns the PATCH requests that remove and add members: one
// request with both operations for okta, else one request per change.
func (d Dialect) ChangeMembers(remove, add []string) [][]PatchOp {
	var ops [][]PatchOp
	var all []PatchOp
	for _, id := range remove {
		all = append(all, d.RemoveMember(id))
		ops = append(ops, []PatchOp{d.RemoveMember(id)})
	}
	if len(add) > 0 {
		all = append(all, d.AddMembers(add...))
		ops = append(ops, []PatchOp{d.AddMembers(add...)})
	}
	if d.Name == DialectOkta {
		return [][]PatchOp{all}
	}
	return ops
}

// RenameGroup returns the operation that renames a group. Okta puts the
// group's own id inside a pathless replace value.
func (d Dialect) RenameGroup(id, name string) PatchOp {
	if d.Name == DialectOkta {
		return PatchOp{Op: "replace", Value: map[string]any{"id": id, "displayName": name}}
	}
	return PatchOp{Op: d.Op("replace"), Path: "displayName", Value: name}
}

// PutUserBody renders a full-object PUT the way Okta sends it: the user as
// read, with id, meta and an empty groups list.
func (d Dialect) PutUserBody(u User, withEnterprise bool) map[string]any {
	body := UserResource(u, withEnterprise)
	body["id"] = u.ID
	if d.Name == DialectOkta {
		body["groups"] = []any{}
		body["meta"] = map[string]any{"resourceType": "User"}
	}
	return body
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// Rebased returns a client for another base URL that shares this client's
// credentials, transport, limits and recorder: for probes such as a
// different protocol version in the path. Plain http stays limited to
// loopback hosts unless the client allows it.
func (c *Client) Rebased(baseURL string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) && !c.insecureHTTP {
		return nil, fmt.Errorf("base URL %q: plain http is allowed only to loopback hosts", baseURL)
	}
	cp := *c
	cp.base = u
	return &cp, nil
}
