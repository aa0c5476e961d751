package refserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAsyncRequests: with asynchronous requests (the default) a write sent
// with Prefer: respond-async is done and answered 202 with no body, a
// Set-Txn of its own and the resource's Location; a refused one keeps its
// normal error answer.
func TestAsyncRequests(t *testing.T) {
	c := newTC(t)
	spc := c.do("GET", "/ServiceProviderConfig", nil)
	assert.Equal(t, "request", spc.get("securityEvents.asyncRequest").String())

	post := c.do("POST", "/Users", userBody("a"), "Prefer: wait=5, respond-async")
	require.Equal(t, http.StatusAccepted, post.code, post.String())
	assert.Empty(t, post.raw)
	assert.Equal(t, "respond-async", post.h.Get("Preference-Applied"))
	txn := post.h.Get("Set-Txn")
	assert.Len(t, txn, 32)
	loc := post.h.Get("Location")
	require.True(t, strings.HasPrefix(loc, base+"/Users/"), loc)
	get := c.do("GET", loc, nil)
	require.Equal(t, http.StatusOK, get.code)
	assert.Equal(t, "a", get.get("userName").String(), "the create is done before the answer")

	id := get.get("id").String()
	put := c.do("PUT", "/Users/"+id, userBody("a", "displayName", "A"), "Prefer: respond-async")
	require.Equal(t, http.StatusAccepted, put.code, put.String())
	assert.NotEqual(t, txn, put.h.Get("Set-Txn"), "each transaction has its own Set-Txn")
	assert.Equal(t, base+"/Users/"+id, put.h.Get("Location"))
	assert.Equal(t, "A", c.do("GET", "/Users/"+id, nil).get("displayName").String())

	dup := c.do("POST", "/Users", userBody("a"), "Prefer: respond-async")
	requireError(t, dup, http.StatusConflict, "uniqueness")

	assert.Equal(t, http.StatusAccepted, c.do("DELETE", "/Users/"+id, nil, "Prefer: respond-async").code)
	assert.Equal(t, http.StatusNotFound, c.do("GET", "/Users/"+id, nil).code)
	assert.Equal(t, http.StatusCreated, c.do("POST", "/Users", userBody("b")).code, "no preference, no 202")
}

// TestWithoutAsync: a server without asynchronous requests does not
// advertise them and ignores the preference (RFC 7240 §2).
func TestWithoutAsync(t *testing.T) {
	c := newTCWith(t, Config{BasePath: "/scim/v2", Without: []string{capAsync}})
	assert.False(t, c.do("GET", "/ServiceProviderConfig", nil).get("securityEvents").Exists())
	post := c.do("POST", "/Users", userBody("a"), "Prefer: respond-async")
	assert.Equal(t, http.StatusCreated, post.code)
	assert.Empty(t, post.h.Get("Set-Txn"))
}

func TestPrefersAsync(t *testing.T) {
	for v, want := range map[string]bool{
		"respond-async": true, "Respond-Async": true, "wait=10, respond-async": true, "respond-async; x=1": true,
		"": false, "return=minimal": false, "respond-asynchronously": false,
	} {
		assert.Equal(t, want, prefersAsync(http.Header{"Prefer": {v}}), "Prefer: %q", v)
	}
}
