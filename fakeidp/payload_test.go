package fakeidp

import (
	"slices"
	"testing"
)

func TestShapeKeepsOnlyDeclared(t *testing.T) {
	sp := &ServiceProvider{UserAttrs: map[string]Attribute{"username": {Name: "userName"}, "emails": {Name: "emails"}}}
	body := map[string]any{"schemas": []any{SchemaUser}, "id": "1", "externalId": "e", "meta": map[string]any{},
		"userName": "u", "Emails": []any{}, "addresses": nil, SchemaEnterprise: map[string]any{}}
	got := sp.Shape("User", body)
	for _, k := range []string{"schemas", "id", "externalId", "meta", "userName", "Emails", SchemaEnterprise} {
		if _, ok := got[k]; !ok {
			t.Errorf("Shape dropped %q, which is declared or common", k)
		}
	}
	if _, ok := got["addresses"]; ok {
		t.Error("Shape kept addresses, which /Schemas does not declare")
	}
	if len((&ServiceProvider{}).Shape("User", body)) != len(body) {
		t.Error("with no /Schemas, Shape must keep every attribute")
	}
}

func TestMinimalUser(t *testing.T) {
	u := User{UserName: "u", Emails: []Email{{Value: "u@x.test"}}, DisplayName: "U", Active: true}
	core := &ServiceProvider{UserAttrs: map[string]Attribute{
		"username": {Name: "userName", Required: true}, "emails": {Name: "emails"}, "id": {Name: "id", Required: true, Mutability: "readOnly"}}}
	body, missing := core.MinimalUser(u)
	if len(body) != 2 || body["userName"] != "u" || len(missing) != 0 {
		t.Errorf("core schema: body %v missing %v, want schemas and userName only", body, missing)
	}
	strict := &ServiceProvider{UserAttrs: map[string]Attribute{"username": {Name: "userName", Required: true},
		"emails": {Name: "emails", Required: true}, "nickname": {Name: "nickName", Required: true}}}
	body, missing = strict.MinimalUser(u)
	if _, ok := body["emails"]; !ok || !slices.Equal(missing, []string{"nickName"}) {
		t.Errorf("required emails and nickName: body %v missing %v, want emails sent and nickName missing", body, missing)
	}
	if body, _ := (&ServiceProvider{}).MinimalUser(u); len(body) != 2 {
		t.Errorf("no /Schemas: body %v, want schemas and userName", body)
	}
}
