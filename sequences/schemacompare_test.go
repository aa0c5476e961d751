package sequences

import (
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
)

func TestSimpleEqualFollowsSCIM(t *testing.T) {
	cases := []struct {
		typ       string
		caseExact bool
		w, g      any
		want      bool
	}{
		{"string", false, "Ada", "ADA", true},
		{"string", true, "Ada", "ADA", false},
		{"decimal", false, 85.5, 85.5, true},
		{"decimal", false, 85.5, 85.0, false},
		{"integer", false, 7, 7.0, true},
		{"dateTime", false, "2021-03-04T09:00:00+02:00", "2021-03-04T07:00:00Z", true},
		{"dateTime", false, "2021-03-04T09:00:00+02:00", "2021-03-04T09:00:00Z", false},
		{"binary", false, "AAEC", "AAEC", true},
		{"binary", false, "AAEC", "AAED", false},
		{"reference", false, "https://a.example/scim/v2/Users/42", "/scim/v2/Users/42", true},
		{"reference", false, "https://a.example/scim/v2/Users/42", "https://a.example/scim/v2/Users/43", false},
		{"boolean", false, true, true, true},
		{"boolean", false, true, "true", false},
	}
	for _, c := range cases {
		if got := simpleEqual(c.typ, c.caseExact, c.w, c.g); got != c.want {
			t.Errorf("simpleEqual(%s, caseExact %v, %v, %v) = %v, want %v", c.typ, c.caseExact, c.w, c.g, got, c.want)
		}
	}
}

func TestJudgeBodyFindsLies(t *testing.T) {
	s := &rtSchema{name: "User", core: fakeidp.SchemaUser, attrs: []declAttr{
		{Attribute: fakeidp.Attribute{Name: "userName", Type: "string", Required: true}},
		{Attribute: fakeidp.Attribute{Name: "password", Type: "string", Mutability: "writeOnly", Returned: "never"}},
		{Attribute: fakeidp.Attribute{Name: "emails", Type: "complex", MultiValued: true}, subs: []fakeidp.Attribute{
			{Name: "value", Type: "string"}, {Name: "primary", Type: "boolean"}, {Name: "type", Type: "string", CanonicalValues: []string{"work", "home"}}}},
	}}
	h := judgeBody(s, map[string]any{"id": "1", "userName": "u", "emails": []any{map[string]any{"value": "a", "type": "work"}}}, true)
	if len(h.shape)+len(h.hidden)+len(h.primates) != 0 {
		t.Fatalf("a correct body was judged wrong: %+v", h)
	}
	h = judgeBody(s, map[string]any{
		"password": "x", "nickName": "undeclared",
		"emails": []any{map[string]any{"value": "a", "primary": true, "type": "custom"}, map[string]any{"value": "b", "primary": true}},
	}, true)
	if len(h.hidden) != 1 || len(h.primates) != 1 || len(h.shape) != 3 {
		t.Errorf("want the password shown, two primaries, and undeclared nickName, a non-canonical type and no userName; got %+v", h)
	}
}
