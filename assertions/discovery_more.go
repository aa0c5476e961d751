package assertions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

var discoveryMoreChecks = area("discovery-documents", []Check{
	{ID: "disc-auth-schemes", Title: "Each authentication scheme has type, name and description", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 7643 §5",
		Spec: []string{"DISC-SPC-003"}, Rule: "every authenticationSchemes entry has type (oauth, oauth2, oauthbearertoken, httpbasic or httpdigest), name and description"},
	{ID: "disc-spc-readonly", Title: "ServiceProviderConfig cannot be written", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 Table 2 lists only GET for the discovery endpoints and RFC 7643 §5 makes them read-only", RFC: "RFC 7643 §5; RFC 7644 Table 2",
		Spec: []string{"DISC-SPC-004"}, Rule: "the ServiceProviderConfig is readOnly and GET-only: PUT, PATCH, POST and DELETE never succeed"},
	{ID: "disc-filter-ignored-or-403", Title: "Discovery endpoints refuse filters or ignore them", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §4",
		Spec: []string{"DISC-SPC-007", "DISC-RT-008", "DISC-SCH-010"}, Rule: "discovery endpoints ignore filtering, sorting and paging; a filter should be answered 403, otherwise the normal document is returned"},
	{ID: "disc-rt-fields", Title: "Each ResourceType has its required fields", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 7643 §6",
		Spec: []string{"DISC-RT-002"}, Rule: "a ResourceType has the ResourceType schema, name, endpoint and schema; each schemaExtensions entry has schema and a boolean required"},
	{ID: "disc-rt-schemas-exist", Title: "ResourceType schemas are published at /Schemas", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §6",
		Spec: []string{"DISC-RT-003"}, Rule: "a ResourceType's schema and schemaExtensions[].schema are ids of schemas served at /Schemas"},
	{ID: "disc-rt-endpoint-works", Title: "Each ResourceType endpoint answers a query", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §6 defines a resource type's endpoint as where its resources live: it must answer", RFC: "RFC 7643 §6",
		Spec: []string{"DISC-RT-004"}, Rule: "GET {base}{endpoint} of each resource type answers 200 with a ListResponse"},
	{ID: "disc-rt-single", Title: "GET /ResourceTypes/User returns one ResourceType", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §4 defines /ResourceTypes/{name} as returning that one resource type", RFC: "RFC 7644 §4",
		Spec: []string{"DISC-RT-005"}, Rule: "a single resource type is retrieved by name as one object"},
	{ID: "disc-rt-required-extension", Title: "A required extension is on every resource", Level: lMust, Keyword: "MUST", RFC: "RFC 7643 §6",
		Spec: []string{"DISC-RT-006"}, Rule: "when a schema extension is required, every resource of that type carries it"},
	{ID: "disc-schema-single", Title: "GET /Schemas/{urn} returns one schema", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §4 defines /Schemas/{uri} as returning that one schema", RFC: "RFC 7644 §4",
		Spec: []string{"DISC-SCH-002"}, Rule: "a single schema is retrieved by appending its URI to /Schemas"},
	{ID: "disc-schema-uris-known", Title: "Every schemas URI used by a resource is published", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §7 defines each schema by its URI id: a listed schema must be the one it names", RFC: "RFC 7643 §7",
		Spec: []string{"DISC-SCH-003"}, Rule: "each URI in a resource's schemas is the id of a schema served at /Schemas"},
	{ID: "disc-schema-attr-defs", Title: "Schema attribute definitions are complete", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 7643 §7",
		Spec: []string{"DISC-SCH-004"}, Rule: "each attribute has name, a defined type, multiValued, required, caseExact, mutability, returned and uniqueness from their keyword sets; complex ones have subAttributes"},
	{ID: "disc-schema-representation", Title: "Schema resources carry their schema and meta", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §7 with erratum 8417 defines a schema resource's representation (schemas, id, attributes, meta)", RFC: "RFC 7643 §7 (erratum 8417)",
		Spec: []string{"DISC-SCH-005"}, Rule: "each Schema resource has schemas [\"urn:ietf:params:scim:schemas:core:2.0:Schema\"] and meta"},
	{ID: "disc-no-api-schemas", Title: "Protocol message schemas are not listed", Level: lMust, Keyword: "SHALL NOT", RFC: "RFC 7644 §3.1",
		Spec: []string{"DISC-SCH-006"}, Rule: "urn:ietf:params:scim:api: message schemas are not listed at /Schemas"},
	{ID: "disc-core-characteristics", Title: "Core attribute characteristics agree with RFC 7643", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7643 §8.7.1",
		Spec: []string{"DISC-SCH-007"}, Rule: "userName is required and not caseExact, id readOnly and returned always, password writeOnly and never returned, groups readOnly, Group.displayName required"},
	{ID: "disc-no-nested-complex", Title: "Complex attributes have no complex sub-attributes", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §2.3.8",
		Spec: []string{"SCHEMA-ATTR-009"}, Rule: "a complex attribute must not contain sub-attributes that are themselves complex"},
	{ID: "disc-schema-no-nulls", Title: "/Schemas has no null values and exact keyword casing", Level: lIDP, Keyword: "IDP", RFC: "Entra ID schema discovery",
		Spec: []string{"DISC-SCH-009"}, Rule: "Entra reads /Schemas: no null values anywhere, and keyword values cased exactly (readWrite, not ReadWrite)"},
})

var (
	attrTypes       = []string{"string", "boolean", "decimal", "integer", "dateTime", "reference", "complex", "binary"}
	mutabilities    = []string{"readOnly", "readWrite", "immutable", "writeOnly"}
	returnabilities = []string{"always", "never", "default", "request"}
	uniquenesses    = []string{"none", "server", "global"}
	authTypes       = []string{"oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"}
)

// AuthSchemes judges the authenticationSchemes entries.
func AuthSchemes(ex *fakeidp.Exchange) error {
	list := fakeidp.Get(ex.RespBody, "authenticationSchemes").Array()
	if len(list) == 0 {
		return fmt.Errorf("%s = no authenticationSchemes, want at least one", op(ex))
	}
	for i, s := range list {
		for _, k := range []string{"type", "name", "description"} {
			if fakeidp.Lookup(s, k).String() == "" {
				return fmt.Errorf("%s = authenticationSchemes[%d] without %s, want type, name and description", op(ex), i, k)
			}
		}
		if t := fakeidp.Lookup(s, "type").String(); !slices.Contains(authTypes, strings.ToLower(t)) {
			return fmt.Errorf("%s = authenticationSchemes[%d].type %q, want one of %v", op(ex), i, t, authTypes)
		}
	}
	return nil
}

// ResourceTypeFields judges every ResourceType of a /ResourceTypes answer.
func ResourceTypeFields(ex *fakeidp.Exchange) error {
	for _, rt := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		name := fakeidp.Lookup(rt, "name").String()
		if !hasString(fakeidp.Lookup(rt, "schemas"), schemaResourceType) {
			return fmt.Errorf("%s = ResourceType %q with schemas %s, want [%q]", op(ex), name, raw(fakeidp.Lookup(rt, "schemas")), schemaResourceType)
		}
		for _, k := range []string{"name", "endpoint", "schema"} {
			if fakeidp.Lookup(rt, k).String() == "" {
				return fmt.Errorf("%s = ResourceType %q without %s, want name, endpoint and schema", op(ex), name, k)
			}
		}
		for _, e := range fakeidp.Lookup(rt, "schemaExtensions").Array() {
			if fakeidp.Lookup(e, "schema").String() == "" || !fakeidp.Lookup(e, "required").IsBool() {
				return fmt.Errorf("%s = ResourceType %q extension %s, want schema and a boolean required", op(ex), name, e.Raw)
			}
		}
	}
	return nil
}

// SchemaIDs returns the ids of the schemas a /Schemas answer lists, lower-cased.
func SchemaIDs(ex *fakeidp.Exchange) []string {
	var out []string
	for _, s := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		out = append(out, strings.ToLower(fakeidp.Lookup(s, "id").String()))
	}
	return out
}

// ResourceTypeSchemasExist judges that every schema a ResourceType names is published.
func ResourceTypeSchemasExist(rts, schemas *fakeidp.Exchange) error {
	known := SchemaIDs(schemas)
	for _, rt := range fakeidp.Get(rts.RespBody, "Resources").Array() {
		names := []string{fakeidp.Lookup(rt, "schema").String()}
		for _, e := range fakeidp.Lookup(rt, "schemaExtensions").Array() {
			names = append(names, fakeidp.Lookup(e, "schema").String())
		}
		for _, n := range names {
			if !slices.Contains(known, strings.ToLower(n)) {
				return fmt.Errorf("%s = ResourceType %q names schema %q, which GET /Schemas does not list", op(rts), fakeidp.Lookup(rt, "name").String(), n)
			}
		}
	}
	return nil
}

// SchemaAttrDefs judges every attribute definition of every schema.
func SchemaAttrDefs(ex *fakeidp.Exchange) error {
	for _, s := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		if err := attrDefs(ex, fakeidp.Lookup(s, "id").String(), fakeidp.Lookup(s, "attributes"), 0); err != nil {
			return err
		}
	}
	return nil
}

func attrDefs(ex *fakeidp.Exchange, where string, attrs gjson.Result, depth int) error {
	for _, a := range attrs.Array() {
		name := fakeidp.Lookup(a, "name").String()
		at := where + ":" + name
		typ := fakeidp.Lookup(a, "type").String()
		switch {
		case name == "":
			return fmt.Errorf("%s = an attribute of %s without name, want a name", op(ex), where)
		case !slices.Contains(attrTypes, typ):
			return fmt.Errorf("%s = %s type %q, want one of %v", op(ex), at, typ, attrTypes)
		case !fakeidp.Lookup(a, "multiValued").IsBool() || !fakeidp.Lookup(a, "required").IsBool():
			return fmt.Errorf("%s = %s without boolean multiValued and required", op(ex), at)
		case !slices.Contains(mutabilities, fakeidp.Lookup(a, "mutability").String()):
			return fmt.Errorf("%s = %s mutability %s, want one of %v", op(ex), at, raw(fakeidp.Lookup(a, "mutability")), mutabilities)
		case !slices.Contains(returnabilities, fakeidp.Lookup(a, "returned").String()):
			return fmt.Errorf("%s = %s returned %s, want one of %v", op(ex), at, raw(fakeidp.Lookup(a, "returned")), returnabilities)
		case typ != "complex" && typ != "boolean" && !fakeidp.Lookup(a, "caseExact").IsBool():
			return fmt.Errorf("%s = %s without a boolean caseExact", op(ex), at)
		case typ != "complex" && typ != "boolean" && !slices.Contains(uniquenesses, fakeidp.Lookup(a, "uniqueness").String()):
			return fmt.Errorf("%s = %s uniqueness %s, want one of %v", op(ex), at, raw(fakeidp.Lookup(a, "uniqueness")), uniquenesses)
		case typ == "complex" && depth == 0 && len(fakeidp.Lookup(a, "subAttributes").Array()) == 0:
			return fmt.Errorf("%s = complex %s without subAttributes", op(ex), at)
		}
		if err := attrDefs(ex, at, fakeidp.Lookup(a, "subAttributes"), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// NoNestedComplex judges that no complex attribute has a complex sub-attribute.
func NoNestedComplex(ex *fakeidp.Exchange) error {
	for _, s := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		for _, a := range fakeidp.Lookup(s, "attributes").Array() {
			for _, sub := range fakeidp.Lookup(a, "subAttributes").Array() {
				if fakeidp.Lookup(sub, "type").String() == "complex" {
					return fmt.Errorf("%s = %s.%s is complex inside complex %s, want simple sub-attributes only", op(ex),
						fakeidp.Lookup(s, "id").String(), fakeidp.Lookup(sub, "name").String(), fakeidp.Lookup(a, "name").String())
				}
			}
		}
	}
	return nil
}

// SchemaRepresentation judges each Schema resource's schemas and meta.
func SchemaRepresentation(ex *fakeidp.Exchange) error {
	for _, s := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		id := fakeidp.Lookup(s, "id").String()
		if !hasString(fakeidp.Lookup(s, "schemas"), "urn:ietf:params:scim:schemas:core:2.0:Schema") {
			return fmt.Errorf("%s = schema %q with schemas %s, want [\"urn:ietf:params:scim:schemas:core:2.0:Schema\"]", op(ex), id, raw(fakeidp.Lookup(s, "schemas")))
		}
		if !fakeidp.Lookup(s, "meta").IsObject() {
			return fmt.Errorf("%s = schema %q without meta, want meta (erratum 8417)", op(ex), id)
		}
	}
	return nil
}

// NoAPISchemas judges that no protocol message schema is listed.
func NoAPISchemas(ex *fakeidp.Exchange) error {
	for _, id := range SchemaIDs(ex) {
		if strings.HasPrefix(id, "urn:ietf:params:scim:api:") {
			return fmt.Errorf("%s = lists %q, want no urn:ietf:params:scim:api: message schema", op(ex), id)
		}
	}
	return nil
}

// CoreCharacteristics judges the published characteristics of core attributes.
func CoreCharacteristics(ex *fakeidp.Exchange, sp *fakeidp.ServiceProvider) error {
	type want struct{ res, attr, field, value string }
	var probs []string
	for _, w := range []want{
		{"User", "userName", "required", "true"}, {"User", "userName", "caseExact", "false"},
		{"User", "id", "mutability", "readOnly"}, {"User", "id", "returned", "always"},
		{"User", "password", "mutability", "writeOnly"}, {"User", "password", "returned", "never"},
		{"User", "groups", "mutability", "readOnly"}, {"Group", "displayName", "required", "true"},
	} {
		attrs := sp.UserAttrs
		if w.res == "Group" {
			attrs = sp.GroupAttrs
		}
		a, ok := attrs[strings.ToLower(w.attr)]
		if !ok {
			continue // not declared: narrowing is allowed
		}
		var got string
		switch w.field {
		case "required":
			got = fmt.Sprint(a.Required)
		case "caseExact":
			got = fmt.Sprint(a.CaseExact)
		case "mutability":
			got = a.Mutability
		case "returned":
			got = a.Returned
		}
		if got != w.value {
			probs = append(probs, fmt.Sprintf("%s.%s %s %s (want %s)", w.res, w.attr, w.field, got, w.value))
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%s = %s, want the RFC 7643 §8.7.1 characteristics", op(ex), strings.Join(probs, "; "))
	}
	return nil
}

// NoNulls judges that a discovery document holds no JSON null anywhere.
func NoNulls(ex *fakeidp.Exchange) error {
	var path string
	var walk func(prefix string, v gjson.Result) bool
	walk = func(prefix string, v gjson.Result) bool {
		if v.Type == gjson.Null {
			path = prefix
			return false
		}
		okAll := true
		if !v.IsObject() && !v.IsArray() {
			return true
		}
		v.ForEach(func(k, c gjson.Result) bool {
			okAll = walk(prefix+"."+k.String(), c)
			return okAll
		})
		return okAll
	}
	if !walk("", gjson.ParseBytes(ex.RespBody)) {
		return fmt.Errorf("%s = null at %s, want no null values", op(ex), strings.TrimPrefix(path, "."))
	}
	return nil
}
