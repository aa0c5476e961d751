package assertions

import (
	"fmt"
	"slices"

	"github.com/scimloop/scimloop/fakeidp"
)

var negativeChecks = area("negative", []Check{
	{ID: "neg-malformed-json", Title: "An unparsable body gets 400 invalidSyntax", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Tables 8 and 9",
		Spec: []string{"PROTO-STATUS-016"}, Rule: "a request body that cannot be parsed is answered 400 with scimType invalidSyntax"},
	{ID: "neg-wrong-schemas", Title: "A body with wrong or missing schemas is refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Tables 8 and 9; RFC 7643 §3",
		Spec: []string{"PROTO-STATUS-016"}, Rule: "a body that does not fit the request's schema (no schemas, or another resource's schema) is answered 400 invalidSyntax or invalidValue"},
	{ID: "neg-missing-username", Title: "A user without userName is refused", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §4.1.1; RFC 7644 Table 9",
		Spec: []string{"SCHEMA-USER-001", "PROTO-STATUS-017"}, Rule: "userName is REQUIRED: a create without it is answered 400 (scimType invalidValue is Table 9's word for it, and OPTIONAL)"},
	{ID: "neg-empty-username", Title: "An empty userName is refused", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §4.1.1",
		Spec: []string{"SCHEMA-USER-001"}, Rule: "every User has a non-empty userName: a create with \"\" is answered 400"},
	{ID: "neg-group-no-displayname", Title: "A group without displayName is refused", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 7643 §4.2 (erratum 5368)",
		Spec: []string{"SCHEMA-GROUP-001"}, Rule: "Group.displayName is REQUIRED: a create without it is answered 400"},
	{ID: "neg-type-mismatch", Title: "A wrongly typed value gets 400 invalidValue", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Tables 8 and 9; RFC 7643 §2.3",
		Spec: []string{"PROTO-STATUS-017"}, Rule: "a value of the wrong type (\"active\":\"maybe\", a number for userName) is answered 400 with scimType invalidValue"},
	{ID: "neg-unknown-attribute", Title: "An unknown attribute is dropped or refused, never a server error", Level: lMay, Keyword: "DERIVED", Derived: "RFC 7644 §3.1 leaves unknown attributes to the provider's schema; either answer is allowed, a 5xx is only recorded", RFC: "RFC 7644 §3.1",
		Spec: []string{"PROTO-CREATE-011"}, Rule: "the provider interprets a request in the context of its own schema: an unknown attribute is ignored or refused with 400, never a 5xx"},
	{ID: "neg-client-id-ignored", Title: "A client-supplied id is not used", Level: lMust, Keyword: "SHALL", RFC: "RFC 7643 §3.1; RFC 7644 §3.3",
		Spec: []string{"SCHEMA-ID-005", "PROTO-CREATE-001"}, Rule: "id is issued by the service provider and readOnly: a create carrying \"id\" succeeds and gets an id of the provider's choosing"},
	{ID: "neg-client-meta-ignored", Title: "Client-supplied meta is ignored", Level: lMust, Keyword: "SHALL", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-002"}, Rule: "meta is set by the provider; meta sent by a client (e.g. created 2000-01-01) is ignored"},
	{ID: "neg-user-groups-readonly", Title: "User.groups cannot be written", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §4.1.2, §7",
		Spec: []string{"SCHEMA-USER-008", "SCHEMA-MUT-001"}, Rule: "groups is readOnly: a PATCH adding to User.groups is refused (400; Table 9 names mutability) or ignored; membership changes only through the Group"},
	{ID: "neg-put-never-creates", Title: "PUT never creates: an unknown id is refused", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7644 §3.5.1",
		Spec: []string{"PROTO-STATUS-006"}, Rule: "PUT replaces an existing resource; for an id that does not exist it answers an error and creates nothing"},
	{ID: "neg-put-unknown-404", Title: "A PUT to an unknown id is answered 404", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.5.1",
		Spec: []string{"PROTO-STATUS-006"}, Rule: "the refusal of a PUT to an id that does not exist uses 404 Not Found, as Table 8 describes"},
	{ID: "neg-patch-no-schemas", Title: "A PATCH without the PatchOp schemas is refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.5.2",
		Spec: []string{"PROTO-PATCH-001"}, Capability: fakeidp.CapPatch, Rule: "a PATCH body without \"schemas\": [PatchOp URI] is malformed (the client MUST send it): it is answered 400 and changes nothing"},
	{ID: "neg-put-missing-username", Title: "A PUT without userName is refused", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §4.1.1 makes userName REQUIRED and RFC 7644 §3.5.1 replaces the whole resource: a PUT without it cannot succeed", RFC: "RFC 7644 §3.5.1",
		Spec: []string{"PROTO-PUT-007"}, Rule: "a PUT must carry the required attributes: without userName it is answered 400"},
	{ID: "neg-filter-syntax", Title: "A malformed filter gets 400 invalidFilter", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Tables 8 and 9; §3.4.2.2",
		Spec: []string{"PROTO-FILTER-020", "PROTO-STATUS-018"}, Capability: fakeidp.CapFilter, Rule: "a syntactically invalid filter is answered 400 with scimType invalidFilter"},
	{ID: "neg-filter-unknown-operator", Title: "An unknown filter operator gets 400 invalidFilter", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-019"}, Capability: fakeidp.CapFilter, Rule: "an unrecognised operator is declined with 400 invalidFilter and a human-readable detail"},
	{ID: "neg-filter-empty", Title: "An empty filter is refused or ignored", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.4.2.2",
		Spec: []string{"PROTO-FILTER-021"}, Capability: fakeidp.CapFilter, Rule: "a filter has at least one valid expression: filter= is answered 400 invalidFilter, or the parameter is ignored"},
	{ID: "neg-filter-bool-ordering", Title: "gt/lt on a boolean gets 400 invalidFilter", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.2, Table 3",
		Spec: []string{"PROTO-FILTER-012"}, Capability: fakeidp.CapFilter, Rule: "gt, ge, lt and le on a Boolean or Binary attribute are answered 400 invalidFilter"},
	{ID: "neg-filter-unknown-attribute", Title: "A filter on an unknown attribute never returns everything", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2's MUST to process filters as defined: an unevaluable filter may not be dropped and match everything", RFC: "RFC 7644 Table 9",
		Spec: []string{"PROTO-FILTER-026"}, Capability: fakeidp.CapFilter, Rule: "a filter the server cannot evaluate is answered 400 invalidFilter or matches nothing; it is never ignored"},
	{ID: "neg-too-many", Title: "A very broad query is answered or refused with tooMany", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.1, Table 9",
		Spec: []string{"PROTO-STATUS-022"}, Capability: fakeidp.CapFilter, Rule: "a query that would return too many results is answered 200 or refused 400 tooMany; never another error"},
	{ID: "neg-patch-no-operations", Title: "PATCH with no operations is refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.5.2",
		Spec: []string{"PROTO-PATCH-002"}, Capability: fakeidp.CapPatch, Rule: "Operations is an array of one or more operations: an empty array is answered 400"},
	{ID: "neg-patch-unknown-op", Title: "An unknown PATCH op is refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.5.2",
		Spec: []string{"PROTO-PATCH-003"}, Capability: fakeidp.CapPatch, Rule: "each operation's op is add, remove or replace: \"move\" is answered 400 and nothing is applied"},
	{ID: "neg-patch-add-no-value", Title: "PATCH add without value is refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.5.2.1",
		Spec: []string{"PROTO-PATCH-005"}, Capability: fakeidp.CapPatch, Rule: "an add operation carries a value: without one it is answered 400"},
	{ID: "neg-patch-remove-no-path", Title: "PATCH remove without path gets 400 noTarget", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.2 states that a remove without path fails with 400 and scimType noTarget; §3.5.2 makes path REQUIRED for remove", RFC: "RFC 7644 §3.5.2.2",
		Spec: []string{"PROTO-PATCH-006", "PROTO-STATUS-020"}, Capability: fakeidp.CapPatch, Rule: "path is required for remove: a remove without a path is answered 400 with scimType noTarget"},
	{ID: "neg-patch-invalid-path", Title: "A malformed PATCH path gets 400 invalidPath", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Tables 8 and 9; §3.5.2",
		Spec: []string{"PROTO-PATCH-007", "PROTO-STATUS-019"}, Capability: fakeidp.CapPatch, Rule: "a path that does not follow the PATH grammar is answered 400 with scimType invalidPath"},
	{ID: "neg-patch-remove-required", Title: "Removing a required attribute gets 400 mutability", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.2",
		Spec: []string{"PROTO-PATCH-019", "PROTO-STATUS-021"}, Capability: fakeidp.CapPatch, Rule: "removing a required or readOnly attribute fails with 400 mutability and leaves the resource unchanged"},
	{ID: "neg-patch-replace-readonly", Title: "Replacing a readOnly attribute is refused", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2",
		Spec: []string{"PROTO-PATCH-032"}, Capability: fakeidp.CapPatch, Rule: "an operation that modifies a readOnly attribute (id, meta.created) returns an error and changes nothing"},
	{ID: "neg-patch-unmatched-filter", Title: "replace with an unmatched value filter gets 400 noTarget", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-027"}, Capability: fakeidp.CapPatch, Rule: "a replace whose valuePath filter matches no value is answered 400 with scimType noTarget, and nothing is added"},
	{ID: "neg-oversize-body", Title: "An oversize request is refused, not processed", Level: lMay, Keyword: "DERIVED", Derived: "no sentence asks a server to refuse a 64 KiB body; Table 8 only names 413 for when it does", RFC: "RFC 7644 §3.12, Table 8",
		Rule: "a request body over the server's limit is refused with 413 (or 400) or a closed connection, never a 5xx and never created"},
	{ID: "neg-immutable-unchanged", Title: "An immutable attribute cannot be changed", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.5.1; RFC 7643 §7",
		Spec: []string{"PROTO-PUT-006", "SCHEMA-MUT-002"}, Rule: "an immutable attribute that has a value cannot be given another one: the request is answered 400 mutability"},
	{ID: "neg-scimtype-keyword", Title: "scimType is a Table 9 keyword", Level: lMay, Keyword: "OPTIONAL", RFC: "RFC 7644 §3.12, Table 9",
		Spec: []string{"PROTO-ERR-004"}, Rule: "scimType, when present, is one of invalidFilter, tooMany, uniqueness, mutability, invalidSyntax, invalidPath, noTarget, invalidValue, invalidVers or sensitive"},
})

var scimTypes = []string{"invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"}

// ScimTypeKeyword judges that an error's scimType, when present, is a Table 9 keyword.
func ScimTypeKeyword(ex *fakeidp.Exchange) error {
	v := fakeidp.Get(ex.RespBody, "scimType")
	if !v.Exists() || slices.Contains(scimTypes, v.String()) {
		return nil
	}
	return fmt.Errorf("%s = %d with scimType %s, want one of the RFC 7644 Table 9 keywords", op(ex), ex.Status, raw(v))
}

// NotApplied judges that a refused write left attribute path as before.
func NotApplied(write, before, after *fakeidp.Exchange, path string) error {
	b, a := fakeidp.Attr(before.RespBody, path), fakeidp.Attr(after.RespBody, path)
	if b.Raw == a.Raw {
		return nil
	}
	return fmt.Errorf("%s = %d, and %s then reads %s (before: %s), want the resource unchanged", op(write), write.Status, path, raw(a), raw(b))
}
