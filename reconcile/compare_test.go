package reconcile

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
)

var testAttrs = map[string]fakeidp.Attribute{
	"username":   {Name: "userName", Type: "string"},
	"externalid": {Name: "externalId", Type: "string", CaseExact: true},
	"active":     {Name: "active", Type: "boolean"},
	"nickname":   {Name: "nickName", Type: "string"},
	"emails": {Name: "emails", Type: "complex", MultiValued: true, Sub: map[string]fakeidp.Attribute{
		"value": {Name: "value", Type: "string"}, "type": {Name: "type", Type: "string"}, "primary": {Name: "primary", Type: "boolean"}}},
	"name":             {Name: "name", Type: "complex", Sub: map[string]fakeidp.Attribute{"givenname": {Name: "givenName", Type: "string"}}},
	"groups":           {Name: "groups", Type: "complex", MultiValued: true, Mutability: "readOnly"},
	"x509certificates": {Name: "x509Certificates", Type: "complex", MultiValued: true, Mutability: "readOnly"},
	"roles":            {Name: "roles", Type: "string", MultiValued: true, CaseExact: true},
}

func diffText(t *testing.T, want, got string) string {
	t.Helper()
	var w, g map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range Compare(testAttrs, w, g) {
		lines = append(lines, fmt.Sprintf("%s: %s -> %s", d.Path, jsonText(d.Want), jsonText(d.Got)))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestCompareSCIMSemantics(t *testing.T) {
	for _, c := range []struct{ name, want, got, diff string }{
		{"names are case-insensitive", `{"USERNAME":"ann"}`, `{"userName":"ann"}`, ""},
		{"caseExact=false folds", `{"userName":"Ann"}`, `{"userName":"ann"}`, ""},
		{"caseExact=true does not", `{"externalId":"A1"}`, `{"externalId":"a1"}`, `externalId: "A1" -> "a1"`},
		{"undeclared strings default to caseExact=false", `{"title":"Boss"}`, `{"title":"boss"}`, ""},
		{"multi-valued is a set", `{"emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"}]}`,
			`{"emails":[{"value":"B@x","type":"home"},{"value":"a@x","type":"work"}]}`, ""},
		{"an element without type matches any type", `{"emails":[{"value":"a@x"}]}`, `{"emails":[{"value":"a@x","type":"work"}]}`, ""},
		{"a missing and an extra element", `{"emails":[{"value":"a@x","type":"work"}]}`, `{"emails":[{"value":"c@x","type":"work"}]}`,
			`emails[type work, value a@x]: {"type":"work","value":"a@x"} -> ` + "\n" + `emails[type work, value c@x]:  -> {"type":"work","value":"c@x"}`},
		{"primary stated and wrong", `{"emails":[{"value":"a@x","primary":true}]}`, `{"emails":[{"value":"a@x"}]}`, `emails[value a@x].primary: true -> `},
		{"an absent primary is false", `{"emails":[{"value":"a@x","primary":false}]}`, `{"emails":[{"value":"a@x"}]}`, ""},
		{"readOnly is ignored", `{"groups":[{"value":"g1"}],"x509Certificates":[{"value":"c"}]}`, `{}`, ""},
		{"id, meta and schemas are ignored", `{"id":"1","meta":{"version":"W/1"},"schemas":["x"]}`, `{"id":"2"}`, ""},
		{"empty is absent", `{"nickName":"","emails":[],"name":{}}`, `{"emails":null}`, ""},
		{"null at the source clears", `{"nickName":null}`, `{"nickName":"Al"}`, `nickName:  -> "Al"`},
		{"an absent active is active", `{"active":true}`, `{}`, ""},
		{"active false against absent", `{"active":false}`, `{}`, `active: false -> `},
		{"sub-attributes the source does not name are left alone", `{"name":{"givenName":"Ann"}}`, `{"name":{"givenName":"ann","formatted":"Ann A"}}`, ""},
		{"a sub-attribute drifts", `{"name":{"givenName":"Ann"}}`, `{"name":{"givenName":"Anne"}}`, `name.givenName: "Ann" -> "Anne"`},
		{"simple multi-valued, caseExact", `{"roles":["admin","Dev"]}`, `{"roles":["dev","admin"]}`, `roles[Dev]: "Dev" -> ` + "\n" + `roles[dev]:  -> "dev"`},
		{"numbers and booleans", `{"level":2,"vip":true}`, `{"level":2.0,"vip":"true"}`, `vip: true -> "true"`},
		{"extension attributes", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Ops"}}`,
			`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"Department":"Sales"}}`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: "Ops" -> "Sales"`},
	} {
		if got := diffText(t, c.want, c.got); got != c.diff {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.diff)
		}
	}
}
