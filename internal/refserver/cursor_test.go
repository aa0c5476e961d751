package refserver

import (
	"net/http"
	"net/url"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cursorTC is a test client with five users, u0…u4, and a clock the test
// can move forward.
func cursorTC(t *testing.T, faults []string, personalities ...string) (*tc, *atomic.Int64) {
	t.Helper()
	var skew atomic.Int64
	clock := fakeClock()
	c := newTCWith(t, Config{BasePath: "/scim/v2", Faults: faults, Personalities: personalities, Seed: 1,
		Now: func() time.Time { return clock().Add(time.Duration(skew.Load())) }})
	for _, n := range []string{"u0", "u1", "u2", "u3", "u4"} {
		c.createUser(n)
	}
	return c, &skew
}

// cursorWalk follows nextCursor with count n from the first page and
// returns the userNames seen and the pages, stopping after limit pages.
func (c *tc) cursorWalk(n string, limit int) (names []string, pages []resp) {
	cur := ""
	for range limit {
		p := c.do("GET", "/Users?count="+n+"&cursor="+url.QueryEscape(cur), nil)
		pages = append(pages, p)
		if p.code != http.StatusOK {
			return names, pages
		}
		for _, r := range p.get("Resources").Array() {
			names = append(names, r.Get("userName").String())
		}
		if !p.get("nextCursor").Exists() {
			return names, pages
		}
		cur = p.get("nextCursor").String()
	}
	return names, pages
}

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// cursorSymptoms holds the symptom probes of the cursor faults (see
// symptoms in faults_test.go).
var cursorSymptoms = map[string]func(t *testing.T, faults []string) bool{
	fSPCClaimsCursorButNone: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return c.do("GET", "/ServiceProviderConfig", nil).get("pagination.cursor").Bool() && !c.do("GET", "/Users?cursor=&count=1", nil).get("nextCursor").Exists()
	},
	fCursorUnadvertised: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return !c.do("GET", "/ServiceProviderConfig", nil).get("pagination").Exists()
	},
	fSPCPaginationMalformed: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return !c.do("GET", "/ServiceProviderConfig", nil).get("pagination.cursor").IsBool()
	},
	fCursorNotURLSafe: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		_, pages := c.cursorWalk("2", 5)
		return !urlSafe.MatchString(pages[0].get("nextCursor").String())
	},
	fCursorCountExceeded: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return len(c.do("GET", "/Users?cursor=&count=2", nil).get("Resources").Array()) > 2
	},
	fCursorSkipsResource: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		names, _ := c.cursorWalk("2", 10)
		return len(names) != 5
	},
	fCursorNextOnLastPage: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		_, pages := c.cursorWalk("2", 10)
		return len(pages) == 10
	},
	fCursorPreviousOnFirstPage: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return c.do("GET", "/Users?cursor=&count=2", nil).get("previousCursor").Exists()
	},
	fInvalidCursorAccepted: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return c.do("GET", "/Users?cursor=forged&count=2", nil).code == http.StatusOK
	},
	fInvalidCursorWrongType: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		p := c.do("GET", "/Users?cursor=forged&count=2", nil)
		return p.code == http.StatusBadRequest && p.get("scimType").String() != stInvalidCursor
	},
	fExpiredCursorWrongType: func(t *testing.T, f []string) bool {
		c, skew := cursorTC(t, f)
		next := c.do("GET", "/Users?cursor=&count=2", nil).get("nextCursor").String()
		skew.Store(int64(cursorTimeout + time.Second))
		p := c.do("GET", "/Users?count=2&cursor="+url.QueryEscape(next), nil)
		return p.code == http.StatusBadRequest && p.get("scimType").String() != stExpiredCursor
	},
	fCursorCountZeroIgnored: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return len(c.do("GET", "/Users?cursor=&count=0", nil).get("Resources").Array()) > 0
	},
	fSearchCursorIgnored: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		return !c.do("POST", "/Users/.search", map[string]any{"schemas": []any{urnSearchRequest}, "cursor": "", "count": 2}).get("nextCursor").Exists()
	},
	fInvalidCountWrongType: func(t *testing.T, f []string) bool {
		c, _ := cursorTC(t, f)
		next := c.do("GET", "/Users?cursor=&count=2", nil).get("nextCursor").String()
		return c.do("GET", "/Users?count=3&cursor="+url.QueryEscape(next), nil).get("scimType").String() != stInvalidCount
	},
}

// A cursor walk of a correct server: every user once, nextCursor on every
// page but the last, previousCursor on every page but the first, URL-safe
// cursors, and a previousCursor that leads back.
func TestCursorWalk(t *testing.T) {
	c, _ := cursorTC(t, nil)
	spc := c.do("GET", "/ServiceProviderConfig", nil)
	assert.True(t, spc.get("pagination.cursor").Bool())
	assert.False(t, spc.get("pagination.cursorTimeout").Exists(), "cursors do not expire, so no timeout is advertised")
	names, pages := c.cursorWalk("2", 10)
	assert.Equal(t, []string{"u0", "u1", "u2", "u3", "u4"}, names)
	require.Len(t, pages, 3)
	for i, p := range pages {
		assert.Equal(t, i < 2, p.get("nextCursor").Exists(), "page %d nextCursor", i)
		assert.Equal(t, i > 0, p.get("previousCursor").Exists(), "page %d previousCursor", i)
		assert.False(t, p.get("startIndex").Exists(), "a cursor page has no startIndex")
		assert.Equal(t, int64(5), p.get("totalResults").Int())
		for _, k := range []string{"nextCursor", "previousCursor"} {
			if v := p.get(k); v.Exists() {
				assert.Regexp(t, urlSafe, v.String())
			}
		}
	}
	back := c.do("GET", "/Users?count=2&cursor="+url.QueryEscape(pages[2].get("previousCursor").String()), nil)
	assert.Equal(t, []string{"u2", "u3"}, []string{back.get("Resources.0.userName").String(), back.get("Resources.1.userName").String()})

	sorted := c.do("GET", "/Users?cursor=&count=2&sortBy=userName&sortOrder=descending", nil)
	assert.Equal(t, "u4", sorted.get("Resources.0.userName").String())
	again := c.do("GET", "/Users?count=2&sortBy=userName&sortOrder=descending&cursor="+url.QueryEscape(sorted.get("nextCursor").String()), nil)
	assert.Equal(t, "u2", again.get("Resources.0.userName").String())
	other := c.do("GET", "/Users?count=2&cursor="+url.QueryEscape(sorted.get("nextCursor").String()), nil)
	assert.Equal(t, stInvalidCursor, other.get("scimType").String(), "a cursor belongs to its query")
}

// A keyset cursor is not shifted by creates and deletes during the walk.
func TestCursorWalkUnderChange(t *testing.T) {
	c, _ := cursorTC(t, nil)
	first := c.do("GET", "/Users?cursor=&count=2", nil)
	c.do("DELETE", "/Users/"+first.get("Resources.0.id").String(), nil)
	c.createUser("u5")
	names, _ := c.cursorWalk("2", 1)
	assert.Equal(t, []string{"u1", "u2"}, names, "a fresh walk starts after the deletion")
	rest := c.do("GET", "/Users?count=2&cursor="+url.QueryEscape(first.get("nextCursor").String()), nil)
	assert.Equal(t, "u2", rest.get("Resources.0.userName").String(), "the old walk continues where it was")
}

// A filter answered from the userName index lists its candidates in the
// filter's order; a cursor walk of it still comes in creation order, each
// user once (the list is put in order before the keyset cut).
func TestCursorWalkOfIndexedFilter(t *testing.T) {
	c, _ := cursorTC(t, nil)
	q := "/Users?count=1&filter=" + url.QueryEscape(`userName eq "u3" or userName eq "u1" or userName eq "u2"`)
	var names []string
	for cur, more := "", true; more && len(names) < 10; {
		p := c.do("GET", q+"&cursor="+url.QueryEscape(cur), nil)
		require.Equal(t, http.StatusOK, p.code, p.String())
		for _, r := range p.get("Resources").Array() {
			names = append(names, r.Get("userName").String())
		}
		cur, more = p.get("nextCursor").String(), p.get("nextCursor").Exists()
	}
	assert.Equal(t, []string{"u1", "u2", "u3"}, names)
}

func TestCursorErrors(t *testing.T) {
	c, skew := cursorTC(t, nil, pShortCursorTimeout)
	assert.Equal(t, int64(1), c.do("GET", "/ServiceProviderConfig", nil).get("pagination.cursorTimeout").Int())
	assert.Equal(t, stInvalidCursor, c.do("GET", "/Users?cursor=forged", nil).get("scimType").String())
	assert.Equal(t, http.StatusOK, c.do("POST", "/Users/.search", map[string]any{"schemas": []any{urnSearchRequest}, "cursor": "", "count": 2}).code)
	next := c.do("GET", "/Users?cursor=&count=2", nil).get("nextCursor").String()
	assert.Equal(t, stInvalidCount, c.do("GET", "/Users?count=4&cursor="+url.QueryEscape(next), nil).get("scimType").String())
	assert.Equal(t, http.StatusOK, c.do("GET", "/Users?cursor="+url.QueryEscape(next), nil).code, "count may be left out after the first page")
	skew.Store(int64(cursorTimeout + time.Second))
	assert.Equal(t, stExpiredCursor, c.do("GET", "/Users?count=2&cursor="+url.QueryEscape(next), nil).get("scimType").String())

	lasting, skew2 := cursorTC(t, nil)
	old := lasting.do("GET", "/Users?cursor=&count=2", nil).get("nextCursor").String()
	skew2.Store(int64(time.Hour))
	assert.Equal(t, http.StatusOK, lasting.do("GET", "/Users?count=2&cursor="+url.QueryEscape(old), nil).code, "without the personality cursors never expire")

	idx := newTCWith(t, Config{BasePath: "/scim/v2", Without: []string{"cursor"}})
	idx.createUser("a")
	idx.createUser("b")
	assert.False(t, idx.do("GET", "/ServiceProviderConfig", nil).get("pagination").Exists(), "an index-only server advertises no pagination")
	p := idx.do("GET", "/Users?cursor=&count=1", nil)
	assert.Equal(t, http.StatusOK, p.code)
	assert.False(t, p.get("nextCursor").Exists(), "an index-only server ignores cursor")
}

// TestCursorOnly: with index paging off (the cursor-only personality, or
// Config.CursorOnly) the server says so, pages by cursor when no paging
// parameter is sent, and refuses startIndex.
func TestCursorOnly(t *testing.T) {
	for name, cfg := range map[string]Config{
		"personality": {BasePath: "/scim/v2", Personalities: []string{pCursorOnly}},
		"config":      {BasePath: "/scim/v2", CursorOnly: true},
	} {
		t.Run(name, func(t *testing.T) { testCursorOnly(t, cfg) })
	}
}

func testCursorOnly(t *testing.T, cfg Config) {
	c := newTCWith(t, cfg)
	for _, n := range []string{"u0", "u1", "u2"} {
		c.createUser(n)
	}
	spc := c.do("GET", "/ServiceProviderConfig", nil)
	assert.False(t, spc.get("pagination.index").Bool(), spc.String())
	assert.True(t, spc.get("pagination.index").Exists(), spc.String())
	assert.Equal(t, "cursor", spc.get("pagination.defaultPaginationMethod").String())

	first := c.do("GET", "/Users?count=2", nil)
	require.Equal(t, http.StatusOK, first.code, first.String())
	assert.True(t, first.get("nextCursor").Exists(), "no paging parameter: the default method, cursor: %s", first)
	assert.False(t, first.get("startIndex").Exists(), first.String())

	names, _ := c.cursorWalk("2", 5)
	assert.Equal(t, []string{"u0", "u1", "u2"}, names)

	requireError(t, c.do("GET", "/Users?startIndex=1&count=2", nil), http.StatusBadRequest, stInvalidValue)
	requireError(t, c.do("POST", "/Users/.search", obj{"schemas": []string{urnSearchRequest}, "startIndex": 1}), http.StatusBadRequest, stInvalidValue)
}
