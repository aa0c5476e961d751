package assertions

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

var schemaChecks = area("schema", []Check{
	{ID: "schema-no-duplicate-uris", Title: "schemas holds no duplicates", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §3",
		Spec: []string{"SCHEMA-RES-002"}, Rule: "a resource's schemas lists each URI once"},
	{ID: "schema-extension-container", Title: "Extension data sits under its URN, which schemas lists", Level: lMust, Keyword: "SHALL", RFC: "RFC 7643 §3, §3.3",
		Spec: []string{"SCHEMA-RES-004", "SCHEMA-ENT-003", "SCHEMA-RES-005"}, Rule: "extension attributes sit in an object keyed by the extension URN, and a resource with extension data lists that URN in schemas"},
	{ID: "schema-order-irrelevant", Title: "The order of schemas in a request does not matter", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §3",
		Spec: []string{"SCHEMA-RES-006"}, Rule: "schemas is a set: a create listing the extension URN first succeeds like one listing it last"},
	{ID: "schema-id-unique", Title: "ids are unique across users and groups", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-ID-002"}, Rule: "each id is unique across every resource the provider holds, users and groups together"},
	{ID: "schema-externalid-exact", Title: "externalId round-trips with its case", Level: lMust, Keyword: "SHALL", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-EXT-001"}, Rule: "externalId is caseExact: the value sent is returned exactly"},
	{ID: "schema-externalid-not-invented", Title: "The provider never invents an externalId", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-EXT-002"}, Rule: "externalId is the client's: a resource created without one has none"},
	{ID: "schema-externalid-not-unique", Title: "A repeated externalId is accepted, or refused as a conflict", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Tables 8 and 9; RFC 7643 §3.1",
		Spec: []string{"SCHEMA-EXT-004"}, Rule: "RFC 7643 §3.1 leaves externalId uniqueness to the client (a sentence without a BCP 14 keyword) and Table 9 allows 409 uniqueness for a value already in use: a second user with the same externalId is created or refused with 409, never with another error"},
	{ID: "schema-created-equals-modified", Title: "A new resource has lastModified equal to created", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-004"}, Rule: "a resource never modified has meta.lastModified equal to meta.created"},
	{ID: "schema-datetime-valid", Title: "dateTime values are valid xsd:dateTime", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §2.3.5",
		Spec: []string{"SCHEMA-ATTR-005"}, Rule: "dateTime values are xsd:dateTime with date and time, e.g. 2008-01-23T04:56:22Z"},
	{ID: "schema-booleans", Title: "Booleans are JSON true or false", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §2.3.2 defines Boolean as JSON true or false", RFC: "RFC 7643 §2.3.2",
		Spec: []string{"SCHEMA-ATTR-003"}, Rule: "boolean attributes (active, primary) are the JSON literals true and false, never strings or numbers"},
	{ID: "schema-references-resolve", Title: "References resolve to their targets", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §2.3.7",
		Spec: []string{"SCHEMA-ATTR-007"}, Rule: "members[].$ref and meta.location are URIs whose GET returns the referenced resource"},
	{ID: "schema-subattr-order", Title: "Sub-attribute order in a request does not matter", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §2.3.8",
		Spec: []string{"SCHEMA-ATTR-008"}, Rule: "the order of a complex attribute's sub-attributes carries no meaning"},
	{ID: "schema-primary-once", Title: "At most one value is primary", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §2.4",
		Spec: []string{"SCHEMA-ATTR-010"}, Rule: "primary is true for at most one value: two primary emails are refused or normalised to one"},
	{ID: "schema-no-duplicate-pairs", Title: "The same (type, value) pair is not returned twice", Level: lShould, Keyword: "SHOULD NOT", RFC: "RFC 7643 §2.4",
		Spec: []string{"SCHEMA-ATTR-011"}, Rule: "a multi-valued attribute SHOULD NOT hold the same type and value twice: a repeated email or phone number is refused or stored once"},
	{ID: "schema-country-code", Title: "An ISO 3166-1 country code is accepted", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §4.1.2",
		Spec: []string{"SCHEMA-ATTR-016"}, Rule: "addresses.country is ISO 3166-1 alpha-2: \"US\" is accepted and returned"},
	{ID: "schema-binary-base64", Title: "Binary values are base64", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §2.3.6, §4.1.2",
		Spec: []string{"SCHEMA-ATTR-006", "SCHEMA-USER-012"}, Rule: "binary values such as x509Certificates.value are base64 and round-trip"},
	{ID: "schema-user-groups", Title: "User.groups lists the groups with value and $ref", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §4.1.2",
		Spec: []string{"SCHEMA-USER-009"}, Rule: "when groups is exposed, each value's value is the Group id, $ref its URI, and it reflects current membership"},
	{ID: "schema-name-formatted", Title: "name.formatted describes the same name", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7643 §4.1.1",
		Spec: []string{"SCHEMA-USER-010"}, Rule: "name's components and formatted describe the same name"},
	{ID: "schema-email-syntax", Title: "emails are returned as valid addresses", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7643 §4.1.2",
		Spec: []string{"SCHEMA-USER-011"}, Rule: "email values follow RFC 5321 (local@domain)"},
	{ID: "schema-manager", Title: "manager.value is kept and manager.displayName is the server's", Level: lShould, Keyword: "RECOMMENDED", RFC: "RFC 7643 §4.3",
		Spec: []string{"SCHEMA-ENT-005"}, Rule: "manager.value is another User's id; manager.displayName is readOnly and not taken from the client"},
	{ID: "schema-enterprise-attrs", Title: "Enterprise attributes round-trip inside the extension", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §4.3 defines the enterprise extension's attributes and their place under its URN", RFC: "RFC 7643 §4.3",
		Spec: []string{"SCHEMA-ENT-002"}, Rule: "employeeNumber, costCenter, organization, division and department are stored and returned inside the extension"},
	{ID: "schema-attr-names-case-insensitive", Title: "Attribute names in requests ignore case", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §2.1 defines attribute names as case insensitive", RFC: "RFC 7643 §2.1",
		Spec: []string{"SCHEMA-ATTR-001"}, Rule: "attribute names are case-insensitive: \"USERNAME\" and \"Emails\" are userName and emails"},
	{ID: "schema-canonical-names", Title: "Responses use the declared attribute names", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §7 defines each attribute's name in the schema; a server returns it under that name", RFC: "RFC 7643 §7",
		Spec: []string{"SCHEMA-ATTR-002"}, Rule: "response keys are spelled as /Schemas declares them"},
	{ID: "schema-group-externalid", Title: "Group externalId round-trips", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §3.1 defines externalId on every resource, Groups included: a written value must read back", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-GROUP-011"}, Rule: "a group's externalId is returned exactly as sent"},
	{ID: "schema-group-initial-members", Title: "A group can be created with members", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §4.2 defines members as settable at create: the created group has them", RFC: "RFC 7643 §4.2",
		Spec: []string{"SCHEMA-GROUP-006", "SCHEMA-GROUP-002"}, Rule: "a group created with members [u] has u as a member, value being u's id and $ref, when present, its URI"},
	{ID: "schema-group-empty-members", Title: "A group can be created with no members", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta group push",
		Spec: []string{"SCHEMA-GROUP-005", "IDP-OKTA-015"}, Rule: "POST /Groups with members [] (Okta) or without members (Entra) answers 201"},
	{ID: "schema-value-roundtrip", Title: "Values come back exactly as sent", Level: lIDP, Keyword: "IDP", RFC: "Entra ID provisioning",
		Spec: []string{"SCHEMA-ATTR-013", "SCHEMA-ATTR-014"}, Rule: "a mixed-case userName and a phone number are returned byte for byte, or the IdP sees drift on every cycle"},
	{ID: "schema-okta-minimum", Title: "The attributes Okta needs are returned", Level: lIDP, Keyword: "IDP", RFC: "Okta SCIM 2.0",
		Spec: []string{"SCHEMA-USER-013", "IDP-OKTA-001", "IDP-OKTA-024"}, Rule: "userName, name.givenName, name.familyName, emails (an array with a primary) and active are returned"},
	{ID: "create-minimal", Title: "A user with only its required attributes is created", Level: lMust, Keyword: "DERIVED",
		Derived: "RFC 7643 §2.2 makes an attribute optional unless its definition says required, §7 lets /Schemas say which are, and RFC 7644 §3.3 lets a create omit readWrite attributes: a create with every required attribute is complete, and §3.3 SHALL answer it 201",
		RFC:     "RFC 7643 §2.2, §4.1.1, §7; RFC 7644 §3.3", Spec: []string{"PROTO-CREATE-006", "SCHEMA-USER-001"},
		Rule: "a POST /Users carrying only schemas and the attributes the server's /Schemas marks required (userName in the core schema) is answered 201"},
})

// NoDuplicateURIs judges a resource's schemas for duplicates.
func NoDuplicateURIs(ex *fakeidp.Exchange) error {
	seen := map[string]bool{}
	for _, v := range fakeidp.Get(ex.RespBody, "schemas").Array() {
		k := strings.ToLower(v.String())
		if seen[k] {
			return fmt.Errorf("%s = schemas %s listing %q twice, want each URI once", op(ex), raw(fakeidp.Get(ex.RespBody, "schemas")), v.String())
		}
		seen[k] = true
	}
	return nil
}

// ExtensionContainer judges that extension data sits under its URN and that
// the URN is listed exactly when the container is there.
func ExtensionContainer(ex *fakeidp.Exchange, urn string, attrs ...string) error {
	listed := hasString(fakeidp.Get(ex.RespBody, "schemas"), urn)
	container := fakeidp.Get(ex.RespBody, urn)
	switch {
	case container.Exists() && !listed:
		return fmt.Errorf("%s = %s data without %q in schemas, want it listed", op(ex), urn, urn)
	case listed && !container.Exists():
		return fmt.Errorf("%s = schemas listing %q with no data under it, want the URN listed only with its data", op(ex), urn)
	}
	for _, a := range attrs {
		if v := fakeidp.Get(ex.RespBody, a); v.Exists() {
			return fmt.Errorf("%s = top-level %s %s, want extension attributes inside the %q object", op(ex), a, raw(v), urn)
		}
	}
	return nil
}

// Booleans judges that active and every primary are JSON booleans.
func Booleans(ex *fakeidp.Exchange) error {
	check := func(path string, v gjson.Result) error {
		if v.Exists() && v.Type != gjson.True && v.Type != gjson.False && v.Type != gjson.Null {
			return fmt.Errorf("%s = %s %s, want a JSON boolean", op(ex), path, raw(v))
		}
		return nil
	}
	if err := check("active", fakeidp.Get(ex.RespBody, "active")); err != nil {
		return err
	}
	for _, mv := range []string{"emails", "phoneNumbers", "addresses", "ims", "photos"} {
		for i, v := range fakeidp.Get(ex.RespBody, mv).Array() {
			if err := check(fmt.Sprintf("%s[%d].primary", mv, i), fakeidp.Lookup(v, "primary")); err != nil {
				return err
			}
		}
	}
	return nil
}

// DateTimes judges meta.created and meta.lastModified as xsd:dateTime.
func DateTimes(ex *fakeidp.Exchange) error {
	for _, k := range []string{"created", "lastModified"} {
		v := fakeidp.Get(ex.RespBody, "meta", k)
		if !v.Exists() {
			continue
		}
		if _, err := parseTime(v); err != nil {
			return fmt.Errorf("%s = meta.%s: %v, want an xsd:dateTime such as 2008-01-23T04:56:22Z", op(ex), k, err)
		}
	}
	return nil
}

// CreatedEqualsModified judges a never-modified resource's meta times.
func CreatedEqualsModified(ex *fakeidp.Exchange) error {
	mt, err := ReadMeta(ex.RespBody)
	if err != nil {
		return fmt.Errorf("%s = %v", op(ex), err)
	}
	if !mt.Created.Equal(mt.LastModified) {
		return fmt.Errorf("%s = meta.created %s, meta.lastModified %s on a resource never modified, want them equal", op(ex),
			fakeidp.Get(ex.RespBody, "meta", "created").Str, fakeidp.Get(ex.RespBody, "meta", "lastModified").Str)
	}
	return nil
}

// Base64Values judges that every value at path.value decodes as base64.
func Base64Values(ex *fakeidp.Exchange, path string) error {
	for i, v := range fakeidp.Get(ex.RespBody, path).Array() {
		s := fakeidp.Lookup(v, "value").String()
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return fmt.Errorf("%s = %s[%d].value %q, want base64 (%v)", op(ex), path, i, clip(s, 40), err)
		}
	}
	return nil
}

// CanonicalNames judges that the top-level keys of a body that match a
// declared attribute case-insensitively are spelled as declared.
func CanonicalNames(ex *fakeidp.Exchange, declared map[string]fakeidp.Attribute) error {
	var bad []string
	gjson.ParseBytes(ex.RespBody).ForEach(func(k, _ gjson.Result) bool {
		if a, ok := declared[strings.ToLower(k.Str)]; ok && a.Name != k.Str {
			bad = append(bad, fmt.Sprintf("%s (declared %s)", k.Str, a.Name))
		}
		return true
	})
	if len(bad) > 0 {
		return fmt.Errorf("%s = keys %s, want the names /Schemas declares", op(ex), strings.Join(bad, ", "))
	}
	return nil
}
