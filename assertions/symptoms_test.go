package assertions

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimloop/scimloop/fakeidp"
)

func TestRefusesSCIMAccept(t *testing.T) {
	ex := func(status int, accept ...string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "GET", Status: status, ReqHeader: fakeidp.NewHeaders(http.Header{"Accept": accept})}
	}
	assert.True(t, refusesSCIMAccept(ex(406, "application/scim+json")))
	assert.True(t, refusesSCIMAccept(ex(406, "application/json, application/scim+json; q=0.9")))
	assert.True(t, refusesSCIMAccept(ex(406, "text/html", "Application/SCIM+JSON")))
	assert.False(t, refusesSCIMAccept(ex(406, "application/json")), "a 406 to another media type is not this refusal")
	assert.False(t, refusesSCIMAccept(ex(406)))
	assert.False(t, refusesSCIMAccept(ex(200, "application/scim+json")))
	assert.False(t, refusesSCIMAccept(ex(415, "application/scim+json")))
	assert.False(t, refusesSCIMAccept(nil))
	for _, r := range Symptoms() {
		_, ok := Lookup(r.Root)
		assert.True(t, ok, "symptom root %q is a check", r.Root)
	}
}

func TestIgnoresAttributes(t *testing.T) {
	get := func(url, body string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "GET", URL: url, Status: 200, RespBody: []byte(body)}
	}
	const user = "http://h.test/scim/v2/Users/1"
	assert.True(t, ignoresAttributes(get(user+"?attributes=userName", `{"id":"1","userName":"a","emails":[]}`)))
	assert.True(t, ignoresAttributes(get("http://h.test/scim/v2/Users?attributes=userName&filter=x",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[{"id":"1","userName":"a"},{"id":"2","userName":"b","title":"t"}]}`)))
	assert.False(t, ignoresAttributes(get(user+"?attributes=userName", `{"schemas":["x"],"id":"1","userName":"a"}`)), "honoured")
	assert.False(t, ignoresAttributes(get(user+"?attributes=UserName,displayName", `{"id":"1","userName":"a","displayName":"A"}`)), "names are case-insensitive")
	assert.False(t, ignoresAttributes(get(user+"?attributes=name.givenName", `{"id":"1","name":{"givenName":"a"},"title":"t"}`)), "sub-attribute paths are not this rule")
	assert.False(t, ignoresAttributes(get(user, `{"id":"1","userName":"a","emails":[]}`)), "no attributes= asked")
	assert.False(t, ignoresAttributes(get(user+"?excludedAttributes=emails", `{"id":"1","emails":[]}`)))
	notFound := get(user+"?attributes=userName", `{"detail":"x","status":"404"}`)
	notFound.Status = 404
	assert.False(t, ignoresAttributes(notFound))
	assert.False(t, ignoresAttributes(get(user+"?attributes=userName", `not json`)))
}

func TestIgnoresAttributesInSearch(t *testing.T) {
	search := func(req, resp string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "POST", URL: "http://h.test/scim/v2/Users/.search", Status: 200, ReqBody: []byte(req), RespBody: []byte(resp)}
	}
	const list = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[{"id":"1","userName":"a","title":"t"}]}`
	assert.True(t, ignoresAttributes(search(`{"attributes":["userName"]}`, list)))
	assert.False(t, ignoresAttributes(search(`{"attributes":["userName","title"]}`, list)))
	assert.False(t, ignoresAttributes(search(`{"filter":"userName eq \"a\""}`, list)), "no attributes asked")
}

func TestSkipsIntoEmptyPage(t *testing.T) {
	get := func(query, body string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "GET", URL: "http://h.test/scim/v2/Users" + query, Status: 200, RespBody: []byte(body)}
	}
	const empty1 = `{"totalResults":1,"Resources":[]}`
	assert.True(t, skipsIntoEmptyPage(get(`?filter=userName+eq+%22a%22`, empty1)), "the one result skipped")
	assert.True(t, skipsIntoEmptyPage(get(`?filter=x&startIndex=1&count=10`, `{"totalResults":1}`)), "Resources left out")
	assert.True(t, skipsIntoEmptyPage(get(`?startIndex=5&count=2`, `{"totalResults":5,"Resources":[]}`)))
	assert.True(t, skipsIntoEmptyPage(get(`?startIndex=0`, empty1)), "below 1 means 1")
	assert.False(t, skipsIntoEmptyPage(get(`?startIndex=6&count=2`, `{"totalResults":5,"Resources":[]}`)), "past the end")
	assert.False(t, skipsIntoEmptyPage(get(`?count=0`, empty1)), "count=0 asks for none")
	assert.False(t, skipsIntoEmptyPage(get(`?count=-1`, empty1)), "a negative count means 0")
	assert.False(t, skipsIntoEmptyPage(get(``, `{"totalResults":0,"Resources":[]}`)))
	assert.False(t, skipsIntoEmptyPage(get(``, `{"totalResults":1,"Resources":[{"id":"1"}]}`)))
	assert.False(t, skipsIntoEmptyPage(get(``, `{"totalResults":"1","Resources":[]}`)), "not an integer: another check's")
	assert.False(t, skipsIntoEmptyPage(get(`?cursor=abc`, empty1)), "a cursor page is not indexed")
	notFound := get(``, `{}`)
	notFound.Status = 404
	assert.False(t, skipsIntoEmptyPage(notFound))
	search := &fakeidp.Exchange{Method: "POST", URL: "http://h.test/scim/v2/Users/.search", Status: 200,
		ReqBody: []byte(`{"filter":"userName eq \"a\"","startIndex":1,"count":5}`), RespBody: []byte(empty1)}
	assert.True(t, skipsIntoEmptyPage(search))
	search.ReqBody = []byte(`{"count":0}`)
	assert.False(t, skipsIntoEmptyPage(search))
}
