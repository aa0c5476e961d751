package refserver

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithoutCapabilities(t *testing.T) {
	c := newTCWith(t, Config{BasePath: "/scim/v2", Without: Capabilities()})
	spc := c.do("GET", "/ServiceProviderConfig", nil)
	for _, name := range Capabilities() {
		assert.False(t, spc.get(name+".supported").Bool(), "%s.supported", name)
	}
	a := c.createUser("a")
	c.createUser("b")
	id := a.get("id").String()
	assert.Empty(t, a.h.Get("ETag"), "no ETag without etag")
	assert.False(t, a.get("meta.version").Exists(), "no meta.version without etag")

	patch := map[string]any{"schemas": []any{urnPatchOp}, "Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "x"}}}
	assert.Equal(t, http.StatusNotImplemented, c.do("PATCH", "/Users/"+id, patch).code)
	assert.Equal(t, http.StatusNotImplemented, c.do("POST", "/Bulk", map[string]any{"schemas": []any{urnBulkRequest}, "Operations": []any{}}).code)
	assert.Equal(t, http.StatusNotImplemented, c.do("GET", `/Users?filter=userName eq "a"`, nil).code)
	assert.Equal(t, http.StatusNotImplemented, c.do("POST", "/Users/.search", map[string]any{"schemas": []any{urnSearchRequest}, "filter": `userName eq "a"`}).code)
	list := c.do("GET", "/Users?sortBy=userName&sortOrder=descending", nil)
	require.Equal(t, http.StatusOK, list.code)
	assert.Equal(t, "a", list.get("Resources.0.userName").String(), "sortBy is ignored")

	put := userBody("a")
	put["password"] = "n3w-Secret!"
	assert.Equal(t, http.StatusNotImplemented, c.do("PUT", "/Users/"+id, put).code, "a password change needs changePassword")
	delete(put, "password")
	assert.Equal(t, http.StatusOK, c.do("PUT", "/Users/"+id, put, `If-Match: W/"stale"`).code, "If-Match cannot match without etags: it is ignored")

	_, err := New(Config{Without: []string{"Filter"}})
	assert.NoError(t, err, "capability names match case-insensitively")
	_, err = New(Config{Without: []string{"teleport"}})
	assert.ErrorContains(t, err, `unknown capability "teleport"`)
}

// userName compares with PRECIS preparation (RFC 7644 §7.8): NFC and NFD,
// full and half width, and case are one name, for uniqueness and filters.
func TestUserNamePrecis(t *testing.T) {
	c := newTC(t)
	id := c.createUser("Jos\u00e9").get("id").String()
	for _, variant := range []string{"Jose\u0301", "ＪＯＳ\u00c9", "JOSE\u0301"} {
		assert.Equal(t, http.StatusConflict, c.do("POST", "/Users", userBody(variant)).code, "POST %q", variant)
		list := c.do("GET", `/Users?filter=userName eq "`+variant+`"`, nil)
		assert.Equal(t, id, list.get("Resources.0.id").String(), "filter userName eq %q", variant)
	}
	assert.Equal(t, http.StatusCreated, c.do("POST", "/Users", userBody("Jose")).code, "José and Jose are different names")
}

// A repeated (type, value) pair is stored once (RFC 7643 §2.4), keeping a
// primary flag that only the repeat carried.
func TestDuplicatePairsDropped(t *testing.T) {
	c := newTC(t)
	r := c.createUser("a", "emails", []any{
		map[string]any{"type": "work", "value": "a@example.test"},
		map[string]any{"type": "home", "value": "a@example.test"},
		map[string]any{"type": "work", "value": "a@example.test", "primary": true},
	})
	emails := r.get("emails").Array()
	require.Len(t, emails, 2)
	assert.Equal(t, "work", emails[0].Get("type").String())
	assert.True(t, emails[0].Get("primary").Bool())
	assert.Equal(t, "home", emails[1].Get("type").String())
}
