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
	for _, r := range Refusals() {
		_, ok := Lookup(r.Root)
		assert.True(t, ok, "refusal root %q is a check", r.Root)
	}
}
