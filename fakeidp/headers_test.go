package fakeidp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeadersRoundTrip: packing keeps every field, canonical names in
// order, several values of one name in the order sent, values of any
// length and content.
func TestHeadersRoundTrip(t *testing.T) {
	long := strings.Repeat("v", 70000) // a length prefix of three bytes
	h := http.Header{"Etag": {`W/"1"`}, "x-multi": {"b", "a", ""}, "Location": {long}, "X-Odd": {"a\x00\n\r: b"}}
	got := NewHeaders(h)
	assert.Equal(t, http.Header{"Etag": {`W/"1"`}, "X-Multi": {"b", "a", ""}, "Location": {long}, "X-Odd": {"a\x00\n\r: b"}}, got.HTTP())
	assert.Equal(t, `W/"1"`, got.Get("ETag"), "names match in any case")
	assert.Equal(t, "b", got.Get("X-MULTI"), "Get returns the first value")
	assert.Equal(t, []string{"b", "a", ""}, got.Values("x-multi"))
	assert.Equal(t, long, got.Get("location"))
	assert.Equal(t, 6, got.Len())
	var names []string
	for n := range got.All() {
		names = append(names, n)
	}
	assert.Equal(t, []string{"Etag", "Location", "X-Multi", "X-Multi", "X-Multi", "X-Odd"}, names)
	assert.Equal(t, "", got.Get("Absent"))
	assert.Nil(t, got.Values("Absent"))

	var zero Headers
	assert.Equal(t, "", zero.Get("Etag"))
	assert.Nil(t, zero.HTTP())
	assert.Zero(t, zero.Len())
	assert.Equal(t, zero, NewHeaders(nil))
	assert.Equal(t, zero, NewHeaders(http.Header{}))
}

// TestHeadersRedacted: the recorder's pass over hand-built headers redacts
// credential headers and literal secrets, and keeps clean headers as they
// are.
func TestHeadersRedacted(t *testing.T) {
	secrets := []string{"lit-secret-42"}
	h := NewHeaders(http.Header{"authorization": {"Bearer lit-secret-42"}, "X-Note": {"has lit-secret-42"}, "Etag": {"1"}})
	got := h.redacted(secrets)
	assert.Equal(t, http.Header{"Authorization": {"REDACTED"}, "X-Note": {"has REDACTED"}, "Etag": {"1"}}, got.HTTP())
	assert.NotContains(t, got.String(), "lit-secret-42")
	assert.Equal(t, got, got.redacted(secrets), "a redacted header needs nothing more")

	clean := NewHeaders(http.Header{"Etag": {"1"}})
	assert.Equal(t, clean, clean.redacted(secrets))
	assert.Equal(t, "Etag: 1\n", clean.String())
}

// TestPackHeadersAllocatesOnce: packing a typical response header makes one
// allocation, the packed string: the recorder keeps nothing else per header.
func TestPackHeadersAllocatesOnce(t *testing.T) {
	h := http.Header{"Content-Type": {"application/scim+json"}, "Etag": {`W/"1"`}, "Location": {"http://127.0.0.1/scim/v2/Users/1"},
		"Date": {"Sat, 05 Dec 2026 19:00:00 GMT"}, "Content-Length": {"420"}, "Set-Cookie": {"s=1"}}
	secrets := []string{"lit-secret-42"}
	allocs := testing.AllocsPerRun(100, func() { _ = packHeaders(h, true, secrets) })
	assert.LessOrEqual(t, allocs, 1.0)
}

// TestHeadersJSON: an exchange encoded as JSON keeps its headers, as the
// http.Header it replaced did.
func TestHeadersJSON(t *testing.T) {
	h := NewHeaders(http.Header{"Etag": {`W/"1"`}, "X-Multi": {"a", "b"}})
	b, err := json.Marshal(&Exchange{RespHeader: h})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"RespHeader":{"Etag":["W/\"1\""],"X-Multi":["a","b"]}`)
	assert.Contains(t, string(b), `"ReqHeader":null`)
	var back Exchange
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, h, back.RespHeader)
	assert.Zero(t, back.ReqHeader)
}
