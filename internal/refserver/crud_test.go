package refserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateGetUser(t *testing.T) {
	c := newTC(t)
	r := c.do("POST", "/Users", userBody("Alice.Smith@x",
		"id", "client-id",
		"password", "s3cret",
		"groups", arr{obj{"value": "nope"}},
		"meta", obj{"resourceType": "User", "created": "2000-01-01T00:00:00Z"},
		"displayName", "Zoë Ünal 李",
		"fooBar", 1,
		"nickName", nil,
		"phoneNumbers", arr{},
		urnEnterprise, obj{"employeeNumber": "42", "manager": obj{"value": "m1", "displayName": "ignored"}},
	))
	require.Equal(t, http.StatusCreated, r.code, r.String())
	id := r.get("id").String()
	assert.NotEqual(t, "client-id", id)
	assert.NotContains(t, id, "bulkId")
	assert.Equal(t, "application/scim+json", r.h.Get("Content-Type"))
	assert.Equal(t, base+"/Users/"+id, r.h.Get("Location"))
	assert.Equal(t, r.h.Get("Location"), r.get("meta.location").String())
	assert.Equal(t, "User", r.get("meta.resourceType").String())
	assert.Equal(t, r.get("meta.created").String(), r.get("meta.lastModified").String())
	assert.True(t, strings.HasPrefix(r.get("meta.created").String(), "2025-"))
	assert.Equal(t, `"1"`, r.get("meta.version").String())
	assert.Equal(t, r.get("meta.version").String(), r.h.Get("ETag"))
	assert.False(t, r.get("password").Exists())
	assert.False(t, r.get("groups").Exists())
	assert.False(t, r.get("fooBar").Exists())
	assert.False(t, r.get("nickName").Exists())
	assert.False(t, r.get("phoneNumbers").Exists())
	assert.Equal(t, "Zoë Ünal 李", r.get("displayName").String())
	assert.Equal(t, "42", r.get(`urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User.employeeNumber`).String())
	assert.False(t, r.get(`urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User.manager.displayName`).Exists())
	assert.ElementsMatch(t, []string{urnUser, urnEnterprise}, []string{r.get("schemas.0").String(), r.get("schemas.1").String()})

	g := c.do("GET", "/Users/"+id, nil)
	require.Equal(t, http.StatusOK, g.code)
	assert.JSONEq(t, string(r.raw), string(g.raw))
	assert.Equal(t, r.h.Get("ETag"), g.h.Get("ETag"))

	// Location is usable.
	g2 := c.do("GET", r.h.Get("Location"), nil)
	assert.Equal(t, id, g2.get("id").String())
}

func TestCreateValidation(t *testing.T) {
	c := newTC(t)
	requireError(t, c.do("POST", "/Users", `{"userName":`), 400, stInvalidSyntax)
	requireError(t, c.do("POST", "/Users", `[1]`), 400, stInvalidSyntax)
	requireError(t, c.do("POST", "/Users", `{"userName":"a"} x`), 400, stInvalidSyntax)
	requireError(t, c.do("POST", "/Users", obj{"userName": "a"}), 400, stInvalidSyntax)
	requireError(t, c.do("POST", "/Users", obj{"schemas": arr{urnGroup}, "userName": "a"}), 400, stInvalidSyntax)
	requireError(t, c.do("POST", "/Users", obj{"schemas": arr{urnUser}}), 400, stInvalidValue)
	requireError(t, c.do("POST", "/Users", obj{"schemas": arr{urnUser}, "userName": ""}), 400, stInvalidValue)
	requireError(t, c.do("POST", "/Users", obj{"schemas": arr{urnUser}, "userName": 12}), 400, stInvalidValue)
	requireError(t, c.do("POST", "/Users", userBody("b", "active", "maybe")), 400, stInvalidValue)
	requireError(t, c.do("POST", "/Users", userBody("b", "name", "x")), 400, stInvalidValue)
	requireError(t, c.do("POST", "/Groups", obj{"schemas": arr{urnGroup}}), 400, stInvalidValue)
	requireError(t, c.do("POST", "/Groups", groupBody("g", "no-such-id")), 400, stInvalidValue)

	// Entra and Okta shapes are accepted.
	r := c.do("POST", "/Users", userBody("entra", "active", "True", "roles", arr{}, "addresses", nil, "meta", obj{"resourceType": "User"},
		"schemas", arr{urnEnterprise, urnUser}))
	require.Equal(t, 201, r.code, r.String())
	assert.Equal(t, true, r.get("active").Value())
	r = c.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"USERNAME":"casey","Emails":[{"Value":"c@x","Primary":true}]}`,
		"Content-Type: application/json; charset=utf-8")
	require.Equal(t, 201, r.code, r.String())
	assert.Equal(t, "casey", r.get("userName").String())
	assert.Equal(t, "c@x", r.get("emails.0.value").String())
	r = c.do("POST", "/Groups", obj{"schemas": arr{urnGroup, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"}, "displayName": "g", "members": arr{}})
	require.Equal(t, 201, r.code, r.String())
	assert.Equal(t, 1, len(r.get("schemas").Array()))
	assert.False(t, r.get("members").Exists())

	// two primaries are normalised to one
	r = c.createUser("prim", "emails", arr{obj{"value": "a@x", "primary": true}, obj{"value": "b@x", "primary": true}})
	assert.Equal(t, true, r.get("emails.0.primary").Value())
	assert.Equal(t, false, r.get("emails.1.primary").Value())
}

func TestUniqueness(t *testing.T) {
	c := newTC(t)
	c.createUser("Alice.Smith@x")
	requireError(t, c.do("POST", "/Users", userBody("alice.smith@X")), 409, stUniqueness)
	bob := c.createUser("bob").get("id").String()
	requireError(t, c.do("PUT", "/Users/"+bob, userBody("ALICE.smith@x")), 409, stUniqueness)
	requireError(t, c.do("PATCH", "/Users/"+bob, patchBody(obj{"op": "replace", "path": "userName", "value": "alice.SMITH@x"})), 409, stUniqueness)
	assert.Equal(t, "bob", c.do("GET", "/Users/"+bob, nil).get("userName").String())
	// a rename to a different case of its own name is fine
	r := c.do("PATCH", "/Users/"+bob, patchBody(obj{"op": "replace", "path": "userName", "value": "BOB"}))
	require.Equal(t, 200, r.code, r.String())
	// deleted names can be reused
	require.Equal(t, 204, c.do("DELETE", "/Users/"+bob, nil).code)
	c.createUser("bob")
	// groups: displayName need not be unique
	c.createGroup("same")
	c.createGroup("same")
}

func TestNotFoundAndDelete(t *testing.T) {
	c := newTC(t)
	requireError(t, c.do("GET", "/Users/00919288221112222", nil), 404, "")
	requireError(t, c.do("PUT", "/Users/nope", userBody("x")), 404, "")
	assert.Equal(t, 0, int(c.do("GET", `/Users?filter=userName eq "x"`, nil).get("totalResults").Int()))
	requireError(t, c.do("PATCH", "/Users/nope", patchBody(obj{"op": "add", "path": "title", "value": "x"})), 404, "")
	requireError(t, c.do("DELETE", "/Users/nope", nil), 404, "")

	id := c.userID("del")
	g := c.createGroup("g", id).get("id").String()
	r := c.do("DELETE", "/Users/"+id, nil)
	require.Equal(t, 204, r.code)
	assert.Empty(t, r.raw)
	requireError(t, c.do("GET", "/Users/"+id, nil), 404, "")
	requireError(t, c.do("PUT", "/Users/"+id, userBody("del")), 404, "")
	requireError(t, c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "title", "value": "x"})), 404, "")
	requireError(t, c.do("DELETE", "/Users/"+id, nil), 404, "")
	assert.Equal(t, 0, int(c.do("GET", `/Users?filter=userName eq "del"`, nil).get("totalResults").Int()))
	gr := c.do("GET", "/Groups/"+g, nil)
	assert.Empty(t, memberValues(gr))
	assert.Equal(t, `"2"`, gr.h.Get("ETag"), "the group changed")
	// a group id is not a user
	requireError(t, c.do("GET", "/Users/"+g, nil), 404, "")
	require.Equal(t, 204, c.do("DELETE", "/Groups/"+g, nil).code)
	requireError(t, c.do("GET", "/Groups/"+g, nil), 404, "")
}

func TestPutReplace(t *testing.T) {
	c := newTC(t)
	u := c.createUser("putter", "nickName", "Nick", "phoneNumbers", arr{obj{"value": "555"}}, "password", "pw1", "title", "T")
	id := u.get("id").String()
	g := c.createGroup("g", id).get("id").String()
	created := u.get("meta.created").String()

	body := userBody("putter", "id", "other-id", "groups", arr{}, "nickName", nil, "phoneNumbers", arr{},
		"meta", obj{"created": "2000-01-01T00:00:00Z"}, "name", obj{"givenName": "New"})
	r := c.do("PUT", "/Users/"+id, body)
	require.Equal(t, 200, r.code, r.String())
	assert.Equal(t, id, r.get("id").String())
	assert.Equal(t, created, r.get("meta.created").String())
	assert.Greater(t, r.get("meta.lastModified").String(), created)
	assert.Equal(t, `"2"`, r.h.Get("ETag"))
	assert.False(t, r.get("nickName").Exists())
	assert.False(t, r.get("phoneNumbers").Exists())
	assert.False(t, r.get("title").Exists(), "omitted attributes are cleared")
	assert.Equal(t, "New", r.get("name.givenName").String())
	assert.False(t, r.get("name.familyName").Exists())
	assert.Equal(t, g, r.get("groups.0.value").String(), "groups:[] in PUT does not touch membership")
	assert.Equal(t, []string{id}, memberValues(c.do("GET", "/Groups/"+g, nil)))
	requireError(t, c.do("GET", "/Users/other-id", nil), 404, "")

	// the same PUT again is a no-op
	r2 := c.do("PUT", "/Users/"+id, body)
	assert.Equal(t, r.get("meta.lastModified").String(), r2.get("meta.lastModified").String())
	assert.Equal(t, `"2"`, r2.h.Get("ETag"))

	requireError(t, c.do("PUT", "/Users/"+id, obj{"schemas": arr{urnUser}}), 400, stInvalidValue)

	// group PUT replaces membership
	u2 := c.userID("u2")
	u3 := c.userID("u3")
	r = c.do("PUT", "/Groups/"+g, groupBody("g2", u2, u3))
	require.Equal(t, 200, r.code, r.String())
	assert.Equal(t, []string{u2, u3}, memberValues(r))
	assert.Equal(t, "g2", r.get("displayName").String())
	assert.False(t, c.do("GET", "/Users/"+id, nil).get("groups").Exists())
	assert.Equal(t, "g2", c.do("GET", "/Users/"+u2, nil).get("groups.0.display").String())
}

func TestETagsAndConditionalRequests(t *testing.T) {
	c := newTC(t)
	u := c.createUser("etag")
	id := u.get("id").String()
	tag := u.h.Get("ETag")
	require.Equal(t, `"1"`, tag)

	r := c.do("GET", "/Users/"+id, nil, "If-None-Match: "+tag)
	assert.Equal(t, 304, r.code)
	assert.Empty(t, r.raw)
	r = c.do("GET", "/Users/"+id, nil, `If-None-Match: W/"999"`)
	assert.Equal(t, 200, r.code)

	requireError(t, c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "replace", "path": "title", "value": "x"}), `If-Match: W/"0"`), 412, "")
	requireError(t, c.do("PUT", "/Users/"+id, userBody("etag", "title", "x"), `If-Match: W/"0"`), 412, "")
	requireError(t, c.do("DELETE", "/Users/"+id, nil, `If-Match: W/"0"`), 412, "")
	assert.Equal(t, tag, c.do("GET", "/Users/"+id, nil).h.Get("ETag"), "nothing changed")

	r = c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "replace", "path": "title", "value": "x"}), "If-Match: "+tag)
	require.Equal(t, 200, r.code, r.String())
	tag2 := r.h.Get("ETag")
	assert.NotEqual(t, tag, tag2)
	assert.Equal(t, tag2, r.get("meta.version").String())
	r = c.do("PUT", "/Users/"+id, userBody("etag", "title", "y"), "If-Match: *")
	require.Equal(t, 200, r.code)
	require.Equal(t, 204, c.do("DELETE", "/Users/"+id, nil, "If-Match: "+r.h.Get("ETag")).code)
}

func TestMetaTimestamps(t *testing.T) {
	now := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	c := newTCWith(t, Config{BasePath: "/scim/v2", Now: func() time.Time { return now }})
	r := c.do("POST", "/Users", userBody("t"))
	id := r.get("id").String()
	created := r.get("meta.created").String()
	assert.Equal(t, "2025-05-01T00:00:00.000000000Z", created)
	// even with a frozen clock, lastModified advances on change
	r = c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "title", "value": "x"}))
	lm := r.get("meta.lastModified").String()
	assert.Greater(t, lm, created)
	assert.Equal(t, created, r.get("meta.created").String())
	// no-op patch: nothing moves
	r = c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "title", "value": "x"}))
	assert.Equal(t, lm, r.get("meta.lastModified").String())
	assert.Equal(t, `"2"`, r.h.Get("ETag"))
}

func TestAuth(t *testing.T) {
	c := newTCWith(t, Config{Token: "tok", BasePath: "/scim/v2"})
	r := c.do("GET", "/Users", nil)
	requireError(t, r, 401, "")
	assert.NotEmpty(t, r.h.Get("WWW-Authenticate"))
	requireError(t, c.do("GET", "/Users", nil, "Authorization: non-token"), 401, "")
	requireError(t, c.do("GET", "/Users", nil, "Authorization: Bearer wrong"), 401, "")
	assert.Equal(t, 200, c.do("GET", "/Users", nil, "Authorization: Bearer tok").code)
	assert.Equal(t, 200, c.do("GET", "/Users", nil, "Authorization: bearer tok").code)
	for _, p := range []string{"/ServiceProviderConfig", "/ResourceTypes", "/Schemas", "/ResourceTypes/User", "/Schemas/" + urnUser} {
		assert.Equal(t, 200, c.do("GET", p, nil).code, p)
	}
}

func TestRoutingAndMethods(t *testing.T) {
	c := newTC(t)
	r := c.do("PUT", "/Users", userBody("x"))
	requireError(t, r, 405, "")
	assert.Contains(t, r.h.Get("Allow"), "POST")
	requireError(t, c.do("DELETE", "/ServiceProviderConfig", nil), 405, "")
	requireError(t, c.do("POST", "/Users/abc", userBody("x")), 405, "")
	requireError(t, c.do("GET", "/Nope", nil), 404, "")
	requireError(t, c.do("GET", "http://example.test/other/Users", nil), 404, "")
	requireError(t, c.do("GET", "/Me", nil), 501, "")
	r = c.do("GET", "/Users?foo=bar", nil, "Accept: application/json")
	assert.Equal(t, 200, r.code)
	assert.Equal(t, "application/scim+json", r.h.Get("Content-Type"))

	// root BasePath
	c2 := newTCWith(t, Config{})
	r = c2.do("POST", "http://h.test/Users", userBody("root"))
	require.Equal(t, 201, r.code)
	assert.Equal(t, "http://h.test/Users/"+r.get("id").String(), r.h.Get("Location"))
}

func TestBodyLimit(t *testing.T) {
	c := newTC(t)
	big := `{"schemas":["` + urnUser + `"],"userName":"big","displayName":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	requireError(t, c.do("POST", "/Users", big), 413, "")
}

func TestGroupMembershipViews(t *testing.T) {
	c := newTC(t)
	u1, u2 := c.userID("m1"), c.userID("m2")
	g := c.createGroup("team", u1)
	gid := g.get("id").String()
	assert.Equal(t, base+"/Users/"+u1, g.get("members.0.$ref").String())
	assert.Equal(t, "User", g.get("members.0.type").String())
	u := c.do("GET", "/Users/"+u1, nil)
	assert.Equal(t, gid, u.get("groups.0.value").String())
	assert.Equal(t, base+"/Groups/"+gid, u.get("groups.0.$ref").String())
	assert.Equal(t, "team", u.get("groups.0.display").String())
	assert.Equal(t, "direct", u.get("groups.0.type").String())
	assert.False(t, c.do("GET", "/Users/"+u2, nil).get("groups").Exists())

	// nested group
	outer := c.createGroup("outer", gid)
	assert.Equal(t, "Group", outer.get("members.0.type").String())
	assert.Equal(t, base+"/Groups/"+gid, outer.get("members.0.$ref").String())
	require.Equal(t, 204, c.do("DELETE", "/Groups/"+gid, nil).code)
	assert.Empty(t, memberValues(c.do("GET", "/Groups/"+outer.get("id").String(), nil)))
	assert.False(t, c.do("GET", "/Users/"+u1, nil).get("groups").Exists())
}
