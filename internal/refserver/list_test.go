package refserver

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture: a few users with varied attributes.
func filterFixture(t *testing.T) (*tc, map[string]string) {
	c := newTC(t)
	ids := map[string]string{}
	ids["alice"] = c.createUser("Alice", "title", "Eng", "externalId", "Ext-A", "displayName", `a "quoted" name`,
		"emails", arr{obj{"value": "alice@x.com", "type": "work"}, obj{"value": "alice@y.com", "type": "home"}},
		urnEnterprise, obj{"employeeNumber": "100", "department": "R&D"}).get("id").String()
	ids["bob"] = c.createUser("bob", "title", "Ops", "active", false,
		"emails", arr{obj{"value": "bob@y.com", "type": "work"}}).get("id").String()
	ids["carol"] = c.createUser("carol",
		"emails", arr{obj{"value": "carol@x.com", "type": "work", "primary": true}}).get("id").String()
	return c, ids
}

func (c *tc) filterIDs(f string) ([]string, resp) {
	c.t.Helper()
	r := c.do("GET", "/Users?filter="+url.QueryEscape(f), nil)
	require.Equal(c.t, 200, r.code, "%s: %s", f, r.String())
	var out []string
	for _, x := range r.get("Resources.#.userName").Array() {
		out = append(out, x.String())
	}
	sort.Strings(out)
	return out, r
}

func TestFilters(t *testing.T) {
	c, ids := filterFixture(t)
	cases := []struct {
		f    string
		want string
	}{
		{`userName eq "alice"`, "Alice"},
		{`USERNAME EQ "ALICE"`, "Alice"},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice"`, "Alice"},
		{`userName ne "alice"`, "bob carol"},
		{`userName co "li"`, "Alice"},
		{`userName sw "A"`, "Alice"},
		{`userName sw "alice"`, "Alice"},
		{`userName ew "OL"`, "carol"},
		{`title pr`, "Alice bob"},
		{`userName gt "b"`, "bob carol"},
		{`userName ge "bob"`, "bob carol"},
		{`userName lt "bob"`, "Alice"},
		{`userName le "bob"`, "Alice bob"},
		{`externalId eq "Ext-A"`, "Alice"},
		{`externalId eq "ext-a"`, ""},
		{`id eq "` + ids["bob"] + `"`, "bob"},
		{`active eq true`, "Alice carol"},
		{`active eq false`, "bob"},
		{`userName eq "alice" or userName eq "bob"`, "Alice bob"},
		{`userName eq "alice" and title eq "Eng"`, "Alice"},
		{`userName eq "alice" and title eq "Ops"`, ""},
		{`not (userName eq "alice")`, "bob carol"},
		{`userName eq "alice" or userName eq "bob" and userName eq "carol"`, "Alice"},
		{`(userName eq "alice" or userName eq "bob") and active eq true`, "Alice"},
		{`emails[type eq "work" and value co "@x.com"]`, "Alice carol"},
		{`emails[type eq "work" and value ew "y.com"]`, "bob"},
		{`emails.value eq "alice@y.com"`, "Alice"},
		{`emails co "y.com"`, "Alice bob"},
		{`emails[type eq "work"].value eq "carol@x.com"`, "carol"}, // Entra's form (not in the RFC ABNF)
		{`emails[type eq "home"].value eq "carol@x.com"`, ""},
		{`emails[type eq "work" or type eq "home"].value ew "y.com"`, "Alice bob"},
		{`emails.type eq "home"`, "Alice"},
		{`name.familyName eq "family"`, "Alice bob carol"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "100"`, "Alice"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr`, "Alice"},
		{`displayName eq "a \"quoted\" name"`, "Alice"},
		{`meta.created gt "2000-01-01T00:00:00Z"`, "Alice bob carol"},
		{`meta.lastModified lt "2000-01-01T00:00:00Z"`, ""},
		{`meta.resourceType eq "User"`, "Alice bob carol"},
		{`schemas eq "` + urnEnterprise + `"`, "Alice"},
		{`nickName eq null`, "Alice bob carol"},
	}
	for _, tc := range cases {
		got, _ := c.filterIDs(tc.f)
		assert.Equal(t, tc.want, strings.Join(got, " "), tc.f)
	}
	// lastModified compares as a dateTime
	created := c.do("GET", "/Users/"+ids["bob"], nil).get("meta.created").String()
	got, _ := c.filterIDs(`meta.created ge "` + created + `"`)
	assert.Equal(t, "bob carol", strings.Join(got, " "))

	// invalid filters
	for _, f := range []string{`userName eq`, `userName eq "a`, `(userName eq "a"`, `userName eq a b`, `userName regex "x"`,
		`nope eq "x"`, `active gt true`, `name eq "x"`, `password eq "x"`, `meta.created gt "yesterday"`, `externalId eq jyoung`,
		`emails[type eq "work"].value eq`, `emails[type eq "work"].nope eq "x"`, `emails[type eq "work"].value eq "x" and active eq true`} {
		requireError(t, c.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, stInvalidFilter)
	}
	requireError(t, c.do("GET", "/Users?filter=", nil), 400, stInvalidFilter)
	// encodings: %20 and +
	r := c.do("GET", "/Users?filter=userName+eq+%22bob%22", nil)
	assert.Equal(t, int64(1), r.get("totalResults").Int())
	// a miss is 200 with an empty list
	_, r = c.filterIDs(`userName eq "nobody"`)
	assert.Equal(t, int64(0), r.get("totalResults").Int())
	assert.Equal(t, "[]", r.get("Resources").Raw)
}

func TestGroupFilters(t *testing.T) {
	c := newTC(t)
	u1, u2 := c.userID("gf1"), c.userID("gf2")
	g1 := c.createGroup("Admins", u1).get("id").String()
	c.createGroup("Users", u2)
	count := func(f string) int64 {
		r := c.do("GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(f), nil)
		require.Equal(t, 200, r.code, r.String())
		assert.False(t, r.get("Resources.0.members").Exists())
		return r.get("totalResults").Int()
	}
	assert.Equal(t, int64(1), count(`displayName eq "admins"`))
	assert.Equal(t, int64(1), count(fmt.Sprintf(`id eq "%s" and members[value eq "%s"]`, g1, u1)))
	assert.Equal(t, int64(0), count(fmt.Sprintf(`id eq "%s" and members[value eq "%s"]`, g1, u2)))
	assert.Equal(t, int64(1), count(fmt.Sprintf(`members.value eq "%s"`, u2)))
	assert.Equal(t, int64(1), count(fmt.Sprintf(`members eq "%s"`, u2)))
	// users by group
	r := c.do("GET", "/Users?filter="+url.QueryEscape(fmt.Sprintf(`groups.value eq "%s"`, g1)), nil)
	assert.Equal(t, int64(1), r.get("totalResults").Int())
}

func TestSortAndPaging(t *testing.T) {
	c := newTC(t)
	for _, n := range []string{"bob", "Alice", "carol", "dave", "Eve"} {
		extra := []any{}
		if n != "carol" {
			extra = append(extra, "title", "T-"+strings.ToLower(n))
		}
		c.createUser(n, extra...)
	}
	names := func(q string) []string {
		r := c.do("GET", "/Users?"+q, nil)
		require.Equal(t, 200, r.code, r.String())
		var out []string
		for _, x := range r.get("Resources.#.userName").Array() {
			out = append(out, x.String())
		}
		return out
	}
	assert.Equal(t, []string{"bob", "Alice", "carol", "dave", "Eve"}, names(""), "creation order by default")
	assert.Equal(t, []string{"Alice", "bob", "carol", "dave", "Eve"}, names("sortBy=userName"))
	assert.Equal(t, []string{"Alice", "bob", "carol", "dave", "Eve"}, names("sortBy=USERNAME&sortOrder=ascending"))
	assert.Equal(t, []string{"Eve", "dave", "carol", "bob", "Alice"}, names("sortBy=userName&sortOrder=descending"))
	assert.Equal(t, "carol", names("sortBy=title")[4], "no value sorts last")
	assert.Equal(t, "carol", names("sortBy=title&sortOrder=descending")[0], "and first descending")
	assert.Equal(t, []string{"Alice", "bob", "carol", "dave", "Eve"}, names("sortBy=emails.value"))
	assert.Equal(t, []string{"bob", "Alice", "carol", "dave", "Eve"}, names("sortBy=meta.created"))
	requireError(t, c.do("GET", "/Users?sortBy=userName&sortOrder=sideways", nil), 400, stInvalidValue)

	page := func(q string) resp {
		r := c.do("GET", "/Users?sortBy=userName&"+q, nil)
		require.Equal(t, 200, r.code, r.String())
		assert.Equal(t, int64(len(r.get("Resources").Array())), r.get("itemsPerPage").Int())
		assert.Equal(t, int64(5), r.get("totalResults").Int())
		return r
	}
	r := page("count=2")
	assert.Equal(t, int64(1), r.get("startIndex").Int())
	assert.Equal(t, int64(2), r.get("itemsPerPage").Int())
	r = page("startIndex=3&count=2")
	assert.Equal(t, int64(3), r.get("startIndex").Int())
	assert.Equal(t, "carol", r.get("Resources.0.userName").String())
	for _, si := range []string{"0", "-5"} {
		r = page("startIndex=" + si + "&count=1")
		assert.Equal(t, "Alice", r.get("Resources.0.userName").String())
		assert.Equal(t, int64(1), r.get("startIndex").Int())
	}
	for _, cnt := range []string{"0", "-1"} {
		r = page("count=" + cnt)
		assert.Equal(t, int64(0), r.get("itemsPerPage").Int())
	}
	r = page("startIndex=20")
	assert.Equal(t, int64(0), r.get("itemsPerPage").Int())
	r = page("count=100000")
	assert.Equal(t, int64(5), r.get("itemsPerPage").Int())
	// walking pages returns everything exactly once
	for _, n := range []int{1, 2, 100} {
		var all []string
		for si := 1; si <= 5; si += n {
			r := c.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=%d", si, n), nil)
			for _, x := range r.get("Resources.#.userName").Array() {
				all = append(all, x.String())
			}
		}
		assert.Equal(t, []string{"bob", "Alice", "carol", "dave", "Eve"}, all)
	}
}

func TestDefaultPageSizeAndMaxResults(t *testing.T) {
	c := newTC(t)
	c.s.st.mu.Lock()
	for i := 0; i < maxResults+10; i++ {
		c.s.insertUserForTest(fmt.Sprintf("bulk%04d", i))
	}
	c.s.st.mu.Unlock()
	r := c.do("GET", "/Users", nil)
	assert.Equal(t, int64(maxResults+10), r.get("totalResults").Int())
	assert.Equal(t, int64(defaultPageSize), r.get("itemsPerPage").Int())
	r = c.do("GET", "/Users?count=100000", nil)
	assert.Equal(t, int64(maxResults), r.get("itemsPerPage").Int())
}

func TestProjection(t *testing.T) {
	c, ids := filterFixture(t)
	p := "/Users/" + ids["alice"]
	get := func(q string) resp {
		r := c.do("GET", p+"?"+q, nil)
		require.Equal(t, 200, r.code, r.String())
		return r
	}
	assert.ElementsMatch(t, []string{"schemas", "id", "userName"}, keys(get("attributes=userName")))
	assert.ElementsMatch(t, []string{"schemas", "id", "userName"}, keys(get("attributes=USERNAME")))
	assert.ElementsMatch(t, []string{"schemas", "id", "userName"}, keys(get("attributes="+urnUser+":userName")))
	r := get("attributes=name.givenName,emails.value")
	assert.Equal(t, `{"givenName":"Given"}`, r.get("name").Raw)
	assert.Equal(t, `[{"value":"alice@x.com"},{"value":"alice@y.com"}]`, r.get("emails").Raw)
	r = get("attributes=" + urnEnterprise + ":employeeNumber")
	assert.Equal(t, `{"employeeNumber":"100"}`, r.get(entPrefix).Raw)
	r = get("attributes=" + urnEnterprise)
	assert.Equal(t, "R&D", r.get(entPrefix+".department").String())
	r = get("attributes=meta.version")
	assert.Equal(t, `"1"`, r.get("meta.version").String())
	assert.False(t, r.get("meta.created").Exists())
	r = get("attributes=password")
	assert.False(t, r.get("password").Exists())

	r = get("excludedAttributes=emails,id,meta")
	assert.False(t, r.get("emails").Exists())
	assert.False(t, r.get("meta").Exists())
	assert.True(t, r.get("id").Exists())
	assert.True(t, r.get("userName").Exists())
	r = get("excludedAttributes=name.givenName," + urnEnterprise + ":department")
	assert.Equal(t, `{"familyName":"Family"}`, r.get("name").Raw)
	assert.Equal(t, `{"employeeNumber":"100"}`, r.get(entPrefix).Raw)
	r = get("excludedAttributes=" + urnEnterprise)
	assert.False(t, r.get(entPrefix).Exists())

	// lists and POST/PUT honour it too
	l := c.do("GET", "/Users?attributes=userName", nil)
	for _, res := range l.get("Resources").Array() {
		assert.Len(t, res.Map(), 3)
	}
	cr := c.do("POST", "/Users?attributes=userName", userBody("projected"))
	require.Equal(t, 201, cr.code)
	assert.ElementsMatch(t, []string{"schemas", "id", "userName"}, keys(cr))
	assert.NotEmpty(t, cr.h.Get("Location"))
	pu := c.do("PUT", "/Users/"+ids["bob"]+"?excludedAttributes=emails", userBody("bob"))
	require.Equal(t, 200, pu.code)
	assert.False(t, pu.get("emails").Exists())
}

func TestSearch(t *testing.T) {
	c, _ := filterFixture(t)
	gid := c.createGroup("searchers").get("id").String()
	search := func(path string, body obj) resp {
		return c.do("POST", path, body)
	}
	r := search("/Users/.search", obj{"schemas": arr{urnSearchRequest}, "filter": `userName sw "a"`, "attributes": arr{"userName"},
		"sortBy": "userName", "sortOrder": "descending", "startIndex": 1, "count": 10})
	require.Equal(t, 200, r.code, r.String())
	assert.Equal(t, urnListResponse, r.get("schemas.0").String())
	assert.Equal(t, int64(1), r.get("totalResults").Int())
	assert.Len(t, r.get("Resources.0").Map(), 3)
	// no user was created
	assert.Equal(t, int64(3), c.do("GET", "/Users", nil).get("totalResults").Int())
	requireError(t, search("/Users/.search", obj{"filter": `userName eq "x"`}), 400, stInvalidSyntax)
	requireError(t, search("/Users/.search", obj{"schemas": arr{urnSearchRequest}, "filter": `userName eq`}), 400, stInvalidFilter)
	requireError(t, search("/Users/.search", obj{"schemas": arr{urnSearchRequest}, "count": "ten"}), 400, stInvalidValue)
	r = search("/Groups/.search", obj{"schemas": arr{urnSearchRequest}, "excludedAttributes": arr{"members"}})
	assert.Equal(t, gid, r.get("Resources.0.id").String())

	// root queries
	r = search("/.search", obj{"schemas": arr{urnSearchRequest}})
	assert.Equal(t, int64(4), r.get("totalResults").Int())
	r = search("/.search", obj{"schemas": arr{urnSearchRequest}, "filter": `displayName eq "searchers" or userName eq "bob"`})
	assert.Equal(t, int64(2), r.get("totalResults").Int(), r.String())
	r = c.do("GET", "/?filter="+url.QueryEscape(`userName eq "bob"`), nil)
	assert.Equal(t, int64(1), r.get("totalResults").Int())
	requireError(t, c.do("GET", "/?filter="+url.QueryEscape(`nope eq "bob"`), nil), 400, stInvalidFilter)
}
