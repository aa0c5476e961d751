package assertions

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
)

// FuzzJudge drives every judgement function that reads a server's answer
// over one fuzzed exchange (status, headers, body), plus a second fuzzed
// exchange for the judgements that compare two. None may panic, every
// failure must say something, and each must return promptly.
func FuzzJudge(f *testing.F) {
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen","meta":{"resourceType":"User","created":"2011-08-01T18:29:49.793Z","lastModified":"2011-08-01T18:29:49.793Z","location":"https://x.invalid/scim/v2/Users/2819c223","version":"W/\"f250dd84\""},"groups":[{"value":"g1"}]}`
	f.Add(201, "application/scim+json", `W/"f250dd84"`, "https://x.invalid/scim/v2/Users/2819c223", []byte(user), 200, []byte(user))
	f.Add(409, "application/scim+json", "", "", []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"taken"}`), 404, []byte(``))
	f.Add(400, "application/json", "", "", []byte(`{"schemas":"x","status":400,"scimType":[1],"detail":{"a":1}}`), 500, []byte(`<html>boom</html>`))
	f.Add(200, "text/html; charset=\xff", `"\x00"`, "::", []byte(`<!DOCTYPE html><h1>502 Bad Gateway</h1>`), 304, []byte(`x`))
	f.Add(200, "application/scim+json", "W/", "", []byte(`{"id":1e999,"meta":{"created":"2011-13-45T99:99:99Z","lastModified":12,"version":[]},"members":{"value":"x"},"Resources":"nope"}`), 200, []byte(`{"Resources":[{"id":null},{"id":"a","userName":7},"x",1]}`))
	f.Add(200, "", "", "", []byte(strings.Repeat(`{"meta":`, 300)), 200, []byte(strings.Repeat(`[`, 300)))
	f.Add(200, "application/scim+json", "", "", []byte(`{"totalResults":99999999999999999999999,"itemsPerPage":-1,"startIndex":1.5,"Resources":[{"id":"a","displayName":"A"},{"id":"b","displayName":"a"}]}`), 0, []byte(nil))
	f.Fuzz(func(t *testing.T, status int, ctype, etag, location string, body []byte, status2 int, body2 []byte) {
		ex := &fakeidp.Exchange{Seq: 1, Method: "POST", URL: "https://x.invalid/scim/v2/Users", Status: status, RespBody: body,
			RespHeader: fakeidp.NewHeaders(http.Header{"Content-Type": {ctype}, "Etag": {etag}, "Location": {location}})}
		ex2 := &fakeidp.Exchange{Seq: 2, Method: "GET", URL: "https://x.invalid/scim/v2/Users/2819c223", Status: status2, RespBody: body2,
			RespHeader: fakeidp.NewHeaders(http.Header{"Etag": {location}})}
		start := time.Now()
		errs := []error{
			Status(ex, 200, 201), JSONObject(ex), ContentTypeSCIM(ex), ErrorBody(ex), ErrorStatusString(ex), ScimType(ex, "uniqueness"),
			Conflict(ex), AttrEquals(ex, "name.givenName", "x"), NotListed(ex, "a"), NoDuplicate(ex, "userName", "bjensen"),
			Created(ex), CreateReturnsResource(ex), LocationMatchesMeta(ex), GetOK(ex, "2819c223"),
			HasSchemas(body, fakeidp.SchemaUser), HasID(body), MetaPresent(body), MetaResourceType(body, "User"),
			MetaLocation(body, "https://x.invalid/scim/v2", "/Users"),
			ETagPresent(ex), ETagSyntax(ex), ETagMatchesVersion(ex), VersionChanged(ex, ex2), NotModified(ex),
			StaleIfMatchRejected(ex, ex2, ex), MembersEqual(ex, []string{"a", "b"}), UserGroupsInclude(ex, "g1", true),
			NotAMember(ex, "a"), SPCSchema(ex), SPCMembers(ex), ResourceTypesList(ex), SchemasList(ex), ListResponse(ex),
			NotFound(ex2),
		}
		for i, err := range errs {
			if err != nil && strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("judgement %d failed without saying why", i)
			}
		}
		_ = IsError(ex)
		_ = ListedIDs(ex)
		_ = NamedIDs(ex, "displayName", "a")
		_ = MemberIDs(body)
		_ = GroupIDsOfUser(body)
		_ = VersionOf(ex)
		a, errA := ReadMeta(body)
		b, errB := ReadMeta(body2)
		if errA == nil && errB == nil {
			b.Observed = a.Observed.Add(2 * time.Second)
			_ = CreatedStable(a, b)
			_ = LastModifiedMonotonic(a, b)
			_, _ = LastModifiedAdvanced(a, b)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("judging a %d-byte body took %v", len(body), d)
		}
	})
}
