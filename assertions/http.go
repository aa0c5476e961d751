package assertions

import (
	"fmt"
	"mime"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

var httpChecks = area("http", []Check{
	{ID: "http-utf8-roundtrip", Title: "Non-ASCII values round-trip in UTF-8", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.8",
		Spec: []string{"PROTO-HTTP-001"}, Rule: "the service accepts and returns JSON encoded in UTF-8: a non-ASCII value is read back byte for byte"},
	{ID: "http-accept-scim-json", Title: "Accept: application/scim+json is served", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.8",
		Spec: []string{"PROTO-HTTP-002"}, Rule: "a request with Accept: application/scim+json is answered with JSON, never 406"},
	{ID: "http-accept-json", Title: "Accept: application/json is served", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.8",
		Spec: []string{"PROTO-HTTP-003"}, Rule: "service providers should support Accept: application/json"},
	{ID: "http-default-media-type", Title: "Without Accept, responses are application/scim+json", Level: lShould, Keyword: "DERIVED", Derived: "RFC 7644 §3.8 names application/scim+json as SCIM's media type; a default without Accept is implied, not required", RFC: "RFC 7644 §3.8",
		Spec: []string{"PROTO-HTTP-004"}, Rule: "with no Accept header the format defaults to application/scim+json"},
	{ID: "http-scim-json-request-body", Title: "A body labelled application/scim+json is accepted", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §8.1 registers application/scim+json as SCIM's media type and §3.8 MUSTs JSON support: a body labelled with SCIM's own type must be accepted", RFC: "RFC 7644 §3.8, §8.1",
		Spec: []string{"PROTO-HTTP-006"}, Rule: "a request body labelled application/scim+json, SCIM's own media type, is accepted, never refused with 415"},
	{ID: "http-json-request-body", Title: "A body labelled application/json is accepted", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.8 MUSTs JSON support and §3.1 sends resources as JSON bodies: a JSON body must be accepted", RFC: "RFC 7644 §3.1, §3.8",
		Spec: []string{"PROTO-HTTP-006"}, Rule: "a request body labelled application/json is accepted (Okta sends its bodies so)"},
	{ID: "http-unknown-param-ignored", Title: "Unknown query parameters are ignored", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.4.2",
		Spec: []string{"PROTO-HTTP-007"}, Rule: "an unrecognised query parameter should be ignored, not rejected"},
	{ID: "http-error-status-in-body", Title: "The error body's status equals the HTTP status", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.2, §3.12",
		Spec: []string{"PROTO-HTTP-008"}, Rule: "an error's status code is sent as the HTTP status and repeated in the body's status"},
	{ID: "http-json-shape", Title: "Multi-valued attributes are arrays, complex ones objects", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.8 and RFC 7643 §2 define SCIM bodies as JSON objects of the schema's shape", RFC: "RFC 7644 §3.8",
		Spec: []string{"PROTO-HTTP-009"}, Rule: "singular attributes are name/value pairs, multi-valued attributes JSON arrays (even with one value), complex attributes JSON objects"},
	{ID: "http-version-path", Title: "The protocol version sits before the endpoint", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.13",
		Spec: []string{"PROTO-VERS-001"}, Rule: "a version segment such as /v2 sits immediately before the resource endpoint and requests under it are served"},
	{ID: "http-wrong-version-refused", Title: "An unsupported version in the path is not served", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.13",
		Spec: []string{"PROTO-VERS-002", "PROTO-STATUS-023"}, Rule: "a request naming a protocol version is served under that version or rejected, never silently served as another version"},
	{ID: "http-me-endpoint", Title: "/Me answers 501, 308 or the authenticated subject", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.11",
		Spec: []string{"PROTO-ME-001"}, Rule: "a service provider that does not support /Me should answer 501; otherwise 308 or the resource with its Location"},
	{ID: "http-message-schemas", Title: "Protocol messages carry the registered api URNs", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.1, §8.2",
		Spec: []string{"PROTO-ERR-006"}, Rule: "ListResponse, Error and BulkResponse messages carry their urn:ietf:params:scim:api:messages:2.0 URI in schemas"},
	{ID: "list-unfiltered", Title: "GET /Users without parameters lists users", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2 defines a query without filter as returning all resources of the endpoint", RFC: "RFC 7644 §3.4.2",
		Spec: []string{"PROTO-LIST-008"}, Rule: "a query without filter or paging parameters returns a ListResponse, counting at least the users the run created"},
})

// SCIMBodyAccepted judges the refusal the client met for a body labelled
// application/scim+json (see fakeidp.Client.SCIMBodyRefusal): none is a pass.
func SCIMBodyAccepted(refusal *fakeidp.Exchange) error {
	if refusal == nil {
		return nil
	}
	return fmt.Errorf("%s = %d%s to a body labelled application/scim+json, SCIM's own media type, want it accepted (the run went on with its bodies labelled application/json)",
		op(refusal), refusal.Status, errorDetail(refusal))
}

// MediaType returns the response's media type without parameters.
func MediaType(ex *fakeidp.Exchange) string {
	mt, _, _ := mime.ParseMediaType(ex.Header("Content-Type"))
	return mt
}

// JSONShape judges that the well-known multi-valued attributes of a User or
// Group body are arrays and name is an object.
func JSONShape(ex *fakeidp.Exchange) error {
	for _, k := range []string{"emails", "phoneNumbers", "addresses", "members", "groups", "schemas"} {
		if v := fakeidp.Get(ex.RespBody, k); v.Exists() && v.Type != gjson.Null && !v.IsArray() {
			return fmt.Errorf("%s = %s %s, want a JSON array", op(ex), k, raw(v))
		}
	}
	if v := fakeidp.Get(ex.RespBody, "name"); v.Exists() && v.Type != gjson.Null && !v.IsObject() {
		return fmt.Errorf("%s = name %s, want a JSON object", op(ex), raw(v))
	}
	return nil
}

// MessageSchema judges that a protocol message's schemas holds urn exactly.
func MessageSchema(ex *fakeidp.Exchange, urn string) error {
	s := fakeidp.Get(ex.RespBody, "schemas")
	for _, v := range s.Array() {
		if v.Str == urn {
			return nil
		}
	}
	return fmt.Errorf("%s = schemas %s, want [%q] (exact URI)", op(ex), raw(s), urn)
}

// BodyStatusMatches judges that an error body's status names the HTTP status
// (as a string or, leniently here, a number).
func BodyStatusMatches(ex *fakeidp.Exchange) error {
	st := fakeidp.Get(ex.RespBody, "status")
	if st.String() == fmt.Sprint(ex.Status) {
		return nil
	}
	return fmt.Errorf("%s = HTTP %d with body status %s, want the body to repeat %d", op(ex), ex.Status, raw(st), ex.Status)
}
