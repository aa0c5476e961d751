package assertions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

var projectionChecks = area("projection", []Check{
	{ID: "attrs-attributes", Title: "attributes= returns only what was asked plus id", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.9, §3.4.2.5",
		Spec: []string{"PROTO-ATTRS-002", "PROTO-ATTRS-001"}, Rule: "attributes replaces the default set: each resource holds the returned=always attributes plus those requested"},
	{ID: "attrs-schemas-kept", Title: "A projected resource still carries schemas", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §2.1, §3; RFC 7644 §3.4.2.5",
		Spec: []string{"PROTO-ATTRS-005", "SCHEMA-RET-001"}, Rule: "every resource representation MUST specify its schemas: attributes= and excludedAttributes= never drop schemas"},
	{ID: "attrs-excluded", Title: "excludedAttributes= drops those attributes", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.9, §3.4.2.5",
		Spec: []string{"PROTO-ATTRS-004"}, Rule: "excludedAttributes removes the named attributes from the default set and keeps the rest"},
	{ID: "attrs-always-kept", Title: "returned=always attributes survive excludedAttributes", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.5; RFC 7643 §7",
		Spec: []string{"PROTO-ATTRS-005", "SCHEMA-RET-001", "SCHEMA-ID-007"}, Rule: "excludedAttributes has no effect on returned=always attributes such as id"},
	{ID: "attrs-sub-attribute", Title: "attributes=name.givenName returns only that sub-attribute", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.9 takes attribute names in §3.10 notation, which includes sub-attributes", RFC: "RFC 7644 §3.9, §3.10",
		Spec: []string{"PROTO-ATTRS-003"}, Rule: "a sub-attribute in attributes returns its parent with only that sub-attribute"},
	{ID: "attrs-names-case-urn", Title: "Projection names ignore case and may carry the URN", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.10 defines attribute notation with URN prefixes and case-insensitive names", RFC: "RFC 7644 §3.10",
		Spec: []string{"PROTO-ATTRS-006"}, Rule: "attribute names in attributes and excludedAttributes are case-insensitive and may be URN-qualified"},
	{ID: "attrs-on-write", Title: "attributes= applies to write responses too", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.9, §3.5.2",
		Spec: []string{"PROTO-ATTRS-007", "PROTO-STATUS-007"}, Capability: fakeidp.CapPatch, Rule: "attributes applies to any response carrying a resource; a PATCH with attributes answers 200 with the projected resource"},
	{ID: "attrs-on-list", Title: "Projection applies to every listed resource", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.4.2.5",
		Spec: []string{"PROTO-ATTRS-001"}, Rule: "attributes and excludedAttributes apply to each resource of a query answer"},
	{ID: "attrs-group-excluded-members", Title: "excludedAttributes=members leaves members out of groups", Level: lIDP, Keyword: "IDP", RFC: "RFC 7644 §3.9; Entra ID group reads",
		Spec: []string{"PROTO-ATTRS-008", "IDP-ENTRA-016", "IDP-ENTRA-017"}, Rule: "GET /Groups/{id}?excludedAttributes=members and the same on a group query return groups without members"},
	{ID: "attrs-members-default", Title: "members is returned by default", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §7 and §8.7.1 define members' returned characteristic as default: returned unless excluded", RFC: "RFC 7643 §8.7.1, §7",
		Spec: []string{"SCHEMA-GROUP-008", "SCHEMA-RET-003"}, Rule: "members (returned default) appears on GET /Groups/{id} unless excluded"},
	{ID: "attrs-meta-excludable", Title: "meta can be excluded", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §3.1 and §7 define meta's returned characteristic; excludedAttributes applies to it", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-010"}, Rule: "meta is returned by default, not always: excludedAttributes=meta removes it"},
	{ID: "attrs-password-never", Title: "password is never returned, even when asked for", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §7, §4.1.1",
		Spec: []string{"SCHEMA-RET-002", "SCHEMA-MUT-003", "SCHEMA-USER-007"}, Rule: "password is writeOnly and returned=never: it appears in no response, not even with attributes=password"},
	{ID: "create-password-not-returned", Title: "A password sent on create is not returned", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §4.1.1, §7",
		Spec: []string{"PROTO-CREATE-012"}, Rule: "the password is accepted on create but returned neither in the 201 body nor on GET"},
})

// OnlyKeys judges that a resource body holds no top-level attribute outside allowed
// (lower-case names; schemas is always tolerated).
func OnlyKeys(ex *fakeidp.Exchange, body []byte, allowed ...string) error {
	var extra []string
	gjson.ParseBytes(body).ForEach(func(k, _ gjson.Result) bool {
		name := strings.ToLower(k.Str)
		if name != "schemas" && !slices.Contains(allowed, name) {
			extra = append(extra, k.Str)
		}
		return true
	})
	if len(extra) > 0 {
		slices.Sort(extra)
		return fmt.Errorf("%s = attributes %s beyond the requested %v, want only those and the returned=always ones", op(ex), strings.Join(extra, ", "), allowed)
	}
	return nil
}

// NoPassword judges that no password appears in a body or its listed resources.
func NoPassword(ex *fakeidp.Exchange) error {
	if v := fakeidp.Get(ex.RespBody, "password"); v.Exists() {
		return fmt.Errorf("%s = password %s, want it never returned", op(ex), raw(v))
	}
	for i, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		if v := fakeidp.Lookup(r, "password"); v.Exists() {
			return fmt.Errorf("%s = Resources[%d].password %s, want it never returned", op(ex), i, raw(v))
		}
	}
	return nil
}
