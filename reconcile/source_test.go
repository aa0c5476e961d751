package reconcile

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func errorLines(s *Source) string {
	var b strings.Builder
	for _, e := range s.Errors {
		b.WriteString(strconv.Itoa(e.Line) + ": " + e.Error + "\n")
	}
	return b.String()
}

func TestBadSourceRowsAreCountedWithLines(t *testing.T) {
	src, err := ReadSource(strings.NewReader(`{"userName":"ann","externalId":"a1"}
{"userName": broken
{"userName":"bob","active":"yes"}

{"displayName":"g1","members":[{"value":"a1"},{"display":"x"}]}
{"externalId":"x9"}
{"userName":"ann2","externalId":"a1"}
{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"name":{"givenName":"C"}}
{"displayName":"g2","members":[{"value":"a1"}]}
`), "s.jsonl", MatchDefault)
	if err != nil {
		t.Fatal(err)
	}
	want := `2: not a JSON object
3: User "bob": active is "yes", want true or false
5: Group "g1": members[1] has no string value (the member's match key)
6: cannot tell a User from a Group: no core schema in "schemas", no userName, no displayName
7: User externalId "a1" is also on line 1
8: User without userName (required, RFC 7643 §4.1.1)
`
	if got := errorLines(src); got != want {
		t.Errorf("errors:\n%s\nwant:\n%s", got, want)
	}
	if src.ErrorCount != 6 || len(src.Users) != 1 || len(src.Groups) != 1 || src.Memberships() != 1 {
		t.Errorf("%d errors, %d users, %d groups, %d memberships", src.ErrorCount, len(src.Users), len(src.Groups), src.Memberships())
	}
}

func TestSourceFormats(t *testing.T) {
	list := `{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  "totalResults": 2,
  "Resources": [
    {"userName": "ann", "externalId": "a1"},
    {"userName": 7},
    {"displayName": "g", "members": [{"value": "a1"}]}
  ]
}`
	src, err := ReadSource(strings.NewReader(list), "list.json", MatchDefault)
	if err != nil {
		t.Fatal(err)
	}
	if src.Format != "listresponse" || len(src.Users) != 1 || len(src.Groups) != 1 || errorLines(src) != "6: User userName is not a string\n" {
		t.Errorf("list response: %s %d users %d groups, errors %q", src.Format, len(src.Users), len(src.Groups), errorLines(src))
	}
	csv := "userName,externalId,active,emails,givenName,familyName,groups\n" +
		"ann,a1,true,work:ann@x.test;ann@y.test,Ann,A,admins;staff\n" +
		"bob,,maybe,,,,\n" +
		"cid,c1,no,,,,staff,extra\n" +
		"dan,,,,,,staff\n"
	src, err = ReadSource(strings.NewReader(csv), "users.CSV", MatchDefault)
	if err != nil {
		t.Fatal(err)
	}
	want := "3: active \"maybe\": want true, false, yes, no, 1, 0 or empty\n4: wrong number of fields\n"
	if got := errorLines(src); got != want || src.ErrorCount != 2 {
		t.Errorf("csv errors %q, want %q", got, want)
	}
	if len(src.Users) != 2 || len(src.Groups) != 2 || src.Groups[1].Key != "staff" || strings.Join(src.Groups[1].Members, ",") != "a1,dan" {
		t.Errorf("csv: %+v", src.Groups)
	}
	if string(src.Users[0].Raw) != `{"active":true,"emails":[{"type":"work","value":"ann@x.test"},{"value":"ann@y.test"}],"externalId":"a1","name":{"familyName":"A","givenName":"Ann"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann"}` {
		t.Errorf("csv user: %s", src.Users[0].Raw)
	}
	if _, err := ReadSource(strings.NewReader("login,mail\nx,y\n"), "u.csv", MatchDefault); err == nil || !strings.Contains(err.Error(), `unknown CSV column "login"`) {
		t.Errorf("unknown column: %v", err)
	}
	if _, err := ReadSource(strings.NewReader(""), "u.jsonl", MatchDefault); err == nil {
		t.Error("an empty source was accepted")
	}
	if _, err := ReadSource(strings.NewReader("{}"), "u.jsonl", "email"); err == nil {
		t.Error("--match email was accepted")
	}
}

func TestMatchOverride(t *testing.T) {
	src, err := ReadSource(strings.NewReader(`{"userName":"ann","externalId":"a1"}
{"userName":"bob"}
{"displayName":"g","externalId":"gx"}
`), "s.jsonl", MatchExternalID)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Users) != 1 || src.Users[0].KeyAttr != "externalId" || errorLines(src) != "2: User \"bob\" has no externalId to match it by\n" {
		t.Errorf("%+v %q", src.Users, errorLines(src))
	}
	src, _ = ReadSource(strings.NewReader(`{"userName":"ann","externalId":"a1"}`+"\n"+`{"displayName":"g","externalId":"gx"}`), "s.jsonl", MatchUserName)
	if src.Users[0].KeyAttr != "userName" || src.Groups[0].KeyAttr != "displayName" {
		t.Errorf("match userName: %+v %+v", src.Users[0], src.Groups[0])
	}
}

// A row longer than the reader's buffer (a group with thousands of
// members) is read whole.
func TestLongSourceLine(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"userName":"ann","externalId":"a1"}` + "\n" + `{"displayName":"big","members":[`)
	for i := range 5000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"value":"member-%05d"}`, i)
	}
	b.WriteString("]}\n" + `{"userName":"bob"}`)
	src, err := ReadSource(strings.NewReader(b.String()), "long.jsonl", MatchDefault)
	if err != nil || src.ErrorCount != 0 {
		t.Fatal(err, src.Errors)
	}
	if len(src.Users) != 2 || len(src.Groups) != 1 || len(src.Groups[0].Members) != 5000 || src.Groups[0].Members[4999] != "member-04999" {
		t.Fatalf("%d users, %d groups", len(src.Users), len(src.Groups))
	}
}
