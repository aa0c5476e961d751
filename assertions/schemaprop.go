package assertions

import "github.com/scimloop/scimloop/reports"

// schemaPropChecks judge the schema properties (sequences/schemaprop.go):
// resources generated from the server's own /Schemas, written and read back.
var schemaPropChecks = area("schema-prop", []Check{
	{ID: "schema-prop-round-trip", Title: "Generated values read back as written", Level: reports.LevelIDP, Keyword: KeywordIDP, RFC: "RFC 7644 §3.3, §3.5; Entra ID (S4 General)",
		Spec: []string{"SCHEMA-ATTR-013", "SCHEMA-ATTR-014"},
		Rule: "a value the IdP wrote (create, PUT, PATCH) reads back as written under SCIM semantics (caseExact, numbers and instants by value, multi-valued as sets); a server may alter or ignore content (RFC 7644 §3.3), but an IdP sees the difference as drift and re-sends it every cycle"},
	{ID: "schema-prop-honesty", Title: "Every response agrees with the server's own /Schemas", Level: reports.LevelMust, Keyword: KeywordDerived,
		Derived: "RFC 7643 §2.3 gives each data type's JSON form and §7 says /Schemas describes the resources served: a response that contradicts its own declaration breaks both", RFC: "RFC 7643 §2.3, §7",
		Spec: []string{"SCHEMA-ATTR-005", "SCHEMA-ATTR-006", "DISC-SCH-008"},
		Rule: "each returned attribute is declared, in its declared type and multi-valued shape, with its declared canonical values when a list is declared, and required attributes are present"},
	{ID: "schema-prop-writeonly-not-returned", Title: "writeOnly and returned=never attributes are never returned", Level: reports.LevelMust, Keyword: "SHALL NOT", RFC: "RFC 7643 §7",
		Spec: []string{"SCHEMA-MUT-003", "SCHEMA-RET-002"},
		Rule: "no response to a create, read, PUT or PATCH carries an attribute declared writeOnly or returned \"never\""},
	{ID: "schema-prop-one-primary", Title: "At most one value is primary", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7643 §2.4",
		Spec: []string{"SCHEMA-ATTR-010"},
		Rule: "primary true appears on at most one value of a multi-valued attribute, after any create, PUT or PATCH (a new primary takes it from the old one)"},
	{ID: "schema-prop-immutable-unchanged", Title: "Immutable values do not change on update", Level: reports.LevelMust, Keyword: "SHALL NOT", RFC: "RFC 7643 §7",
		Spec: []string{"SCHEMA-MUT-002"},
		Rule: "an attribute declared immutable keeps the value it was created with across PUT and PATCH requests that re-send or leave it"},
	{ID: "schema-prop-canonical-empty", Title: "A declared canonicalValues list is not empty", Level: reports.LevelShould, Keyword: KeywordDerived,
		Derived: "RFC 7643 §7 lets a server restrict an attribute to its canonicalValues; a declared empty list that refuses every value makes a writable attribute no client can set", RFC: "RFC 7643 §2.3.1, §7",
		Spec: []string{"DISC-SCH-008"},
		Rule: "an attribute whose declared canonicalValues list is empty accepts values; refusing every value contradicts the attribute's writable mutability"},
	{ID: "schema-prop-patch-model", Title: "PATCH leaves the resource as the model says", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.1, §3.5.2.2, §3.5.2.3",
		Spec: []string{"PROTO-PATCH-011", "PROTO-PATCH-014", "PROTO-PATCH-010"},
		Rule: "after add, replace or remove on a generated attribute (with a path, without one, or with a value filter), every value the model holds is present and every removed one absent; a replace of a complex attribute keeps the sub-attributes it does not name"},
	{ID: "schema-prop-put-model", Title: "PUT stores every value it carries", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.1",
		Spec: []string{"PROTO-PUT-002"},
		Rule: "after a PUT of a generated representation, every readWrite value it carried is present; what it left out may be cleared or defaulted"},
	{ID: "schema-prop-projection", Title: "attributes and excludedAttributes follow each attribute's returned", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.9",
		Spec: []string{"PROTO-ATTRS-002", "PROTO-ATTRS-004"},
		Rule: "attributes=X returns X and the returned=always attributes, not the other set ones; excludedAttributes=X leaves X out unless it is returned always"},
	{ID: "schema-prop-filter", Title: "A filter a generated value matches finds the resource", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-002"}, Capability: "filter",
		Rule: "a filter on a value the resource holds (as read back), joined with and to the resource's name, returns the resource: eq; co, sw, ew on part of a string and ge, le on the string, in the other case when caseExact is false; gt, ge, lt, le around an integer or a dateTime (Table 3: by numeric value, chronologically); pr. A server may decline any filter with 400"},
})
