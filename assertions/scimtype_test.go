package assertions

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimloop/scimloop/fakeidp"
)

func TestScimTypeOfNotSCIMError(t *testing.T) {
	plain := &fakeidp.Exchange{Method: "GET", URL: "/Users", Status: 400, RespBody: []byte("bad filter")}
	scim := &fakeidp.Exchange{Method: "GET", URL: "/Users", Status: 400,
		RespBody: []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue"}`)}
	for _, err := range []error{BadRequest(plain, "invalidFilter"), ScimType(plain, "invalidFilter")} {
		ex, ok := ScimTypeOfNotSCIMError(err)
		assert.True(t, ok, "%v", err)
		assert.Same(t, plain, ex)
	}
	for _, err := range []error{BadRequest(scim, "invalidFilter"), ScimType(scim, "invalidFilter")} {
		_, ok := ScimTypeOfNotSCIMError(err)
		assert.False(t, ok, "a SCIM error with the wrong scimType is its own failure: %v", err)
		assert.Error(t, err)
	}
	_, ok := ScimTypeOfNotSCIMError(Status(plain, 409))
	assert.False(t, ok, "a wrong status is its own failure")
	assert.NoError(t, BadRequest(scim, "invalidValue"))
}
