package refserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newPersona(t *testing.T, personalities ...string) *tc {
	t.Helper()
	return newTCWith(t, Config{BasePath: "/scim/v2", Personalities: personalities})
}

func TestUnknownPersonality(t *testing.T) {
	_, err := New(Config{Personalities: []string{"patch-204", "nope"}})
	require.ErrorContains(t, err, "nope")
	for _, p := range Personalities() {
		_, err := New(Config{Personalities: []string{p.Name}})
		require.NoError(t, err, p.Name)
		assert.NotEmpty(t, p.Description)
	}
}

func TestPersonalityFiltersEqAndOnly(t *testing.T) {
	c := newPersona(t, pFiltersEqAndOnly)
	uid := c.userID("alice")
	gid := c.createGroup("g", uid).get("id").String()
	for _, q := range []string{
		`/Users?filter=userName eq "alice"`,
		`/Users?filter=userName eq "alice" and active eq true`,
		`/Users?filter=emails[type eq "work" and value eq "alice@example.test"]`,
		`/Groups?filter=members[value eq "` + uid + `"]`,
	} {
		r := c.do("GET", q, nil)
		require.Equal(t, 200, r.code, q+": "+r.String())
		assert.EqualValues(t, 1, r.get("totalResults").Int(), q)
	}
	for _, q := range []string{
		`/Users?filter=userName sw "a"`, `/Users?filter=userName co "l"`, `/Users?filter=userName ew "e"`,
		`/Users?filter=meta.lastModified gt "2020-01-01T00:00:00Z"`, `/Users?filter=meta.lastModified ge "2020-01-01T00:00:00Z"`,
		`/Users?filter=meta.lastModified lt "2030-01-01T00:00:00Z"`, `/Users?filter=meta.lastModified le "2030-01-01T00:00:00Z"`,
		`/Users?filter=userName ne "bob"`, `/Users?filter=title pr`,
		`/Users?filter=userName eq "alice" or userName eq "bob"`, `/Users?filter=not (userName eq "bob")`,
		`/Users?filter=(userName eq "alice")`, `/Users?filter=emails[type ne "home"]`,
	} {
		requireError(t, c.do("GET", q, nil), 400, stInvalidFilter)
	}
	// a value filter in a PATCH path is held to the same rule
	requireError(t, c.do("PATCH", "/Groups/"+gid, patchBody(obj{"op": "remove", "path": `members[value sw "x"]`})), 400, stInvalidFilter)
	r := c.do("PATCH", "/Groups/"+gid, patchBody(obj{"op": "remove", "path": `members[value eq "` + uid + `"]`}))
	require.Equal(t, 200, r.code, r.String())
	// without the personality, the same filters work
	plain := newTC(t)
	plain.userID("alice")
	assert.Equal(t, 200, plain.do("GET", `/Users?filter=userName sw "a" or title pr`, nil).code)
}

func TestPersonalitySchemaSubset(t *testing.T) {
	c := newPersona(t, pSchemaSubset)
	r := c.createUser("alice",
		"addresses", arr{obj{"streetAddress": "1 Main St", "type": "work"}},
		"ims", arr{obj{"value": "alice-im", "type": "xmpp"}},
		"x509Certificates", arr{obj{"value": "MIIB"}})
	for _, a := range []string{"addresses", "ims", "x509Certificates"} {
		assert.False(t, r.get(a).Exists(), "%s is not stored: %s", a, r.raw)
	}
	id := r.get("id").String()
	c.createGroup("g", id)
	got := c.do("GET", "/Users/"+id, nil)
	assert.False(t, got.get("groups").Exists(), "no groups attribute: %s", got.raw)
	assert.Equal(t, "alice@example.test", got.get("emails.0.value").String(), "declared attributes are kept")
	r = c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "addresses", "value": arr{obj{"locality": "X"}}}, obj{"op": "add", "path": "title", "value": "T"}))
	require.Equal(t, 200, r.code, r.String())
	assert.False(t, r.get("addresses").Exists())
	assert.Equal(t, "T", r.get("title").String())

	sch := c.do("GET", "/Schemas/"+urnUser, nil)
	require.Equal(t, 200, sch.code)
	names := map[string]bool{}
	for _, a := range sch.get("attributes").Array() {
		names[a.Get("name").String()] = true
	}
	assert.True(t, names["emails"] && names["userName"])
	for _, a := range []string{"groups", "addresses", "ims", "x509Certificates"} {
		assert.False(t, names[a], "/Schemas lists %s", a)
	}
	requireError(t, c.do("GET", `/Users?filter=addresses.locality eq "X"`, nil), 400, stInvalidFilter)
}

func TestPersonalityUniqueEmails(t *testing.T) {
	c := newPersona(t, pUniqueEmails)
	id := c.userID("alice")
	clash := userBody("bob", "emails", arr{obj{"value": "ALICE@example.test", "type": "home"}})
	requireError(t, c.do("POST", "/Users", clash), 409, stUniqueness)
	bob := c.userID("bob")
	requireError(t, c.do("PATCH", "/Users/"+bob, patchBody(obj{"op": "add", "path": "emails", "value": arr{obj{"value": "alice@example.test"}}})), 409, stUniqueness)
	requireError(t, c.do("PUT", "/Users/"+bob, clash), 409, stUniqueness)
	// a user may keep its own address through a PUT
	assert.Equal(t, 200, c.do("PUT", "/Users/"+id, userBody("alice", "title", "x")).code)
	require.Equal(t, 204, c.do("DELETE", "/Users/"+id, nil).code)
	requireError(t, c.do("POST", "/Users", userBody("alice")), 409, stUniqueness)
	sch := c.do("GET", "/Schemas/"+urnUser, nil)
	assert.Equal(t, "server", sch.get(`attributes.#(name=="emails").subAttributes.#(name=="value").uniqueness`).String(), "/Schemas says so")
	// without the personality, a shared address is fine
	plain := newTC(t)
	plain.userID("alice")
	assert.Equal(t, 201, plain.do("POST", "/Users", clash).code)
}

func TestPersonalityUniqueExternalID(t *testing.T) {
	c := newPersona(t, pUniqueExternalID)
	c.createUser("alice", "externalId", "ext-1")
	requireError(t, c.do("POST", "/Users", userBody("bob", "externalId", "ext-1")), 409, stUniqueness)
	bob := c.createUser("bob", "externalId", "ext-2").get("id").String()
	requireError(t, c.do("PATCH", "/Users/"+bob, patchBody(obj{"op": "replace", "path": "externalId", "value": "ext-1"})), 409, stUniqueness)
	assert.Equal(t, 201, c.do("POST", "/Users", userBody("carol", "externalId", "EXT-1")).code, "externalId is caseExact")
	assert.Equal(t, 201, newTC(t).do("POST", "/Users", userBody("dave", "externalId", "ext-1")).code)
}

func TestPersonalityNoMe(t *testing.T) {
	c := newPersona(t, pNoMe)
	requireError(t, c.do("GET", "/Me", nil), http.StatusNotImplemented, "")
}

func TestPersonalitySecondPrecisionTimestamps(t *testing.T) {
	now := time.Date(2025, 5, 1, 0, 0, 0, 123456789, time.UTC)
	c := newTCWith(t, Config{BasePath: "/scim/v2", Personalities: []string{pSecondPrecision}, Now: func() time.Time { return now }})
	r := c.createUser("alice")
	assert.Equal(t, "2025-05-01T00:00:00Z", r.get("meta.created").String())
	id := r.get("id").String()
	r = c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "title", "value": "x"}))
	assert.Equal(t, "2025-05-01T00:00:00Z", r.get("meta.lastModified").String(), "within the same second")
	assert.Equal(t, `"2"`, r.h.Get("ETag"), "the version still moves")
	now = now.Add(1500 * time.Millisecond)
	r = c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "title", "value": "y"}))
	assert.Equal(t, "2025-05-01T00:00:01Z", r.get("meta.lastModified").String())
}

func TestPersonalityWeakETags(t *testing.T) {
	c := newPersona(t, pWeakETags)
	u := c.createUser("alice")
	id, tag := u.get("id").String(), u.h.Get("ETag")
	require.Equal(t, `W/"1"`, tag)
	assert.Equal(t, tag, u.get("meta.version").String())
	assert.Equal(t, 304, c.do("GET", "/Users/"+id, nil, `If-None-Match: "1"`).code, "weak comparison")
	r := c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "title", "value": "x"}), "If-Match: "+tag)
	require.Equal(t, 200, r.code, "weak comparison on If-Match, as RFC 7644 §3.14's examples")
	requireError(t, c.do("PUT", "/Users/"+id, userBody("alice"), "If-Match: "+tag), 412, "")

	// the default server: strong tags, strong If-Match comparison
	d := newTC(t)
	u = d.createUser("alice")
	id, tag = u.get("id").String(), u.h.Get("ETag")
	require.Equal(t, `"1"`, tag)
	requireError(t, d.do("PUT", "/Users/"+id, userBody("alice"), `If-Match: W/"1"`), 412, "")
	assert.Equal(t, 304, d.do("GET", "/Users/"+id, nil, `If-None-Match: W/"1"`).code, "If-None-Match compares weakly")
	assert.Equal(t, 200, d.do("PUT", "/Users/"+id, userBody("alice"), "If-Match: "+tag).code)
}

func TestPersonalityPatch204(t *testing.T) {
	c := newPersona(t, pPatch204)
	id := c.userID("alice")
	r := c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "title", "value": "x"}))
	require.Equal(t, http.StatusNoContent, r.code)
	assert.Empty(t, r.raw)
	assert.Equal(t, `"2"`, r.h.Get("ETag"))
	assert.Equal(t, "x", c.do("GET", "/Users/"+id, nil).get("title").String())
	requireError(t, c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "bogus", "path": "title"})), 400, stInvalidSyntax)
	r = c.do("PATCH", "/Users/"+id+"?attributes=title", patchBody(obj{"op": "add", "path": "title", "value": "y"}))
	require.Equal(t, 200, r.code, "RFC 7644 §3.5.2: 200 when attributes is given")
	assert.Equal(t, "y", r.get("title").String())
}

func TestPersonalityStrictSchemas(t *testing.T) {
	c := newPersona(t, pStrictSchemas)
	requireError(t, c.do("POST", "/Users", userBody("alice", "favouriteColour", "blue")), 400, stInvalidSyntax)
	ext := obj{"employeeNumber": "1", "shoeSize": 42}
	requireError(t, c.do("POST", "/Users", userBody("alice", urnEnterprise, ext)), 400, stInvalidSyntax)
	id := c.userID("alice")
	requireError(t, c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "replace", "value": obj{"favouriteColour": "blue"}})), 400, stInvalidSyntax)
	// declared attributes, readOnly ones included, are fine
	assert.Equal(t, 200, c.do("PUT", "/Users/"+id, userBody("alice", "id", id, "groups", arr{}, "meta", obj{"resourceType": "User"})).code)
	// combined with schema-subset, the attributes it leaves out are undeclared
	both := newPersona(t, pStrictSchemas, pSchemaSubset)
	requireError(t, both.do("POST", "/Users", userBody("bob", "groups", arr{})), 400, stInvalidSyntax)
	// the default server ignores them
	assert.Equal(t, 201, newTC(t).do("POST", "/Users", userBody("alice", "favouriteColour", "blue")).code)
}

func TestPersonalityIntegerIDs(t *testing.T) {
	c := newPersona(t, pIntegerIDs)
	assert.Equal(t, "1", c.userID("alice"))
	assert.Equal(t, "2", c.createGroup("g").get("id").String())
	assert.Equal(t, "3", c.userID("bob"))
	require.Equal(t, 204, c.do("DELETE", "/Users/3", nil).code)
	assert.Equal(t, "4", c.userID("carol"), "ids are not reused")
	assert.True(t, strings.Contains(c.do("GET", "/Groups/2", nil).get("meta.location").String(), "/Groups/2"))
}
