package assertions

import (
	"testing"

	scimfilter "github.com/scim2/filter-parser/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

func TestEvalFilter(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := []struct {
		filter, resource string
		want             match
	}{
		{"userName eq \"\u00c5\"", `{"userName":"A\u030a"}`, unknown}, // normalisation is the server's
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"`, `{"userName":"b"}`, misses},
		{ent + `:employeeNumber eq "1"`, `{"` + ent + `":{"employeeNumber":"2"}}`, misses},
		{ent + `:employeeNumber eq "1"`, `{"` + ent + `":{"employeeNumber":"1"}}`, matches},
		{ent + `:employeeNumber eq "1"`, `{"employeeNumber":"2"}`, unknown},
		{`name.familyName sw "Sm"`, `{"name":{"familyName":"Jones"}}`, misses},
		{`name.familyName sw "Sm"`, `{"name":{"familyName":"Smith"}}`, matches},
		{`emails.value co "@x.test"`, `{"emails":[{"value":"a@y.test"},{"value":"b@x.test"}]}`, matches},
		{`emails.value co "@x.test"`, `{"emails":[{"value":"a@y.test"},{"value":"b@z.test"}]}`, misses},
		{`emails.value ew ".test"`, `{"emails":[{"value":"a@y.example"},{"type":"work"}]}`, misses},
		{`emails[type eq "work" and value eq "a@x"]`, `{"emails":[{"type":"home","value":"a@x"},{"type":"work","value":"b@x"}]}`, misses},
		{`emails[type eq "work" and value eq "a@x"]`, `{"emails":[{"type":"work","value":"a@x"}]}`, matches},
		{`emails[type eq "work"]`, `{"emails":["a@x"]}`, unknown},
		{`userName eq "a" and externalId eq "x"`, `{"userName":"a","externalId":"y"}`, misses},
		{`userName eq "a" and externalId eq "x"`, `{"userName":"a"}`, unknown},
		{`userName eq "a" or userName eq "b"`, `{"userName":"b"}`, matches},
		{`userName eq "a" or userName eq "b"`, `{"userName":"c"}`, misses},
		{`userName eq "a" or externalId eq "x"`, `{"userName":"c"}`, unknown},
		{`not (userName eq "a")`, `{"userName":"a"}`, misses},
		{`userName ne "a"`, `{"userName":"a"}`, misses},
		{`userName ne "a"`, `{"userName":"b"}`, matches},
		{`emails.value ne "a"`, `{"emails":[{"value":"a"},{"value":"b"}]}`, unknown},
		{`title pr`, `{"title":"x"}`, matches},
		{`title pr`, `{"title":""}`, unknown},
		{`title pr`, `{}`, unknown},
		{`active eq false`, `{"active":true}`, misses},
		{`active eq false`, `{"active":false}`, matches},
		{`active eq false`, `{"active":"false"}`, unknown},
		{`x eq 3`, `{"x":4}`, misses},
		{`x eq 3`, `{"x":3}`, matches},
		{`meta.lastModified gt "2026-01-01T00:00:00Z"`, `{"meta":{"lastModified":"2025-01-01T00:00:00Z"}}`, unknown},
		{`meta.lastModified eq "2026-12-06T01:00:00Z"`, `{"meta":{"lastModified":"2026-12-06T01:00:00.000Z"}}`, unknown},
		{`userName eq "alice"`, `{"userName":7}`, unknown},
	}
	for _, tt := range tests {
		expr, err := scimfilter.ParseFilter([]byte(tt.filter))
		require.NoError(t, err, tt.filter)
		assert.Equal(t, tt.want, evalFilter(expr, gjson.Parse(tt.resource)), "%s on %s", tt.filter, tt.resource)
	}
}

func TestListsFilteredOut(t *testing.T) {
	const list = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"Resources":[{"id":"1","userName":"alice"},{"id":"2","userName":"bob"}]}`
	get := func(query string, status int, body string) *fakeidp.Exchange {
		return &fakeidp.Exchange{Method: "GET", URL: "http://h.test/scim/v2/Users" + query, Status: status, RespBody: []byte(body)}
	}
	assert.True(t, listsFilteredOut(get(`?filter=userName+eq+%22alice%22`, 200, list)), "bob does not match")
	assert.False(t, listsFilteredOut(get(`?filter=userName+eq+%22alice%22+or+userName+eq+%22bob%22`, 200, list)))
	assert.False(t, listsFilteredOut(get(`?filter=userName+co+%22li%22`, 200, `{"Resources":[{"userName":"alice"}]}`)))
	assert.False(t, listsFilteredOut(get(``, 200, list)), "no filter")
	assert.False(t, listsFilteredOut(get(`?filter=userName+zz+%22alice%22`, 200, list)), "a filter the harness cannot parse")
	assert.False(t, listsFilteredOut(get(`?filter=userName+eq+%22alice%22`, 400, `{"scimType":"invalidFilter"}`)))
	assert.False(t, listsFilteredOut(get(`?filter=userName+eq+%22alice%22`, 200, `not json`)))
	assert.False(t, listsFilteredOut(nil))
	search := &fakeidp.Exchange{Method: "POST", URL: "http://h.test/scim/v2/Users/.search", Status: 200,
		ReqBody: []byte(`{"filter":"userName eq \"alice\""}`), RespBody: []byte(list)}
	assert.True(t, listsFilteredOut(search))
	search.ReqBody = []byte(`{"filter":"userName sw \"a\""}`)
	search.RespBody = []byte(`{"Resources":[{"userName":"alice"}]}`)
	assert.False(t, listsFilteredOut(search))
}

func TestParseFilterEntraForm(t *testing.T) {
	expr, ok := parseFilter(`emails[type eq "work"].value eq "a@x"`)
	require.True(t, ok)
	assert.Equal(t, misses, evalFilter(expr, gjson.Parse(`{"emails":[{"type":"work","value":"b@x"},{"type":"home","value":"a@x"}]}`)))
	assert.Equal(t, matches, evalFilter(expr, gjson.Parse(`{"emails":[{"type":"work","value":"a@x"}]}`)))
	_, ok = parseFilter(`emails[type eq "work"`)
	assert.False(t, ok)
	_, ok = parseFilter(`emails[type eq "work"]].value eq "a"`)
	assert.False(t, ok)
}

func TestParseFilterEntraFormKeepsPrecedence(t *testing.T) {
	_, ok := parseFilter(`emails[type eq "work" or type eq "home"].value eq "a@x"`)
	assert.False(t, ok, "rewritten without parentheses, the or would bind wrong")
}

func TestEvalFilterUnicode(t *testing.T) {
	tests := []struct {
		filter, resource string
		want             match
	}{
		{"userName eq \"jos\u00e9\"", `{"userName":"jose\u0301"}`, unknown},          // NFC against NFD
		{"userName eq \"jose\u0301\"", `{"userName":"bob"}`, misses},                 // no form of josé is bob
		{"userName eq \"\uff4a\uff4f\uff53\uff45\"", `{"userName":"jose"}`, unknown}, // full width
		{"userName sw \"JOS\u00c9\"", `{"userName":"jos\u00e9-1"}`, unknown},
		{"userName sw \"jos\u00e9\"", `{"userName":"jose-1"}`, misses},
	}
	for _, tt := range tests {
		expr, err := scimfilter.ParseFilter([]byte(tt.filter))
		require.NoError(t, err, tt.filter)
		assert.Equal(t, tt.want, evalFilter(expr, gjson.Parse(tt.resource)), "%s on %s", tt.filter, tt.resource)
	}
}

func TestParseFilterEntraFormAlone(t *testing.T) {
	for _, f := range []string{
		`emails[type eq "work"].value eq "a@x" and userName eq "u"`,
		`emails[type eq "work"].value eq "a@x" or userName eq "u"`,
	} {
		_, ok := parseFilter(f)
		assert.False(t, ok, "%s: only the one comparison after the value path is rewritten", f)
	}
}
