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

func TestRemoveNotApplied(t *testing.T) {
	const group = "http://h.test/scim/v2/Groups/1"
	patch := func(ops string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "PATCH", URL: group, Status: 200,
			ReqBody: []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`)}
	}
	read := func(body string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "GET", URL: group, Status: 200, RespBody: []byte(body)}
	}
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	const members = `{"members":[{"value":"a"},{"value":"b"}]}`
	tests := []struct {
		name, ops, body string
		want            bool
	}{
		{"plain path", `[{"op":"remove","path":"nickName"}]`, `{"nickName":"Bob"}`, true},
		{"removed", `[{"op":"remove","path":"nickName"}]`, `{"id":"1"}`, false},
		{"null is unassigned", `[{"op":"remove","path":"nickName"}]`, `{"nickName":null}`, false},
		{"empty string", `[{"op":"remove","path":"nickName"}]`, `{"nickName":""}`, false},
		{"all values", `[{"op":"remove","path":"members"}]`, members, true},
		{"no values left", `[{"op":"remove","path":"members"}]`, `{"members":[]}`, false},
		{"sub-attribute", `[{"op":"remove","path":"name.middleName"}]`, `{"name":{"middleName":"Q"}}`, true},
		{"extension", `[{"op":"remove","path":"` + ent + `:department"}]`, `{"` + ent + `":{"department":"Ops"}}`, true},
		{"a boolean may be a default", `[{"op":"remove","path":"active"}]`, `{"active":false}`, false},
		{"filter selects a value still there", `[{"op":"remove","path":"members[value eq \"b\"]"}]`, members, true},
		{"filter selects nothing left", `[{"op":"remove","path":"members[value eq \"c\"]"}]`, members, false},
		{"filter: case is the server's", `[{"op":"remove","path":"members[value eq \"B\"]"}]`, members, false},
		{"filter on a sub-attribute", `[{"op":"remove","path":"members[value eq \"b\"].display"}]`, `{"members":[{"value":"b","display":"B"}]}`, false},
		{"complex filter", `[{"op":"remove","path":"members[value eq \"b\" or value eq \"x\"]"}]`, members, false},
		{"listed value still there", `[{"op":"remove","path":"members","value":[{"value":"a"}]}]`, members, true},
		{"listed value gone", `[{"op":"remove","path":"members","value":[{"value":"c"}]}]`, members, false},
		{"the server must refuse it", `[{"op":"remove","path":"userName"}]`, `{"userName":"bjensen"}`, false},
		{"two operations on it", `[{"op":"remove","path":"members[value eq \"a\"]"},{"op":"add","path":"members","value":[{"value":"a"}]}]`, members, false},
		{"replace is not remove", `[{"op":"replace","path":"nickName","value":"Bob"}]`, `{"nickName":"Bob"}`, false},
		{"no path", `[{"op":"remove","value":{"nickName":"Bob"}}]`, `{"nickName":"Bob"}`, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, removeNotApplied(patch(tt.ops), read(tt.body)), tt.name)
	}
	refused := patch(`[{"op":"remove","path":"nickName"}]`)
	refused.Status = 400
	assert.False(t, removeNotApplied(refused, read(`{"nickName":"Bob"}`)), "a refused write changes nothing, rightly")
}

func TestPutNotApplied(t *testing.T) {
	const user = "http://h.test/scim/v2/Users/1"
	put := func(body string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "PUT", URL: user, Status: 204, ReqBody: []byte(body)}
	}
	read := func(body string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "GET", URL: user, Status: 200, RespBody: []byte(body)}
	}
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := []struct {
		name, sent, body string
		want             bool
	}{
		{"a value kept", `{"userName":"u","title":"New"}`, `{"userName":"u","title":"Old"}`, true},
		{"applied", `{"userName":"u","title":"New"}`, `{"userName":"u","title":"New"}`, false},
		{"case is the server's", `{"title":"New"}`, `{"title":"NEW"}`, false},
		{"not returned", `{"title":"New"}`, `{"userName":"u"}`, false},
		{"complex", `{"name":{"givenName":"New"}}`, `{"name":{"givenName":"Old"}}`, true},
		{"extension", `{"` + ent + `":{"department":"New"}}`, `{"` + ent + `":{"department":"Old"}}`, true},
		{"boolean", `{"active":true}`, `{"active":false}`, true},
		{"member missing", `{"members":[{"value":"b"}]}`, `{"members":[{"value":"a"}]}`, true},
		{"members as sent", `{"members":[{"value":"b"}]}`, `{"members":[{"value":"b","display":"B"}]}`, false},
		{"members not returned", `{"members":[{"value":"b"}]}`, `{"displayName":"g"}`, false},
		{"email in another case", `{"emails":[{"value":"A@x.test"}]}`, `{"emails":[{"value":"a@x.test"}]}`, false},
		{"readOnly values are the server's", `{"id":"9","meta":{"created":"2000-01-01T00:00:00Z"},"groups":[],"schemas":["x"]}`, `{"id":"1","meta":{"created":"2026-01-01T00:00:00Z"},"groups":[{"value":"g"}],"schemas":["y"]}`, false},
		{"password is never returned", `{"password":"p"}`, `{"password":"q"}`, false},
		{"null clears", `{"nickName":null}`, `{"nickName":"Nick"}`, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, putNotApplied(put(tt.sent), read(tt.body)), tt.name)
	}
	refused := put(`{"title":"New"}`)
	refused.Status = 409
	assert.False(t, putNotApplied(refused, read(`{"title":"Old"}`)), "a refused write changes nothing, rightly")
	patch := put(`{"title":"New"}`)
	patch.Method = "PATCH"
	assert.False(t, putNotApplied(patch, read(`{"title":"Old"}`)), "only a PUT")
}
