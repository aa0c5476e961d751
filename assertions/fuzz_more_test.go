package assertions

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
)

// FuzzJudgeMore is FuzzJudge for the rest of the catalogue's judgement
// functions (discovery documents, errors, lists and paging, projection,
// PATCH outcomes, Bulk, drift against the model): one fuzzed answer, a
// second for the functions that compare two, no panic, no silent failure,
// no long run.
func FuzzJudgeMore(f *testing.F) {
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"bjensen","active":true,"emails":[{"value":"a@b","primary":true}],"groups":[{"value":"g1"}],"meta":{"resourceType":"User","created":"2011-08-01T18:29:49.793Z","lastModified":"2011-08-01T18:29:49Z","version":"W/\"1\""}}`
	list := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"startIndex":1,"itemsPerPage":2,"Resources":[{"id":"a"},{"id":"b","members":[{"value":"u1"}]}]}`
	schemas := `{"Resources":[{"id":"urn:ietf:params:scim:schemas:core:2.0:User","name":"User","attributes":[{"name":"userName","type":"string","multiValued":false,"required":true,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"server","subAttributes":[{"name":"x","type":"complex","subAttributes":[]}]}],"meta":{"resourceType":"Schema"}}]}`
	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],"Operations":[{"method":"POST","bulkId":"q1","location":"https://x.invalid/Users/9","status":"201"},{"method":"PATCH","status":{"code":400},"response":{"scimType":1}}]}`
	f.Add(200, "application/scim+json", "", []byte(user), 200, []byte(user))
	f.Add(200, "application/scim+json", `Bearer realm="x"`, []byte(list), 200, []byte(schemas))
	f.Add(200, "application/json", "", []byte(bulk), 412, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"412","scimType":"bogus"}`))
	f.Add(401, "text/html", "Basic", []byte(`<html>401</html>`), 0, []byte(nil))
	f.Add(200, "application/scim+json", "", []byte(`{"a":null,"b":[null,{"c":null}],"active":"True","meta":{"created":7},"urn:x:y":{"z":null},"totalResults":-1e400,"Resources":{"id":1}}`), 200, []byte(strings.Repeat(`{"x":`, 300)))
	f.Add(200, "application/scim+json", "", []byte(`{"authenticationSchemes":[{"type":"oauthbearertoken"}],"Resources":[{"schemas":[],"endpoint":7,"schemaExtensions":[{"schema":null}]}]}`), 200, []byte(`[`+strings.Repeat(`[`, 300)))
	f.Fuzz(func(t *testing.T, status int, ctype, wwwAuth string, body []byte, status2 int, body2 []byte) {
		ex := &fakeidp.Exchange{Seq: 1, Method: "PATCH", URL: "https://x.invalid/scim/v2/Users/u1", Status: status, RespBody: body,
			RespHeader: fakeidp.NewHeaders(http.Header{"Content-Type": {ctype}, "Www-Authenticate": {wwwAuth}, "Etag": {wwwAuth}})}
		ex2 := &fakeidp.Exchange{Seq: 2, Method: "GET", URL: "https://x.invalid/scim/v2/Users/u1", Status: status2, RespBody: body2,
			RespHeader: fakeidp.NewHeaders(http.Header{"Content-Type": {ctype}})}
		sp := &fakeidp.ServiceProvider{UserAttrs: map[string]fakeidp.Attribute{"username": {Name: "userName", Type: "string"}, "emails": {Name: "emails", Type: "complex", MultiValued: true}}}
		start := time.Now()
		errs := []error{
			Unauthorized(ex), WWWAuthenticate(ex), UnauthorizedBody(ex), BulkResultFields(ex, 2),
			Honoured(fakeidp.CapPatch, ex, nil), NotImplemented(fakeidp.CapBulk, ex), AuthSchemes(ex), ResourceTypeFields(ex),
			ResourceTypeSchemasExist(ex, ex2), SchemaAttrDefs(ex), NoNestedComplex(ex), SchemaRepresentation(ex), NoAPISchemas(ex),
			CoreCharacteristics(ex, sp), NoNulls(ex), StaleDeleteRejected(ex, ex2, "u1"), Expect(ex, false, "got", "want"),
			Rejected(ex, []int{400, 409}, "invalidValue"), BadRequest(ex, "invalidSyntax"), Refused(ex), Succeeded(ex), NoServerError(ex),
			AttrIs(ex, "userName", "bjensen"), AttrIs(ex, "active", true), AttrAbsent(ex, "password"), AttrPresent(ex, "meta.created"),
			Same(ex, ex2, "meta.version"), JSONShape(ex), MessageSchema(ex, fakeidp.MsgListResponse), BodyStatusMatches(ex), ScimTypeKeyword(ex),
			NotApplied(ex, ex2, ex, "displayName"), EmptyList(ex), ListTotalInteger(ex), ListResourcesPresent(ex), ListPagingFields(ex, true), ListIDs(ex),
			Unchanged(ex, ex2, ex, "displayName", "emails"), CountValues(ex, "emails", 1), OnePrimary(ex, "emails"),
			HasValue(ex, "emails", "value", "a@b", true), OnlyKeys(ex, body, "id", "username"), NoPassword(ex), NoDuplicateURIs(ex),
			ExtensionContainer(ex, fakeidp.SchemaEnterprise, "employeeNumber"), Booleans(ex), DateTimes(ex), CreatedEqualsModified(ex),
			CanonicalNames(ex, sp.UserAttrs), UserDrift(ex, fakeidp.User{UserName: "bjensen", Active: true}),
			GroupDrift(ex, fakeidp.Group{DisplayName: "g", Members: []string{"u1"}}), VersionStable(`W/"1"`, ex, ex2), VersionMoved(`W/"1"`, ex, ex2),
		}
		for i, err := range errs {
			if err != nil && strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("judgement %d failed without saying why", i)
			}
		}
		_ = BulkResults(ex)
		_ = SchemaIDs(ex)
		_ = Names(ex, "Resources")
		_ = MediaType(ex)
		_ = PageLen(ex)
		_ = IntField(ex, "totalResults")
		_ = UserView(body)
		_ = GroupView(body)
		_ = TimeResolution(string(body2))
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("judging a %d-byte body took %v", len(body), d)
		}
	})
}
