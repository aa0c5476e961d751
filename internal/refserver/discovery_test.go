package refserver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

func TestServiceProviderConfig(t *testing.T) {
	c := newTC(t)
	r := c.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, 200, r.code)
	assert.Equal(t, "application/scim+json", r.h.Get("Content-Type"))
	assert.Equal(t, urnSPC, r.get("schemas.0").String())
	for _, f := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
		assert.Equal(t, true, r.get(f+".supported").Value(), f)
	}
	assert.Equal(t, float64(maxBulkOperations), r.get("bulk.maxOperations").Value())
	assert.Equal(t, float64(maxBodyBytes), r.get("bulk.maxPayloadSize").Value())
	assert.Equal(t, float64(maxResults), r.get("filter.maxResults").Value())
	assert.Equal(t, "oauthbearertoken", r.get("authenticationSchemes.0.type").String())
	assert.NotEmpty(t, r.get("authenticationSchemes.0.name").String())
	assert.NotEmpty(t, r.get("authenticationSchemes.0.description").String())
	assert.Equal(t, "ServiceProviderConfig", r.get("meta.resourceType").String())
	assert.Equal(t, base+"/ServiceProviderConfig", r.get("meta.location").String())
	requireError(t, c.do("GET", "/ServiceProviderConfig?filter=x", nil), 403, "")
	requireError(t, c.do("PUT", "/ServiceProviderConfig", obj{}), 405, "")
}

func TestResourceTypes(t *testing.T) {
	c := newTC(t)
	r := c.do("GET", "/ResourceTypes", nil)
	require.Equal(t, 200, r.code)
	assert.Equal(t, urnListResponse, r.get("schemas.0").String())
	assert.Equal(t, int64(2), r.get("totalResults").Int())
	schemaIDs := map[string]bool{}
	for _, s := range c.do("GET", "/Schemas", nil).get("Resources.#.id").Array() {
		schemaIDs[s.String()] = true
	}
	for _, rt := range r.get("Resources").Array() {
		assert.Equal(t, urnRT, rt.Get("schemas.0").String())
		assert.True(t, schemaIDs[rt.Get("schema").String()])
		for _, e := range rt.Get("schemaExtensions").Array() {
			assert.True(t, schemaIDs[e.Get("schema").String()])
			assert.Equal(t, gjson.False, e.Get("required").Type)
		}
		assert.Equal(t, 200, c.do("GET", rt.Get("endpoint").String(), nil).code)
		assert.Equal(t, "ResourceType", rt.Get("meta.resourceType").String())
	}
	u := c.do("GET", "/ResourceTypes/User", nil)
	assert.Equal(t, "/Users", u.get("endpoint").String())
	assert.Equal(t, urnEnterprise, u.get("schemaExtensions.0.schema").String())
	assert.Equal(t, "/Groups", c.do("GET", "/ResourceTypes/Group", nil).get("endpoint").String())
	requireError(t, c.do("GET", "/ResourceTypes/Nope", nil), 404, "")
}

func TestSchemas(t *testing.T) {
	c := newTC(t)
	r := c.do("GET", "/Schemas", nil)
	require.Equal(t, 200, r.code)
	assert.Equal(t, int64(4), r.get("totalResults").Int()) // core User and Group, enterprise, workforce
	assert.NotContains(t, r.raw, []byte("null"))
	types := map[string]bool{"string": true, "boolean": true, "decimal": true, "integer": true, "dateTime": true, "reference": true, "complex": true, "binary": true}
	var check func(a gjson.Result, sub bool)
	check = func(a gjson.Result, sub bool) {
		name := a.Get("name").String()
		assert.NotEmpty(t, name)
		assert.True(t, types[a.Get("type").String()], name)
		for _, k := range []string{"multiValued", "required", "caseExact"} {
			assert.True(t, a.Get(k).IsBool(), "%s.%s", name, k)
		}
		assert.Contains(t, []string{"readOnly", "readWrite", "immutable", "writeOnly"}, a.Get("mutability").String())
		assert.Contains(t, []string{"always", "never", "default", "request"}, a.Get("returned").String())
		assert.Contains(t, []string{"none", "server", "global"}, a.Get("uniqueness").String())
		if a.Get("type").String() == "complex" {
			assert.False(t, sub, "no complex sub-attributes")
			assert.NotEmpty(t, a.Get("subAttributes").Array(), name)
			for _, s := range a.Get("subAttributes").Array() {
				check(s, true)
			}
		}
	}
	for _, s := range r.get("Resources").Array() {
		assert.Equal(t, urnSchema, s.Get("schemas.0").String())
		assert.Equal(t, "Schema", s.Get("meta.resourceType").String())
		assert.False(t, strings.HasPrefix(s.Get("id").String(), "urn:ietf:params:scim:api:"))
		for _, a := range s.Get("attributes").Array() {
			check(a, false)
		}
		one := c.do("GET", "/Schemas/"+s.Get("id").String(), nil)
		require.Equal(t, 200, one.code)
		assert.JSONEq(t, s.Raw, string(one.raw))
	}
	u := c.do("GET", "/Schemas/"+urnUser, nil)
	attr := func(name string) gjson.Result {
		return u.get(fmt.Sprintf(`attributes.#(name=="%s")`, name))
	}
	assert.Equal(t, true, attr("userName").Get("required").Value())
	assert.Equal(t, false, attr("userName").Get("caseExact").Value())
	assert.Equal(t, "server", attr("userName").Get("uniqueness").String())
	assert.Equal(t, "writeOnly", attr("password").Get("mutability").String())
	assert.Equal(t, "never", attr("password").Get("returned").String())
	assert.Equal(t, "readOnly", attr("groups").Get("mutability").String())
	g := c.do("GET", "/Schemas/"+urnGroup, nil)
	assert.Equal(t, true, g.get(`attributes.#(name=="displayName").required`).Value())
	assert.Equal(t, "immutable", g.get(`attributes.#(name=="members").subAttributes.#(name=="value").mutability`).String())
	requireError(t, c.do("GET", "/Schemas/urn:nope", nil), 404, "")
}

func TestBulk(t *testing.T) {
	c := newTC(t)
	body := obj{"schemas": arr{urnBulkRequest}, "Operations": arr{
		obj{"method": "POST", "path": "/Groups", "bulkId": "g", "data": groupBody("bulkers", "bulkId:alice")},
		obj{"method": "POST", "path": "/Users", "bulkId": "alice", "data": userBody("b-alice")},
		obj{"method": "POST", "path": "/Users", "bulkId": "bob", "data": userBody("b-bob", urnEnterprise, obj{"manager": obj{"value": "bulkId:alice"}})},
		obj{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(obj{"op": "add", "path": "members", "value": arr{obj{"value": "bulkId:bob"}}})},
		obj{"method": "POST", "path": "/Users", "bulkId": "dup", "data": userBody("b-alice")},
		obj{"method": "POST", "path": "/Users", "data": userBody("no-bulk-id")},
	}}
	r := c.do("POST", "/Bulk", body)
	require.Equal(t, 200, r.code, r.String())
	assert.Equal(t, urnBulkResponse, r.get("schemas.0").String())
	ops := r.get("Operations").Array()
	require.Len(t, ops, 6, r.String())
	byBulk := map[string]gjson.Result{}
	for _, o := range ops {
		byBulk[o.Get("bulkId").String()] = o
		assert.NotEmpty(t, o.Get("method").String())
		assert.Equal(t, gjson.String, o.Get("status").Type)
	}
	aliceLoc := byBulk["alice"].Get("location").String()
	aliceID := aliceLoc[strings.LastIndex(aliceLoc, "/")+1:]
	assert.Equal(t, "201", byBulk["alice"].Get("status").String())
	assert.Equal(t, `"1"`, byBulk["alice"].Get("version").String())
	gLoc := byBulk["g"].Get("location").String()
	bob := c.do("GET", byBulk["bob"].Get("location").String(), nil)
	assert.Equal(t, aliceID, bob.get(entPrefix+".manager.value").String())
	grp := c.do("GET", gLoc, nil)
	assert.Equal(t, []string{aliceID, bob.get("id").String()}, memberValues(grp))
	assert.Equal(t, "409", byBulk["dup"].Get("status").String())
	assert.Equal(t, "uniqueness", byBulk["dup"].Get("response.scimType").String())
	assert.Equal(t, urnError, byBulk["dup"].Get("response.schemas.0").String())
	assert.False(t, byBulk["dup"].Get("location").Exists())
	noBulkID := 0
	for _, o := range ops {
		if o.Get("method").String() == "POST" && !o.Get("bulkId").Exists() {
			noBulkID++
			assert.Equal(t, "400", o.Get("status").String(), "POST without bulkId")
		}
	}
	assert.Equal(t, 1, noBulkID)

	// failOnErrors stops processing
	r = c.do("POST", "/Bulk", obj{"schemas": arr{urnBulkRequest}, "failOnErrors": 1, "Operations": arr{
		obj{"method": "DELETE", "path": "/Users/nope"},
		obj{"method": "POST", "path": "/Users", "bulkId": "late", "data": userBody("late")},
	}})
	require.Equal(t, 200, r.code)
	assert.Len(t, r.get("Operations").Array(), 1)
	assert.Equal(t, int64(0), c.do("GET", `/Users?filter=userName eq "late"`, nil).get("totalResults").Int())
	// without it processing continues; PUT and DELETE work
	r = c.do("POST", "/Bulk", obj{"schemas": arr{urnBulkRequest}, "Operations": arr{
		obj{"method": "DELETE", "path": "/Users/nope"},
		obj{"method": "POST", "path": "/Users", "bulkId": "late", "data": userBody("late")},
		obj{"method": "PUT", "path": "/Users/bulkId:late", "data": userBody("late", "title", "T")},
		obj{"method": "DELETE", "path": "/Users/" + aliceID, "version": `W/"99"`},
		obj{"method": "DELETE", "path": "/Users/" + aliceID},
	}})
	st := r.get("Operations.#.status").String()
	assert.Equal(t, `["404","201","200","412","204"]`, st)
	// circular references give 409
	r = c.do("POST", "/Bulk", obj{"schemas": arr{urnBulkRequest}, "Operations": arr{
		obj{"method": "POST", "path": "/Groups", "bulkId": "x", "data": groupBody("x", "bulkId:y")},
		obj{"method": "POST", "path": "/Groups", "bulkId": "y", "data": groupBody("y", "bulkId:x")},
	}})
	assert.Equal(t, `["409","409"]`, r.get("Operations.#.status").String())

	// limits
	var many arr
	for i := 0; i <= maxBulkOperations; i++ {
		many = append(many, obj{"method": "DELETE", "path": "/Users/x"})
	}
	r = c.do("POST", "/Bulk", obj{"schemas": arr{urnBulkRequest}, "Operations": many})
	requireError(t, r, 413, "")
	assert.Contains(t, r.get("detail").String(), fmt.Sprint(maxBulkOperations))
	big := `{"schemas":["` + urnBulkRequest + `"],"Operations":[],"pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	r = c.do("POST", "/Bulk", big)
	requireError(t, r, 413, "")
	assert.Contains(t, r.get("detail").String(), "maxPayloadSize")
	requireError(t, c.do("POST", "/Bulk", obj{"Operations": arr{}}), 400, stInvalidSyntax)
}
