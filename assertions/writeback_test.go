package assertions

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimloop/scimloop/fakeidp"
)

func TestReplaceNotApplied(t *testing.T) {
	const user = "http://h.test/scim/v2/Users/1"
	patch := func(ops string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "PATCH", URL: user, Status: 204,
			ReqBody: []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`)}
	}
	read := func(body string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "GET", URL: user + "?x=1", Status: 200, RespBody: []byte(body)}
	}
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := []struct {
		name, ops, body string
		want            bool
	}{
		{"path", `[{"op":"replace","path":"title","value":"Lead"}]`, `{"title":"Eng"}`, true},
		{"applied", `[{"op":"replace","path":"title","value":"Lead"}]`, `{"title":"Lead"}`, false},
		{"op in any case", `[{"op":"Replace","path":"title","value":"Lead"}]`, `{"title":"Eng"}`, true},
		{"case is the server's", `[{"op":"replace","path":"title","value":"Lead"}]`, `{"title":"LEAD"}`, false},
		{"not returned", `[{"op":"replace","path":"title","value":"Lead"}]`, `{"id":"1"}`, false},
		{"sub-attribute", `[{"op":"replace","path":"name.givenName","value":"New"}]`, `{"name":{"givenName":"Old"}}`, true},
		{"complex value", `[{"op":"replace","path":"name","value":{"givenName":"New"}}]`, `{"name":{"givenName":"Old","familyName":"F"}}`, true},
		{"pathless", `[{"op":"replace","value":{"displayName":"D","active":false}}]`, `{"displayName":"D","active":true}`, true},
		{"pathless extension", `[{"op":"replace","value":{"` + ent + `":{"department":"Finance"}}}]`, `{"` + ent + `":{"department":"Ops"}}`, true},
		{"urn path", `[{"op":"replace","path":"` + ent + `:department","value":"Finance"}]`, `{"` + ent + `":{"department":"Ops"}}`, true},
		{"string boolean", `[{"op":"replace","path":"active","value":"False"}]`, `{"active":true}`, false},
		{"value filter", `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"a@x"}]`, `{"emails":[{"type":"work","value":"b@x"}]}`, false},
		{"a later operation on it", `[{"op":"replace","path":"title","value":"Lead"},{"op":"remove","path":"title"}]`, `{"title":"Eng"}`, false},
		{"add is not replace", `[{"op":"add","path":"title","value":"Lead"}]`, `{"title":"Eng"}`, false},
		{"multi-valued", `[{"op":"replace","path":"emails","value":[{"value":"a@x"}]}]`, `{"emails":[{"value":"b@x"}]}`, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, replaceNotApplied(patch(tt.ops), read(tt.body)), tt.name)
	}
	other := read(`{"title":"Eng"}`)
	other.URL = "http://h.test/scim/v2/Users/2"
	assert.False(t, replaceNotApplied(patch(`[{"op":"replace","path":"title","value":"Lead"}]`), other), "another resource")
	refused := patch(`[{"op":"replace","path":"title","value":"Lead"}]`)
	refused.Status = 400
	assert.False(t, replaceNotApplied(refused, read(`{"title":"Eng"}`)), "a refused write changes nothing, rightly")
}
