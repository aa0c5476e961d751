package refserver

import (
	"fmt"
	"testing"

	filter "github.com/scim2/filter-parser/v2"
	"github.com/stretchr/testify/assert"
)

// The fast paths must agree with the parser wherever they answer. (One
// known difference: the parser only takes upper-case hex in \u escapes; the
// fast path follows JSON and takes both.)
func TestFastParsersAgreeWithParser(t *testing.T) {
	filters := []string{
		`userName eq "bjensen"`, `USERNAME EQ "x"`, `userName  eq  "x"`, `title pr`, `title PR`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
		`name.givenName sw "J"`, `displayName eq "a \"quoted\" name"`, `x eq "\u00E9"`, `$ref eq "x"`,
		`userName eq "x" `, ` userName eq "x"`, `userName eq "x`, `userName eq x`, `userName eq "a"b"`,
		`userName eq`, `userName regex "x"`, `1abc eq "x"`, `a..b eq "x"`, `a.b.c eq "x"`, `:a eq "x"`,
		`userName eq "x" and title pr`, `emails[type eq "work"]`, `active eq true`, `userName eq "tab\there"`,
		`userName eqx "x"`, `userName eq"x"`, `a_b-c eq "x"`, `urn:a::b eq "x"`, `urn:a b:c eq "x"`,
	}
	for _, f := range filters {
		fast, ok := fastFilter(f)
		if !ok {
			continue
		}
		slow, err := filter.ParseFilter([]byte(f))
		if assert.NoError(t, err, "fast path accepted %q, parser rejects it", f) {
			assert.Equal(t, fmt.Sprint(slow), fmt.Sprint(fast), f)
		}
	}
	paths := []string{`members`, `name.givenName`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`,
		`name..givenName`, `emails[type eq "work"].value`, `1x`, `a.b.c`, `$ref`, `urn:x:y.z`}
	for _, p := range paths {
		fast, ok := fastAttrPath(p)
		if !ok {
			continue
		}
		slow, err := filter.ParsePath([]byte(p))
		if assert.NoError(t, err, "fast path accepted %q, parser rejects it", p) {
			assert.Equal(t, slow.AttributePath.String(), fast.String(), p)
		}
	}
}

// Equality on userName and id is answered from the indexes, not by a scan.
func TestFilterUsesIndexes(t *testing.T) {
	c := newTC(t)
	a := c.userID("Alice")
	c.userID("bob")
	cands := func(f string) []string {
		expr, err := parseFilter(f)
		if err != nil {
			t.Fatal(err)
		}
		c.s.st.mu.RLock()
		defer c.s.st.mu.RUnlock()
		return c.s.candidates(defs.userRT, expr)
	}
	assert.Equal(t, []string{a}, cands(`userName eq "ALICE"`))
	assert.Equal(t, []string{a}, cands(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice"`))
	assert.Equal(t, []string{}, cands(`userName eq "nobody"`))
	assert.Equal(t, []string{a}, cands(`userName eq "alice" and title pr`))
	assert.Equal(t, []string{a}, cands(`id eq "`+a+`"`))
	assert.Len(t, cands(`userName eq "alice" or userName eq "bob"`), 2)
	assert.Nil(t, cands(`userName eq "alice" or title pr`))
	assert.Nil(t, cands(`userName sw "a"`))
}
