package assertions

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
)

// bad builds a recorded exchange for a judgement to refuse.
func bad(method, path string, status int, body string, header ...string) *fakeidp.Exchange {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &fakeidp.Exchange{Method: method, URL: "http://127.0.0.1:8080/scim/v2" + path, Status: status, RespHeader: fakeidp.NewHeaders(h), RespBody: []byte(body)}
}

// unitFailures are recorded bad exchanges, one per judgement, each of which
// the judgement must refuse. They cover the checks that no run against a
// reference-server fault makes fail (the "seen" lines of harness/testdata/faultmatrix.golden),
// and the generic judgements the scenarios build on.
var unitFailures = []struct {
	check string
	err   func() error
}{
	{"interop-patch-supported", func() error {
		return FeatureOffered(bad("GET", "/ServiceProviderConfig", 200, `{"patch":{"supported":false}}`), "patch")
	}},
	{"interop-filter-supported", func() error {
		return FeatureOffered(bad("GET", "/ServiceProviderConfig", 200, `{"filter":{"supported":false,"maxResults":200}}`), "filter")
	}},
	{"ipsie-patch-supported", func() error {
		return FeatureOffered(bad("GET", "/ServiceProviderConfig", 200, `{"bulk":{"supported":true}}`), "patch")
	}},
	{"ipsie-resourcetypes-user-group", func() error {
		return ResourceTypesInclude(bad("GET", "/ResourceTypes", 200, `{"Resources":[{"id":"User","name":"User"}]}`), "User", "Group")
	}},
	{"ipsie-429-retry-after", func() error {
		_, err := RetryAfterOn429([]*fakeidp.Exchange{bad("GET", "/Users", 200, `{}`), bad("GET", "/Groups", 429, `{"status":"429"}`)})
		return err
	}},
	{"create-returns-resource", func() error {
		return CreateReturnsResource(bad("POST", "/Users", 201, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`))
	}},
	{"auth-tls", func() error { return TLS("http://scim.example.com/scim/v2") }},
	{"schema-id-unique", func() error {
		ex := bad("GET", "/Groups/1", 200, `{"id":"1"}`)
		ids := []string{"1", "1", "2"}
		return Expect(ex, ids[0] != ids[1], "repeated ids among [1, 1, 2]", "every user and group id distinct")
	}},
	{"filter-declined-invalidfilter", func() error {
		return FilterDeclineLabelled(bad("GET", "/Users", 400, `{"detail":"ne is not supported"}`))
	}},
	{"neg-user-groups-readonly", func() error {
		// The PATCH adding to User.groups was accepted and the group gained the member.
		return MembersEqual(bad("GET", "/Groups/g1", 200, `{"id":"g1","members":[{"value":"u1"}]}`), nil)
	}},
	{"neg-put-unknown-404", func() error { return Status(bad("PUT", "/Users/unknown", 400, `{"status":"400"}`), 404) }},
	{"list-total-integer", func() error { return ListTotalInteger(bad("GET", "/Users", 200, `{"totalResults":"5"}`)) }},
	{"list-total-integer", func() error { return ListTotalInteger(bad("GET", "/Users", 200, `{"totalResults":5.0}`)) }},
	{"list-resources-present", func() error { return ListResourcesPresent(bad("GET", "/Users", 200, `{"totalResults":5}`)) }},
	{"list-paging-fields", func() error {
		return ListPagingFields(bad("GET", "/Users", 200, `{"totalResults":5,"Resources":[{"id":"1"}]}`), true)
	}},
	{"list-resources-have-id", func() error { return ListIDs(bad("GET", "/Users", 200, `{"totalResults":1,"Resources":[{}]}`)) }},
	{"filter-eq-exact", func() error {
		return IDsEqual(bad("GET", "/Users", 200, `{"totalResults":2,"Resources":[{"id":"a"},{"id":"b"}]}`), []string{"a"})
	}},
	{"neg-malformed-json", func() error { return BadRequest(bad("POST", "/Users", 500, `{}`), "invalidSyntax") }},
	{"neg-patch-remove-no-path", func() error {
		return BadRequest(bad("PATCH", "/Users/1", 400, `{"scimType":"invalidValue"}`), "noTarget")
	}},
	{"neg-scimtype-keyword", func() error { return ScimTypeKeyword(bad("POST", "/Users", 400, `{"scimType":"badRequest"}`)) }},
	{"http-error-status-in-body", func() error { return BodyStatusMatches(bad("GET", "/Users/x", 404, `{"status":"500"}`)) }},
	{"http-json-shape", func() error { return JSONShape(bad("GET", "/Users/1", 200, `{"emails":{"value":"a@b"}}`)) }},
	{"http-message-schemas", func() error {
		return MessageSchema(bad("GET", "/Users", 200, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:listresponse"]}`), fakeidp.MsgListResponse)
	}},
	{"auth-www-authenticate", func() error { return WWWAuthenticate(bad("GET", "/Users", 401, `{}`)) }},
	{"auth-401-error-body", func() error { return UnauthorizedBody(bad("GET", "/Users", 401, `{"detail":"no"}`)) }},
	{"cap-unadvertised-501", func() error { return NotImplemented("patch", bad("PATCH", "/Users/1", 200, `{}`)) }},
	{"attrs-attributes", func() error {
		ex := bad("GET", "/Users/1", 200, `{"id":"1","userName":"a","emails":[]}`)
		return OnlyKeys(ex, ex.RespBody, "id", "username")
	}},
	{"attrs-password-never", func() error { return NoPassword(bad("GET", "/Users/1", 200, `{"id":"1","password":"x"}`)) }},
	{"patch-primary-unique", func() error {
		return OnePrimary(bad("GET", "/Users/1", 200, `{"emails":[{"primary":true},{"primary":true}]}`), "emails")
	}},
	{"patch-atomic", func() error {
		w := bad("PATCH", "/Users/1", 400, `{}`)
		return Unchanged(w, bad("GET", "/Users/1", 200, `{"displayName":"a"}`), bad("GET", "/Users/1", 200, `{"displayName":"b"}`), "displayName")
	}},
	{"bulk-result-fields", func() error {
		return BulkResultFields(bad("POST", "/Bulk", 200, `{"Operations":[{"method":"POST","status":"201"}]}`), 1)
	}},
	{"disc-auth-schemes", func() error {
		return AuthSchemes(bad("GET", "/ServiceProviderConfig", 200, `{"authenticationSchemes":[{"type":"token","name":"t","description":"d"}]}`))
	}},
	{"disc-schema-no-nulls", func() error { return NoNulls(bad("GET", "/Schemas", 200, `{"Resources":[{"a":[1,{"b":null}]}]}`)) }},
	{"disc-no-nested-complex", func() error {
		return NoNestedComplex(bad("GET", "/Schemas", 200, `{"Resources":[{"id":"u","attributes":[{"name":"name","subAttributes":[{"name":"x","type":"complex"}]}]}]}`))
	}},
	{"schema-booleans", func() error { return Booleans(bad("GET", "/Users/1", 200, `{"active":"True"}`)) }},
	{"schema-datetime-valid", func() error { return DateTimes(bad("GET", "/Users/1", 200, `{"meta":{"created":"2026-11-27"}}`)) }},
	{"schema-extension-container", func() error {
		return ExtensionContainer(bad("GET", "/Users/1", 200, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"`+fakeidp.SchemaEnterprise+`":{"department":"x"}}`), fakeidp.SchemaEnterprise)
	}},
	{"schema-binary-base64", func() error {
		return Base64Values(bad("GET", "/Users/1", 200, `{"x509Certificates":[{"value":"not base64!"}]}`), "x509Certificates")
	}},
	{"idp-dialect-convergence", func() error {
		return Converged(map[string]any{"rfc": []string{"u2", "u3"}, "okta": []string{"u3"}}, []string{"rfc", "okta"})
	}},
}

// TestChecksFailOnBadExchanges is the other half of "every check is seen to
// fail": each recorded bad exchange must be refused by its judgement, and
// every check that no fault run makes fail (the "seen" lines of
// harness/testdata/faultmatrix.golden, written by harness.TestFaultMatrix)
// has one here, except the property-sequence and safety checks, which their
// own tests in package scenarios and harness see fail.
func TestChecksFailOnBadExchanges(t *testing.T) {
	unit := map[string]bool{}
	for _, c := range unitFailures {
		if _, ok := Lookup(c.check); !ok {
			t.Errorf("%s: not in the catalogue", c.check)
		}
		err := c.err()
		if err == nil {
			t.Errorf("%s: the bad exchange was judged fine, want an error", c.check)
			continue
		}
		if !strings.Contains(err.Error(), "want") {
			t.Errorf("%s: message %q does not say what was wanted", c.check, err)
		}
		unit[c.check] = true
	}
	data, err := os.ReadFile(filepath.Join("..", "harness", "testdata", "faultmatrix.golden"))
	if err != nil {
		t.Fatalf("no fault-run record: %v", err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if id, ok := strings.CutPrefix(line, "seen\t"); ok {
			seen[id] = true
		}
	}
	if len(seen) == 0 {
		t.Fatal("harness/testdata/faultmatrix.golden lists no checks seen failing")
	}
	for _, c := range All() {
		if !seen[c.ID] && !unit[c.ID] && c.Area != "sequence" && c.Area != "safety" {
			t.Errorf("%s: no fault run makes it fail and no unit case here does", c.ID)
		}
	}
}
