package refserver

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// wireSymptoms are the symptom probes of the wire faults (wirefaults.go),
// like symptoms in faults_test.go: false on a correct server, true with the
// fault enabled.
var wireSymptoms = map[string]func(t *testing.T, faults []string) bool{
	"spc-incomplete": func(t *testing.T, f []string) bool {
		return !newTC(t, f...).do("GET", "/ServiceProviderConfig", nil).get("filter.maxResults").Exists()
	},
	"resourcetypes-inconsistent": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/ResourceTypes/User", nil).get("name").String() != "User"
	},
	"schemas-malformed": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/Schemas/"+urnUser, nil).code == 404
	},
	"discovery-writable": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/ServiceProviderConfig", obj{}).code == 200
	},
	"discovery-needs-auth": func(t *testing.T, f []string) bool {
		c := newTCWith(t, Config{BasePath: "/scim/v2", Token: "tok", Faults: f})
		return c.do("GET", "/ServiceProviderConfig", nil).code == 401
	},
	"auth-not-enforced": func(t *testing.T, f []string) bool {
		c := newTCWith(t, Config{BasePath: "/scim/v2", Token: "tok", Faults: f})
		return c.do("GET", "/Users", nil).code == 200
	},
	"resources-without-schemas": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return !c.do("GET", "/Users/"+c.userID("u"), nil).get("schemas").Exists()
	},
	"schemas-listed-twice": func(t *testing.T, f []string) bool {
		n := 0
		for _, s := range newTC(t, f...).createUser("u").get("schemas").Array() {
			if s.String() == urnUser {
				n++
			}
		}
		return n > 1
	},
	"meta-incomplete": func(t *testing.T, f []string) bool {
		return !newTC(t, f...).createUser("u").get("meta.resourceType").Exists()
	},
	"booleans-as-strings": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u").get("active").Type == gjson.String
	},
	"single-values-not-arrays": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u").get("emails").IsObject()
	},
	"extension-flattened": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u", urnEnterprise, obj{"department": "d"}).get("department").Exists()
	},
	"values-normalised": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("Alice").get("userName").String() == "alice"
	},
	"non-ascii-mangled": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u", "displayName", "Zoë").get("displayName").String() == "Zoe"
	},
	"externalid-invented": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u").get("externalId").Exists()
	},
	"user-details-rewritten": func(t *testing.T, f []string) bool {
		return strings.Contains(newTC(t, f...).createUser("u").get("emails.0.value").String(), " at ")
	},
	"wrong-content-location": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return strings.Contains(c.do("GET", "/Users/"+c.userID("u"), nil).h.Get("Content-Location"), "elsewhere.example")
	},
	"group-details-dropped": func(t *testing.T, f []string) bool {
		return !newTC(t, f...).do("POST", "/Groups", obj{"schemas": arr{urnGroup}, "displayName": "g", "externalId": "e"}).get("externalId").Exists()
	},
	"user-groups-wrong-ref": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.userID("u")
		c.createGroup("g", u)
		return strings.Contains(c.do("GET", "/Users/"+u, nil).get("groups.0.$ref").String(), "elsewhere.example")
	},
	"members-not-returned-by-default": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		g := c.createGroup("g", c.userID("u")).get("id").String()
		return !c.do("GET", "/Groups/"+g, nil).get("members").Exists()
	},
	"id-excludable": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return !c.do("GET", "/Users/"+c.userID("u")+"?excludedAttributes=id", nil).get("id").Exists()
	},
	"rejects-content-negotiation": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/Users", nil, "Accept: application/json").code == 406
	},
	"rejects-unusual-json": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users", userBody("u", "nickName", nil)).code == 400
	},
	"externalid-unique": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("u1", "externalId", "e")
		return c.do("POST", "/Users", userBody("u2", "externalId", "e")).code == 500
	},
	"patch-path-forms-refused": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return c.patch("/Users/"+c.userID("u"), obj{"op": "replace", "value": obj{"title": "x"}}).code == 400
	},
	"patch-add-replaces": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		r := c.patchOK("/Users/"+c.userID("u"), obj{"op": "add", "path": "emails", "value": arr{obj{"value": "b@example.test", "type": "home"}}})
		return len(r.get("emails").Array()) == 1
	},
	"patch-remove-ignored": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.createUser("u", "title", "t").get("id").String()
		c.patch("/Users/"+id, obj{"op": "remove", "path": "title"})
		return c.do("GET", "/Users/"+id, nil).get("title").Exists()
	},
	"patch-replace-ignored": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		c.patch("/Users/"+id, obj{"op": "replace", "path": "title", "value": "x"})
		return c.do("GET", "/Users/"+id, nil).get("title").String() != "x"
	},
	"patch-errors-swallowed": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return c.do("PATCH", "/Users/"+c.userID("u"), obj{"schemas": arr{urnPatchOp}, "Operations": arr{}}).code == 200
	},
	"put-errors-swallowed": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return c.do("PUT", "/Users/"+c.userID("u"), obj{"schemas": arr{urnUser}}).code == 200
	},
	"put-ignored": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return c.do("PUT", "/Users/"+c.userID("u"), userBody("u", "title", "new")).code == 204
	},
	"put-answers-204": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.do("PUT", "/Users/"+id, userBody("u", "title", "new")).code == 204 && c.do("GET", "/Users/"+id, nil).get("title").String() == "new"
	},
	"put-takes-readonly-meta": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		body := userBody("u")
		body["meta"] = obj{"created": "2000-01-01T00:00:00Z"}
		require.Equal(t, 200, c.do("PUT", "/Users/"+id, body).code)
		return c.do("GET", "/Users/"+id, nil).get("meta.created").String() == "2000-01-01T00:00:00Z"
	},
	"lenient-creates": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users", obj{"schemas": arr{urnUser}}).code == 201
	},
	"unknown-attribute-kept": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u").get("scimloopNoSuchAttribute").Exists()
	},
	"query-errors-500": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/Users?filter=", nil).code == 500
	},
	"lists-malformed": func(t *testing.T, f []string) bool {
		return !newTC(t, f...).do("GET", "/Users", nil).get("schemas").Exists()
	},
	"paging-edges-refused": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/Users?startIndex=0", nil).code == 400
	},
	"paging-fields-wrong": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("a")
		c.createUser("b")
		return c.do("GET", "/Users?count=1", nil).get("startIndex").Int() == 2
	},
	"max-results-understated": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/ServiceProviderConfig", nil).get("filter.maxResults").Int() == 1
	},
	"search-misbehaves": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users/.search", obj{"schemas": arr{urnSearchRequest}}).code == 201
	},
	"errors-not-scim": func(t *testing.T, f []string) bool {
		return !newTC(t, f...).do("GET", "/Users/nope", nil).get("schemas").Exists()
	},
	"deleted-and-unknown-readable": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		require.Equal(t, 204, c.do("DELETE", "/Users/"+id, nil).code)
		return c.do("GET", "/Users/"+id, nil).code == 200
	},
	"version-and-me-misrouted": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "http://example.test/scim/v1/Users", nil).code == 200
	},
	"bulk-misbehaves": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Bulk", bulkOne("u")).get("schemas.0").String() == urnListResponse
	},
	"country-rewritten": func(t *testing.T, f []string) bool {
		r := newTC(t, f...).createUser("u", "addresses", arr{obj{"country": "DE", "type": "work"}})
		return r.get("addresses.0.country").String() == "USA"
	},
	"rejects-extension-first": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users", userBody("u", "schemas", arr{urnEnterprise, urnUser})).code == 400
	},
	"rejects-reordered-name": func(t *testing.T, f []string) bool {
		body := `{"name":{"familyName":"F","givenName":"G"},"schemas":["` + urnUser + `"],"userName":"u"}`
		return newTC(t, f...).do("POST", "/Users", body).code == 400
	},
	"create-answer-differs": func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u", "title", "t").get("title").String() != "t"
	},
	"deleted-group-stays-in-user-groups": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.userID("u")
		g := c.createGroup("g", u).get("id").String()
		require.Equal(t, 204, c.do("DELETE", "/Groups/"+g, nil).code)
		return c.do("GET", "/Users/"+u, nil).get("groups.#").Int() > 0
	},
	"patch-add-with-path-ignored": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return c.patch("/Users/"+c.userID("u"), obj{"op": "add", "path": "title", "value": "x"}).code == 204
	},
	"every-email-primary": func(t *testing.T, f []string) bool {
		r := newTC(t, f...).createUser("u", "emails", arr{obj{"value": "a@example.test", "primary": true}, obj{"value": "b@example.test"}})
		return r.get("emails.1.primary").Bool()
	},
	"binary-not-base64": func(t *testing.T, f []string) bool {
		r := newTC(t, f...).createUser("u", "x509Certificates", arr{obj{"value": "aGVsbG8="}})
		return r.get("x509Certificates.0.value").String() != "aGVsbG8="
	},
	"delete-answers-200": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return c.do("DELETE", "/Users/"+c.userID("u"), nil).code == 200
	},
	"ids-reused": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		require.Equal(t, 204, c.do("DELETE", "/Users/"+id, nil).code)
		return c.userID("u") == id
	},
	"empty-pages-without-resources": func(t *testing.T, f []string) bool {
		return !newTC(t, f...).do("GET", "/Users", nil).get("Resources").Exists()
	},
	"partial-pages-without-paging-fields": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("a")
		c.createUser("b")
		return !c.do("GET", "/Users?count=1", nil).get("itemsPerPage").Exists()
	},
	"scim-json-not-acceptable": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return c.do("GET", "/Users/"+c.userID("u"), nil, "Accept: application/scim+json").code == 406
	},
	"scim-json-body-refused": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users", obj{"schemas": arr{urnUser}, "userName": "u"}).code == 415
	},
	"count-one-refused": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/Users?count=1", nil).code == 400
	},
	"default-active-claimed": func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users", obj{"schemas": arr{urnUser}, "userName": "u"}).get("active").Bool()
	},
	"required-extension-missing": func(t *testing.T, f []string) bool {
		return strings.Contains(string(newTC(t, f...).do("GET", "/ResourceTypes", nil).raw), `"required":true`)
	},
	"capabilities-understated": func(t *testing.T, f []string) bool {
		return !newTC(t, f...).do("GET", "/ServiceProviderConfig", nil).get("bulk.supported").Bool()
	},
	"immutable-declared-not-enforced": func(t *testing.T, f []string) bool {
		return strings.Contains(string(newTC(t, f...).do("GET", "/Schemas", nil).raw), `"mutability":"immutable","name":"nickName"`)
	},
	"lastmodified-goes-back": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		c.patchOK("/Users/"+id, obj{"op": "replace", "path": "title", "value": "x"})
		return strings.HasPrefix(c.do("GET", "/Users/"+id, nil).get("meta.lastModified").String(), "2001")
	},
	"etag-lowercase-weak": func(t *testing.T, f []string) bool {
		return strings.HasPrefix(newTC(t, f...).createUser("u").h.Get("ETag"), "w/")
	},
	"ids-dropped-on-read": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return !c.do("GET", "/Users/"+c.userID("u"), nil).get("id").Exists()
	},
	"put-keeps-old-values": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.createUser("u", "title", "t").get("id").String()
		require.Equal(t, 200, c.do("PUT", "/Users/"+id, userBody("u")).code)
		return c.do("GET", "/Users/"+id, nil).get("title").Exists()
	},
	"bulk-ids-leak": func(t *testing.T, f []string) bool {
		return strings.Contains(string(newTC(t, f...).do("POST", "/Bulk", bulkOne("u")).raw), "/Users/bulkId-")
	},
	"dotted-pathless-keys-ignored": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		r := c.patchOK("/Users/"+c.userID("u"), obj{"op": "replace", "value": obj{"name.familyName": "Updated"}})
		return r.get("name.familyName").String() != "Updated"
	},
	"member-adds-dropped-beside-removes": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u1, u2 := c.userID("u1"), c.userID("u2")
		g := c.createGroup("g", u1).get("id").String()
		r := c.patchOK("/Groups/"+g, obj{"op": "remove", "path": `members[value eq "` + u1 + `"]`},
			obj{"op": "add", "path": "members", "value": arr{obj{"value": u2}}})
		return len(memberValues(r)) == 0
	},
	"user-list-index-stale": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		c.patchOK("/Users/"+id, obj{"op": "replace", "path": "displayName", "value": "Renamed"})
		r := c.do("GET", "/Users?filter="+url.QueryEscape(`id eq "`+id+`"`), nil)
		return r.get("Resources.0.displayName").String() != "Renamed"
	},
	"group-list-members-stale": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.userID("u")
		g := c.createGroup("g").get("id").String()
		c.patchOK("/Groups/"+g, obj{"op": "add", "path": "members", "value": arr{obj{"value": u}}})
		r := c.do("GET", "/Groups?filter="+url.QueryEscape(`id eq "`+g+`"`), nil)
		return len(r.get("Resources.0.members").Array()) == 0
	},
	"client-meta-trusted": func(t *testing.T, f []string) bool {
		r := newTC(t, f...).createUser("u", "meta", obj{"created": "2000-01-01T00:00:00Z"})
		return r.get("meta.created").String() == "2000-01-01T00:00:00Z"
	},
}

// bulkOne is a Bulk request that creates one user.
func bulkOne(userName string) obj {
	return obj{"schemas": arr{urnBulkRequest}, "Operations": arr{obj{"method": "POST", "path": "/Users", "bulkId": "b1", "data": userBody(userName)}}}
}

// TestWireFaultsCombine: several wire faults at once all show, and a
// wire fault does not leak into a server without it.
func TestWireFaultsCombine(t *testing.T) {
	f := []string{"meta-incomplete", "booleans-as-strings", "etag-lowercase-weak"}
	for _, n := range f {
		require.True(t, wireSymptoms[n](t, f), "%s does not show when combined", n)
	}
	require.False(t, wireSymptoms["meta-incomplete"](t, []string{"booleans-as-strings"}))
}
